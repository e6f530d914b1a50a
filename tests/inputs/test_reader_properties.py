"""Property-based tests of every reader of user files: whatever the bytes, a reader returns its
document or raises the one documented error (`UserError`, exit 2), never anything else; and what a
reader accepts it reads back exactly.

The examples are kept cheap (small documents, parsed in memory or from one reused file) so the
1,000 examples of each test in the "ci" profile (tests/conftest.py) run in seconds.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from stackyard.check.inputs import read_document
from stackyard.check.policy_config import load_config_file
from stackyard.check.waivers import load_waivers
from stackyard.errors import UserError
from stackyard.input_files import MAX_DEPTH, parse_json, parse_yaml
from stackyard.pulumi_files import read_project_file, read_stack_config_file
from stackyard.spec.loader import load_spec_file
from tests.specs import BASE_SPEC

# Small alphabets and documents: generating data is most of what these tests cost.
ALPHABET = "abz09:-_ .\"'\\é☃\n"
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(ALPHABET, max_size=6)
keys = st.text(ALPHABET, min_size=1, max_size=5)
_flat = scalars | st.lists(scalars, max_size=3) | st.dictionaries(keys, scalars, max_size=3)
json_values = scalars | st.lists(_flat, max_size=3) | st.dictionaries(keys, _flat, max_size=3)
"""Plain data as JSON and YAML both hold it, two levels deep at most (recursive strategies cost
more to draw than the readers take to read; nesting has its own test). No floats: YAML and JSON
spell some differently."""

# Fragments that reach the readers' corners: flow and block syntax, anchors and aliases, tags,
# merge keys, documents, bad escapes, and bytes that are not UTF-8.
YAML_PIECES = [
    "a: 1\n",
    "- x\n",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "&a ",
    "*a ",
    "<<: *a\n",
    "!!python/object:os.system ",
    "---\n",
    "...\n",
    '"\\x"',
    "'",
    "? ",
    "  ",
    "\t",
    "\n",
    "#c\n",
    "%YAML 1.1\n",
    "2026-12-31",
    "~",
    "config:",
    "waivers:",
    "steps:",
    "\ufeff",
    "a: 1\na: 2\n",
]
yaml_texts = st.lists(st.sampled_from(YAML_PIECES) | st.text(ALPHABET, max_size=4), max_size=10).map("".join)
raw_bytes = st.binary(max_size=24) | yaml_texts.map(lambda t: t.encode("utf-8"))


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="stackyard-properties-") as directory:
        yield Path(directory)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@given(json_values)
def test_json_reads_back_what_was_written(value: Any) -> None:
    assert parse_json(json.dumps(value), "x.json") == value


@given(json_values)
def test_yaml_reads_back_what_was_written(value: Any) -> None:
    assert parse_yaml(yaml.safe_dump(value), "x.yaml") == value


@given(st.integers(1, 3 * MAX_DEPTH), st.sampled_from(["[", '{"k":']))
def test_nesting_is_read_up_to_the_limit_and_refused_past_it(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "1" + closer * depth
    if depth <= MAX_DEPTH:
        assert parse_json(text, "deep.json") is not None
        assert parse_yaml(text, "deep.yaml") is not None
    else:
        for parse, source in ((parse_json, "deep.json"), (parse_yaml, "deep.yaml")):
            with pytest.raises(UserError) as caught:
                parse(text, source)
            assert caught.value.message.startswith(f"{source}")


@given(raw_bytes)
def test_any_bytes_are_a_json_document_or_one_message_naming_the_file(data: bytes) -> None:
    try:
        parse_json(data, "any.json")
    except UserError as error:
        assert error.message.startswith("any.json")


@given(yaml_texts)
def test_any_text_is_a_yaml_document_or_one_message_naming_the_file(text: str) -> None:
    try:
        parse_yaml(text, "any.yaml")
    except UserError as error:
        assert error.message.startswith("any.yaml")


def _spec_variants() -> st.SearchStrategy[Any]:
    """The base spec with one part replaced by arbitrary data, or arbitrary data outright."""
    sections = st.sampled_from([*sorted(BASE_SPEC), "serving", "registry", "feature_store", "tags"])
    return st.one_of(
        json_values,
        st.builds(lambda key, value: {**BASE_SPEC, key: value}, sections, json_values),
    )


@given(_spec_variants(), st.sampled_from(["spec.yaml", "spec.json"]))
def test_the_spec_loader_gives_a_spec_or_a_user_error(scratch: Path, data: Any, name: str) -> None:
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data)
    path = _write(scratch / name, text.encode())
    try:
        spec = load_spec_file(path)
    except UserError as error:
        assert str(path) in error.message
    else:
        assert spec.project == data["project"]


@given(raw_bytes)
def test_the_spec_loader_on_any_bytes(scratch: Path, data: bytes) -> None:
    path = _write(scratch / "any-spec.yaml", data)
    try:
        load_spec_file(path)
    except UserError as error:
        assert str(path) in error.message


waiver_fields = st.fixed_dictionaries(
    {},
    optional={
        "rule": scalars,
        "resources": scalars,
        "reason": scalars,
        "approver": scalars,
        "ticket": scalars,
        "expires": scalars | st.dates().map(str),
        "extra": scalars,
    },
)
waiver_documents = st.one_of(
    json_values,
    st.builds(lambda items: {"waivers": items}, st.lists(waiver_fields | json_values, max_size=3)),
)


@given(waiver_documents)
def test_waivers_load_or_give_one_message_naming_the_file(scratch: Path, data: Any) -> None:
    path = _write(scratch / "waivers.yaml", yaml.safe_dump(data).encode())
    try:
        waivers = load_waivers(path)
    except UserError as error:
        assert str(path) in error.message
    else:
        assert [w.rule for w in waivers] == [w["rule"] for w in (data or {}).get("waivers") or []]


answer_fields = st.fixed_dictionaries(
    {},
    optional={
        "token": scalars | st.just("aws:ec2/getAmi:getAmi"),
        "args": json_values,
        "result": json_values,
        "extra": scalars,
    },
)
invokes_documents = st.one_of(
    json_values,
    st.builds(lambda items: {"invokes": items}, st.lists(answer_fields | json_values, max_size=3)),
)


@given(invokes_documents)
def test_invokes_files_load_or_give_one_message_naming_the_file(scratch: Path, data: Any) -> None:
    from stackyard.plan.invokes import load_answers_file

    path = _write(scratch / "invokes.yaml", yaml.safe_dump(data).encode())
    try:
        answers = load_answers_file(path)
    except UserError as error:
        assert str(path) in error.message
    else:
        given_answers = data if isinstance(data, list) else (data or {}).get("invokes") or []
        assert [(a.token, a.args, a.result) for a in answers] == [
            (g["token"], g.get("args", {}), g["result"]) for g in given_answers
        ]


policy_entries = st.sampled_from(
    ["advisory", "mandatory", "disabled", "remediate", "loud"]
) | st.dictionaries(
    st.sampled_from(["enforcementLevel", "maxResources", "requiredTags"]), json_values, max_size=3
)


@given(st.one_of(json_values, st.dictionaries(keys, policy_entries | json_values, max_size=4)))
def test_policy_config_loads_or_gives_one_message_naming_the_file(scratch: Path, data: Any) -> None:
    path = _write(scratch / "policy.json", json.dumps(data).encode())
    try:
        config = load_config_file(path)
    except UserError as error:
        assert str(path) in error.message
    else:
        assert sorted(config) == sorted(data or {})


project_documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {}, optional={"name": json_values, "runtime": json_values, "main": json_values, "config": json_values}
    ),
)


@given(project_documents, st.booleans())
def test_pulumi_project_files_read_or_give_one_message_naming_the_file(
    scratch: Path, data: Any, stack_file: bool
) -> None:
    path = _write(
        scratch / ("Pulumi.dev.yaml" if stack_file else "Pulumi.yaml"), yaml.safe_dump(data).encode()
    )
    try:
        read = (read_stack_config_file if stack_file else read_project_file)(path)
    except UserError as error:
        assert str(path) in error.message
    else:
        assert read == data or (read is None and data is None)


states = st.fixed_dictionaries(
    {"urn": st.sampled_from(["urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", "bad"]) | scalars},
    optional={
        "type": st.sampled_from(["aws:s3/bucket:Bucket", "pulumi:pulumi:Stack"]) | scalars,
        "custom": scalars,
        "inputs": json_values,
        "outputs": json_values,
        "parent": scalars,
        "provider": scalars | st.just("urn:pulumi:dev::p::pulumi:providers:aws::default::id"),
        "dependencies": json_values,
        "propertyDependencies": json_values,
        "protect": scalars,
        "ignoreChanges": json_values,
        "aliases": json_values,
        "delete": scalars,
    },
)
pulumi_documents = st.one_of(
    json_values,
    st.builds(
        lambda steps, config: {"steps": steps, "config": config},
        st.lists(
            st.fixed_dictionaries(
                {"op": st.sampled_from(["create", "delete", "same"]) | scalars},
                optional={"urn": scalars, "newState": states | json_values},
            ),
            max_size=3,
        ),
        json_values,
    ),
    st.builds(
        lambda resources, version: {"version": version, "deployment": {"resources": resources}},
        st.lists(states | json_values, max_size=3),
        st.sampled_from([3, 1, 7]) | scalars,
    ),
)


@given(pulumi_documents)
def test_the_check_reader_gives_resources_or_one_message_naming_the_file(data: Any) -> None:
    try:
        checked = read_document(data, source="doc.json", sha256="0" * 64)
    except UserError as error:
        assert error.message.startswith("doc.json")
    else:
        assert all(isinstance(resource.urn, str) for resource in checked.resources)


generators = st.sampled_from(["stackyard 0.1.0", "stackyard", "stackyard-x", "pulumi 3", ""]) | scalars
plan_like = st.builds(lambda generator: {"steps": [], "stackyard": {"generator": generator}}, generators)


@given(raw_bytes | st.one_of(json_values, plan_like).map(lambda value: json.dumps(value).encode()))
def test_plan_out_recognises_only_a_plan_stackyard_wrote(scratch: Path, data: bytes) -> None:
    """`plan --out` replaces a file only when it is stackyard's plan; whatever the bytes, deciding
    never raises (a file it cannot read is someone else's)."""
    from stackyard.outputs import is_stackyard_plan

    path = _write(scratch / "plan.json", data)
    try:
        document = json.loads(data.decode("utf-8"))
    except ValueError:
        document = None
    meta = document.get("stackyard") if isinstance(document, dict) else None
    generator = meta.get("generator") if isinstance(meta, dict) else None
    expected = isinstance(generator, str) and generator.startswith("stackyard ")
    assert is_stackyard_plan(path) is expected


def test_plan_out_refuses_a_file_too_deep_or_not_utf8_as_not_a_plan(scratch: Path) -> None:
    from stackyard.outputs import is_stackyard_plan

    deep = '{"stackyard": {"generator": "stackyard 1"}, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert is_stackyard_plan(_write(scratch / "deep.json", deep.encode())) is False
    assert is_stackyard_plan(_write(scratch / "latin1.json", '{"a": "é"}'.encode("latin-1"))) is False
    assert is_stackyard_plan(_write(scratch / "ours.json", b'{"stackyard": {"generator": "stackyard 1"}}'))
