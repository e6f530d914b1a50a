"""The offline plan: what a Pulumi program would send the engine, as preview JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stackyard.errors import UserError
from stackyard.plan import plan_project
from stackyard.plan.wire import UNKNOWN, contains_unknown
from stackyard.pulumi_documents import PROVIDER_TYPE_PREFIX
from stackyard.pulumi_documents import new_states as resources_of
from tests.conftest import REPO

SECRET_VALUE = "hunter2-do-not-leak"


def write_project(directory: Path, program: str, stack_config: str, project: str = "proj") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {project}\nruntime: python\n")
    (directory / "__main__.py").write_text(program)
    (directory / "Pulumi.dev.yaml").write_text(stack_config)
    return directory


@pytest.fixture(scope="module")
def quickstart_plan() -> dict:
    return plan_project(REPO / "examples" / "quickstart")


def test_quickstart_plan_is_preview_json_with_stackyard_metadata(quickstart_plan: dict) -> None:
    assert set(quickstart_plan) == {"config", "steps", "changeSummary", "stackyard"}
    assert quickstart_plan["changeSummary"] == {"create": len(quickstart_plan["steps"])}
    assert all(step["op"] == "create" for step in quickstart_plan["steps"])
    meta = quickstart_plan["stackyard"]
    assert (meta["planVersion"], meta["project"], meta["stack"]) == (1, "stackyard-quickstart", "dev")
    assert quickstart_plan["steps"][0]["newState"]["type"] == "pulumi:pulumi:Stack"


def test_every_aws_resource_has_its_providers_region(quickstart_plan: dict) -> None:
    states = resources_of(quickstart_plan)
    providers = {
        f"{s['urn']}::{UNKNOWN}": s["inputs"] for s in states if s["type"].startswith(PROVIDER_TYPE_PREFIX)
    }
    aws_resources = [s for s in states if s["custom"] and s["type"].startswith("aws:")]
    assert aws_resources
    for state in aws_resources:
        assert providers[state["provider"]]["region"] == "eu-west-1", state["urn"]


def test_every_unknown_input_has_its_property_dependency(quickstart_plan: dict) -> None:
    checked = 0
    for state in resources_of(quickstart_plan):
        for key, value in state.get("inputs", {}).items():
            if contains_unknown(value):
                checked += 1
                assert state["propertyDependencies"].get(key), f"{state['urn']}: {key}"
    assert checked > 5


def test_children_are_parented_and_protection_follows_the_environment(quickstart_plan: dict) -> None:
    states = {s["urn"]: s for s in resources_of(quickstart_plan)}
    key = next(s for s in states.values() if s["type"] == "aws:kms/key:Key")
    assert states[key["parent"]]["type"] == "stackyard:security:Encryption"
    assert "protect" not in key  # dev does not protect


def test_secrets_never_appear_in_the_plan(tmp_path: Path) -> None:
    program = (
        "import pulumi, pulumi_aws as aws\n"
        "cfg = pulumi.Config()\n"
        "aws.rds.Instance('db', instance_class='db.t3.micro', allocated_storage=20, engine='postgres',\n"
        "    username='admin', password=cfg.require_secret('dbPassword'))\n"
        "aws.ssm.Parameter('token', type='SecureString', value=cfg.require_secret('apiToken'))\n"
    )
    config = (
        "config:\n  aws:region: eu-west-1\n"
        f"  proj:dbPassword:\n    secure: AAABAJ{SECRET_VALUE}\n"
        f"  proj:apiToken:\n    secure: v1:{SECRET_VALUE}\n"
    )
    document = plan_project(write_project(tmp_path / "p", program, config))
    text = json.dumps(document)
    assert SECRET_VALUE not in text
    db = next(s for s in resources_of(document) if s["type"] == "aws:rds/instance:Instance")
    assert db["inputs"]["password"] == "[secret]"
    assert document["stackyard"]["secrets"][db["urn"]] == ["password"]
    assert document["stackyard"]["unreadableConfig"] == ["proj:apiToken", "proj:dbPassword"]
    assert document["config"]["proj:dbPassword"] == "[secret]"


def test_structured_config_and_explicit_providers(tmp_path: Path) -> None:
    program = (
        "import pulumi, pulumi_aws as aws\n"
        "settings = pulumi.Config().require_object('settings')\n"
        "eu = aws.Provider('eu', region=settings['replicaRegion'])\n"
        "aws.s3.Bucket('replica', opts=pulumi.ResourceOptions(provider=eu, protect=True, retain_on_delete=True))\n"
    )
    config = "config:\n  aws:region: us-east-1\n  proj:settings:\n    replicaRegion: eu-central-1\n"
    document = plan_project(write_project(tmp_path / "p", program, config))
    bucket = next(s for s in resources_of(document) if s["type"] == "aws:s3/bucket:Bucket")
    assert document["stackyard"]["providers"][bucket["provider"]]["region"] == "eu-central-1"
    assert bucket["protect"] is True
    assert bucket["retainOnDelete"] is True
    assert document["config"]["proj:settings"] == {"replicaRegion": "eu-central-1"}


def test_plans_are_deterministic(tmp_path: Path) -> None:
    project = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", project, ignore=shutil.ignore_patterns(".stackyard"))
    first, second = plan_project(project), plan_project(project)
    for document in (first, second):
        document["stackyard"].pop("generatedAt")
    assert first == second


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "{dir}: no Pulumi.yaml; is this a Pulumi project directory?"),
        (
            {"Pulumi.yaml": "name: [x"},
            "{dir}/Pulumi.yaml (line 2, column 1): malformed YAML: did not find expected ',' or ']'",
        ),
        (
            {"Pulumi.yaml": "name: p\nruntime: nodejs\n"},
            "{dir}/Pulumi.yaml: runtime is 'nodejs'; stackyard plan runs Python programs (runtime: python)",
        ),
        ({"Pulumi.yaml": "runtime: python\n"}, "{dir}/Pulumi.yaml: 'name' is missing"),
        (
            {"Pulumi.yaml": "name: p\nruntime: python\n"},
            "{dir}/Pulumi.yaml: the program's entry point {dir}/__main__.py does not exist",
        ),
        (
            {
                "Pulumi.yaml": "name: p\nruntime: python\n",
                "__main__.py": "",
                "Pulumi.dev.yaml": "config: [1, 2]\n",
            },
            "{dir}/Pulumi.dev.yaml: invalid stack config, 1 error:\n  {dir}/Pulumi.dev.yaml:1: config: expected a mapping, got a list",
        ),
    ],
)
def test_bad_projects_get_one_clear_message(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with pytest.raises(UserError) as caught:
        plan_project(tmp_path)
    assert caught.value.message == message.format(dir=tmp_path)


def test_an_exception_in_the_program_points_at_its_line(tmp_path: Path) -> None:
    program = (
        "import pulumi_aws as aws\n\nbucket = aws.s3.Bucket('b')\nraise ValueError('no capacity left')\n"
    )
    project = write_project(tmp_path / "p", program, "config:\n  aws:region: eu-west-1\n")
    with pytest.raises(UserError) as caught:
        plan_project(project)
    assert (
        caught.value.message == f"{project}/__main__.py:4: the program failed: ValueError: no capacity left"
    )


def test_an_invalid_spec_in_the_program_reports_every_issue(tmp_path: Path) -> None:
    config = (
        "config:\n  aws:region: eu-west-1\n  stackyard:spec:\n    project: demo\n    environment: qa\n"
        "    region: eu-west-1\n    tags: {owner: me, cost_center: c1, data_classification: internal}\n"
    )
    project = write_project(tmp_path / "p", "from stackyard.program import build\nbuild()\n", config)
    with pytest.raises(UserError) as caught:
        plan_project(project)
    assert caught.value.message.splitlines() == [
        "Pulumi.dev.yaml (stackyard:spec): invalid spec, 1 error:",
        "  environment: Input should be 'dev', 'staging' or 'prod'",
    ]


def test_an_unanswered_lookup_the_program_does_not_use_is_listed_as_unknown(tmp_path: Path) -> None:
    program = "import pulumi_aws as aws\naws.ec2.get_ami(most_recent=True, owners=['amazon'])\n"
    project = write_project(tmp_path / "p", program, "config:\n  aws:region: eu-west-1\n")
    calls = plan_project(project)["stackyard"]["invokes"]
    assert [(call["token"], call["answered"], call["args"]) for call in calls] == [
        ("aws:ec2/getAmi:getAmi", "unknown", {"mostRecent": True, "owners": ["amazon"]})
    ]


def test_the_plan_summary_gives_one_total(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The table's total and the summary line count the same thing: custom resources, neither the
    components around them nor the providers (one explicit, one default here)."""
    from stackyard.cli import main

    program = (
        "import pulumi, pulumi_aws as aws\n"
        "class Pair(pulumi.ComponentResource):\n"
        "    def __init__(self, name):\n"
        "        super().__init__('test:index:Pair', name)\n"
        "        for side in ('a', 'b'):\n"
        "            aws.s3.Bucket(f'{name}-{side}', opts=pulumi.ResourceOptions(parent=self))\n"
        "Pair('pair')\n"
        "eu = aws.Provider('eu', region='eu-central-1')\n"
        "aws.sns.Topic('alerts', opts=pulumi.ResourceOptions(provider=eu))\n"
    )
    project = write_project(tmp_path / "p", program, "config:\n  aws:region: eu-west-1\n")
    out_file = tmp_path / "plan.json"
    assert main(["plan", str(project), "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in out.splitlines()
        if line.count("│") == 3
    }
    assert rows == {"aws:s3/bucket:Bucket": "2", "aws:sns/topic:Topic": "1", "total": "3"}
    assert "plan of stack dev: 3 resources, 1 component, 2 providers, written to" in " ".join(out.split())
