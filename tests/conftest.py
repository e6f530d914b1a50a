"""Shared fixtures. Component tests use `stackyard.testing.record`, the same machinery as
`stackyard plan`, so what a test sees is what a plan shows."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from stackyard.components.context import StackContext
from tests.specs import make_spec

REPO = Path(__file__).resolve().parent.parent

# Kept library answers (stackyard.sdk_answer_cache) go to a directory of this run, never the user's cache;
# the CLI's subprocesses inherit it. It goes when the run ends.
os.environ["STACKYARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="stackyard-test-cache-")
atexit.register(shutil.rmtree, os.environ["STACKYARD_CACHE_DIR"], ignore_errors=True)


@pytest.fixture
def dev_context() -> StackContext:
    return StackContext.from_spec(make_spec())


@pytest.fixture
def prod_context() -> StackContext:
    return StackContext.from_spec(make_spec(environment="prod"))
