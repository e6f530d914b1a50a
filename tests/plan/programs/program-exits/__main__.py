"""Ends itself in the way the EXIT_WITH config value says."""

import os
import sys

import pulumi
import pulumi_aws as aws

aws.s3.Bucket("first")
how = pulumi.Config().require("exitWith")
if how == "sys.exit":
    sys.exit(0)
if how == "os._exit":
    os._exit(3)
if how == "KeyboardInterrupt":
    raise KeyboardInterrupt
aws.s3.Bucket("second")
