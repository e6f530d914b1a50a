"""The root spec: defaults, presets, every error at once with its path, and the loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from stackyard.errors import ExitCode, UserError
from stackyard.spec.loader import SpecError, load_spec, load_spec_file, validate
from tests.specs import BASE_SPEC, make_spec


def issues_of(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    return caught.value.issues


def test_defaults_are_secure() -> None:
    spec = make_spec()
    assert spec.encryption.mode == "managed"
    assert spec.network.mode == "create"
    assert spec.network.internet_gateway is False
    assert spec.residency_regions == ["eu-west-1"]
    assert spec.name_prefix == "demo-dev"


@pytest.mark.parametrize(
    ("environment", "protect", "min_instances"),
    [("dev", False, 1), ("staging", False, 1), ("prod", True, 2)],
)
def test_environment_presets(environment: str, protect: bool, min_instances: int) -> None:
    presets = make_spec(environment=environment).presets
    assert presets.protect_stateful is protect
    assert presets.min_serving_instances == min_instances


def test_protection_can_be_turned_off_only_explicitly() -> None:
    assert make_spec(environment="prod", protect_stateful=False).presets.protect_stateful is False


def test_five_mistakes_are_reported_together_with_their_paths() -> None:
    issues = issues_of(
        {
            **BASE_SPEC,
            "project": "Demo_Project",
            "region": "eu-wst-1",
            "tags": {"owner": "", "cost_center": "cc-1", "data_classification": "secret"},
            "network": {
                "mode": "existing",
                "vpc_id": "vpc-0abc12345def67890",
                "subnet_ids": ["subnet-0aaa1111"],
            },
        }
    )
    assert issues == [
        (
            "project",
            "'Demo_Project' must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter",
        ),
        ("region", "unknown AWS region 'eu-wst-1'; did you mean eu-west-1, us-west-1, eu-west-3?"),
        ("tags.owner", "String should have at least 1 character"),
        ("tags.data_classification", "Input should be 'public', 'internal', 'confidential' or 'restricted'"),
        ("network.subnet_ids", "mode 'existing' needs at least two private subnet IDs"),
    ]


def test_unknown_keys_are_errors_not_ignored() -> None:
    assert issues_of({**BASE_SPEC, "regoin": "eu-west-1"}) == [("regoin", "Extra inputs are not permitted")]


def test_region_must_be_allowed() -> None:
    assert issues_of({**BASE_SPEC, "allowed_regions": ["eu-central-1"]}) == [
        ("allowed_regions", "the stack's region 'eu-west-1' is not in allowed_regions")
    ]


def test_given_key_must_be_a_key_arn_in_the_stack_region() -> None:
    assert issues_of({**BASE_SPEC, "encryption": {"mode": "existing", "kms_key_arn": "alias/mine"}}) == [
        (
            "encryption.kms_key_arn",
            "'alias/mine' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
        )
    ]
    other_region = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert issues_of({**BASE_SPEC, "encryption": {"mode": "existing", "kms_key_arn": other_region}}) == [
        (
            "encryption.kms_key_arn",
            "the key is in us-east-1, the stack in eu-west-1: KMS keys cannot be used across regions",
        )
    ]


def test_account_ids_are_checked() -> None:
    assert issues_of({**BASE_SPEC, "allowed_accounts": ["12345"]}) == [
        ("allowed_accounts", "not 12-digit AWS account IDs: 12345")
    ]


def test_reserved_tag_keys_cannot_be_overridden() -> None:
    tags = {**BASE_SPEC["tags"], "extra": {"owner": "someone-else"}}
    assert issues_of({**BASE_SPEC, "tags": tags}) == [
        ("tags.extra", "tag 'owner' is set by stackyard; remove it from tags.extra")
    ]


def test_spec_error_message_lists_every_issue() -> None:
    with pytest.raises(SpecError) as caught:
        validate({**BASE_SPEC, "environment": "qa", "region": "mars-1"}, source="stacks/qa.yaml")
    assert str(caught.value).splitlines() == [
        "stacks/qa.yaml: invalid spec, 2 errors:",
        "  environment: Input should be 'dev', 'staging' or 'prod'",
        "  region: unknown AWS region 'mars-1'",
    ]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_load_from_yaml_and_json(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"spec{suffix}"
    path.write_text(yaml.safe_dump(BASE_SPEC) if suffix == ".yaml" else json.dumps(BASE_SPEC))
    assert load_spec(path).project == "demo"


def test_load_from_python_module(tmp_path: Path) -> None:
    path = tmp_path / "spec.py"
    path.write_text(f"spec = {BASE_SPEC!r}\n")
    assert load_spec_file(path).region == "eu-west-1"


def test_load_from_pulumi_stack_config(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump({"config": {"aws:region": "eu-west-1", "stackyard:spec": BASE_SPEC}}))
    assert load_spec_file(path).environment.value == "dev"


def test_load_from_python_object() -> None:
    spec = make_spec()
    assert load_spec(spec) is spec
    assert load_spec(dict(BASE_SPEC)) == spec


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.yaml", None, "missing.yaml: spec file not found"),
        (
            "bad.yaml",
            "project: [unclosed",
            "bad.yaml (line 2, column 1): malformed YAML: did not find expected ',' or ']'",
        ),
        (
            "bad.json",
            "{",
            "bad.json (line 1, column 2): malformed JSON: Expecting property name enclosed in double quotes",
        ),
        ("spec.toml", "x = 1", "spec.toml: unknown spec format '.toml' (use .yaml, .yml, .json or .py)"),
        (
            "Pulumi.dev.yaml",
            "config:\n  aws:region: eu-west-1\n",
            "Pulumi.dev.yaml: stack config has no 'stackyard:spec' value",
        ),
        ("nospec.py", "x = 1\n", "nospec.py: the module defines no 'spec'"),
    ],
)
def test_unreadable_specs_are_input_errors(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError) as caught:
        load_spec_file(path)
    assert caught.value.message == f"{tmp_path}/{message}"
