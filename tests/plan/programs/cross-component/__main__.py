"""A resource of one component used by another component: a bucket and its reader."""

import json

import pulumi
import pulumi_aws as aws


class Storage(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:data:Storage", name, None, opts)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"bucket": self.bucket.bucket})


class Reader(pulumi.ComponentResource):
    def __init__(self, name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:data:Reader", name, None, opts)
        self.block = aws.s3.BucketPublicAccessBlock(
            f"{name}-block",
            bucket=bucket,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": f"{arn}/*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


storage = Storage("raw")
Reader("reader", bucket=storage.bucket, opts=pulumi.ResourceOptions(depends_on=[storage]))
