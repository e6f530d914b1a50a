"""The one reader of Pulumi documents: every real document, every step op, the sentinels, and
arbitrary input (hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackyard.check.inputs import read_input
from stackyard.errors import UserError
from stackyard.plan.diff import _Differ
from stackyard.pulumi_documents import (
    ARCHIVE_SIG,
    SECRET_SIG,
    SIG_KEY,
    STEP_OPS,
    UNKNOWN,
    engine_form,
    new_states,
    normalized,
    read_document,
    read_file,
)

REAL = Path("/work/shared/fixtures/pulumi-real")
REAL_DOCUMENTS = sorted(REAL.glob("*.json"))
EXPECTED = {
    "sample-export.json": ("export", 17),
    "sample-preview-creates.json": ("preview", 16),
    "sample-preview-update.json": ("preview", 16),
    "sample-preview-deletes.json": ("preview", 2),
}


def test_every_real_document_is_covered() -> None:
    assert sorted(p.name for p in REAL_DOCUMENTS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", REAL_DOCUMENTS, ids=lambda p: p.name)
def test_every_real_document(path: Path) -> None:
    document = read_file(path)
    kind, count = EXPECTED[path.name]
    assert (document.kind, len(document.resources), document.project, document.stack) == (
        kind,
        count,
        "sample",
        "dev",
    )
    for resource in document.resources:
        assert not any(key.startswith("__") for key in resource.inputs)
    bucket = next(r for r in document.resources if r.type == "aws:s3/bucket:Bucket")
    assert bucket.defaults == ("acl", "bucket", "forceDestroy")
    assert bucket.provider is not None and bucket.provider.name == "default_6_63_0"


@pytest.mark.parametrize("path", REAL_DOCUMENTS, ids=lambda p: p.name)
def test_check_and_diff_read_every_real_document_into_the_same_resources(path: Path) -> None:
    checked = read_input(path).resources
    differ = _Differ(read_file(path), read_file(path))
    assert checked == read_file(path).resources
    assert list(differ.new.values()) == [r for r in checked if not r.is_provider]


def test_the_update_preview_reads_the_new_state_and_its_op() -> None:
    function = next(
        r for r in read_file(REAL / "sample-preview-update.json").resources if r.type.endswith("Function")
    )
    assert function.op == "update"
    assert function.inputs["code"][SIG_KEY] == ARCHIVE_SIG
    assert (
        function.inputs["code"]["hash"] == "3886dc7db621541977d614ac33c9ba8f079dcd8f98e58459e646d4197569d9a1"
    )


def test_the_export_keeps_ids_outputs_and_property_dependencies() -> None:
    export = read_file(REAL / "sample-export.json")
    function = next(r for r in export.resources if r.type.endswith("Function"))
    assert function.id == "docsHandler-c29f9fc"
    assert function.outputs is not None and function.outputs["role"] == function.inputs["role"]
    assert function.property_dependencies["role"] == [
        "urn:pulumi:dev::sample::aws:s3/bucket:Bucket$aws:s3:BucketEventSubscription$aws:iam/role:Role::docsHandler"
    ]


def _state(name: str, **extra: Any) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::p::aws:sns/topic:Topic::{name}", "type": "aws:sns/topic:Topic", **extra}


def _step(op: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"op": op, "urn": _state(name)["urn"], **extra}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([_step("create", "a", newState=_state("a"))], [("a", "create")]),
        ([_step("same", "a", newState=_state("a"))], [("a", "same")]),
        ([_step("update", "a", newState=_state("a"))], [("a", "update")]),
        ([_step("read", "a", newState=_state("a"))], [("a", "read")]),
        ([_step("delete", "a", oldState=_state("a"))], []),
        # A replacement: create-replacement, replace, delete-replaced (or the delete first, with
        # deleteBeforeReplace); either way the new state stays, marked replaced.
        (
            [
                _step("create-replacement", "a", newState=_state("a", inputs={"v": 2})),
                _step("replace", "a", newState=_state("a", inputs={"v": 2})),
                _step("delete-replaced", "a", oldState=_state("a", inputs={"v": 1})),
            ],
            [("a", "replace")],
        ),
        (
            [
                _step("delete-replaced", "a", oldState=_state("a")),
                _step("replace", "a", newState=_state("a")),
                _step("create-replacement", "a", newState=_state("a")),
            ],
            [("a", "replace")],
        ),
        (
            [_step("read-discard", "a", oldState=_state("a")), _step("create", "b", newState=_state("b"))],
            [("b", "create")],
        ),
    ],
)
def test_every_step_op(steps: list[dict[str, Any]], expected: list[tuple[str, str]]) -> None:
    document = read_document({"steps": steps}, source="preview.json", sha256="")
    assert [(r.name, r.op) for r in document.resources] == expected
    assert [s["urn"].rsplit("::", 1)[-1] for s in new_states({"steps": steps})] == [
        name for name, _ in expected
    ]


def test_the_step_ops_are_pulumis() -> None:
    assert {
        "same", "create", "update", "delete", "replace", "create-replacement", "delete-replaced", "read",
        "read-replacement", "refresh", "read-discard", "discard-replaced", "remove-pending-replace",
        "import", "import-replacement", "discard",
    } == STEP_OPS  # fmt: skip


def test_sentinels_in_engine_form() -> None:
    secret = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:abc"}
    assert engine_form({"a": secret, "b": "[secret]", "__defaults": ["a"], "c": [UNKNOWN]}) == {
        "a": {SIG_KEY: SECRET_SIG, "value": UNKNOWN},
        "b": {SIG_KEY: SECRET_SIG, "value": UNKNOWN},
        "c": [UNKNOWN],
    }


def test_normal_form() -> None:
    assert normalized({"b": 1.0, "a": '{"x": [1.0, true]}'}) == {"b": 1, "a": {"x": [1, True]}}
    assert normalized("{not json") == "{not json"
    assert normalized({SIG_KEY: ARCHIVE_SIG, "hash": "h", "assets": {"x": 1}}) == {
        SIG_KEY: ARCHIVE_SIG,
        "hash": "h",
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
STEP = st.fixed_dictionaries(
    {
        "op": st.sampled_from([*sorted(STEP_OPS), "bogus"]),
        "urn": st.sampled_from(["urn:pulumi:s::p::t::a", "x"]),
    },
    optional={
        "newState": st.fixed_dictionaries(
            {}, optional={"urn": st.text(max_size=30), "type": JSON, "inputs": JSON}
        )
    },
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(JSON, st.fixed_dictionaries({"steps": st.lists(STEP, max_size=4)}, optional={"config": JSON}))
)
def test_any_json_is_read_or_refused_with_a_message(document: Any) -> None:
    try:
        read_document(document, source="doc.json", sha256="")
    except UserError as error:
        assert error.message.startswith("doc.json")


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_normal_form_is_stable(value: Any) -> None:
    once = normalized(value)
    assert normalized(once) == once
    json.dumps(once)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a directory"):
        read_file(tmp_path)
