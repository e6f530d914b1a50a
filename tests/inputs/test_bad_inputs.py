"""One example per class of bad input, through the CLI: each is exit 2 with one message that names
the file and says what is wrong, never a traceback."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import yaml

from stackyard.cli import main
from stackyard.input_files import MAX_ALIASED_NODES, SPEC, STACK_CONFIG
from tests.specs import BASE_SPEC

PREVIEW = Path("/work/shared/fixtures/pulumi-real/sample-preview-creates.json")
USER_PACK = Path(__file__).resolve().parents[1] / "check" / "fixtures" / "user_pack"
PROGRAM = "import pulumi_aws as aws\n\naws.s3.Bucket('b', tags={'owner': 'me'})\n"


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def project(directory: Path, stack_config: str = "config:\n  aws:region: eu-west-1\n") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (directory / "__main__.py").write_text(PROGRAM)
    (directory / "Pulumi.dev.yaml").write_text(stack_config)
    return directory


def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(BASE_SPEC))
    return path


# --- not UTF-8 ----------------------------------------------------------------------------------


NOT_UTF8 = b"name: p\nruntime: python\n# caf\xe9\n"


@pytest.mark.parametrize("kind", ["spec", "Pulumi.yaml", "stack config", "--config", "--waivers", "diff"])
def test_a_file_that_is_not_utf8_names_the_file_and_the_byte_offset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    offset = NOT_UTF8.index(b"\xe9")
    if kind == "spec":
        bad = tmp_path / "spec.yaml"
        bad.write_bytes(NOT_UTF8)
        argv: list[object] = ["validate", bad]
    elif kind in ("Pulumi.yaml", "stack config"):
        directory = project(tmp_path / "p")
        bad = directory / ("Pulumi.yaml" if kind == "Pulumi.yaml" else "Pulumi.dev.yaml")
        bad.write_bytes(NOT_UTF8)
        argv = ["plan", directory, "--stack", "dev"]
    elif kind == "diff":
        bad = tmp_path / "old.json"
        bad.write_bytes(b'{"steps": ["\xe9"]}')
        offset = 12
        argv = ["diff", bad, PREVIEW]
    else:
        bad = tmp_path / "file"
        bad.write_bytes(NOT_UTF8)
        argv = ["check", PREVIEW, "--pack", USER_PACK, kind, bad]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert f"error: {bad}: not UTF-8 text: byte 0xe9 at offset {offset}" in err


# --- nesting, aliases, duplicates, size ---------------------------------------------------------


def test_json_and_yaml_nested_100000_deep_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deep_json = tmp_path / "deep.json"
    deep_json.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run(capsys, "diff", deep_json, deep_json)
    assert (code, err) == (2, f"error: {deep_json}: nested more than 100 levels deep; refused\n")

    deep_yaml = tmp_path / "spec.yaml"
    deep_yaml.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = run(capsys, "validate", deep_yaml)
    assert code == 2
    assert err.startswith(f"error: {deep_yaml} (line 1, column ")


def test_an_alias_bomb_in_stack_config_is_refused_before_it_grows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = ["config:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    directory = project(tmp_path / "p", "\n".join(lines) + "\n")
    code, _, err = run(capsys, "plan", directory)
    assert code == 2
    assert f"YAML aliases expand to more than {MAX_ALIASED_NODES:,} nodes; refused" in err
    assert f"{directory / 'Pulumi.dev.yaml'} (line " in err


def test_duplicate_keys_are_refused_in_json_and_yaml(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"all": "advisory", "all": "mandatory"}')
    code, _, err = run(capsys, "check", PREVIEW, "--pack", USER_PACK, "--config", policy)
    assert (code, err) == (2, f"error: {policy}: duplicate key 'all' in one JSON object\n")

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(BASE_SPEC) + "region: us-east-1\n")
    code, _, err = run(capsys, "validate", spec)
    assert (code, err) == (2, f"error: {spec} (line 8, column 1): malformed YAML: duplicate key 'region'\n")


def test_files_over_their_size_limit_are_refused_unread(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("# " + "x" * SPEC.max_bytes + "\n")
    code, _, err = run(capsys, "validate", spec)
    assert (code, err) == (
        2,
        f"error: {spec}: larger than the 1.0 MiB a spec file may be; is this the right file?\n",
    )

    directory = project(tmp_path / "p", "# " + "x" * STACK_CONFIG.max_bytes + "\n")
    code, _, err = run(capsys, "plan", directory)
    assert code == 2
    assert "larger than the 1.0 MiB a stack config may be" in err


def test_a_huge_value_is_quoted_at_most_200_characters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({**BASE_SPEC, "region": "x" * 500_000}))
    code, _, err = run(capsys, "validate", spec)
    assert code == 2
    assert len(err) < 3_000
    assert "more characters)" in err
    assert "x" * 201 not in err


# --- wrong shapes ---------------------------------------------------------------------------------


def test_a_config_that_is_a_list_gives_its_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory = project(tmp_path / "p", "config:\n  - aws:region\n")
    code, _, err = run(capsys, "plan", directory)
    stack_file = directory / "Pulumi.dev.yaml"
    assert code == 2
    assert err == (
        f"error: {stack_file}: invalid stack config, 1 error:\n  {stack_file}:1: config: expected a mapping, got a list\n"
    )


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"inputs": ["a"]}, "steps[0].newState.inputs: expected a mapping, got a list"),
        ({"inputs": "a"}, "steps[0].newState.inputs: expected a mapping, got a string"),
        ({"type": 7}, "steps[0].newState.type: expected a string, got int"),
    ],
)
def test_wrong_types_in_a_preview_give_their_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, state: dict[str, object], message: str
) -> None:
    urn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"
    document = {"steps": [{"op": "create", "urn": urn, "newState": {"urn": urn, "type": "t", **state}}]}
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(document))
    for argv in (["check", path, "--pack", USER_PACK], ["diff", path, path]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert err == f"error: {path}: invalid Pulumi document, 1 error:\n  {path}: {message}\n"


# --- output paths ---------------------------------------------------------------------------------


def test_unusable_output_paths_fail_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = project(tmp_path / "p")
    # The program would fail: reaching it would show in the message.
    (directory / "__main__.py").write_text("raise RuntimeError('the program ran')\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    cases = [
        (
            ["plan", directory, "--out", tmp_path],
            f"{tmp_path}: is a directory; give the file to write the plan to",
        ),
        (
            ["plan", directory, "--out", a_file / "plan.json"],
            f"{a_file / 'plan.json'}: cannot write the plan: {a_file} is a file, not a directory",
        ),
        (["plan", directory, "--out", "/proc/plan.json"], "/proc/plan.json: cannot write the plan in /proc"),
        (
            ["check", directory, "--format", "json", "--out-dir", a_file],
            f"{a_file}: is a file; give a directory to write the reports into",
        ),
        (
            ["check", directory, "--format", "json", "--out-dir", tmp_path / "dangling"],
            f"{tmp_path / 'dangling'}: cannot write the reports: {tmp_path / 'dangling'} is a dangling symlink",
        ),
        (
            ["check", directory, "--format", "json", "--out-dir", a_file / "reports"],
            f"{a_file / 'reports'}: cannot write the reports: {a_file} is a file, not a directory",
        ),
    ]
    for argv, message in cases:
        code, _, err = run(capsys, *argv)
        assert (code, err) == (2, f"error: {message}\n")


def test_plan_out_replaces_only_a_plan_stackyard_wrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = project(tmp_path / "p")
    out = tmp_path / "plan.json"
    out.write_text("my notes\n")
    code, _, err = run(capsys, "plan", directory, "--out", out, "-q")
    assert (code, err) == (
        2,
        f"error: {out}: exists and is not a plan stackyard wrote; not overwritten (use --force to replace it)\n",
    )
    assert out.read_text() == "my notes\n"
    assert run(capsys, "plan", directory, "--out", out, "-q", "--force")[0] == 0
    assert json.loads(out.read_text())["stackyard"]["generator"].startswith("stackyard ")
    assert run(capsys, "plan", directory, "--out", out, "-q")[0] == 0  # its own plan: replaced


# --- time limits ----------------------------------------------------------------------------------


def test_a_spec_module_that_loops_is_stopped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    module = tmp_path / "spec.py"
    module.write_text("while True:\n    pass\n")
    code, _, err = run(capsys, "validate", module, "--timeout", "0.5")
    assert (code, err) == (
        2,
        f"error: {module}: the spec module: still running after 0.5 s, stopped (raise the limit with --timeout)\n",
    )


def test_a_pack_whose_rule_loops_is_stopped_naming_the_pack_and_the_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pack = tmp_path / "looping_pack"
    pack.mkdir()
    for name in ("PulumiPolicy.yaml", "__main__.py"):
        text = (USER_PACK / name).read_text()
        if name == "__main__.py":
            text = text.replace(
                "def tagged(args: ResourceValidationArgs, report: ReportViolation) -> None:\n",
                "def tagged(args: ResourceValidationArgs, report: ReportViolation) -> None:\n    while True:\n        pass\n",
            )
        (pack / name).write_text(text)
    # Long enough for the pack to start on a busy machine: the limit covers its start-up too.
    code, _, err = run(capsys, "check", PREVIEW, "--pack", pack, "--timeout", "10")
    assert code == 2
    assert err.startswith(f"error: policy pack {pack}: no answer while analyzing urn:pulumi:")
    assert "it was running tagged (__main__.py:" in err
    assert err.endswith("(the time limit of --timeout ran out)\n")


# --- reports as a set -----------------------------------------------------------------------------


def test_reports_are_one_set_and_only_stackyards_files_are_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    base = ["check", PREVIEW, "--pack", USER_PACK, "--out-dir", out]
    assert run(capsys, *base, "--format", "json", "--format", "sarif")[0] in (0, 1)
    assert sorted(p.name for p in out.iterdir()) == [
        ".stackyard-reports.json",
        "stackyard-check.json",
        "stackyard-check.sarif",
    ]
    # A later run with other formats leaves no report of the earlier run behind.
    assert run(capsys, *base, "--format", "md")[0] in (0, 1)
    assert sorted(p.name for p in out.iterdir()) == [".stackyard-reports.json", "stackyard-check.md"]
    # A report the user edited is theirs now.
    (out / "stackyard-check.md").write_text("edited\n")
    code, _, err = run(capsys, *base, "--format", "md")
    assert code == 2
    assert "not overwritten, stackyard did not write (or the user changed) stackyard-check.md" in err
    assert (out / "stackyard-check.md").read_text() == "edited\n"
    assert run(capsys, *base, "--format", "md", "--force")[0] in (0, 1)
    assert (out / "stackyard-check.md").read_text() != "edited\n"


def test_leftovers_of_a_killed_run_are_removed_by_the_next(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    out = tmp_path / "reports"
    (out / f".stackyard-tmp-{pid}-x1").mkdir(parents=True)
    (out / f".stackyard-tmp-{pid}-x1" / "stackyard-check.json").write_text("{}")
    (out / f".stackyard-check.md.stackyard-tmp-{pid}-y2").write_text("half")
    alive = out / f".stackyard-tmp-{os.getpid()}-z3"
    alive.mkdir()
    assert run(capsys, "check", PREVIEW, "--pack", USER_PACK, "--out-dir", out, "--format", "md")[0] in (0, 1)
    assert sorted(p.name for p in out.iterdir()) == [
        ".stackyard-reports.json",
        alive.name,
        "stackyard-check.md",
    ]


def test_sigterm_while_writing_removes_the_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stackyard import outputs

    real_fsync = os.fsync

    def terminated_fsync(fd: int) -> None:
        real_fsync(fd)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(outputs.os, "fsync", terminated_fsync)
    with pytest.raises(outputs.Terminated) as caught:
        outputs.write_report_set(tmp_path, {"stackyard-check.json": "{}", "stackyard-check.md": "# x"})
    assert caught.value.code == 143
    assert list(tmp_path.iterdir()) == []
