"""Fails with an error whose causes loop back to it (as the SDK's own re-raise can chain them)."""

first = RuntimeError("the bucket's name is not known")
second = RuntimeError("while registering")
first.__cause__, second.__cause__ = second, first
raise first
