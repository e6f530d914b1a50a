"""Constructs its resources slowly (as a large platform does on a busy machine): none registers
until the program's code returns, but constructing them is progress."""

import time

import pulumi_aws as aws

for index in range(6):
    time.sleep(0.5)
    aws.s3.Bucket(f"data-{index}")
