"""`stackyard audit`: the policy catalog evaluated on a live AWS account, with drift against a
`pulumi stack export`."""
