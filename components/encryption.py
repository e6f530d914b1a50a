"""`Encryption`: the stack's KMS key, created with rotation on, or an existing key given by ARN."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext
from stackyard.components.iam import policy_document
from stackyard.spec.common import EncryptionSpec


def key_policy(account_id: str, region: str, partition: str = "aws") -> str:
    """A key policy scoped to the account: IAM in this account governs use of the key, and the
    AWS services that encrypt on the stack's behalf may use it only for this account's resources."""
    account_root = f"arn:{partition}:iam::{account_id}:root"
    return policy_document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogs",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:*"
                    }
                },
            },
            {
                # Alarms and EventBridge publish to the stack's encrypted SNS topic.
                "Sid": "AlarmsAndEventsPublishToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )


class Encryption(pulumi.ComponentResource):
    """The key that encrypts every resource of the stack that holds data."""

    key: aws.kms.Key | None
    key_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: EncryptionSpec,
        *,
        context: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:security:Encryption", name, None, opts)
        if args.mode == "existing":
            self.key = None
            self.key_arn = pulumi.Output.from_input(str(args.kms_key_arn))
        else:
            identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
            partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
            policy = pulumi.Output.all(identity.account_id, partition.partition).apply(
                lambda values: key_policy(values[0], context.region, values[1])
            )
            self.key = aws.kms.Key(
                f"{name}-key",
                description=f"Encrypts the data of {context.name_prefix} (stackyard)",
                enable_key_rotation=True,
                deletion_window_in_days=args.deletion_window_days,
                policy=policy,
                tags=context.tags_for(f"{name}-key"),
                opts=pulumi.ResourceOptions.merge(
                    pulumi.ResourceOptions(parent=self), context.stateful_options()
                ),
            )
            aws.kms.Alias(
                f"{name}-alias",
                name=f"alias/{context.name_prefix}",
                target_key_id=self.key.key_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.key_arn = self.key.arn
        self.register_outputs({"key_arn": self.key_arn})
