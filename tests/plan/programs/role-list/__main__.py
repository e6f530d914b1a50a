"""A list of roles passed to one attachment, and an instance profile taking a role."""

import json

import pulumi_aws as aws

trust = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
first = aws.iam.Role("first", assume_role_policy=trust)
second = aws.iam.Role("second", assume_role_policy=trust)
aws.iam.PolicyAttachment(
    "read-only", roles=[first, second], policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess"
)
aws.iam.InstanceProfile("profile", role=first)
