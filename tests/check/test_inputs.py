"""The readers of each input format, on real Pulumi documents and on stackyard plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackyard.check.inputs import read_input
from stackyard.errors import UserError
from stackyard.pulumi_documents import SECRET_SIG, SIG_KEY
from tests.check.checkdocs import BUCKET, KMS_KEY, SSE, UNKNOWN, PlanBuilder, sse_inputs

SECRET_UNKNOWN = {SIG_KEY: SECRET_SIG, "value": UNKNOWN}
ROLE = "urn:pulumi:dev::sample::aws:s3/bucket:Bucket$aws:s3:BucketEventSubscription$aws:iam/role:Role::docsHandler"


def test_preview_of_creates(real_dir: Path) -> None:
    checked = read_input(real_dir / "sample-preview-creates.json")
    assert (checked.kind, checked.project, checked.stack) == ("preview", "sample", "dev")
    assert len(checked.resources) == 16
    bucket = next(r for r in checked.resources if r.type == BUCKET)
    # `__defaults` is internal: the engine drops it before analysis.
    assert bucket.inputs == {"acl": "private", "bucket": "docs-32c8f2c", "forceDestroy": False}
    assert bucket.parent == "urn:pulumi:dev::sample::pulumi:pulumi:Stack::sample-dev"
    # The default provider is not a step; it is described from the stack config.
    assert bucket.provider is not None
    assert bucket.provider.type == "pulumi:providers:aws"
    assert bucket.provider.name == "default_6_63_0"
    attachment = next(r for r in checked.resources if r.name == "docsHandler-a1de8170")
    assert attachment.inputs["role"] == UNKNOWN
    assert attachment.property_dependencies == {"policyArn": [], "role": [ROLE]}
    assert attachment.dependencies == (ROLE,)


def test_preview_region_comes_from_config_for_default_providers(real_dir: Path, tmp_path: Path) -> None:
    document = json.loads((real_dir / "sample-preview-creates.json").read_text())
    document["config"]["aws:region"] = "eu-central-1"
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(document))
    bucket = next(r for r in read_input(path).resources if r.type == BUCKET)
    assert bucket.provider is not None and bucket.provider.properties == {"region": "eu-central-1"}


def test_preview_update_reads_every_state_of_the_new_program(real_dir: Path) -> None:
    checked = read_input(real_dir / "sample-preview-update.json")
    assert len(checked.resources) == 16
    function = next(r for r in checked.resources if r.type == "aws:lambda/function:Function")
    # The update step's new state is read (its code archive changed), not its old state.
    assert function.inputs["runtime"] == "nodejs20.x"
    assert set(function.inputs["code"]["assets"]) == {"__index.js"}


def test_preview_deletes_are_not_analyzed(real_dir: Path) -> None:
    checked = read_input(real_dir / "sample-preview-deletes.json")
    assert [r.type for r in checked.resources] == ["pulumi:pulumi:Stack", BUCKET]


def test_stack_export_gives_inputs_and_outputs(real_dir: Path) -> None:
    checked = read_input(real_dir / "sample-export.json")
    assert (checked.kind, checked.project, checked.stack) == ("export", "sample", "dev")
    assert len(checked.resources) == 17  # the explicit default provider is a resource of the state
    bucket = next(r for r in checked.resources if r.type == BUCKET)
    assert bucket.inputs["bucket"] == "docs-4936161"
    assert bucket.outputs is not None and bucket.outputs["region"] == "eu-west-1"
    assert bucket.provider is not None and bucket.provider.properties["version"] == "6.63.0"


def test_export_secrets_become_unknown_secrets(real_dir: Path, tmp_path: Path) -> None:
    document = json.loads((real_dir / "sample-export.json").read_text())
    bucket = next(r for r in document["deployment"]["resources"] if r["type"] == BUCKET)
    bucket["inputs"]["acl"] = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:SECRET-CIPHERTEXT"}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    resource = next(r for r in read_input(path).resources if r.type == BUCKET)
    assert resource.inputs["acl"] == SECRET_UNKNOWN


def test_plan_with_explicit_provider_and_secret(tmp_path: Path) -> None:
    plan = PlanBuilder(region="eu-west-3")
    key = plan.add(KMS_KEY, "key", {"description": "[secret]"})
    plan.add(SSE, "sse", sse_inputs(UNKNOWN), property_dependencies={"rules": [key]}, protect=True)
    checked = read_input(plan.write(tmp_path / "plan.json"))
    assert (checked.kind, checked.project, checked.stack) == ("plan", "ml", "prod")
    assert [r.type for r in checked.resources] == [
        "pulumi:pulumi:Stack",
        "pulumi:providers:aws",
        KMS_KEY,
        SSE,
    ]
    sse = checked.resources[3]
    assert sse.protect is True
    assert sse.provider is not None and sse.provider.properties["region"] == "eu-west-3"
    assert checked.resources[2].inputs["description"] == SECRET_UNKNOWN


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "(line 1, column 1): malformed JSON: Expecting value"),
        (
            '{"steps": [{"urn": "u", "newState": {"urn": "u", "type": "t", "inputs": []}}]}',
            "invalid Pulumi document, 1 error:\n  {path}: steps[0].newState.inputs: expected a mapping, got a list",
        ),
        (
            '{"steps": [{"urn": "u", "newState": {"urn": "u", "type": 5}}]}',
            "steps[0].newState.type: expected a string, got int",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "u", "type": "t", "inputs": "x"}]}}',
            "deployment.resources[0].inputs: expected a mapping, got a string",
        ),
        (
            '{"hello": 1}',
            "not a stackyard plan, a `pulumi preview --json` document or a `pulumi stack export`",
        ),
        ('{"steps": []}', "the document contains no resources to check"),
        (
            '{"steps": [{"op": "create", "urn": "bad", "newState": {"urn": "bad", "type": "t"}}]}',
            "'bad' is not a Pulumi URN",
        ),
        ('{"steps": [{"op": "create", "newState": {"type": "t"}}]}', "steps[0].newState.urn: Field required"),
        ('{"steps": [{"op": "move", "urn": "u"}]}', "steps[0]: unknown op 'move' (expected one of create, "),
        ('{"steps": [], "stackyard": {"planVersion": 9}}', "unsupported stackyard plan version 9"),
        ('{"version": 7, "deployment": {"resources": []}}', "unsupported `pulumi stack export` version 7"),
    ],
)
def test_bad_documents(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(content)
    with pytest.raises(UserError) as error:
        read_input(path)
    assert message.format(path=path) in error.value.message
    assert error.value.message.startswith(str(path))


def test_unreadable_input(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Pulumi document not found"):
        read_input(tmp_path / "missing.json")
