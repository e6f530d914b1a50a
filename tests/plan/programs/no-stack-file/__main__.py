"""A project whose stack has no Pulumi.<stack>.yaml yet."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
bucket = aws.s3.Bucket("data", force_destroy=config.get_bool("forceDestroy") or False)
