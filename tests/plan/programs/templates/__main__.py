"""Documents built from other resources' computed outputs, as platform teams write them: with
`Output.json_dumps`, with `apply`, and with `aws.iam.get_policy_document_output`."""

import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
bucket = aws.s3.Bucket("data")

# Far too broad, on one specific bucket: a template shows both.
aws.iam.Policy(
    "everything",
    policy=pulumi.Output.json_dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": bucket.arn}]}
    ),
)

# Scoped: the bucket's objects and its key.
aws.iam.Policy(
    "scoped",
    policy=pulumi.Output.all(bucket.arn, key.arn).apply(
        lambda arns: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{arns[0]}/*"},
                    {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": arns[1]},
                ],
            }
        )
    ),
)

# The provider's function, on an unknown ARN.
reader = aws.iam.get_policy_document_output(
    statements=[aws.iam.GetPolicyDocumentStatementArgs(actions=["s3:ListBucket"], resources=[bucket.arn])]
)
aws.iam.Policy("lister", policy=reader.json)

# A value computed from a placeholder that no longer carries it is unknown, as in a preview.
aws.sns.Topic("arn-length", display_name=bucket.arn.apply(lambda arn: str(len(arn))))


def account_of(arn: str) -> str:
    account = arn.split(":")[4]
    if not account.isdigit():
        raise ValueError(f"not an account: {account!r}")
    return account


# A callback that raises on a placeholder (here: S3 ARNs have no account) is unknown, not an error.
aws.sns.Topic("bucket-account", display_name=bucket.arn.apply(account_of))

# A document holding a config secret is a secret: it has no template.
token = pulumi.Config().require_secret("token")
aws.sns.Topic(
    "with-secret",
    display_name=pulumi.Output.all(bucket.arn, token).apply(
        lambda values: json.dumps({"bucket": values[0], "token": values[1]})
    ),
)

# A key named through its alias: the rule needs the alias' ARN itself, which no template can give.
alias = aws.kms.Alias("key-alias", name="alias/data", target_key_id=key.key_id)
aws.sns.Topic("by-alias", kms_master_key_id=alias.arn)
