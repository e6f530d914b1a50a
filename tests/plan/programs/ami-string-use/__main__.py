"""Uses a looked-up image ID as a plain string: the plan cannot go on without its answer."""

import pulumi_aws as aws

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
short_id = ami.id.removeprefix("ami-")
aws.ec2.Instance("web", ami=ami.id, instance_type="t3.micro", tags={"Name": f"web-{short_id}"})
