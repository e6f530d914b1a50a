"""Reading resource properties and IAM policy documents without Pulumi: plain dicts and lists stand
in for the SDK's proxies."""

from __future__ import annotations

import json

import pytest

from stackyard.policies import iam_documents, resource_properties


def test_resource_region_prefers_the_resource_input() -> None:
    assert (
        resource_properties.resource_region({"region": "eu-central-1"}, {"region": "eu-west-1"})
        == "eu-central-1"
    )
    assert resource_properties.resource_region({}, {"region": "eu-west-1"}) == "eu-west-1"
    assert resource_properties.resource_region({"region": ""}, {"region": "eu-west-1"}) == "eu-west-1"
    assert resource_properties.resource_region({}, None) is None
    assert resource_properties.resource_region({}, {}) is None


@pytest.mark.parametrize(
    ("arn", "region", "account"),
    [
        ("arn:aws:kms:eu-west-1:111122223333:key/abc", "eu-west-1", "111122223333"),
        ("arn:aws:s3:::bucket", None, None),
        ("arn:aws:iam::111122223333:role/r", None, "111122223333"),
        ("not-an-arn", None, None),
    ],
)
def test_arn_parts(arn: str, region: str | None, account: str | None) -> None:
    assert resource_properties.arn_region(arn) == region
    assert resource_properties.arn_account(arn) == account


def test_tags_merge_provider_defaults_under_own() -> None:
    tags = resource_properties.effective_tags({"owner": "ml"}, {"owner": "platform", "cost-center": "1"})
    assert tags == {"owner": "ml", "cost-center": "1"}
    assert resource_properties.missing_tags(tags, ["owner", "cost-center", "data-classification"]) == [
        "data-classification"
    ]
    assert resource_properties.missing_tags({"owner": "  "}, ["owner"]) == ["owner"]
    assert resource_properties.effective_tags(None, None) == {}
    unknown = {"owner": resource_properties.UNKNOWN_VALUE}
    assert resource_properties.missing_tags(unknown, ["owner"]) == []
    assert resource_properties.unknown_tags(unknown, ["owner"]) == ["owner"]
    assert (
        resource_properties.environment_of("", {"environment": resource_properties.UNKNOWN_VALUE})
        is resource_properties.UNKNOWN_VALUE
    )


def test_environment_config_wins_over_tag() -> None:
    assert resource_properties.environment_of("prod", {"environment": "dev"}) == "prod"
    assert resource_properties.environment_of("", {"environment": "dev"}) == "dev"
    assert resource_properties.environment_of("", {}) is None


def test_parse_policy_accepts_string_and_dict_and_one_or_many() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        },
    }
    for form in (document, json.dumps(document)):
        [statement] = iam_documents.parse_policy(form)
        assert statement.allows
        assert statement.actions == ("sts:AssumeRole",)
        assert statement.principals == {"Service": ("sagemaker.amazonaws.com",)}
        assert statement.condition_values("StringEquals", "AWS:SourceAccount") == ("111122223333",)
    assert iam_documents.parse_policy(None) == []
    assert iam_documents.parse_policy("") == []


def test_parse_policy_principal_forms() -> None:
    star, account = iam_documents.parse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"]},
                {"Effect": "Allow", "Principal": "arn:aws:iam::1:root", "Action": "s3:*"},
            ]
        }
    )
    assert star.principals == {"*": ("*",)}
    assert account.principals == {"AWS": ("arn:aws:iam::1:root",)}


@pytest.mark.parametrize("bad", ["{", "[1]", json.dumps({"Statement": ["x"]})])
def test_parse_policy_rejects_non_documents(bad: str) -> None:
    with pytest.raises(iam_documents.PolicyDocumentError):
        iam_documents.parse_policy(bad)


def test_principal_account() -> None:
    assert iam_documents.principal_account("111122223333") == "111122223333"
    assert iam_documents.principal_account("arn:aws:iam::111122223333:role/x") == "111122223333"
    assert (
        iam_documents.principal_account("arn:aws:organizations::111122223333:organization/o-1")
        == "111122223333"
    )
    assert iam_documents.principal_account("arn:aws:organizations::aws:policy/x") is None


@pytest.mark.parametrize(
    ("instance_type", "family", "gpu"),
    [
        ("g5.xlarge", "g5", True),
        ("ml.g6e.2xlarge", "g6e", True),
        ("p4d.24xlarge", "p4d", True),
        ("gr6.4xlarge", "gr6", True),
        ("m6i.large", "m6i", False),
        ("ml.m5.xlarge", "m5", False),
        ("t3.medium", "t3", False),
    ],
)
def test_instance_families(instance_type: str, family: str, gpu: bool) -> None:
    assert resource_properties.instance_family(instance_type) == family
    assert resource_properties.is_gpu_instance(instance_type) is gpu


def test_gpu_family_prefixes_match_botocore() -> None:
    from stackyard.spec.aws import ec2_instance_types

    families = {t.split(".")[0] for t in ec2_instance_types()}
    gpu = {f for f in families if resource_properties.is_gpu_family(f)}
    assert {"g5", "g6", "p4d", "p5"} <= gpu
    assert all(f[0] in "gp" for f in gpu)


def test_get_path_and_first() -> None:
    props = {"vpcConfig": {"endpointPublicAccess": False, "subnetIds": ["a"]}, "empty": None}
    assert resource_properties.get_path(props, "vpcConfig.endpointPublicAccess") is False
    assert resource_properties.get_path(props, "vpcConfig.missing", "d") == "d"
    assert resource_properties.get_path(props, "empty.x", 1) == 1
    assert resource_properties.first([{"a": 1}]) == {"a": 1}
    assert resource_properties.first({"a": 1}) == {"a": 1}
    assert resource_properties.first([]) is None
    assert (
        resource_properties.as_list("x") == ["x"]
        and resource_properties.as_list(None) == []
        and resource_properties.as_list(["x"]) == ["x"]
    )
