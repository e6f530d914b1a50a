"""`stackyard init`: what it writes, that it never overwrites, and that the result plans and checks
clean out of the box."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from stackyard.cli import main
from stackyard.errors import UserError
from stackyard.policies.presets import load_preset
from stackyard.scaffold import example_names, init_project, project_name_for
from stackyard.scaffold.policy import merge_presets
from stackyard.spec.loader import load_spec_file
from tests.examples.harness import EXAMPLES, EXAMPLES_DIR

QUICKSTART_FILES = [
    ".github/workflows/stackyard-deploy.yml",
    ".github/workflows/stackyard-preview.yml",
    "Pulumi.dev.yaml",
    "Pulumi.yaml",
    "README.md",
    "__main__.py",
    "requirements.txt",
    "stackyard-policy.json",
    "waivers.yaml",
]


def files_under(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_every_example_can_be_initialised_from() -> None:
    assert example_names() == sorted(EXAMPLES)


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        ("my-stack", "my-stack"),
        ("My Stack_2", "my-stack-2"),
        ("42-models", "ml-42-models"),
        ("x" * 40, "x" * 32),
    ],
)
def test_project_name_from_the_directory(tmp_path: Path, directory: str, expected: str) -> None:
    assert project_name_for(tmp_path / directory) == expected


def test_a_directory_name_that_makes_no_project_name_asks_for_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="give one with --name"):
        project_name_for(tmp_path / "__")


def test_init_writes_a_project_from_the_quickstart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "churn-platform"
    assert main(["init", str(target)]) == 0
    assert files_under(target) == QUICKSTART_FILES
    assert yaml.safe_load((target / "Pulumi.yaml").read_text())["name"] == "churn-platform"
    spec = load_spec_file(target / "Pulumi.dev.yaml")
    assert spec.project == "churn-platform"
    # Everything but the names is the example's, comments included.
    source = (EXAMPLES_DIR / "quickstart" / "Pulumi.dev.yaml").read_text()
    assert (target / "Pulumi.dev.yaml").read_text() == source.replace(
        "project: quickstart", "project: churn-platform", 1
    )
    assert (target / "__main__.py").read_text() == (EXAMPLES_DIR / "quickstart" / "__main__.py").read_text()
    assert json.loads((target / "stackyard-policy.json").read_text()) == load_preset("baseline")
    assert yaml.safe_load((target / "waivers.yaml").read_text()) == {"waivers": []}
    out = capsys.readouterr().out
    assert "stackyard plan . --stack dev" in out


def test_init_never_overwrites_and_writes_nothing_when_a_file_is_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "Pulumi.yaml").write_text("name: mine\n")
    (target / "notes.txt").write_text("keep me\n")
    assert main(["init", str(target)]) == 2
    error = capsys.readouterr().err
    assert "nothing was written; in the way: Pulumi.yaml exists (move them away" in error
    assert files_under(target) == ["Pulumi.yaml", "notes.txt"]
    assert (target / "Pulumi.yaml").read_text() == "name: mine\n"


def test_a_file_where_a_directory_goes_stops_init_before_the_first_write(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / ".github").write_text("not a directory\n")
    with pytest.raises(UserError) as caught:
        init_project(target)
    assert "in the way: .github is a file, not a directory" in caught.value.message
    assert files_under(target) == [".github"]


def test_symlinks_are_in_the_way_dangling_ones_too(tmp_path: Path) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / "waivers.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (tmp_path / "elsewhere").mkdir()
    (target / ".github").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UserError) as caught:
        init_project(target)
    assert caught.value.message == (
        f"{target}: not initialised, nothing was written; in the way: .github is a symlink; "
        "waivers.yaml is a symlink (dangling) (move them away or choose another directory)"
    )
    assert sorted(p.name for p in target.iterdir()) == [".github", "waivers.yaml"]
    assert not (tmp_path / "nowhere.yaml").exists()
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_write_that_fails_half_way_takes_back_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stackyard.files

    real = stackyard.files.write_text_atomically
    calls = []

    def fail_on_the_fourth(path: Path, text: str) -> Path:
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(stackyard.files, "write_text_atomically", fail_on_the_fourth)
    with pytest.raises(OSError):
        init_project(tmp_path / "new" / "proj")
    assert len(calls) == 4
    assert not (tmp_path / "new").exists()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="exists and is not a directory"):
        init_project(tmp_path / "file")


def test_unknown_example_lists_the_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "proj"), "--example", "nope"]) == 2
    assert (
        "no example 'nope'; examples: compose-your-own, continuous-training, eu-regulated, gpu-training"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "proj").exists()


def test_invalid_project_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="'Bad_Name' is not a valid project name"):
        init_project(tmp_path / "proj", project="Bad_Name")


def test_an_example_keeps_its_own_policy_config_and_waivers(tmp_path: Path) -> None:
    init_project(tmp_path / "eu", "eu-regulated", project="risk-eu")
    for name in ("stackyard-policy.json", "waivers.yaml"):
        assert (tmp_path / "eu" / name).read_text() == (EXAMPLES_DIR / "eu-regulated" / name).read_text()
    assert load_spec_file(tmp_path / "eu" / "Pulumi.dev.yaml").project == "risk-eu"


def test_presets_given_replace_the_policy_config(tmp_path: Path) -> None:
    init_project(tmp_path / "proj", presets=["baseline", "gdpr-eu"])
    config = json.loads((tmp_path / "proj" / "stackyard-policy.json").read_text())
    assert config == merge_presets(["baseline", "gdpr-eu"])
    # The strictest level of the two, the last preset's settings.
    assert config["SY-TAG-001"]["enforcementLevel"] == "mandatory"  # advisory in baseline
    assert (
        config["SY-SRV-004"]["enforcementLevel"] == load_preset("baseline")["SY-SRV-004"]["enforcementLevel"]
    )
    assert config["SY-RES-001"]["allowedRegions"] == load_preset("gdpr-eu")["SY-RES-001"]["allowedRegions"]


def test_unknown_preset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no preset lax; presets: baseline, strict, gdpr-eu"):
        init_project(tmp_path / "proj", presets=["lax"])
    assert not (tmp_path / "proj").exists()


def test_compose_your_own_keeps_its_program_and_config(tmp_path: Path) -> None:
    init_project(tmp_path / "mine", "compose-your-own")
    assert (tmp_path / "mine" / "__main__.py").read_text() == (
        EXAMPLES_DIR / "compose-your-own" / "__main__.py"
    ).read_text()
    assert "team:owner" in (tmp_path / "mine" / "Pulumi.dev.yaml").read_text()


# --- the workflows -------------------------------------------------------------------------------

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


@pytest.fixture(scope="module")
def workflows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    target = tmp_path_factory.mktemp("wf") / "wf-project"
    init_project(target)
    return {
        path.name: yaml.safe_load(path.read_text())
        for path in sorted((target / ".github" / "workflows").glob("*.yml"))
    }


def steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_workflows_parse_and_pin_every_action(workflows: dict[str, dict[str, Any]]) -> None:
    assert sorted(workflows) == ["stackyard-deploy.yml", "stackyard-preview.yml"]
    for name, workflow in workflows.items():
        uses = [step["uses"] for step in steps_of(workflow) if "uses" in step]
        assert uses, name
        for action in uses:
            assert PINNED.match(action), f"{name}: {action} is not pinned to a full version tag or commit SHA"


def test_preview_workflow_previews_checks_reports_and_fails(workflows: dict[str, dict[str, Any]]) -> None:
    workflow = workflows["stackyard-preview.yml"]
    # PyYAML reads the bare key `on` as True.
    assert "pull_request" in workflow[True]
    assert workflow["permissions"]["security-events"] == "write"
    assert workflow["permissions"]["pull-requests"] == "write"
    steps = steps_of(workflow)
    by_action = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    preview = by_action["pulumi/actions"]
    assert preview["with"]["command"] == "preview"
    assert preview["with"]["policyPacks"] == "${{ steps.pack.outputs.dir }}"
    assert preview["with"]["policyPackConfigs"] == "stackyard-policy.json"
    check = next(step for step in steps if "stackyard check" in step.get("run", ""))
    for flag in (
        "preview.json",
        "--config stackyard-policy.json",
        "--waivers waivers.yaml",
        "--format sarif",
        "--format md",
    ):
        assert flag in check["run"]
    assert (
        by_action["github/codeql-action/upload-sarif"]["with"]["sarif_file"]
        == "reports/stackyard-check.sarif"
    )
    diff = next(step for step in steps if "stackyard diff" in step.get("run", ""))
    assert 'pulumi stack export --stack "$STACK" --file state.json' in diff["run"]
    for command in (
        "stackyard diff state.json preview.json --format md > reports/stackyard-diff.md",
        "stackyard diff state.json preview.json --fail-on-data-loss",
    ):
        assert command in diff["run"]
    assert diff["run"].rstrip().endswith("--fail-on-data-loss")  # the reports are written first
    assemble = next(step for step in steps if "pr-comment.md" in step.get("run", ""))
    assert "reports/stackyard-check.md reports/stackyard-diff.md" in assemble["run"]
    comment = by_action["marocchino/sticky-pull-request-comment"]["with"]
    assert comment == {"header": "stackyard", "path": "reports/pr-comment.md"}
    last = steps[-1]
    assert (
        last["if"] == f"steps.{check['id']}.outcome == 'failure' || steps.{diff['id']}.outcome == 'failure'"
    )
    assert "exit 1" in last["run"]


def test_deploy_workflow_goes_dev_staging_prod_behind_environments(
    workflows: dict[str, dict[str, Any]],
) -> None:
    workflow = workflows["stackyard-deploy.yml"]
    assert workflow[True] == {"push": {"branches": ["main"]}}
    jobs = workflow["jobs"]
    assert list(jobs) == ["dev", "staging", "prod"]
    assert "needs" not in jobs["dev"]
    assert jobs["staging"]["needs"] == "dev"
    assert jobs["prod"]["needs"] == "staging"
    for stack, job in jobs.items():
        assert job["environment"] == stack
        steps = job["steps"]
        gate = next(i for i, s in enumerate(steps) if "stackyard check preview.json" in s.get("run", ""))
        up = next(i for i, s in enumerate(steps) if s.get("with", {}).get("command") == "up")
        assert gate < up
        assert f"pulumi stack export --stack {stack} --file deployed.json" in steps[gate]["run"]
        assert "stackyard diff deployed.json preview.json --fail-on-data-loss" in steps[gate]["run"]
        assert steps[up]["with"]["stack-name"] == stack
        artifact = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
        assert artifact["with"]["name"] == f"stackyard-evidence-{stack}"
        assert any("--format json" in s.get("run", "") and "state.json" in s["run"] for s in steps)
        runs = [s.get("run", "") for s in steps]
        verify = next(i for i, run in enumerate(runs) if run.startswith("stackyard verify state.json"))
        audit = next(i for i, run in enumerate(runs) if "stackyard audit --region" in run)
        assert up < verify < audit
        assert f"--spec Pulumi.{stack}.yaml" in runs[verify]
        assert "--state state.json" in runs[audit]


def test_workflows_use_the_example_region(tmp_path: Path) -> None:
    init_project(tmp_path / "gpu", "gpu-training")
    text = (tmp_path / "gpu" / ".github" / "workflows" / "stackyard-deploy.yml").read_text()
    assert "aws-region: us-east-1" in text


# --- done when: init in an empty directory plans and checks clean -------------------------------


def readme_commands(readme: str, heading: str) -> list[list[str]]:
    """The commands of the first shell block under `## heading`."""
    section = readme.split(f"## {heading}\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def test_the_new_project_has_its_own_readme(tmp_path: Path) -> None:
    target = tmp_path / "churn-platform"
    init_project(target)
    readme = (target / "README.md").read_text()
    assert readme.startswith("# churn-platform\n")
    assert "stackyard init --example quickstart" in readme
    # Every file init wrote is in the README's table, and nothing of stackyard's repository is named.
    listed = re.findall(r"(?m)^\| `([^`]+)` \|", readme)
    assert listed == sorted(set(files_under(target)) - {"README.md"})
    for foreign in ("examples/", "policies/presets", "tests/", "snapshots", "# quickstart"):
        assert foreign not in readme
    assert readme_commands(readme, "Plan and check it offline") == [
        ["stackyard", "plan", ".", "--stack", "dev"],
        [
            "stackyard",
            "check",
            ".stackyard/plan-dev.json",
            "--config",
            "stackyard-policy.json",
            "--waivers",
            "waivers.yaml",
            "--format",
            "md",
            "--out-dir",
            "reports",
        ],
    ]


def test_a_program_that_composes_components_is_not_called_spec_driven(tmp_path: Path) -> None:
    init_project(tmp_path / "my-own", "compose-your-own")
    readme = (tmp_path / "my-own" / "README.md").read_text()
    assert readme.startswith("# my-own\n")
    assert "composes stackyard's components itself" in readme
    assert "with the spec" not in readme


def test_an_initialised_project_plans_and_checks_clean_with_its_readme_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "fresh"
    assert main(["init", str(target)]) == 0
    monkeypatch.chdir(target)
    plan_command, check_command = readme_commands(
        (target / "README.md").read_text(), "Plan and check it offline"
    )
    assert main([*plan_command[1:], "-q"]) == 0
    assert (target / ".stackyard" / "plan-dev.json").is_file()
    capsys.readouterr()
    code = main([*check_command[1:], "--format", "sarif"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED: no mandatory failure" in out
    assert (target / "reports" / "stackyard-check.md").is_file()
    assert (target / "reports" / "stackyard-check.sarif").is_file()


@pytest.mark.parametrize("example", [name for name in EXAMPLES if name != "compose-your-own"])
def test_every_spec_driven_example_initialises_to_a_valid_renamed_spec(tmp_path: Path, example: str) -> None:
    result = init_project(tmp_path / "new-project", example)
    assert result.project == "new-project"
    spec = load_spec_file(tmp_path / "new-project" / "Pulumi.dev.yaml")
    assert spec.project == "new-project"
    original = load_spec_file(EXAMPLES_DIR / example / "Pulumi.dev.yaml")
    assert spec.model_dump(exclude={"project"}) == original.model_dump(exclude={"project"})
