"""Waits on a value that never comes."""

import asyncio

import pulumi
import pulumi_aws as aws

never: asyncio.Future[str] = asyncio.get_event_loop().create_future()
aws.s3.Bucket("data", bucket=pulumi.Output.from_input(never))
