"""Provider functions computed offline, compared with what the provider itself documents.

The policy-document expectations are the examples in the Terraform AWS provider's
website/docs/d/iam_policy_document.html.markdown and the expected JSON of its acceptance tests
(internal/service/iam/policy_document_data_source_test.go), which pulumi-aws bridges. Those
texts predate provider v5.0.0, which stopped writing an empty `"Sid": ""` (CHANGELOG 5.0.0,
hashicorp/terraform-provider-aws#28539); the expectations below drop those lines and are
otherwise verbatim.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackyard.plan.functions import PURE_TOKENS, FunctionError, PlanFacts, compute
from stackyard.plan.functions.gojson import dumps, go_number
from stackyard.plan.wire import UNKNOWN, struct_to_dict

POLICY = "aws:iam/getPolicyDocument:getPolicyDocument"
FACTS = PlanFacts.from_config({}.get)


def policy(**args: Any) -> dict[str, Any]:
    result = compute(POLICY, args, FACTS)
    assert result is not None
    return result


def statement(**fields: Any) -> dict[str, Any]:
    return fields


# --- the documented examples --------------------------------------------------------------


def test_multiple_condition_keys_example() -> None:
    result = policy(
        statements=[
            statement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions=[
                    {
                        "test": "ForAnyValue:StringEquals",
                        "variable": "kms:EncryptionContext:service",
                        "values": ["pi"],
                    },
                    {
                        "test": "ForAnyValue:StringEquals",
                        "variable": "kms:EncryptionContext:aws:pi:service",
                        "values": ["rds"],
                    },
                ],
            )
        ]
    )
    assert (
        result["json"]
        == """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey",
        "kms:Decrypt"
      ],
      "Resource": "*",
      "Condition": {
        "ForAnyValue:StringEquals": {
          "kms:EncryptionContext:aws:pi:service": "rds",
          "kms:EncryptionContext:service": "pi"
        }
      }
    }
  ]
}"""
    )
    assert result["minifiedJson"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],'
        '"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContext:aws:pi:service":"rds",'
        '"kms:EncryptionContext:service":"pi"}}}]}'
    )
    # policy_document_data_source.go: d.SetId(strconv.Itoa(create.StringHashcode(jsonString))).
    assert result["id"] == str(zlib.crc32(result["json"].encode()))


SOURCE = policy(
    statements=[
        statement(actions=["ec2:*"], resources=["*"]),
        statement(sid="SidToOverride", actions=["s3:*"], resources=["*"]),
    ]
)["json"]
BUCKET = ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"]


def test_source_document_example() -> None:
    result = policy(
        sourcePolicyDocuments=[SOURCE],
        statements=[statement(sid="SidToOverride", actions=["s3:*"], resources=BUCKET)],
    )
    assert (
        result["json"]
        == """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::somebucket/*",
        "arn:aws:s3:::somebucket"
      ]
    }
  ]
}"""
    )


def test_override_document_example() -> None:
    override = policy(statements=[statement(sid="SidToOverride", actions=["s3:*"], resources=["*"])])["json"]
    result = policy(
        overridePolicyDocuments=[override],
        statements=[
            statement(actions=["ec2:*"], resources=["*"]),
            statement(sid="SidToOverride", actions=["s3:*"], resources=BUCKET),
        ],
    )
    assert (
        result["json"]
        == """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    }
  ]
}"""
    )


def test_source_and_override_without_statements_example() -> None:
    source = policy(
        statements=[
            statement(sid="OverridePlaceholder", actions=["ec2:DescribeAccountAttributes"], resources=["*"])
        ]
    )["json"]
    override = policy(
        statements=[statement(sid="OverridePlaceholder", actions=["s3:GetObject"], resources=["*"])]
    )["json"]
    result = policy(sourcePolicyDocuments=[source], overridePolicyDocuments=[override])
    assert (
        result["json"]
        == """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OverridePlaceholder",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    }
  ]
}"""
    )


def test_merging_source_documents_example() -> None:
    source_one = policy(
        statements=[
            statement(actions=["ec2:*"], resources=["*"]),
            statement(sid="UniqueSidOne", actions=["s3:*"], resources=["*"]),
        ]
    )["json"]
    source_two = policy(
        statements=[
            statement(sid="UniqueSidTwo", actions=["iam:*"], resources=["*"]),
            statement(actions=["lambda:*"], resources=["*"]),
        ]
    )["json"]
    assert (
        policy(sourcePolicyDocuments=[source_one, source_two])["json"]
        == """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Sid": "UniqueSidOne",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*"
    },
    {
      "Sid": "UniqueSidTwo",
      "Effect": "Allow",
      "Action": "iam:*",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "lambda:*",
      "Resource": "*"
    }
  ]
}"""
    )


def test_merging_override_documents_example() -> None:
    # The documented output has two typos (a trailing comma, and "Placeholder" where the
    # configuration says "PlaceHolder"); the statements, their order and effects are as documented.
    one = policy(
        statements=[
            statement(sid="OverridePlaceHolderOne", effect="Allow", actions=["s3:*"], resources=["*"])
        ]
    )
    two = policy(
        statements=[
            statement(effect="Allow", actions=["ec2:*"], resources=["*"]),
            statement(sid="OverridePlaceHolderTwo", effect="Allow", actions=["iam:*"], resources=["*"]),
        ]
    )
    three = policy(
        statements=[
            statement(sid="OverridePlaceHolderOne", effect="Deny", actions=["logs:*"], resources=["*"])
        ]
    )
    result = policy(
        overridePolicyDocuments=[one["json"], two["json"], three["json"]],
        statements=[statement(sid="OverridePlaceHolderTwo", effect="Deny", actions=["*"], resources=["*"])],
    )
    assert (
        result["json"]
        == """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OverridePlaceHolderTwo",
      "Effect": "Allow",
      "Action": "iam:*",
      "Resource": "*"
    },
    {
      "Sid": "OverridePlaceHolderOne",
      "Effect": "Deny",
      "Action": "logs:*",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "ec2:*",
      "Resource": "*"
    }
  ]
}"""
    )


# --- the provider's acceptance tests ------------------------------------------------------

BASIC_STATEMENTS = [
    statement(sid="1", actions=["s3:ListAllMyBuckets", "s3:GetBucketLocation"], resources=["arn:aws:s3:::*"]),
    statement(
        actions=["s3:ListBucket"],
        resources=["arn:aws:s3:::foo"],
        conditions=[
            {"test": "StringLike", "variable": "s3:prefix", "values": ["home/", "", "home/&{aws:username}/"]}
        ],
        notPrincipals=[{"type": "AWS", "identifiers": ["arn:blahblah:example"]}],
    ),
    statement(
        actions=["s3:*"],
        resources=["arn:aws:s3:::foo/home/&{aws:username}", "arn:aws:s3:::foo/home/&{aws:username}/*"],
        principals=[{"type": "AWS", "identifiers": ["arn:blahblah:example"]}],
    ),
    statement(effect="Deny", notActions=["s3:*"], notResources=["arn:aws:s3:::*"]),
    statement(effect="Allow", actions=["kinesis:*"], principals=[{"type": "AWS", "identifiers": ["*"]}]),
    statement(effect="Allow", actions=["firehose:*"], principals=[{"type": "*", "identifiers": ["*"]}]),
]
BASIC_JSON = """{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::foo",
      "NotPrincipal": {
        "AWS": "arn:blahblah:example"
      },
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "home/",
            "",
            "home/${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::foo/home/${aws:username}/*",
        "arn:aws:s3:::foo/home/${aws:username}"
      ],
      "Principal": {
        "AWS": "arn:blahblah:example"
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "s3:*",
      "NotResource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "kinesis:*",
      "Principal": {
        "AWS": "*"
      }
    },
    {
      "Effect": "Allow",
      "Action": "firehose:*",
      "Principal": "*"
    }
  ]
}"""


def test_acceptance_basic_document() -> None:
    assert policy(policyId="policy_id", statements=BASIC_STATEMENTS)["json"] == BASIC_JSON


def test_acceptance_source_document_keeps_its_id_and_statements() -> None:
    result = policy(
        sourcePolicyDocuments=[BASIC_JSON],
        statements=[statement(sid="SourceJSONTest1", actions=["*"], resources=["*"])],
    )
    expected = BASIC_JSON.replace(
        '      "Principal": "*"\n    }\n',
        '      "Principal": "*"\n    },\n    {\n      "Sid": "SourceJSONTest1",\n      "Effect": "Allow",\n'
        '      "Action": "*",\n      "Resource": "*"\n    }\n',
    )
    assert result["json"] == expected


def test_acceptance_source_and_override_lists() -> None:
    a = policy(
        statements=[
            statement(sid="", effect="Allow", actions=["foo:ActionOne"]),
            statement(sid="overrideSid", effect="Allow", actions=["bar:ActionOne"]),
        ]
    )["json"]
    b = policy(statements=[statement(sid="validSid", effect="Deny", actions=["foo:ActionTwo"])])["json"]
    c = policy(statements=[statement(sid="overrideSid", effect="Deny", actions=["bar:ActionOne"])])["json"]
    assert json.loads(policy(overridePolicyDocuments=[a, b, c])["json"])["Statement"] == [
        {"Effect": "Allow", "Action": "foo:ActionOne"},
        {"Sid": "overrideSid", "Effect": "Deny", "Action": "bar:ActionOne"},
        {"Sid": "validSid", "Effect": "Deny", "Action": "foo:ActionTwo"},
    ]
    with pytest.raises(FunctionError) as raised:
        policy(sourcePolicyDocuments=[a, b, c])
    assert str(raised.value) == (
        f"{POLICY}: merging source document 2: duplicate Sid (overrideSid) in source_policy_documents "
        "(statement 0). Remove the Sid or ensure Sids are unique."
    )


@pytest.mark.parametrize(
    ("partition", "order"),
    [
        # The order of same-type principal blocks is the Terraform SDK's set order, which hashes
        # the identifiers: the provider's test expects a different order in each partition.
        ("aws", ["333333333333", "444444444444", "222222222222", "111111111111"]),
        ("aws-us-gov", ["333333333333", "222222222222", "111111111111", "444444444444"]),
    ],
)
def test_acceptance_multiple_principals_of_one_type(partition: str, order: list[str]) -> None:
    def root(account: str) -> str:
        return f"arn:{partition}:iam::{account}:root"

    principals = [
        {"type": "AWS", "identifiers": [root("111111111111"), root("222222222222")]},
        {"type": "AWS", "identifiers": [root("333333333333")]},
        {"type": "AWS", "identifiers": [root("444444444444")]},
    ]
    result = policy(statements=[statement(sid="S", actions=["*"], resources=["*"], principals=principals)])
    assert json.loads(result["json"])["Statement"][0]["Principal"] == {
        "AWS": [root(account) for account in order]
    }


def test_acceptance_principal_string_and_slice() -> None:
    principals = [
        {"type": "AWS", "identifiers": ["arn:aws:iam::111111111111:root"]},
        {"type": "AWS", "identifiers": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]},
    ]
    result = policy(statements=[statement(actions=["*"], resources=["*"], principals=principals)])
    assert json.loads(result["json"])["Statement"][0]["Principal"] == {
        "AWS": [
            "arn:aws:iam::111111111111:root",
            "arn:aws:iam::333333333333:root",
            "arn:aws:iam::222222222222:root",
        ]
    }


def test_version_2008_refuses_policy_variables() -> None:
    assert policy(version="2008-10-17", statements=[statement(actions=["ec2:*"], resources=["*"])])[
        "json"
    ] == (
        '{\n  "Version": "2008-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
        '      "Action": "ec2:*",\n      "Resource": "*"\n    }\n  ]\n}'
    )
    with pytest.raises(FunctionError) as raised:
        policy(
            version="2008-10-17",
            statements=[statement(actions=["*"], resources=["arn:aws:s3:::foo/&{aws:username}"])],
        )
    assert str(raised.value) == (
        f"{POLICY}: found &{{ sequence in (arn:aws:s3:::foo/&{{aws:username}}), which is not supported in "
        "document version 2008-10-17"
    )


def test_duplicate_sid_is_refused_and_blank_sids_are_not() -> None:
    with pytest.raises(FunctionError) as raised:
        policy(statements=[statement(sid="1", actions=["a:B"]), statement(sid="1", actions=["c:D"])])
    assert str(raised.value) == f"{POLICY}: duplicate Sid (1). Remove the Sid or ensure the Sid is unique."
    both = policy(statements=[statement(sid="", actions=["a:B"]), statement(actions=["c:D"])])
    assert len(json.loads(both["json"])["Statement"]) == 2


# --- the rules the provider applies -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("effect", "Permit", "statements[0].effect must be one of Allow, Deny, got 'Permit'"),
        ("sid", "has space", "statements[0].sid must only include alphanumeric characters, got 'has space'"),
        ("actions", "s3:*", "statements[0].actions must be a list of strings, got 's3:*'"),
    ],
)
def test_bad_statement_arguments_name_the_field(field: str, value: Any, message: str) -> None:
    with pytest.raises(FunctionError) as raised:
        policy(statements=[{field: value}])
    assert str(raised.value) == f"{POLICY}: {message}"


def test_bad_documents_and_version_are_refused() -> None:
    with pytest.raises(FunctionError, match=r"sourcePolicyDocuments\[0\] is not valid JSON"):
        policy(sourcePolicyDocuments=["{not json"])
    with pytest.raises(FunctionError, match=r"overridePolicyDocuments\[0\]\.Statement must be a list"):
        policy(overridePolicyDocuments=['{"Statement": {"Effect": "Allow"}}'])
    # A JSON null is an empty document to Go's decoder; an array is not a document.
    assert policy(sourcePolicyDocuments=["null"])["json"] == '{\n  "Version": "2012-10-17"\n}'
    with pytest.raises(FunctionError, match=r"sourcePolicyDocuments\[0\] must be a JSON object"):
        policy(sourcePolicyDocuments=["[]"])
    with pytest.raises(
        FunctionError, match="version must be one of 2008-10-17, 2012-10-17, got '2020-01-01'"
    ):
        policy(version="2020-01-01")
    with pytest.raises(FunctionError, match="overrideJson is no longer used and must be empty"):
        policy(overrideJson="{}")


def test_sets_are_deduplicated_and_collapsed() -> None:
    result = policy(
        statements=[statement(actions=["s3:GetObject", "s3:GetObject"], resources=["b", "a", "c"])]
    )
    assert json.loads(result["json"])["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["c", "b", "a"]}
    ]


def test_conditions_with_the_same_test_and_variable_are_merged() -> None:
    conditions = [
        {"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["a"]},
        {"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["b", "c"]},
        {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]},
    ]
    result = policy(
        statements=[statement(effect="Deny", actions=["*"], resources=["*"], conditions=conditions)]
    )
    assert json.loads(result["json"])["Statement"][0]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"},
        # Set order: crc32("test:StringEquals;values:(a;);variable:aws:PrincipalTag/team;") is
        # 3049688, which sorts (as a string) before the other block's 3741034544.
        "StringEquals": {"aws:PrincipalTag/team": ["a", "b", "c"]},
    }


def test_source_documents_are_read_as_go_reads_them() -> None:
    source = json.dumps(
        {
            "version": "2012-10-17",
            "statement": [
                {
                    "effect": "Allow",
                    "action": ["b:X", "a:Y"],
                    "Principal": {"Service": ["b.amazonaws.com", "a.amazonaws.com"], "AWS": "111111111111"},
                    "Condition": {
                        "Bool": {"aws:SecureTransport": True},
                        "NumericLessThan": {"s3:max-keys": 10},
                    },
                }
            ],
        }
    )
    assert json.loads(policy(sourcePolicyDocuments=[source])["json"])["Statement"] == [
        {
            # Keys match case-insensitively; lists from a document keep their order; principal
            # identifiers are sorted in reverse; a boolean condition becomes a string and a
            # number is dropped, as the provider's decoder drops it.
            "Effect": "Allow",
            "Action": ["b:X", "a:Y"],
            "Principal": {"AWS": "111111111111", "Service": ["b.amazonaws.com", "a.amazonaws.com"]},
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    ]


def test_json_is_escaped_as_go_escapes_it() -> None:
    result = policy(statements=[statement(actions=["s3:*"], resources=["arn:aws:s3:::a<b>&c\u2028"])])
    assert '"Resource": "arn:aws:s3:::a\\u003cb\\u003e\\u0026c\\u2028"' in result["json"]
    assert dumps([1.0, 0.5, 1e-7, 1e21, 1e16, None, True]) == "[1,0.5,1e-7,1e+21,10000000000000000,null,true]"
    assert go_number(-0.000001) == "-0.000001"


def test_inputs_are_echoed_as_the_provider_state_holds_them() -> None:
    result = policy(
        policyId="p1",
        statements=[statement(actions=["b", "a", "b"], principals=[{"type": "AWS", "identifiers": ["x"]}])],
    )
    assert {key: result[key] for key in ("policyId", "version", "statements")} == {
        "policyId": "p1",
        "version": "2012-10-17",
        "statements": [
            {
                # Set order: crc32("a;") = 2352259389 sorts before crc32("b;") = 2803495678.
                "actions": ["a", "b"],
                "conditions": [],
                "effect": "Allow",
                "notActions": [],
                "notPrincipals": [],
                "notResources": [],
                "principals": [{"identifiers": ["x"], "type": "AWS"}],
                "resources": [],
                "sid": "",
            }
        ],
    }


def test_an_empty_document_has_only_its_version() -> None:
    result = policy()
    assert (result["json"], result["minifiedJson"]) == (
        '{\n  "Version": "2012-10-17"\n}',
        '{"Version":"2012-10-17"}',
    )


def test_unknown_arguments_leave_the_outputs_unknown() -> None:
    result = policy(statements=[statement(actions=["s3:*"], resources=[UNKNOWN])])
    assert (result["json"], result["minifiedJson"], result["id"]) == (UNKNOWN, UNKNOWN, UNKNOWN)
    assert compute("aws:index/getArn:getArn", {"arn": UNKNOWN}, FACTS) == {
        "arn": UNKNOWN,
        **dict.fromkeys(("id", "partition", "service", "region", "account", "resource"), UNKNOWN),
    }


# --- a reader of user data: any statements give valid JSON that keeps them ----------------

IAM_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "actions": st.lists(IAM_TEXT, min_size=1, max_size=4),
                "resources": st.lists(IAM_TEXT, min_size=1, max_size=4),
                "effect": st.sampled_from(["Allow", "Deny"]),
            }
        ),
        max_size=4,
    )
)
def test_any_statements_render_to_json_that_round_trips_them(statements: list[dict[str, Any]]) -> None:
    result = policy(statements=statements)
    document = json.loads(result["json"])
    assert document == json.loads(result["minifiedJson"])
    rendered = document.get("Statement", [])
    assert len(rendered) == len(statements)
    for given_statement, written in zip(statements, rendered, strict=True):
        assert written["Effect"] == given_statement["effect"]
        actions = written["Action"] if isinstance(written["Action"], list) else [written["Action"]]
        resources = written["Resource"] if isinstance(written["Resource"], list) else [written["Resource"]]
        assert sorted(actions) == sorted(set(given_statement["actions"]))
        assert sorted(resources) == sorted(
            {item.replace("&{", "${") for item in given_statement["resources"]}
        )


PRINCIPAL_BLOCKS = st.lists(
    st.tuples(st.sampled_from(["AWS", "Service", "Federated", "*"]), st.lists(IAM_TEXT, max_size=3)),
    max_size=3,
    unique_by=lambda block: block[0],
).map(lambda blocks: [{"type": kind, "identifiers": identifiers} for kind, identifiers in blocks])
CONDITION_BLOCKS = st.lists(
    st.fixed_dictionaries(
        {
            "test": st.sampled_from(["StringEquals", "StringLike", "Bool"]),
            "variable": st.sampled_from(["aws:SourceAccount", "s3:prefix"]),
            "values": st.lists(IAM_TEXT, max_size=3),
        }
    ),
    max_size=3,
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"actions": st.lists(IAM_TEXT, max_size=3), "notResources": st.lists(IAM_TEXT, max_size=3)},
            optional={
                "principals": PRINCIPAL_BLOCKS,
                "conditions": CONDITION_BLOCKS,
                "sid": st.sampled_from(["", "A", "B"]),
            },
        ),
        max_size=3,
        unique_by=lambda each: each.get("sid") or object(),
    )
)
def test_a_rendered_document_reads_back_as_itself(statements: list[dict[str, Any]]) -> None:
    rendered = policy(statements=statements)["json"]
    assert policy(sourcePolicyDocuments=[rendered])["json"] == rendered
    assert policy(overridePolicyDocuments=[rendered])["json"] == rendered


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | IAM_TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Version",
                    "Statement",
                    "Sid",
                    "Effect",
                    "Action",
                    "Resource",
                    "Principal",
                    "Condition",
                    "AWS",
                    "Bool",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_json_as_a_source_document_renders_or_is_refused_with_a_message(value: Any) -> None:
    text = json.dumps(value)
    try:
        result = policy(sourcePolicyDocuments=[text], overridePolicyDocuments=[text])
    except FunctionError as error:
        assert str(error).startswith(f"{POLICY}: ")
    else:
        assert json.loads(result["json"]) == json.loads(result["minifiedJson"])


# --- the other functions ------------------------------------------------------------------


def test_facts_come_from_config_with_partitions_from_botocore() -> None:
    assert (
        PlanFacts(
            "us-east-1", "123456789012", "aws", "amazonaws.com", ("us-east-1a", "us-east-1b", "us-east-1c")
        )
        == FACTS
    )
    china = PlanFacts.from_config({"aws:region": "cn-north-1", "stackyard:accountId": "210987654321"}.get)
    assert (china.partition, china.dns_suffix, china.account_id) == (
        "aws-cn",
        "amazonaws.com.cn",
        "210987654321",
    )
    assert PlanFacts.from_config({"aws:region": "us-gov-west-1"}.get).partition == "aws-us-gov"
    iso = PlanFacts.from_config({"aws:region": "us-iso-east-1"}.get)
    assert (iso.partition, iso.dns_suffix) == ("aws-iso", "c2s.ic.gov")
    zones = PlanFacts.from_config({"stackyard:availabilityZones": '["us-east-1d"]'}.get)
    assert zones.availability_zones == ("us-east-1d",)
    with pytest.raises(ValueError, match="stackyard:availabilityZones must be a JSON list of zone names"):
        PlanFacts.from_config({"stackyard:availabilityZones": "us-east-1a"}.get)


@pytest.mark.parametrize(
    ("token", "args", "expected"),
    [
        (
            "aws:index/getCallerIdentity:getCallerIdentity",
            {},
            {
                "accountId": "123456789012",
                "arn": "arn:aws:iam::123456789012:user/stackyard-plan",
                "userId": "AIDASTACKYARDPLAN",
                "id": "123456789012",
            },
        ),
        (
            "aws:index/getRegion:getRegion",
            {},
            {
                "name": "us-east-1",
                "region": "us-east-1",
                "id": "us-east-1",
                "description": "us-east-1",
                "endpoint": "ec2.us-east-1.amazonaws.com",
            },
        ),
        (
            "aws:index/getRegion:getRegion",
            {"region": "cn-north-1"},
            {
                "name": "cn-north-1",
                "region": "cn-north-1",
                "id": "cn-north-1",
                "description": "cn-north-1",
                "endpoint": "ec2.cn-north-1.amazonaws.com.cn",
            },
        ),
        (
            "aws:index/getPartition:getPartition",
            {},
            {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
                "reverseDnsPrefix": "com.amazonaws",
            },
        ),
        (
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            {},
            {
                "names": ["us-east-1a", "us-east-1b", "us-east-1c"],
                "zoneIds": ["az-0", "az-1", "az-2"],
                "id": "us-east-1",
            },
        ),
        (
            "aws:index/getArn:getArn",
            {"arn": "arn:aws:iam::123456789012:role/path/to:thing"},
            {
                "arn": "arn:aws:iam::123456789012:role/path/to:thing",
                "id": "arn:aws:iam::123456789012:role/path/to:thing",
                "partition": "aws",
                "service": "iam",
                "region": "",
                "account": "123456789012",
                "resource": "role/path/to:thing",
            },
        ),
        (
            "aws:index/getBillingServiceAccount:getBillingServiceAccount",
            {},
            {"id": "386209384616", "arn": "arn:aws:iam::386209384616:root"},
        ),
        (
            "aws:index/getServicePrincipal:getServicePrincipal",
            {"serviceName": "s3"},
            {
                "id": "s3.us-east-1.amazonaws.com",
                "name": "s3.amazonaws.com",
                "suffix": "amazonaws.com",
                "region": "us-east-1",
                "serviceName": "s3",
            },
        ),
        (
            "aws:index/getServicePrincipal:getServicePrincipal",
            {"serviceName": "logs", "region": "cn-northwest-1"},
            {
                "id": "logs.cn-northwest-1.amazonaws.com.cn",
                "name": "logs.amazonaws.com.cn",
                "suffix": "amazonaws.com.cn",
                "region": "cn-northwest-1",
                "serviceName": "logs",
            },
        ),
        (
            "aws:elb/getServiceAccount:getServiceAccount",
            {"region": "eu-west-1"},
            {"id": "156460612806", "arn": "arn:aws:iam::156460612806:root", "region": "eu-west-1"},
        ),
        (
            "aws:cloudtrail/getServiceAccount:getServiceAccount",
            {},
            {"id": "086441151436", "arn": "arn:aws:iam::086441151436:root"},
        ),
        ("aws:elb/getHostedZoneId:getHostedZoneId", {}, {"id": "Z35SXDOTRQ7X7K"}),
        (
            "aws:lb/getHostedZoneId:getHostedZoneId",
            {"loadBalancerType": "network", "region": "eu-central-2"},
            {"id": "Z02239872DOALSIDCX66S", "loadBalancerType": "network", "region": "eu-central-2"},
        ),
        ("aws:index/getDefaultTags:getDefaultTags", {}, {"id": "aws"}),
        (
            "aws:elasticbeanstalk/getHostedZone:getHostedZone",
            {},
            {"id": "Z117KPS5GTRQ2G", "region": "us-east-1"},
        ),
        (
            "aws:cloudfront/getLogDeliveryCanonicalUserId:getLogDeliveryCanonicalUserId",
            {"region": "cn-north-1"},
            {
                "id": "a52cb28745c0c06e84ec548334e44bfa7fc2a85c54af20cd59e4969344b7af56",
                "region": "cn-north-1",
            },
        ),
        (
            "aws:cloudfront/getLogDeliveryCanonicalUserId:getLogDeliveryCanonicalUserId",
            {},
            {"id": "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"},
        ),
    ],
)
def test_account_free_functions(token: str, args: dict[str, Any], expected: dict[str, Any]) -> None:
    assert compute(token, args, FACTS) == expected


def test_every_token_is_one_the_installed_sdks_invoke() -> None:
    import pulumi_aws
    import pulumi_kubernetes

    sources = "".join(
        path.read_text(encoding="utf-8")
        for package in (pulumi_aws, pulumi_kubernetes)
        for path in Path(package.__file__).parent.rglob("get_*.py")
    ) + (Path(pulumi_kubernetes.__file__).parent / "yaml" / "yaml.py").read_text(encoding="utf-8")
    assert sorted(token for token in PURE_TOKENS if f"'{token}'" not in sources) == []
    for token in PURE_TOKENS:
        # Every function knows which outputs an unknown argument leaves unknown.
        unknown = compute(token, {"region": UNKNOWN}, FACTS)
        assert unknown is not None and set(unknown.values()) == {UNKNOWN}


def test_default_tags_drop_aws_and_ignored_keys() -> None:
    facts = PlanFacts.from_config(
        {
            "aws:defaultTags": json.dumps(
                {"tags": {"team": "ml", "aws:cloudformation": "x", "tmp-a": "1", "skip": "y"}}
            ),
            "aws:ignoreTags": json.dumps({"keys": ["skip"], "keyPrefixes": ["tmp-"]}),
        }.get
    )
    assert compute("aws:index/getDefaultTags:getDefaultTags", {}, facts) == {
        "id": "aws",
        "tags": {"team": "ml"},
    }


def test_functions_that_need_an_account_or_an_unlisted_region_are_not_answered() -> None:
    assert compute("aws:ec2/getAmi:getAmi", {"mostRecent": True}, FACTS) is None
    assert "aws:ec2/getAmi:getAmi" not in PURE_TOKENS
    # A region the provider's table (as read here) does not list: the provider may know it.
    assert compute("aws:elb/getServiceAccount:getServiceAccount", {"region": "mx-central-1"}, FACTS) is None


def test_a_malformed_arn_is_refused() -> None:
    with pytest.raises(FunctionError) as raised:
        compute("aws:index/getArn:getArn", {"arn": "arn:aws:s3"}, FACTS)
    assert str(raised.value) == "aws:index/getArn:getArn: parsing ARN (arn:aws:s3): arn: not enough sections"


def test_yaml_decode_splits_documents_as_the_kubernetes_provider_does() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  since: 2024-01-02
  replicas: "3"
---
# an empty document
---
just: a mapping without kind
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2}
"""
    assert compute("kubernetes:yaml:decode", {"text": text}, FACTS) == {
        "result": [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "settings"},
                "data": {"since": "2024-01-02", "replicas": "3"},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {"replicas": 2},
            },
        ]
    }
    # Which kinds are namespaced is the cluster's knowledge.
    assert compute("kubernetes:yaml:decode", {"text": text, "defaultNamespace": "apps"}, FACTS) is None
    with pytest.raises(FunctionError, match="kubernetes:yaml:decode: document 0 is not a mapping"):
        compute("kubernetes:yaml:decode", {"text": "- a\n- b\n"}, FACTS)


K8S_NAMES = st.text(st.characters(codec="ascii", categories=("Ll", "Nd")), min_size=1, max_size=8)
K8S_OBJECTS = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["v1", "apps/v1"]),
        "kind": st.sampled_from(["ConfigMap", "Service", "Deployment"]),
        "metadata": st.fixed_dictionaries({"name": K8S_NAMES}),
        "data": st.dictionaries(K8S_NAMES, IAM_TEXT | st.integers() | st.booleans(), max_size=3),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(K8S_OBJECTS, max_size=4))
def test_yaml_decode_returns_every_object_of_a_stream(objects: list[dict[str, Any]]) -> None:
    import yaml

    text = "---\n".join(yaml.safe_dump(item) for item in objects)
    assert compute("kubernetes:yaml:decode", {"text": text}, FACTS) == {"result": objects}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_yaml_decode_of_any_text_answers_or_names_the_problem(text: str) -> None:
    try:
        result = compute("kubernetes:yaml:decode", {"text": text}, FACTS)
    except FunctionError as error:
        assert str(error).startswith("kubernetes:yaml:decode: ")
    else:
        assert result is not None and isinstance(result["result"], list)


# --- through the SDK: the argument and result names are the ones pulumi_aws uses ----------


class _ComputingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.calls.append((args.token, dict(args.args)))
        return compute(args.token, dict(args.args), FACTS) or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)


@pytest.fixture
def computing_mocks() -> Any:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.reset_options()
    mocks = _ComputingMocks()
    pulumi.runtime.set_mocks(mocks, project="p", stack="dev", preview=False)
    yield mocks
    asyncio.set_event_loop(None)
    loop.close()


def test_the_sdk_sends_these_argument_names_and_reads_these_results(computing_mocks: _ComputingMocks) -> None:
    from pulumi_aws import iam

    document = iam.get_policy_document(
        policy_id="sdk",
        statements=[
            iam.GetPolicyDocumentStatementArgs(
                sid="Typed",
                actions=["sts:AssumeRole"],
                principals=[
                    iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="Service", identifiers=["ec2.amazonaws.com"]
                    )
                ],
                conditions=[
                    iam.GetPolicyDocumentStatementConditionArgs(
                        test="StringEquals", variable="aws:SourceAccount", values=["1"]
                    )
                ],
            ),
            {"sid": "Dict", "effect": "Deny", "not_actions": ["iam:*"], "not_resources": ["*"]},
        ],
    )
    token, sent = computing_mocks.calls[-1]
    assert token == POLICY
    assert sent["statements"][0] == {
        "sid": "Typed",
        "actions": ["sts:AssumeRole"],
        "principals": [{"type": "Service", "identifiers": ["ec2.amazonaws.com"]}],
        "conditions": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]}],
    }
    # A dict statement reaches the provider with its Python (snake_case) keys; the bridge maps
    # both spellings to the Terraform names, and so does compute.
    assert sent["statements"][1] == {
        "sid": "Dict",
        "effect": "Deny",
        "not_actions": ["iam:*"],
        "not_resources": ["*"],
    }
    assert json.loads(document.minified_json) == {
        "Version": "2012-10-17",
        "Id": "sdk",
        "Statement": [
            {
                "Sid": "Typed",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "1"}},
            },
            {"Sid": "Dict", "Effect": "Deny", "NotAction": "iam:*", "NotResource": "*"},
        ],
    }
    assert document.id == str(zlib.crc32(document.json.encode()))
    assert document.statements[1].effect == "Deny"


def test_the_serializer_writes_the_wire_names_compute_reads() -> None:
    from pulumi.runtime import rpc
    from pulumi_aws import iam

    args = {
        "statements": [
            iam.GetPolicyDocumentStatementArgs(
                not_principals=[
                    iam.GetPolicyDocumentStatementNotPrincipalArgs(type="AWS", identifiers=["*"])
                ],
                not_actions=["s3:DeleteBucket"],
                resources=["*"],
            )
        ]
    }
    wire = struct_to_dict(asyncio.run(rpc.serialize_properties(args, {})))
    assert wire == {
        "statements": [
            {
                "notPrincipals": [{"identifiers": ["*"], "type": "AWS"}],
                "notActions": ["s3:DeleteBucket"],
                "resources": ["*"],
            }
        ]
    }
    assert json.loads(policy(**wire)["minifiedJson"])["Statement"] == [
        {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*", "NotPrincipal": {"AWS": "*"}}
    ]
