"""Continuous training: the whole stack is the `stackyard:spec` value in Pulumi.<stack>.yaml."""

from stackyard.program import build

build()
