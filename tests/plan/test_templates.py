"""Templates: what a document built from computed outputs looks like, recorded beside its unknown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackyard.errors import UserError
from stackyard.plan import plan_project
from stackyard.plan.placeholders import PlaceholderBook, Source, arn_shape
from stackyard.plan.wire import UNKNOWN
from stackyard.pulumi_documents import new_states, read_document

PROGRAM = Path(__file__).parent / "programs" / "templates"
BUCKET = "${aws:s3/bucket:Bucket::data.arn}"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = Path(shutil.copytree(PROGRAM, tmp_path_factory.mktemp("templates") / "templates"))
    (project / "Pulumi.dev.yaml").write_text(
        'config:\n  aws:region: eu-west-1\n  stackyard:accountId: "111122223333"\n'
        "  templates:token:\n    secure: AAABAKs=\n"
    )
    return plan_project(project)


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::templates::{type_}::{name}"


def _inputs(document: dict, name: str) -> dict:
    return next(s["inputs"] for s in new_states(document) if s["urn"].endswith(f"::{name}"))


def test_a_document_built_from_unknowns_is_unknown_with_its_template(document: dict) -> None:
    templates = document["stackyard"]["templates"]
    everything = _urn("aws:iam/policy:Policy", "everything")
    assert _inputs(document, "everything") == {"policy": UNKNOWN}
    assert templates[everything] == {
        "policy": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": BUCKET}]}
        )
    }
    scoped = json.loads(templates[_urn("aws:iam/policy:Policy", "scoped")]["policy"])
    assert [s["Resource"] for s in scoped["Statement"]] == [f"{BUCKET}/*", "${aws:kms/key:Key::key.arn}"]


def test_the_providers_policy_document_function_renders_placeholders(document: dict) -> None:
    template = document["stackyard"]["templates"][_urn("aws:iam/policy:Policy", "lister")]["policy"]
    assert json.loads(template) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET}],
    }


def test_values_that_lose_the_placeholder_stay_unknown_and_untemplated(document: dict) -> None:
    # `len(arn)` and a callback raising on the placeholder: neither runs in a preview.
    for name in ("arn-length", "bucket-account"):
        assert _inputs(document, name) == {"displayName": UNKNOWN}
        assert _urn("aws:sns/topic:Topic", name) not in document["stackyard"]["templates"]


def test_a_document_holding_a_secret_is_a_secret_without_template(document: dict) -> None:
    assert _inputs(document, "with-secret") == {"displayName": "[secret]"}
    assert _urn("aws:sns/topic:Topic", "with-secret") not in document["stackyard"]["templates"]
    assert "AAABAKs" not in json.dumps(document)


def test_resources_inputs_given_by_the_program_keep_their_values(document: dict) -> None:
    assert _inputs(document, "key") == {"enableKeyRotation": True}


@pytest.mark.parametrize(
    ("type_token", "shape"),
    [
        ("aws:kms/key:Key", "arn:aws:kms:eu-west-1:111122223333:key/"),
        ("aws:s3/bucket:Bucket", "arn:aws:s3:::"),
        ("aws:s3/bucketV2:BucketV2", "arn:aws:s3:::"),
        ("aws:iam/role:Role", "arn:aws:iam::111122223333:role/"),
        ("aws:cloudwatch/logGroup:LogGroup", "arn:aws:logs:eu-west-1:111122223333:log-group:"),
        ("aws:sns/topic:Topic", "arn:aws:sns:eu-west-1:111122223333:"),
        ("aws:sfn/stateMachine:StateMachine", "arn:aws:states:eu-west-1:111122223333:stateMachine:"),
        (
            "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
            "arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/",
        ),
    ],
)
def test_placeholder_arns_are_shaped_like_the_real_ones(type_token: str, shape: str) -> None:
    assert arn_shape(type_token, "aws", "eu-west-1", "111122223333") == shape


_TEXT = st.text(alphabet=st.characters(blacklist_characters="$"), max_size=20)


@given(
    pieces=st.lists(st.tuples(_TEXT, st.sampled_from(["arn", "id", "name"])), min_size=1, max_size=5),
    tail=_TEXT,
)
def test_a_template_writes_each_placeholder_as_its_source(pieces: list[tuple[str, str]], tail: str) -> None:
    book = PlaceholderBook("aws", "eu-west-1", "111122223333")
    value, expected = "", ""
    for index, (text, output) in enumerate(pieces):
        token = book.hand_out(Source("aws:kms/key:Key", f"k{index}", output))
        value += text + token
        expected += text + "${" + f"aws:kms/key:Key::k{index}.{output}" + "}"
    assert book.template(value + tail) == expected + tail


def test_a_plan_whose_templates_are_malformed_is_refused() -> None:
    plan = {"steps": [], "stackyard": {"planVersion": 1, "templates": {"urn:x": "not an object"}}}
    with pytest.raises(UserError) as raised:
        read_document(plan, source="plan.json", sha256="")
    assert (
        str(raised.value) == "plan.json: stackyard.templates must map URNs to {input path: template} objects"
    )
