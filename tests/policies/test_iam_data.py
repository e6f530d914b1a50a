"""The IAM dataset: wildcard expansion, access levels, managed policies, and its files being what the
generator writes from the recorded package versions."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackyard.policies import iam_access, iam_data, iam_documents
from stackyard.policies.iam_data import AccessLevel, generate


def test_wildcards_expand_case_insensitively_with_iam_wildcards_only() -> None:
    assert iam_data.matching("S3:GetObject") == {"s3": frozenset({"getobject"})}
    assert iam_data.matching("s3:GetObjec?") == {"s3": frozenset({"getobject"})}
    gets = iam_data.matching("s3:Get*")["s3"]
    assert "getbucketpolicy" in gets and "putobject" not in gets
    assert iam_data.matching("iam:[A]ttachRolePolicy") == {}  # brackets are literal in IAM
    assert iam_data.matching("nosuchservice:*") == {}
    assert iam_data.matching("s3") == {}
    assert iam_data.matching("*") == iam_data.every_action()
    assert set(iam_data.matching("sage*:*")) >= {"sagemaker", "sagemaker-geospatial"}


def test_access_levels() -> None:
    assert iam_data.access_level("s3:ListAllMyBuckets") is AccessLevel.LIST
    assert iam_data.access_level("s3:GetObject") is AccessLevel.READ
    assert iam_data.access_level("s3:PutObject") is AccessLevel.WRITE
    assert iam_data.access_level("IAM:PutRolePolicy") is AccessLevel.PERMISSIONS_MANAGEMENT
    assert iam_data.access_level("s3:PutObjectTagging") is AccessLevel.TAGGING
    assert iam_data.access_level("s3:NoSuchAction") is None


def test_generator_levels() -> None:
    assert generate.access_level("Permissions management, Write") == "Permissions management"
    assert generate.access_level("Tagging, Write") == "Tagging"
    assert generate.access_level("List") == "List"
    with pytest.raises(ValueError, match="unknown access level 'Admin'"):
        generate.access_level("Admin")


def test_not_action_is_every_action_but_those() -> None:
    [statement] = iam_documents.parse_policy(
        {"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "s3:Get*"], "Resource": "*"}]}
    )
    granted = iam_access.statement_actions(statement)
    assert "iam" not in granted
    assert "getobject" not in granted["s3"] and "putobject" in granted["s3"]
    assert granted["sagemaker"] == iam_data.every_action()["sagemaker"]


def test_denies_take_away_and_scoped_resources_do_not_count() -> None:
    statements = iam_documents.parse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
                {"Effect": "Allow", "Action": "sns:*", "Resource": "arn:aws:sns:eu-west-1:111122223333:t"},
                {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:*:*:log-group:*"},
            ]
        }
    )
    assert iam_access.grants(statements).full_services == ("logs", "sqs")


def test_managed_policies() -> None:
    policy = iam_data.managed_policy("PowerUserAccess")
    assert policy is not None and policy.path == "/"
    assert policy.document["Statement"][0]["NotAction"] == ["iam:*", "organizations:*", "account:*"]
    assert iam_data.managed_policy("AWSBatchServiceRole").path == "/service-role/"  # type: ignore[union-attr]
    assert iam_data.managed_policy("NoSuchPolicy") is None


@given(st.text(alphabet="abcs3:*?-Gt", max_size=12))
def test_matching_agrees_with_a_plain_glob(pattern: str) -> None:
    """Every action `matching` returns fits the pattern read as IAM does; nothing is invented."""
    import fnmatch

    for service, actions in iam_data.matching(pattern).items():
        assert actions <= iam_data.every_action()[service]
        for action in actions:
            name = f"{service}:{action}"
            assert pattern.strip().lower() == "*" or fnmatch.fnmatchcase(name, pattern.strip().lower())


def test_the_files_are_what_the_generator_writes_from_the_recorded_versions() -> None:
    recorded = json.loads(generate.SOURCES_FILE.read_text())
    installed = {part["package"]: importlib.metadata.version(part["package"]) for part in recorded.values()}
    if installed != {part["package"]: part["version"] for part in recorded.values()}:
        pytest.skip(f"installed sources {installed} differ from the recorded ones: regenerate to compare")
    assert generate.render_sources(generate.sources()) == generate.SOURCES_FILE.read_text()
    assert generate.render_actions(generate.actions_by_service()) == generate.ACTIONS_FILE.read_text()
    assert generate.render_managed_policies(generate.managed_policies()) == (
        generate.MANAGED_POLICIES_FILE.read_text()
    )


def test_every_managed_policy_is_found_by_name_and_its_document_read() -> None:
    names = iam_data.managed_policy_names()
    assert len(names) > 1000 and names == sorted(names)
    for name in names:
        policy = iam_data.managed_policy(name)
        assert policy is not None and policy.name == name
        iam_access.grants(iam_documents.parse_policy(policy.document))  # no document is beyond the rules
