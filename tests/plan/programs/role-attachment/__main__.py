"""A role passed as an object to an attachment: the most common Pulumi idiom."""

import json

import pulumi_aws as aws

trust = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
role = aws.iam.Role("fn-role", assume_role_policy=json.dumps(trust))
aws.iam.RolePolicyAttachment(
    "fn-logs", role=role, policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)
