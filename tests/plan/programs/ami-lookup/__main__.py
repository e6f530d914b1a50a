"""Look up the newest Amazon Linux image and start a server from it."""

import pulumi
import pulumi_aws as aws

ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*-x86_64"])],
)
server = aws.ec2.Instance("web", ami=ami.id, instance_type="t3.micro")
pulumi.export("ami", ami.id)
