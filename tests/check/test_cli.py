"""`stackyard check` as CI calls it: options, reports on disk and the documented exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from stackyard.commands.check import default_pack
from tests.check.checkdocs import FIXTURES, USER_PACK
from tests.check.conftest import REPO, WAIVERS, CliResult, scenario_plan

Cli = Callable[..., CliResult]
CATALOG_STYLE = FIXTURES / "catalog_style_pack"


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    return scenario_plan().write(tmp_path / "plan.json")


def test_mandatory_failures_exit_1_and_every_report_is_written(
    run_cli: Cli, plan: Path, tmp_path: Path
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    out = tmp_path / "reports"
    formats = [arg for name in ("text", "json", "sarif", "junit", "md", "html") for arg in ("--format", name)]
    result = run_cli(
        plan, "--pack", USER_PACK, "--pack", CATALOG_STYLE, "--waivers", waivers, "--out-dir", out, *formats
    )
    assert result.exit_code == 1, result.output
    assert "FAIL          no-public-buckets [mandatory] public" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".stackyard-reports.json",
        "stackyard-check.html",
        "stackyard-check.json",
        "stackyard-check.junit.xml",
        "stackyard-check.md",
        "stackyard-check.sarif",
        "stackyard-check.txt",
    ]
    assert json.loads((out / "stackyard-check.json").read_text())["exitCode"] == 1


def test_config_and_strict(run_cli: Cli, plan: Path, tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"no-public-buckets": "disabled"}))
    relaxed = run_cli(plan, "--pack", USER_PACK, "--config", config)
    assert relaxed.exit_code == 0, relaxed.output
    assert relaxed.output.endswith("PASSED: no mandatory failure\n")
    strict = run_cli(plan, "--pack", USER_PACK, "--config", config, "--strict")
    assert strict.exit_code == 1  # customer-managed-key is indeterminate on opaque-sse
    assert strict.output.endswith("FAILED: 1 mandatory failure or indeterminate result\n")


@pytest.mark.parametrize(
    "document", ["sample-preview-creates.json", "sample-preview-update.json", "sample-export.json"]
)
def test_real_pulumi_documents_with_a_users_pack(run_cli: Cli, real_dir: Path, document: str) -> None:
    result = run_cli(real_dir / document, "--pack", USER_PACK)
    assert result.exit_code == 0, result.output
    assert "WARN          required-tags [advisory] docs (aws:s3/bucket:Bucket)" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "pdf"], "unknown report format pdf"),
        (["--waivers", "{tmp}/waivers.yaml"], "waivers.yaml:2: waivers[0].resources: Field required"),
        (
            ["--config", "{tmp}/config.json"],
            "config.json (line 1, column 2): malformed JSON: Expecting property name",
        ),
        (["--pack", "{tmp}"], "not a Python policy pack"),
    ],
)
def test_bad_usage_exits_2(
    run_cli: Cli, plan: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "waivers.yaml").write_text("waivers:\n  - rule: x\n    reason: r\n")
    (tmp_path / "config.json").write_text("{oops")
    result = run_cli(plan, *[a.format(tmp=tmp_path) for a in arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_missing_and_unreadable_inputs_exit_2(run_cli: Cli, tmp_path: Path) -> None:
    missing = run_cli(tmp_path / "nope.json", "--pack", USER_PACK)
    assert (missing.exit_code, missing.output.strip()) == (
        2,
        f"{tmp_path / 'nope.json'}: no such file or directory",
    )
    garbage = tmp_path / "garbage.json"
    garbage.write_text("<html>")
    assert run_cli(garbage, "--pack", USER_PACK).exit_code == 2


def test_the_default_pack_is_the_catalog() -> None:
    assert default_pack().resolve() == (REPO / "policies").resolve()


@pytest.mark.parametrize(
    ("crash", "rule", "line", "message"),
    [
        ("resource", "crash-on-buckets", 18, "bucket rule crashed"),
        ("stack", "crash-on-stack", 23, "stack rule crashed"),
    ],
)
def test_a_policy_that_raises_is_an_error_result_and_exits_1(
    run_cli: Cli,
    plan: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crash: str,
    rule: str,
    line: int,
    message: str,
) -> None:
    monkeypatch.setenv("BROKEN_PACK_CRASH", crash)
    result = run_cli(plan, "--pack", FIXTURES / "broken_pack", "--format", "json", "--out-dir", tmp_path)
    assert result.exit_code == 1
    evidence = json.loads((tmp_path / "stackyard-check.json").read_text())
    errors = [r for r in evidence["results"] if r["result"] == "error"]
    assert errors
    assert {r["rule"] for r in errors} == {rule}
    assert {r["message"] for r in errors} == {
        f"the policy raised RuntimeError: {message} at {FIXTURES / 'broken_pack' / '__main__.py'}:{line}"
    }
    other = "crash-on-stack" if rule == "crash-on-buckets" else "crash-on-buckets"
    assert {r["result"] for r in evidence["results"] if r["rule"] == other} <= {"pass", "not_applicable"}
