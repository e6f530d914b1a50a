"""A bucket whose public access block leaves two settings to the provider's defaults."""

import pulumi_aws as aws

bucket = aws.s3.Bucket("site")
aws.s3.BucketPublicAccessBlock(
    "site-block", bucket=bucket.id, block_public_acls=True, ignore_public_acls=True
)
