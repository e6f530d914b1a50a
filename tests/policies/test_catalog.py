from __future__ import annotations

import importlib
import json
from pathlib import Path

import jsonschema
import pytest
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from stackyard.policies.catalog import (
    FRAMEWORK_NAMES,
    GROUPS,
    all_rules,
    effective_config,
    get_rule,
    pack_config_schema,
    policies,
)
from stackyard.policies.presets import PRESET_NAMES, build_preset, load_preset, preset_path, render_preset

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
CASE_MODULES = [
    "test_residency",
    "test_encryption",
    "test_network",
    "test_identity",
    "test_tagging_and_data_protection",
    "test_serving",
    "test_cost_and_kubernetes",
]


def test_about_fifty_rules_in_every_group() -> None:
    rules = all_rules()
    assert len(rules) >= 50
    assert {rule.group for rule in rules} == set(GROUPS)
    assert len({rule.id for rule in rules}) == len(rules)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule) -> None:
    assert rule.name and rule.description.endswith(".") and rule.remediation
    assert rule.severity in ("critical", "high", "medium", "low")
    assert rule.enforcement in ("advisory", "mandatory")
    assert "nist-800-53" in rule.frameworks and len(rule.frameworks) >= 2
    assert all(controls for controls in rule.frameworks.values())
    assert set(rule.frameworks) <= set(FRAMEWORK_NAMES)


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    covered: dict[str, set[bool]] = {}
    for module in CASE_MODULES:
        for case in importlib.import_module(f"tests.policies.{module}").CASES:
            covered.setdefault(case.rule, set()).add(case.failing)
    missing = {rule.id for rule in all_rules() if covered.get(rule.id) != {True, False}}
    assert missing == set()


def test_policies_are_real_pulumi_policies_named_by_id() -> None:
    built = policies()
    assert [p.name for p in built] == [r.id for r in all_rules()]
    kinds = {p.name: type(p) for p in built}
    assert kinds["SY-ENC-001"] is StackValidationPolicy
    assert kinds["SY-ENC-003"] is ResourceValidationPolicy
    enc3 = next(p for p in built if p.name == "SY-ENC-003")
    assert enc3.severity.value == "high" and enc3.enforcement_level.value == "mandatory"
    assert enc3.framework.name == "NIST SP 800-53 Rev. 5" and "SC-28" in enc3.framework.reference
    assert "checkov:CKV_AWS_98" in enc3.tags and "group:encryption" in enc3.tags


def test_config_schema_is_per_rule_and_has_defaults() -> None:
    rule = get_rule("SY-TAG-001")
    assert rule.config_schema()["properties"]["requiredTags"]["default"] == [
        "owner",
        "cost-center",
        "data-classification",
    ]
    assert rule.policy().config_schema.properties["requiredTags"]["type"] == "array"
    assert get_rule("SY-ENC-001").policy().config_schema is None


def test_pack_config_schema_is_valid_json_schema() -> None:
    schema = pack_config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"SY-TAG-001": {"requiredTag": ["x"]}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"SY-NOPE-001": "mandatory"}, schema)


def test_example_config_is_valid_and_means_what_it_says() -> None:
    example = json.loads((POLICIES_DIR / "config.example.json").read_text())
    jsonschema.validate(example, pack_config_schema())
    effective = effective_config(example)
    assert effective["SY-IAM-006"].enforcement == "disabled"
    assert effective["SY-RES-001"].settings == {"allowedRegions": ["eu-west-1", "eu-central-1"]}
    assert effective["SY-COST-003"].settings == {"maxGpuNodesTotal": 24}
    assert effective["SY-ENC-001"].enforcement == "mandatory"
    assert effective_config({"all": "advisory"})["SY-ENC-001"].enforcement == "advisory"


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_presets_are_valid_and_up_to_date(name: str) -> None:
    assert preset_path(name).read_text() == render_preset(name), "run: python -m stackyard.policies.presets"
    preset = load_preset(name)
    jsonschema.validate(preset, pack_config_schema())
    assert set(preset) == {rule.id for rule in all_rules()}


def test_preset_contents() -> None:
    strict, baseline, gdpr = (build_preset(n) for n in ("strict", "baseline", "gdpr-eu"))
    assert {entry["enforcementLevel"] for entry in strict.values()} == {"mandatory"}
    assert baseline["SY-NET-005"]["enforcementLevel"] == "mandatory"  # critical
    assert baseline["SY-TAG-001"]["enforcementLevel"] == "advisory"  # medium
    assert "eu-west-1" in gdpr["SY-RES-001"]["allowedRegions"]
    assert all(r.startswith("eu-") for r in gdpr["SY-RES-001"]["allowedRegions"])
    assert gdpr["SY-RES-001"]["enforcementLevel"] == "mandatory"
    assert gdpr["SY-DP-003"]["maxOfflineRetentionDays"] == 365
    assert gdpr["SY-COST-001"]["enforcementLevel"] == "advisory"
    with pytest.raises(KeyError, match="no preset 'lax'"):
        load_preset("lax")
