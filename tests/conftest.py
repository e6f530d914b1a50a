"""Shared fixtures. Component tests use `stackyard.testing.record`, the same machinery as
`stackyard plan`, so what a test sees is what a plan shows."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from stackyard.components.context import StackContext
from tests.specs import make_spec

REPO = Path(__file__).resolve().parent.parent

# Kept library answers (stackyard.sdk_answer_cache) go to a directory of this run, never the user's cache;
# the CLI's subprocesses inherit it. It goes when the run ends.
os.environ["STACKYARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="stackyard-test-cache-")
atexit.register(shutil.rmtree, os.environ["STACKYARD_CACHE_DIR"], ignore_errors=True)


# Property-based tests of the readers run a fixed, repeatable set of examples everywhere (the "ci"
# profile): 1,000 per test, derived from the test itself, nothing kept between runs.
# HYPOTHESIS_PROFILE=explore runs fresh random examples when hunting for new failures.
settings.register_profile(
    "ci",
    max_examples=1000,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", max_examples=10_000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def dev_context() -> StackContext:
    return StackContext.from_spec(make_spec())


@pytest.fixture
def prod_context() -> StackContext:
    return StackContext.from_spec(make_spec(environment="prod"))
