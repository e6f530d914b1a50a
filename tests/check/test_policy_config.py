"""Policy config: the file format of `--policy-pack-config` and the engine's reconciliation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.protobuf import struct_pb2
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2

from stackyard.check.model import Enforcement
from stackyard.check.policy_config import (
    PolicyConfig,
    check_names,
    config_hash,
    for_pack,
    load_config_file,
    reconcile,
    to_request,
)
from stackyard.errors import UserError


def info() -> analyzer_pb2.AnalyzerInfo:
    schema = struct_pb2.Struct()
    schema.update({"maxResources": {"type": "integer", "default": 100}})
    return analyzer_pb2.AnalyzerInfo(
        name="user-pack",
        policies=[
            analyzer_pb2.PolicyInfo(
                name="few-resources",
                enforcementLevel=analyzer_pb2.MANDATORY,
                configSchema=analyzer_pb2.PolicyConfigSchema(properties=schema),
            ),
            analyzer_pb2.PolicyInfo(name="no-public-buckets", enforcementLevel=analyzer_pb2.ADVISORY),
        ],
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy-config.json"
    path.write_text(text)
    return path


def test_defaults_then_all_then_policy(tmp_path: Path) -> None:
    given = load_config_file(write(tmp_path, '{"all": "advisory", "few-resources": {"maxResources": 5}}'))
    effective = reconcile(info(), given)
    assert effective["few-resources"] == PolicyConfig(Enforcement.ADVISORY, {"maxResources": 5})
    assert effective["no-public-buckets"] == PolicyConfig(Enforcement.ADVISORY, {})
    request = to_request(effective)
    assert request.policyConfig["few-resources"].enforcementLevel == analyzer_pb2.ADVISORY
    assert request.policyConfig["few-resources"].properties["maxResources"] == 5


def test_without_a_file_the_pack_defaults_hold() -> None:
    effective = reconcile(info(), {})
    assert effective["few-resources"] == PolicyConfig(Enforcement.MANDATORY, {"maxResources": 100})
    assert config_hash(effective) == config_hash(reconcile(info(), {}))
    assert config_hash(effective) != config_hash(
        reconcile(info(), {"few-resources": PolicyConfig(None, {"maxResources": 1})})
    )


def test_namespaced_keys_reach_their_pack_only(tmp_path: Path) -> None:
    given = load_config_file(
        write(tmp_path, '{"user-pack:few-resources": "disabled", "other:few-resources": "advisory"}')
    )
    assert for_pack(given, "user-pack") == {"few-resources": PolicyConfig(Enforcement.DISABLED, {})}


def test_values_are_validated_against_the_config_schema(tmp_path: Path) -> None:
    given = load_config_file(write(tmp_path, '{"few-resources": {"maxResources": "many"}}'))
    with pytest.raises(
        UserError, match=re.escape("few-resources.maxResources: 'many' is not of type 'integer'")
    ):
        reconcile(info(), given)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"x": "sometimes"}', "x: 'sometimes' is not an enforcement level"),
        ('{"x": 3}', "x: must be an enforcement level or an object, not int"),
        ('{"x": {"enforcementLevel": "loud"}}', "x: 'loud' is not an enforcement level"),
        ("[1]", "must be a JSON object of policy names"),
        ('{\n"x": }', r"\(line 2, column 6\): malformed JSON: Expecting value"),
        ('{"environments": ["prod"]}', "cannot be resolved offline"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        load_config_file(write(tmp_path, text))


def test_names_no_loaded_pack_has_are_refused_with_suggestions() -> None:
    given = {
        "few-resource": PolicyConfig(None, {}, "cfg.json"),
        "few-resources": PolicyConfig(None, {"maxResource": 1}, "cfg.json"),
        "user-pak:no-public-buckets": PolicyConfig(None, {}, "cfg.json"),
        "user-pack:all": PolicyConfig(Enforcement.ADVISORY, {}, "cfg.json"),
    }
    with pytest.raises(UserError) as raised:
        check_names(given, [info()])
    assert raised.value.message == (
        "cfg.json: 3 unknown names in the policy config:\n"
        "  'few-resource': no loaded pack has the rule 'few-resource'; did you mean few-resources?\n"
        "  'few-resources': few-resources has no setting 'maxResource'; did you mean maxResources?\n"
        "  'user-pak:no-public-buckets': no loaded pack is named 'user-pak'; did you mean user-pack?"
    )
    check_names({"user-pack:few-resources": PolicyConfig(None, {"maxResources": 1}, "cfg.json")}, [info()])


NAMES = st.text(alphabet="abc-:", min_size=1, max_size=8)


@given(st.dictionaries(NAMES, st.dictionaries(NAMES, st.integers(), max_size=2), max_size=4))
def test_any_config_either_reaches_a_loaded_pack_or_is_refused_naming_the_file(
    entries: dict[str, dict[str, int]],
) -> None:
    given_config = {key: PolicyConfig(None, properties, "cfg.json") for key, properties in entries.items()}
    try:
        check_names(given_config, [info()])
    except UserError as error:
        assert error.message.startswith("cfg.json: ")
    else:
        for key, properties in entries.items():
            pack, _, rule = key.rpartition(":")
            assert pack in ("", "user-pack") and rule in ("all", "few-resources", "no-public-buckets")
            assert set(properties) <= ({"maxResources"} if rule == "few-resources" else set())
