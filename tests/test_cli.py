"""The `stackyard` command: what each command prints and its documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from stackyard.cli import main
from stackyard.errors import ExitCode
from stackyard.spec.schema import stack_spec_schema
from tests.conftest import REPO
from tests.specs import BASE_SPEC


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, "stackyard 0.1.0\n")


def test_plan_prints_tree_and_counts_and_writes_the_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "plan.json"
    code, out, err = run(capsys, "plan", str(REPO / "examples" / "quickstart"), "--out", str(out_file))
    assert code == ExitCode.OK, err
    assert "quickstart-dev stackyard:index:Platform" in out
    assert "Resources by type" in out
    assert "aws:kms/key:Key" in out
    document = json.loads(out_file.read_text())
    assert f"written to {out_file}" in out
    assert document["stackyard"]["stack"] == "dev"


def test_plan_of_a_missing_project_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "plan", str(tmp_path / "nowhere"))
    assert code == ExitCode.BAD_INPUT
    assert err == f"error: {tmp_path / 'nowhere'}: not a directory\n"
    assert "Traceback" not in out + err


def test_validate_valid_and_invalid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(BASE_SPEC))
    code, out, _ = run(capsys, "validate", str(good))
    assert code == ExitCode.OK
    assert out == f"{good}: valid spec for demo (dev, eu-west-1)\n"

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump({**BASE_SPEC, "environment": "qa", "allowed_regions": ["eu-central-1"], "x": 1})
    )
    code, out, err = run(capsys, "validate", str(bad))
    assert code == ExitCode.BAD_INPUT
    assert err.splitlines() == [
        f"error: {bad}: invalid spec, 3 errors:",
        "  environment: Input should be 'dev', 'staging' or 'prod'",
        "  x: Extra inputs are not permitted",
        "  allowed_regions: the stack's region 'eu-west-1' is not in allowed_regions",
    ]


def test_validate_reads_the_quickstart_stack_config(capsys: pytest.CaptureFixture[str]) -> None:
    config = REPO / "examples" / "quickstart" / "Pulumi.dev.yaml"
    code, out, _ = run(capsys, "validate", str(config))
    assert code == ExitCode.OK
    assert out.startswith(f"{config}: valid spec for quickstart (dev, eu-west-1); sections: ")


def test_schema_describes_every_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    code, _, err = run(capsys, "schema", "--out", str(target))
    assert code == ExitCode.OK
    assert err == f"wrote the StackSpec JSON Schema to {target}\n"
    schema = json.loads(target.read_text())
    assert schema == stack_spec_schema()
    missing = []
    for model_name, model in [("StackSpec", schema), *schema["$defs"].items()]:
        for field_name, field in model.get("properties", {}).items():
            if not field.get("description"):
                missing.append(f"{model_name}.{field_name}")
    assert missing == []
    assert set(schema["required"]) == {"project", "environment", "region", "tags"}


def _plan(*resources: tuple[str, str, dict]) -> dict:
    steps = []
    for type_token, name, inputs in resources:
        urn = f"urn:pulumi:dev::p::{type_token}::{name}"
        steps.append(
            {
                "op": "create",
                "urn": urn,
                "newState": {"urn": urn, "type": type_token, "custom": True, "inputs": inputs},
            }
        )
    return {"steps": steps}


FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
TOPIC = "aws:sns/topic:Topic"
BUCKET = "aws:s3/bucket:Bucket"


def test_diff_flags_replacements_and_removals_of_stateful_resources(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = _plan(
        (FEATURE_GROUP, "profile", {"recordIdentifierFeatureName": "customer_id", "tags": {"owner": "a"}}),
        (TOPIC, "alarms", {"displayName": "alarms"}),
        (BUCKET, "logs", {"tags": {"owner": "a"}}),
    )
    new = _plan(
        (FEATURE_GROUP, "profile", {"recordIdentifierFeatureName": "account_id", "tags": {"owner": "b"}}),
        (TOPIC, "alarms", {"displayName": "paging"}),
        (TOPIC, "deploys", {}),
    )
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))

    code, out, _ = run(capsys, "diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert code == ExitCode.OK
    assert "1 add, 1 change, 1 replace, 1 remove" in out
    assert "2 stateful resource(s) would be replaced or removed and lose their data" in out
    assert (
        '    recordIdentifierFeatureName: "customer_id" -> "account_id" [replaces]\n'
        '    tags.owner: "a" -> "b"\n'
    ) in out

    code, _, _ = run(
        capsys, "diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--fail-on-data-loss"
    )
    assert code == ExitCode.POLICY_FAILURE


def test_diff_of_identical_plans(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_plan((TOPIC, "t", {}))))
    code, out, _ = run(capsys, "diff", str(tmp_path / "a.json"), str(tmp_path / "a.json"))
    assert (code, out) == (0, "no changes\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "{path}: Pulumi document not found"),
        (
            "{not json",
            "{path} (line 1, column 2): malformed JSON: Expecting property name enclosed in double quotes",
        ),
        (
            '{"resources": []}',
            "{path}: not a stackyard plan, a `pulumi preview --json` document or a `pulumi stack export` "
            "document",
        ),
        ('{"steps": [{"op": "create"}]}', "{path}: steps[0] has no 'urn'"),
        (b"\xff\xfe", "{path}: not UTF-8 text: byte 0xff at offset 0 (line 1): invalid start byte"),
    ],
)
def test_diff_of_unreadable_plans_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "plan.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    code, _, err = run(capsys, "diff", str(path), str(path))
    assert code == ExitCode.BAD_INPUT
    assert err == f"error: {message.format(path=path)}\n"


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "deploy")
    assert code == ExitCode.BAD_INPUT
    assert "No such command 'deploy'" in err


def _every_command(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _every_command(sub, (*path, name))
    return found


def test_help_lists_every_command_with_its_whole_first_sentence_and_capital_arguments(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command, including those added later: no description cut with `...`, and positional
    arguments named in capitals the same way everywhere."""
    import click

    from stackyard.cli import command_tree

    tree = command_tree()
    commands = _every_command(tree)
    assert len(commands) > 10
    for path, command in commands:
        first = " ".join((command.help or "").split("\n\n")[0].split()).split(". ")[0].rstrip(".") + "."
        assert command.short_help == first, path
        for param in command.params:
            if isinstance(param, click.Argument) or param.param_type_name == "argument":
                assert param.metavar and param.metavar == param.metavar.upper(), (path, param.name)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out.split("Commands:")[1]
    assert "..." not in listing
    for name, sub in tree.commands.items():
        assert f"  {name}  " in listing and sub.short_help in " ".join(listing.split())
    assert main(["diff", "--help"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "Usage: stackyard diff [OPTIONS] {OLD} {NEW}"
