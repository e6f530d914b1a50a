"""Programs as platform teams write them (tests/plan/programs/): resources passed as inputs,
account lookups answered or not, remote components, projects without a stack file, programs that
end themselves or never finish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from stackyard.cli import main
from stackyard.errors import UserError
from stackyard.plan import plan_project
from stackyard.plan.wire import UNKNOWN
from stackyard.pulumi_documents import new_states as resources_of

PROGRAMS = Path(__file__).parent / "programs"


def program(tmp_path: Path, name: str) -> Path:
    """A copy of the program, so nothing is written into the repository."""
    return Path(shutil.copytree(PROGRAMS / name, tmp_path / name))


def states(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {state["urn"].rsplit("::", 1)[-1]: state for state in resources_of(document)}


def urn(project: str, path: str, name: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::{project}::{path}::{name}"


def test_a_role_passed_to_an_attachment_is_a_reference_with_its_dependency(tmp_path: Path) -> None:
    document = plan_project(program(tmp_path, "role-attachment"))
    by_name = states(document)
    role_urn = urn("role-attachment", "aws:iam/role:Role", "fn-role")
    attachment = by_name["fn-logs"]
    assert attachment["inputs"] == {
        "role": UNKNOWN,  # the role's ID, unknown until it exists
        "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    }
    assert attachment["propertyDependencies"] == {"role": [role_urn]}
    assert attachment["dependencies"] == [role_urn]
    assert document["stackyard"]["references"] == {attachment["urn"]: {"role": role_urn}}


def test_a_list_of_roles_records_each_reference(tmp_path: Path) -> None:
    document = plan_project(program(tmp_path, "role-list"))
    by_name = states(document)
    first = urn("role-list", "aws:iam/role:Role", "first")
    second = urn("role-list", "aws:iam/role:Role", "second")
    attachment = by_name["read-only"]
    assert attachment["inputs"]["roles"] == [UNKNOWN, UNKNOWN]
    assert attachment["propertyDependencies"]["roles"] == sorted([first, second])
    references = document["stackyard"]["references"]
    assert references[attachment["urn"]] == {"roles[0]": first, "roles[1]": second}
    assert references[by_name["profile"]["urn"]] == {"role": first}
    assert by_name["profile"]["inputs"]["role"] == UNKNOWN


def test_a_resource_of_another_component_is_a_reference(tmp_path: Path) -> None:
    document = plan_project(program(tmp_path, "cross-component"))
    by_name = states(document)
    bucket_urn = by_name["raw-bucket"]["urn"]
    assert bucket_urn.endswith("acme:data:Storage$aws:s3/bucket:Bucket::raw-bucket")
    block = by_name["reader-block"]
    assert block["parent"] == by_name["reader"]["urn"]
    assert block["inputs"]["bucket"] == UNKNOWN
    assert block["propertyDependencies"]["bucket"] == [bucket_urn]
    assert document["stackyard"]["references"][block["urn"]] == {"bucket": bucket_urn}
    policy = by_name["reader-policy"]
    assert policy["inputs"]["policy"] == UNKNOWN  # built from the bucket's ARN in an apply
    assert policy["propertyDependencies"] == {"bucket": [bucket_urn], "policy": [bucket_urn]}


def test_an_unanswered_lookup_used_as_an_input_stays_unknown_and_is_listed(tmp_path: Path) -> None:
    directory = program(tmp_path, "ami-lookup")
    document = plan_project(directory)
    assert states(document)["web"]["inputs"] == {"ami": UNKNOWN, "instanceType": "t3.micro"}
    assert document["stackyard"]["invokes"] == [
        {
            "token": "aws:ec2/getAmi:getAmi",
            "args": {
                "mostRecent": True,
                "owners": ["amazon"],
                "filters": [{"name": "name", "values": ["al2023-ami-*-x86_64"]}],
            },
            "answered": "unknown",
            "callSite": f"{directory / '__main__.py'}:6",
        }
    ]


def test_the_same_lookup_answered_from_an_invokes_file(tmp_path: Path) -> None:
    directory = program(tmp_path, "ami-lookup")
    document = plan_project(directory, invokes_file=directory / "invokes.yaml")
    assert states(document)["web"]["inputs"] == {"ami": "ami-0123456789abcdef0", "instanceType": "t3.micro"}
    [call] = document["stackyard"]["invokes"]
    assert (call["token"], call["answered"]) == ("aws:ec2/getAmi:getAmi", "invokes")


def test_a_plain_string_use_of_an_unanswered_lookup_stops_with_the_snippet(tmp_path: Path) -> None:
    directory = program(tmp_path, "ami-string-use")
    with pytest.raises(UserError) as raised:
        plan_project(directory)
    assert raised.value.message == (
        f"{directory / '__main__.py'}:5: the program uses 'id' of aws:ec2/getAmi:getAmi as a concrete "
        "value, and that lookup has no answer offline (it asks the cloud). Add its answer to the stack "
        "config under stackyard:invokes, or to a file given with --invokes:\n"
        "    - token: aws:ec2/getAmi:getAmi\n"
        "      args:\n"
        "        mostRecent: true\n"
        "        owners: [amazon]\n"
        "      result: {id: <value>}"
    )


def test_lookups_answered_from_the_stack_config_and_one_left_unknown(tmp_path: Path) -> None:
    document = plan_project(program(tmp_path, "lookups-in-config"))
    by_name = states(document)
    assert by_name["web"]["inputs"]["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert by_name["www"]["inputs"]["zoneId"] == "Z0123456789ABCDEFGHIJ"
    # getSubnets has no answer: the instance's subnet is unknown, as in a preview.
    instance = next(s for s in resources_of(document) if s["type"] == "aws:ec2/instance:Instance")
    assert instance["inputs"]["subnetId"] == UNKNOWN
    answered = [(call["token"], call["answered"]) for call in document["stackyard"]["invokes"]]
    assert sorted(answered) == [
        ("aws:ec2/getSubnets:getSubnets", "unknown"),
        ("aws:ec2/getVpc:getVpc", "invokes"),
        ("aws:route53/getZone:getZone", "invokes"),
    ]
    subnets_call = next(
        c for c in document["stackyard"]["invokes"] if c["token"] == "aws:ec2/getSubnets:getSubnets"
    )
    # Its arguments name the answered VPC, so an answer can be written for exactly this call.
    assert subnets_call["args"] == {"filters": [{"name": "vpc-id", "values": ["vpc-0a1b2c3d4e5f60718"]}]}


def test_pure_functions_are_computed_from_config(tmp_path: Path) -> None:
    document = plan_project(program(tmp_path, "pure-functions"))
    bucket = states(document)["logs"]
    assert bucket["inputs"]["bucket"] == "logs-210987654321-eu-central-1"
    assert bucket["inputs"]["tags"]["partition"] == "aws"
    assert bucket["inputs"]["tags"]["zone"] == "eu-central-1a"
    assert bucket["inputs"]["tags"]["service"] == "s3"
    computed = {call["token"] for call in document["stackyard"]["invokes"] if call["answered"] == "computed"}
    assert {
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getRegion:getRegion",
        "aws:index/getPartition:getPartition",
        "aws:index/getAvailabilityZones:getAvailabilityZones",
        "aws:index/getArn:getArn",
    } == computed


def test_a_remote_component_is_marked_opaque(tmp_path: Path) -> None:
    document = plan_project(program(tmp_path, "remote-component"))
    vpc_urn = urn("remote-component", "awsx:ec2:Vpc", "main")
    assert document["stackyard"]["remoteComponents"] == [
        {"urn": vpc_urn, "type": "awsx:ec2:Vpc", "package": "awsx"}
    ]
    group = states(document)["web"]
    assert group["inputs"]["vpcId"] == UNKNOWN
    assert group["propertyDependencies"]["vpcId"] == [vpc_urn]


def test_a_directory_without_a_stack_file_plans_a_new_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = program(tmp_path, "no-stack-file")
    assert main(["plan", str(directory)]) == 0
    out = capsys.readouterr().out
    assert (
        "no Pulumi.dev.yaml: planned as a new stack 'dev' with empty config, as `pulumi preview` would" in out
    )
    document = json.loads((directory / ".stackyard" / "plan-dev.json").read_text())
    assert document["stackyard"]["newStack"] is True
    assert document["config"] == {}
    assert states(document)["data"]["inputs"] == {"forceDestroy": False}


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        ("sysexit", "the program exited (code 0) before it finished"),
        ("osexit", "the program exited (code 3) before it finished"),
        ("keyboardinterrupt", "the program raised KeyboardInterrupt before it finished"),
    ],
)
def test_a_program_that_ends_itself_is_exit_2_and_writes_no_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str, message: str
) -> None:
    directory = program(tmp_path, "program-exits")
    assert main(["plan", str(directory), "--stack", stack]) == 2
    assert capsys.readouterr().err.strip() == f"error: {directory / '__main__.py'}: {message}"
    assert not (directory / ".stackyard").exists()


def test_a_program_that_never_finishes_stops_at_the_timeout_naming_what_it_waits_on(tmp_path: Path) -> None:
    with pytest.raises(UserError) as raised:
        plan_project(program(tmp_path, "stalled"), timeout=2)
    assert raised.value.message == (
        "the program did not finish within 2 s (--timeout); waiting on the inputs of aws:s3/bucket:Bucket "
        "'data' (last registration: urn:pulumi:dev::stalled::pulumi:pulumi:Stack::stalled-dev)"
    )


def test_the_stall_watch_says_what_the_program_waits_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stackyard.plan import watchdog

    original = watchdog.STALL_SECONDS
    watchdog.STALL_SECONDS = 1.0
    try:
        with pytest.raises(UserError):
            plan_project(program(tmp_path, "stalled"), timeout=3.5)
    finally:
        watchdog.STALL_SECONDS = original
    assert "stackyard plan: no progress for " in capsys.readouterr().err


def test_an_error_whose_causes_loop_is_still_one_message(tmp_path: Path) -> None:
    directory = program(tmp_path, "cyclic-cause")
    with pytest.raises(UserError) as raised:
        plan_project(directory)
    assert raised.value.message == (
        f"{directory / '__main__.py'}:6: the program failed: RuntimeError: the bucket's name is not known"
    )


def test_constructing_resources_is_progress_even_before_any_registers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stackyard.plan import watchdog

    original = watchdog.STALL_SECONDS
    watchdog.STALL_SECONDS = 2.0  # the program takes 3 s, a resource every 0.5 s
    try:
        document = plan_project(program(tmp_path, "slow-construction"))
    finally:
        watchdog.STALL_SECONDS = original
    buckets = [name for name, state in states(document).items() if state["type"] == "aws:s3/bucket:Bucket"]
    assert buckets == [f"data-{index}" for index in range(6)]
    assert "no progress" not in capsys.readouterr().err


def test_a_policy_document_is_rendered_as_the_provider_renders_it(tmp_path: Path) -> None:
    from tests.plan.test_functions import BASIC_JSON

    document = plan_project(program(tmp_path, "policy-document"))
    assert states(document)["example"]["inputs"]["policy"] == BASIC_JSON
    [call] = document["stackyard"]["invokes"]
    assert (call["token"], call["answered"]) == ("aws:iam/getPolicyDocument:getPolicyDocument", "computed")


CREDENTIALS = {
    "aws:accessKey": "AKIAPLAINTEXTEXAMPLE1",
    "aws:secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLAINTEXT1",
    "aws:token": "FwoGZXIvYXdzEPLAINTEXTSESSIONTOKEN",
    "kubernetes:kubeconfig": "apiVersion: v1\nusers: [{name: admin, user: {token: kube-plaintext-token}}]",
    "stackyard-quickstart:upstreamUrl": "https://user:pa55@upstream.example.com/feed",
}
WEBHOOK = "https://hooks.example.com/services/T000/B000/plaintext-webhook-token"


def test_no_credential_from_stack_config_reaches_the_plan(tmp_path: Path) -> None:
    import yaml

    directory = Path(
        shutil.copytree(PROGRAMS.parents[2] / "examples" / "quickstart", tmp_path / "quickstart")
    )
    stack_file = directory / "Pulumi.dev.yaml"
    stack = yaml.safe_load(stack_file.read_text())
    stack["config"].update(CREDENTIALS)
    stack["config"]["stackyard:spec"]["monitoring"]["notifications"]["webhooks"] = [WEBHOOK]
    stack_file.write_text(yaml.safe_dump(stack))
    # A key the program reads as a secret, though stored in plain text.
    main_file = directory / "__main__.py"
    main_file.write_text(
        main_file.read_text()
        + "\nimport pulumi\npulumi.export('upstream', pulumi.Config().require_secret('upstreamUrl'))\n"
    )
    document = plan_project(directory)
    text = json.dumps(document)
    for value in [*CREDENTIALS.values(), WEBHOOK, "kube-plaintext-token", "plaintext-webhook-token"]:
        assert value not in text, value
    config = document["config"]
    assert {key: config[key] for key in CREDENTIALS} == dict.fromkeys(CREDENTIALS, "[secret]")
    assert config["stackyard:spec"]["monitoring"]["notifications"]["webhooks"] == ["[secret]"]
    provider = next(s for s in resources_of(document) if s["type"] == "pulumi:providers:aws")
    assert (
        provider["inputs"]["accessKey"],
        provider["inputs"]["secretKey"],
        provider["inputs"]["token"],
    ) == (
        "[secret]",
        "[secret]",
        "[secret]",
    )
    assert document["stackyard"]["secretConfig"] == sorted([*CREDENTIALS, "stackyard:spec"])
    # The subscription still exists, its endpoint redacted as the secret it is.
    subscriptions = [
        s for s in resources_of(document) if s["type"] == "aws:sns/topicSubscription:TopicSubscription"
    ]
    assert [s["inputs"]["endpoint"] for s in subscriptions if s["inputs"]["protocol"] == "https"] == [
        "[secret]"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "invokes:\n  - token: aws:ec2/getAmi:getAmi\n    results: {id: ami-1}\n",
            "invalid invokes file, 2 errors:\n  {path}:2: invokes[0].result: Field required\n"
            "  {path}:3: invokes[0].results: Extra inputs are not permitted",
        ),
        ("invokes: [1, 2", "{path}"),
        ("invokes:\n  - token: a\n    token: b\n    result: {}\n", "duplicate key"),
    ],
)
def test_a_bad_invokes_file_is_exit_2_naming_it(tmp_path: Path, text: str, message: str) -> None:
    invokes = tmp_path / "invokes.yaml"
    invokes.write_text(text)
    with pytest.raises(UserError) as raised:
        plan_project(program(tmp_path, "ami-lookup"), invokes_file=invokes)
    assert raised.value.message.startswith(f"{invokes}")
    assert message.format(path=invokes) in raised.value.message
