"""Typos in what a user gives `check` and `audit` are errors (exit 2, naming the file, with "did you
mean" suggestions), never a silently ignored entry: unknown rules, settings and packs in a policy
config; waivers of unknown rules; a waivers file with a key twice. A name is unknown only when no
loaded pack has it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackyard.cli import main
from stackyard.commands.check import default_pack
from tests.audit.account import create_compliant
from tests.check.checkdocs import USER_PACK
from tests.check.conftest import shared_dir
from tests.moto_server import REGION, aws, moto_server  # noqa: F401 (the moto server fixtures)

PREVIEW = shared_dir() / "fixtures" / "pulumi-real" / "sample-preview-creates.json"
WAIVER = """\
  - rule: {rule}
    resources: "*"
    reason: "Accepted in PLAT-1"
    approver: "jane.doe@example.com"
    ticket: "PLAT-1"
    expires: 2099-12-31
"""


def _config(tmp_path: Path, entries: dict[str, object]) -> Path:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(entries))
    return path


def _waivers(tmp_path: Path, *rules: str, text: str | None = None) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        text if text is not None else "waivers:\n" + "".join(WAIVER.format(rule=r) for r in rules)
    )
    return path


def _check(
    capsys: pytest.CaptureFixture[str], *args: object, packs: tuple[Path, ...] = ()
) -> tuple[int, str]:
    pack_args = [arg for pack in packs for arg in ("--pack", str(pack))]
    code = main(["check", str(PREVIEW), *pack_args, *[str(a) for a in args]])
    return code, capsys.readouterr().err


CONFIG_TYPOS = [
    (
        {"SY-ENC-0O1": "mandatory"},
        "1 unknown name in the policy config:\n"
        "  'SY-ENC-0O1': no loaded pack has the rule 'SY-ENC-0O1'; did you mean SY-ENC-001, SY-ENC-011?",
    ),
    (
        {"SY-RES-001": {"enforcementLevel": "mandatory", "allowedRegion": ["eu-west-1"]}},
        "1 unknown name in the policy config:\n"
        "  'SY-RES-001': SY-RES-001 has no setting 'allowedRegion'; did you mean allowedRegions?",
    ),
    (
        {"stackyrd:SY-ENC-001": "advisory"},
        "1 unknown name in the policy config:\n"
        "  'stackyrd:SY-ENC-001': no loaded pack is named 'stackyrd'; did you mean stackyard?",
    ),
    (
        {"stackyard:SY-ENC-01": "advisory", "all": "mandatory", "SY-TAG-001": {"requiredTag": []}},
        "2 unknown names in the policy config:\n"
        "  'stackyard:SY-ENC-01': pack 'stackyard' has no rule 'SY-ENC-01'; did you mean SY-ENC-001, SY-ENC-010, "
        "SY-ENC-011?\n"
        "  'SY-TAG-001': SY-TAG-001 has no setting 'requiredTag'; did you mean requiredTags?",
    ),
]


@pytest.mark.parametrize(("entries", "message"), CONFIG_TYPOS)
def test_check_refuses_config_typos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entries: dict[str, object], message: str
) -> None:
    config = _config(tmp_path, entries)
    assert _check(capsys, "--config", config) == (2, f"error: {config}: {message}\n")


def test_a_foreign_packs_rules_and_settings_are_known_when_it_is_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = {"no-public-buckets": "advisory", "user-pack:few-resources": {"maxResources": 500}}
    config = _config(tmp_path, entries)
    code, err = _check(capsys, "--config", config, packs=(USER_PACK, default_pack()))
    assert (code, err) == (1, "")
    code, err = _check(capsys, "--config", config)  # the catalog alone knows neither
    assert (code, err) == (
        2,
        f"error: {config}: 2 unknown names in the policy config:\n"
        "  'no-public-buckets': no loaded pack has the rule 'no-public-buckets'\n"
        "  'user-pack:few-resources': no loaded pack is named 'user-pack'\n",
    )


def test_check_refuses_waivers_of_unknown_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    waivers = _waivers(tmp_path, "SY-ENC-001", "SY-ENC-0O1", "no-such-rule")
    assert _check(capsys, "--waivers", waivers) == (
        2,
        f"error: {waivers}: 2 waivers for unknown rules:\n"
        "  W2: no loaded pack has the rule 'SY-ENC-0O1'; did you mean SY-ENC-001, SY-ENC-011?\n"
        "  W3: no loaded pack has the rule 'no-such-rule'\n",
    )


def test_a_waiver_of_a_foreign_packs_rule_is_known_when_it_is_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = _waivers(tmp_path, "no-public-buckets")
    code, err = _check(
        capsys, "--waivers", waivers, "--format", "text", "--out-dir", tmp_path, packs=(USER_PACK,)
    )
    assert (code, err) == (0, "")
    assert "W1" in (tmp_path / "stackyard-check.txt").read_text()


def test_a_valid_waiver_left_unused_is_still_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = _waivers(tmp_path, "SY-IAM-002")
    code = main(["check", str(PREVIEW), "--waivers", str(waivers), "--out-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1  # the preview's full-access attachments fail SY-IAM-001
    assert (
        "  W1 UNUSED SY-IAM-002 * (expires 2099-12-31, ticket PLAT-1, approved by jane.doe@example.com; "
        "matched 0): Accepted in PLAT-1\n"
    ) in captured.out
    assert captured.err == ""


def test_check_refuses_a_waivers_file_with_a_key_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = _waivers(tmp_path, text="waivers: []\nwaivers: []\n")
    assert _check(capsys, "--waivers", waivers) == (
        2,
        f"error: {waivers} (line 2, column 1): malformed YAML: duplicate key 'waivers'\n",
    )


def test_audit_refuses_the_same_typos(aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """`audit` reads config and waivers through the same options and checks as `check`."""
    create_compliant(aws)
    base = ["audit", "--region", REGION, "--endpoint-url", aws, "--only", "s3", "--out-dir", str(tmp_path)]
    config = _config(tmp_path, {"SY-ENC-0O1": "mandatory"})
    assert main([*base, "--config", str(config)]) == 2
    assert capsys.readouterr().err == (
        f"error: {config}: 1 unknown name in the policy config:\n"
        "  'SY-ENC-0O1': no loaded pack has the rule 'SY-ENC-0O1'; did you mean SY-ENC-001, SY-ENC-011?\n"
    )
    waivers = _waivers(tmp_path, "SY-ENC-0O1")
    assert main([*base, "--waivers", str(waivers)]) == 2
    assert capsys.readouterr().err == (
        f"error: {waivers}: 1 waiver for unknown rules:\n"
        "  W1: no loaded pack has the rule 'SY-ENC-0O1'; did you mean SY-ENC-001, SY-ENC-011?\n"
    )
    duplicated = _waivers(tmp_path, text="waivers: []\nwaivers: []\n")
    assert main([*base, "--waivers", str(duplicated)]) == 2
    assert capsys.readouterr().err == (
        f"error: {duplicated} (line 2, column 1): malformed YAML: duplicate key 'waivers'\n"
    )
