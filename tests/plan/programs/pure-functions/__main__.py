"""Provider functions that need no cloud: identity, region, partition, zones, ARN parsing."""

import pulumi_aws as aws

identity = aws.get_caller_identity()
region = aws.get_region()
partition = aws.get_partition()
zones = aws.get_availability_zones(state="available")
parsed = aws.get_arn(arn="arn:aws:s3:::example-bucket/key")
aws.s3.Bucket(
    "logs",
    bucket=f"logs-{identity.account_id}-{region.region}",
    tags={"partition": partition.partition, "zone": zones.names[0], "service": parsed.service},
)
