"""Account lookups (output forms) answered from the stack config, and one left unknown."""

import pulumi_aws as aws

vpc = aws.ec2.get_vpc_output(default=True)
subnets = aws.ec2.get_subnets_output(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id])])
zone = aws.route53.get_zone_output(name="example.com.")
group = aws.ec2.SecurityGroup("web", vpc_id=vpc.id, description="web")
aws.route53.Record(
    "www", zone_id=zone.zone_id, name="www.example.com", type="A", ttl=300, records=["192.0.2.10"]
)
aws.ec2.Instance("web", ami="ami-0123456789abcdef0", instance_type="t3.micro", subnet_id=subnets.ids[0])
