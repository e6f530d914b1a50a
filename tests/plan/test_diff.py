"""`stackyard diff`: the engine's semantics for unknowns, the replacement table one property at a
time, dependency chains, the deployed state as the old side, aliases, and each output format."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackyard.cli import main
from stackyard.errors import ExitCode
from stackyard.plan.diff import PlanDiff, diff_documents
from stackyard.plan.diff_output import as_json, render_markdown, render_text
from stackyard.pulumi_documents import SECRET_PLACEHOLDER, UNKNOWN, read_document, read_file
from stackyard.stateful import DATA_LOSS_TYPES, REPLACEMENTS
from tests.conftest import REPO

REAL = Path("/work/shared/fixtures/pulumi-real")
STACK = "urn:pulumi:dev::ml::pulumi:pulumi:Stack::ml-dev"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
KMS_KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
TOPIC = "aws:sns/topic:Topic"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::ml::{type_}::{name}"


class Doc:
    """A stackyard plan of project `ml`, stack `dev`, built one resource at a time."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = [
            {"op": "create", "urn": STACK, "newState": {"urn": STACK, "type": "pulumi:pulumi:Stack"}}
        ]

    def add(self, type_: str, name: str, inputs: dict[str, Any], **state: Any) -> str:
        address = urn(type_, name)
        new_state = {
            "urn": address,
            "type": type_,
            "custom": True,
            "inputs": inputs,
            "parent": STACK,
            **state,
        }
        self.steps.append({"op": "create", "urn": address, "newState": new_state})
        return address

    def document(self) -> dict[str, Any]:
        return {
            "steps": copy.deepcopy(self.steps),
            "stackyard": {"planVersion": 1, "project": "ml", "stack": "dev"},
        }


def diff(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    return diff_documents(
        read_document(old, source="old.json", sha256=""), read_document(new, source="new.json", sha256="")
    )


def platform(key_spec: str = "SYMMETRIC_DEFAULT", record_id: str = "customer_id") -> dict[str, Any]:
    """A key, a role, and a feature group whose key ARN and role ARN are unknown at preview."""
    doc = Doc()
    key = doc.add(KMS_KEY, "key", {"customerMasterKeySpec": key_spec, "enableKeyRotation": True})
    role = doc.add(ROLE, "role", {"assumeRolePolicy": '{"Version": "2012-10-17", "Statement": []}'})
    doc.add(
        FEATURE_GROUP,
        "profiles",
        {
            "featureGroupName": "profiles",
            "recordIdentifierFeatureName": record_id,
            "eventTimeFeatureName": "ts",
            "roleArn": UNKNOWN,
            "offlineStoreConfig": {"s3StorageConfig": {"s3Uri": "s3://b/p", "kmsKeyId": UNKNOWN}},
            "onlineStoreConfig": {"enableOnlineStore": True, "ttlDuration": {"unit": "Days", "value": 30.0}},
            "tags": {"owner": "ml"},
        },
        propertyDependencies={"roleArn": [role], "offlineStoreConfig": [key]},
        dependencies=[key, role],
    )
    doc.add(
        TOPIC,
        "alarms",
        {"displayName": "alarms", "kmsMasterKeyId": UNKNOWN},
        propertyDependencies={"kmsMasterKeyId": [key]},
    )
    return doc.document()


def test_identical_plans_give_no_changes() -> None:
    result = diff(platform(), platform())
    assert result.changes == []
    assert render_text(result) == "no changes\n"


def test_identical_plans_on_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(platform()))
    assert main(["diff", str(path), str(path), "--fail-on-data-loss"]) == ExitCode.OK
    assert capsys.readouterr().out == "no changes\n"


def test_known_values_compare_in_normal_form() -> None:
    old, new = Doc(), Doc()
    old.add(TOPIC, "t", {"deliveryPolicy": '{"a": 1, "b": [1, 2]}', "retries": 1, "attrs": {"x": 1, "y": 2}})
    new.add(
        TOPIC, "t", {"deliveryPolicy": '{"b":[1,2],"a":1.0}', "retries": 1.0, "attrs": {"y": 2, "x": 1.0}}
    )
    assert diff(old.document(), new.document()).changes == []


def test_a_boolean_is_not_a_number() -> None:
    old, new = Doc(), Doc()
    old.add(TOPIC, "t", {"fifoTopic": True})
    new.add(TOPIC, "t", {"fifoTopic": 1})
    [change] = diff(old.document(), new.document()).changes
    assert [p.describe() for p in change.properties] == ["fifoTopic: true -> 1"]


def test_secrets_compare_equal_unless_their_source_changed() -> None:
    def doc(key_spec: str) -> dict[str, Any]:
        d = Doc()
        key = d.add(KMS_KEY, "key", {"customerMasterKeySpec": key_spec})
        d.add(
            TOPIC,
            "t",
            {"displayName": SECRET_PLACEHOLDER, "kmsMasterKeyId": SECRET_PLACEHOLDER},
            propertyDependencies={"kmsMasterKeyId": [key]},
        )
        return d.document()

    assert diff(doc("SYMMETRIC_DEFAULT"), doc("SYMMETRIC_DEFAULT")).changes == []
    topic = next(c for c in diff(doc("SYMMETRIC_DEFAULT"), doc("RSA_2048")).changes if c.type == TOPIC)
    assert [p.describe() for p in topic.properties] == [
        "kmsMasterKeyId: may change (from [secret], key replaced: customerMasterKeySpec changed)"
    ]


def _set(inputs: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        inputs = inputs.setdefault(part, {})
    inputs[leaf] = value


REPLACING = [(type_, path) for type_, entry in sorted(REPLACEMENTS.items()) for path in entry.forces]


@pytest.mark.parametrize(("type_", "path"), REPLACING, ids=[f"{t.split(':')[1]}.{p}" for t, p in REPLACING])
def test_each_replacing_property_gives_exactly_one_data_loss_row(type_: str, path: str) -> None:
    old, new = Doc(), Doc()
    before: dict[str, Any] = {"tags": {"owner": "ml"}}
    after: dict[str, Any] = {"tags": {"owner": "ml"}}
    _set(before, path, "before")
    _set(after, path, "after")
    old.add(type_, "data", before)
    new.add(type_, "data", after)
    old.add(TOPIC, "alarms", {"displayName": "a"})
    new.add(TOPIC, "alarms", {"displayName": "a"})
    result = diff(old.document(), new.document())
    assert [(c.name, c.kind, c.loses_data) for c in result.changes] == [("data", "replace", True)]
    assert result.changes[0].reason == f"{path} changed"
    assert render_text(result).count("DATA LOSS") == 1


def test_the_table_covers_every_stateful_type_the_catalog_knows() -> None:
    assert {
        "aws:sagemaker/featureGroup:FeatureGroup",
        "aws:s3/bucket:Bucket",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:dynamodb/table:Table",
        "aws:efs/fileSystem:FileSystem",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        "aws:eks/cluster:Cluster",
        "aws:kms/key:Key",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:glue/catalogDatabase:CatalogDatabase",
    } == DATA_LOSS_TYPES
    assert all(
        entry.source.startswith("https://github.com/hashicorp/terraform-provider-aws/")
        for entry in REPLACEMENTS.values()
    )


@pytest.mark.parametrize(
    ("type_", "path"),
    [
        (FEATURE_GROUP, "onlineStoreConfig.ttlDuration.value"),
        (FEATURE_GROUP, "throughputConfig.throughputMode"),
        ("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer", "artifactStoreUri"),
        ("aws:cloudwatch/logGroup:LogGroup", "retentionInDays"),
        ("aws:s3/bucket:Bucket", "tags.owner"),
    ],
)
def test_changes_the_provider_makes_in_place_lose_nothing(type_: str, path: str) -> None:
    old, new = Doc(), Doc()
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _set(before, path, "before")
    _set(after, path, "after")
    old.add(type_, "data", before)
    new.add(type_, "data", after)
    [change] = diff(old.document(), new.document()).changes
    assert (change.kind, change.loses_data, [p.path for p in change.properties]) == ("change", False, [path])


def test_a_changed_record_identifier_reports_exactly_that_feature_group() -> None:
    result = diff(platform(), platform(record_id="account_id"))
    [change] = result.changes
    assert (change.urn, change.kind, change.loses_data) == (urn(FEATURE_GROUP, "profiles"), "replace", True)
    assert [p.describe() for p in change.properties] == [
        'recordIdentifierFeatureName: "customer_id" -> "account_id" [replaces]'
    ]


def test_a_replaced_dependency_makes_its_dependents_unknown_inputs_may_change() -> None:
    result = diff(platform(), platform(key_spec="RSA_2048"))
    by_name = {c.name: c for c in result.changes}
    assert set(by_name) == {"key", "profiles", "alarms"}
    assert (by_name["key"].kind, by_name["key"].loses_data) == ("replace", True)
    # The topic is not stateful: its key input may change, which updates it in place.
    alarms = by_name["alarms"]
    assert (alarms.kind, alarms.loses_data) == ("change", False)
    assert [p.describe() for p in alarms.properties] == [
        "kmsMasterKeyId: may change (from (unknown), key replaced: customerMasterKeySpec changed)"
    ]
    # The feature group's offline store key forces its replacement: data loss, with the chain named.
    profiles = by_name["profiles"]
    assert (profiles.kind, profiles.loses_data) == ("replace", True)
    assert profiles.reason == (
        "offlineStoreConfig.s3StorageConfig.kmsKeyId may change (key replaced: customerMasterKeySpec changed)"
    )
    assert [p.path for p in profiles.properties] == ["offlineStoreConfig.s3StorageConfig.kmsKeyId"]
    # The role is unchanged, so the unknown role ARN is too.


def test_a_renamed_dependency_is_new_and_its_dependents_may_change() -> None:
    new = platform()
    key_step = new["steps"][1]
    renamed = urn(KMS_KEY, "key-v2")
    key_step["urn"] = key_step["newState"]["urn"] = renamed
    feature_group = new["steps"][3]["newState"]
    feature_group["propertyDependencies"]["offlineStoreConfig"] = [renamed]
    result = diff(platform(), new)
    kinds = {(c.name, c.kind) for c in result.changes}
    assert kinds == {("key-v2", "add"), ("key", "remove"), ("profiles", "replace")}
    profiles = next(c for c in result.changes if c.name == "profiles")
    assert profiles.reason == "offlineStoreConfig.s3StorageConfig.kmsKeyId may change (key-v2 is new)"
    assert len(result.data_loss) == 2  # the old key and the feature group


def test_ignore_changes_and_provider_defaults_are_not_changes() -> None:
    old, new = Doc(), Doc()
    old.add(TOPIC, "t", {"displayName": "a", "name": "t-1234", "__defaults": ["name"]})
    new.add(TOPIC, "t", {"displayName": "b"}, ignoreChanges=["displayName"])
    assert diff(old.document(), new.document()).changes == []


def test_an_alias_pairs_a_renamed_resource_with_its_old_urn() -> None:
    old, new = Doc(), Doc()
    old.add(FEATURE_GROUP, "profiles", {"featureGroupName": "profiles"})
    new.add(
        FEATURE_GROUP,
        "customer-profiles",
        {"featureGroupName": "profiles"},
        aliases=[urn(FEATURE_GROUP, "profiles")],
    )
    [change] = diff(old.document(), new.document()).changes
    assert (change.kind, change.loses_data, change.old_urn) == (
        "change",
        False,
        urn(FEATURE_GROUP, "profiles"),
    )
    assert change.reason == "renamed from profiles (alias)"


def test_without_the_alias_a_rename_removes_the_old_resource() -> None:
    old, new = Doc(), Doc()
    old.add(FEATURE_GROUP, "profiles", {"featureGroupName": "profiles"})
    new.add(FEATURE_GROUP, "customer-profiles", {"featureGroupName": "profiles"})
    result = diff(old.document(), new.document())
    assert [(c.name, c.kind, c.loses_data) for c in result.changes] == [
        ("profiles", "remove", True),
        ("customer-profiles", "add", False),
    ]


def test_a_component_child_renamed_through_its_alias_reports_no_loss(tmp_path: Path) -> None:
    from stackyard.plan.engine import plan_project

    new = plan_project(REPO / "examples" / "gpu-training", "dev")
    old = copy.deepcopy(new)
    renamed = []
    for step in old["steps"]:
        state = step["newState"]
        if state["urn"].endswith("-route-association"):
            # What the plan held before the child was renamed: its old URN, no alias.
            assert state["aliases"] == [state["urn"].removesuffix("-route-association") + "-routes"]
            step["urn"] = state["urn"] = state.pop("aliases")[0]
            renamed.append(state["urn"])
    assert len(renamed) == 2
    result = diff(old, new)
    assert result.data_loss == []
    assert [(c.kind, c.old_urn) for c in result.changes] == [
        ("change", old_urn) for old_urn in sorted(renamed)
    ]


def test_export_to_preview_on_the_real_fixtures() -> None:
    export = read_file(REAL / "sample-export.json")
    updated = diff_documents(export, read_file(REAL / "sample-preview-update.json"))
    [change] = updated.changes
    assert (change.name, change.type, change.kind) == (
        "docsHandler",
        "aws:lambda/function:Function",
        "change",
    )
    assert [p.describe() for p in change.properties] == ["code: archive 4fababcf7ea9 -> archive 3886dc7db621"]
    deleted = diff_documents(export, read_file(REAL / "sample-preview-deletes.json"))
    assert deleted.counts() == {"add": 0, "change": 0, "replace": 0, "remove": 14}
    assert deleted.data_loss == []  # the bucket stays; none of the removed resources holds data


def test_the_export_resolves_the_new_sides_unknowns() -> None:
    """The plan of the deployed program: its role ARNs are unknown offline, the export knows them."""
    export = json.loads((REAL / "sample-export.json").read_text())
    plan_steps = []
    for state in export["deployment"]["resources"]:
        # What the program gives: no provider defaults (autonames, ...), no ids, no outputs.
        given = state.get("inputs") or {}
        defaults = set(given.get("__defaults", ())) | {"__defaults"}
        inputs = {k: v for k, v in given.items() if k not in defaults}
        for key, sources in (state.get("propertyDependencies") or {}).items():
            if sources and key in inputs:
                inputs[key] = UNKNOWN
        new_state = {k: v for k, v in state.items() if k not in ("id", "outputs")} | {"inputs": inputs}
        plan_steps.append({"op": "create", "urn": state["urn"], "newState": new_state})
    result = diff_documents(
        read_file(REAL / "sample-export.json"),
        read_document(
            {"steps": plan_steps, "stackyard": {"planVersion": 1, "project": "sample", "stack": "dev"}},
            source="plan.json",
            sha256="",
        ),
    )
    assert result.changes == []
    resolved = as_json(result)["resolved"]
    function = next(r for r in resolved if r["urn"].endswith("lambda/function:Function::docsHandler"))
    assert (function["path"], function["placeholder"], function["fromType"]) == (
        "role",
        "arn:aws:iam::941377148201:role/docsHandler-9eca035",
        "aws:iam/role:Role",
    )
    assert result.resolved == len(resolved) > 10


def test_markdown_output() -> None:
    result = diff(platform(), platform(record_id="account_id"))
    assert render_markdown(result) == (
        "### stackyard diff\n"
        "\n"
        ":x: **1 stateful resource(s) would be replaced or removed and lose their data** "
        "(0 add, 0 change, 1 replace, 0 remove)\n"
        "\n"
        "| Change | Resource | Type | Why |\n"
        "| --- | --- | --- | --- |\n"
        "| **replace DATA LOSS** | `profiles` | `aws:sagemaker/featureGroup:FeatureGroup` | replace because "
        'recordIdentifierFeatureName changed; recordIdentifierFeatureName: "customer_id" -> "account_id" [replaces] |\n'
    )
    assert render_markdown(diff(platform(), platform())) == (
        "### stackyard diff\n\n:white_check_mark: **no changes** (0 add, 0 change, 0 replace, 0 remove)\n"
    )


def test_json_output() -> None:
    result = diff(platform(), platform(record_id="account_id"))
    assert as_json(result) == {
        "version": 1,
        "old": "old.json",
        "new": "new.json",
        "summary": {"add": 0, "change": 0, "replace": 1, "remove": 0, "dataLoss": 1, "resolved": 0},
        "changes": [
            {
                "urn": urn(FEATURE_GROUP, "profiles"),
                "type": FEATURE_GROUP,
                "kind": "replace",
                "dataLoss": True,
                "reason": "recordIdentifierFeatureName changed",
                "properties": [
                    {
                        "path": "recordIdentifierFeatureName",
                        "status": "changed",
                        "old": '"customer_id"',
                        "new": '"account_id"',
                        "cause": "",
                        "replaces": True,
                    }
                ],
            }
        ],
        "resolved": [],
    }


def test_formats_and_exit_codes_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "old.json").write_text(json.dumps(platform()))
    (tmp_path / "new.json").write_text(json.dumps(platform(record_id="account_id")))
    args = ["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json")]
    assert main(args) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "replace DATA LOSS  profiles  aws:sagemaker/featureGroup:FeatureGroup"
    assert "1 stateful resource(s) would be replaced or removed and lose their data" in out
    assert "│" not in out  # plain text when piped: no table borders
    assert main([*args, "--fail-on-data-loss"]) == ExitCode.POLICY_FAILURE
    capsys.readouterr()
    assert main([*args, "--format", "json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["summary"]["dataLoss"] == 1
    assert main([*args, "--format", "md"]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("### stackyard diff\n")
    assert main([*args, "--format", "html"]) == ExitCode.BAD_INPUT


def test_a_table_on_a_terminal() -> None:
    from rich.console import Console

    from stackyard.plan.diff_output import print_table

    console = Console(record=True, width=160, force_terminal=True)
    print_table(diff(platform(), platform(record_id="account_id")), console)
    text = console.export_text()
    assert "│ replace DATA LOSS │ profiles" in text
    assert "0 add, 0 change, 1 replace, 0 remove" in text


def test_a_stack_never_deployed_exports_no_resources_and_everything_is_added(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z"}}}))
    result = diff_documents(read_file(state), read_document(platform(), source="new.json", sha256=""))
    assert result.counts() == {"add": 5, "change": 0, "replace": 0, "remove": 0}
    assert result.data_loss == []


def test_alias_specs_resolve_as_the_engine_resolves_them() -> None:
    from pulumi.runtime.proto import alias_pb2, resource_pb2

    from stackyard.plan.wire import alias_urns

    parent = "urn:pulumi:dev::ml::stackyard:network:Network::net"
    request = resource_pb2.RegisterResourceRequest(
        type="aws:ec2/subnet:Subnet",
        name="net-private-1",
        parent=parent,
        aliases=[
            alias_pb2.Alias(urn="urn:pulumi:dev::ml::aws:ec2/subnet:Subnet::legacy"),
            alias_pb2.Alias(spec=alias_pb2.Alias.Spec(name="net-subnet-1")),
            alias_pb2.Alias(spec=alias_pb2.Alias.Spec(noParent=True)),
            alias_pb2.Alias(spec=alias_pb2.Alias.Spec(type="aws:ec2/oldSubnet:Subnet", parentUrn=STACK)),
            alias_pb2.Alias(spec=alias_pb2.Alias.Spec(stack="prod", project="old")),
        ],
        aliasURNs=["urn:pulumi:dev::ml::aws:ec2/subnet:Subnet::older"],
    )

    def make_urn(parent_urn: str, type_: str, name: str) -> str:
        qualified = f"{parent_urn.split('::')[2].split('$')[-1]}${type_}" if parent_urn else type_
        return f"urn:pulumi:dev::ml::{qualified}::{name}"

    assert alias_urns(request, make_urn) == sorted(
        [
            "urn:pulumi:dev::ml::aws:ec2/subnet:Subnet::legacy",
            "urn:pulumi:dev::ml::aws:ec2/subnet:Subnet::older",
            "urn:pulumi:dev::ml::stackyard:network:Network$aws:ec2/subnet:Subnet::net-subnet-1",
            "urn:pulumi:dev::ml::aws:ec2/subnet:Subnet::net-private-1",
            "urn:pulumi:dev::ml::pulumi:pulumi:Stack$aws:ec2/oldSubnet:Subnet::net-private-1",
            "urn:pulumi:prod::old::stackyard:network:Network$aws:ec2/subnet:Subnet::net-private-1",
        ]
    )


INPUT = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from([UNKNOWN, SECRET_PLACEHOLDER, "a", '{"k": 1}']),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*sorted(REPLACEMENTS), TOPIC]),
            st.dictionaries(st.sampled_from(["name", "roleArn", "tags", "kmsKeyId"]), INPUT, max_size=4),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_plan_against_itself_has_no_changes(resources: list[tuple[str, dict[str, Any]]]) -> None:
    doc = Doc()
    previous: list[str] = []
    for index, (type_, inputs) in enumerate(resources):
        deps = {key: previous[-1:] for key in inputs}
        previous.append(doc.add(type_, f"r{index}", inputs, propertyDependencies=deps))
    assert diff(doc.document(), doc.document()).changes == []


def test_the_quickstart_with_a_changed_record_identifier_reports_exactly_that_feature_group(
    tmp_path: Path,
) -> None:
    import shutil

    from stackyard.plan.engine import plan_project

    project = tmp_path / "quickstart"
    shutil.copytree(REPO / "examples" / "quickstart", project, ignore=shutil.ignore_patterns(".stackyard"))
    before = plan_project(project, "dev")
    config = project / "Pulumi.dev.yaml"
    spec = config.read_text()
    assert spec.count("record_identifier: customer_id") == 1
    config.write_text(
        spec.replace("record_identifier: customer_id", "record_identifier: account_id").replace(
            "- {name: customer_id, type: String}", "- {name: account_id, type: String}"
        )
    )
    after = plan_project(project, "dev")
    assert diff(before, before).changes == []
    result = diff(before, after)
    [change] = result.changes
    assert (change.name, change.type, change.kind, change.loses_data) == (
        "quickstart-dev-feature-store-customers",
        FEATURE_GROUP,
        "replace",
        True,
    )
    assert [p.describe() for p in change.properties] == [
        'featureDefinitions[0].featureName: "customer_id" -> "account_id" [replaces]',
        'recordIdentifierFeatureName: "customer_id" -> "account_id" [replaces]',
    ]


def test_no_secret_reaches_any_output(tmp_path: Path) -> None:
    from stackyard.pulumi_documents import SECRET_SIG, SIG_KEY

    export = json.loads((REAL / "sample-export.json").read_text())
    bucket = next(r for r in export["deployment"]["resources"] if r["type"] == "aws:s3/bucket:Bucket")
    bucket["inputs"]["acl"] = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:SECRET-CIPHERTEXT"}
    bucket["inputs"]["policy"] = {SIG_KEY: SECRET_SIG, "plaintext": '"hunter2"'}
    bucket["outputs"]["policy"] = {SIG_KEY: SECRET_SIG, "plaintext": '"hunter2"'}
    state = tmp_path / "state.json"
    state.write_text(json.dumps(export))
    preview = json.loads((REAL / "sample-preview-update.json").read_text())
    step = next(s for s in preview["steps"] if s["newState"]["type"] == "aws:s3/bucket:Bucket")
    step["newState"]["inputs"]["acl"] = "public-read"
    step["newState"]["inputs"]["policy"] = "[secret]"
    result = diff_documents(read_file(state), read_document(preview, source="preview.json", sha256=""))
    bucket_change = next(c for c in result.changes if c.type == "aws:s3/bucket:Bucket")
    assert [p.describe() for p in bucket_change.properties] == [
        "acl: may change (from [secret], was a secret)"
    ]
    for text in (render_text(result), render_markdown(result), json.dumps(as_json(result))):
        assert "SECRET-CIPHERTEXT" not in text and "hunter2" not in text
