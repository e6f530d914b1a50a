"""Reading the `pulumi stack export` that `audit --state` and `verify STATE.json` are given: any
file is either a stack export or a clear `UserError` (exit 2), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackyard.audit.drift import exported_resources
from stackyard.errors import ExitCode, UserError
from stackyard.stack_export import read_stack_export
from stackyard.verify.state import verifications

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
RESOURCE = st.fixed_dictionaries(
    {},
    optional={
        "urn": JSON | st.text(max_size=20),
        "type": JSON | st.sampled_from(["aws:sagemaker/endpoint:Endpoint", "aws:s3/bucket:Bucket"]),
        "custom": JSON,
        "id": JSON,
        "inputs": JSON,
        "outputs": JSON,
        "delete": JSON,
    },
)
EXPORT = st.fixed_dictionaries(
    {
        "version": JSON,
        "deployment": st.fixed_dictionaries({"resources": st.lists(RESOURCE | JSON, max_size=4)}),
    }
)


@settings(max_examples=150, deadline=None)
@given(document=EXPORT | JSON)
def test_any_document_is_read_or_refused_clearly(
    tmp_path_factory: pytest.TempPathFactory, document: object
) -> None:
    path = tmp_path_factory.mktemp("state") / "state.json"
    path.write_text(json.dumps(document))
    try:
        read = read_stack_export(path)
    except UserError as error:
        assert error.exit_code == ExitCode.BAD_INPUT
        assert error.message.startswith(f"{path}: ")
        return
    # What was accepted, the commands can walk without failing.
    exported_resources(read)
    verifications(read)


def test_not_json_and_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{")
    with pytest.raises(UserError, match="not a JSON document"):
        read_stack_export(path)
    with pytest.raises(UserError, match="cannot read the state: No such file or directory"):
        read_stack_export(tmp_path / "missing.json")
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": [{"urn": 1, "type": "t"}]}}))
    with pytest.raises(UserError, match=r"deployment.resources\[0\].urn is not a string"):
        read_stack_export(path)
