"""A component from a multi-language package, as pulumi-awsx's generated Python SDK declares it:
`remote=True`, so its provider plugin builds its children."""

import pulumi
import pulumi_aws as aws


class Vpc(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"cidr_block": "10.0.0.0/16", "vpc_id": None, "private_subnet_ids": None}
        super().__init__("awsx:ec2:Vpc", name, props, opts, remote=True)


vpc = Vpc("main")
aws.ec2.SecurityGroup("web", vpc_id=vpc.vpc_id, description="web")  # type: ignore[attr-defined]
