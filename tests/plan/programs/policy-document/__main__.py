"""A policy built with aws.iam.get_policy_document: the provider's basic acceptance-test document."""

import pulumi_aws as aws

S = aws.iam.GetPolicyDocumentStatementArgs
P = aws.iam.GetPolicyDocumentStatementPrincipalArgs
document = aws.iam.get_policy_document(
    policy_id="policy_id",
    statements=[
        S(sid="1", actions=["s3:ListAllMyBuckets", "s3:GetBucketLocation"], resources=["arn:aws:s3:::*"]),
        S(
            actions=["s3:ListBucket"],
            resources=["arn:aws:s3:::foo"],
            conditions=[
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="StringLike", variable="s3:prefix", values=["home/", "", "home/&{aws:username}/"]
                )
            ],
            not_principals=[
                aws.iam.GetPolicyDocumentStatementNotPrincipalArgs(
                    type="AWS", identifiers=["arn:blahblah:example"]
                )
            ],
        ),
        S(
            actions=["s3:*"],
            resources=["arn:aws:s3:::foo/home/&{aws:username}", "arn:aws:s3:::foo/home/&{aws:username}/*"],
            principals=[P(type="AWS", identifiers=["arn:blahblah:example"])],
        ),
        S(effect="Deny", not_actions=["s3:*"], not_resources=["arn:aws:s3:::*"]),
        S(effect="Allow", actions=["kinesis:*"], principals=[P(type="AWS", identifiers=["*"])]),
        S(effect="Allow", actions=["firehose:*"], principals=[P(type="*", identifiers=["*"])]),
    ],
)
aws.iam.Policy("example", path="/", policy=document.json)
