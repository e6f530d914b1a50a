"""Shared fixtures. Component tests use `stackyard.testing.record`, the same machinery as
`stackyard plan`, so what a test sees is what a plan shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from stackyard.components.context import StackContext

from stackyard.spec.loader import validate
from stackyard.spec.stack import StackSpec

REPO = Path(__file__).resolve().parent.parent

BASE_SPEC: dict[str, Any] = {
    "project": "demo",
    "environment": "dev",
    "region": "eu-west-1",
    "tags": {"owner": "ml-platform", "cost_center": "cc-1042", "data_classification": "internal"},
}


def make_spec(**sections: Any) -> StackSpec:
    """A valid spec with `sections` merged over the base (shallow, per top-level key)."""
    return validate({**BASE_SPEC, **sections})


@pytest.fixture
def spec_factory() -> Callable[..., StackSpec]:
    return make_spec


@pytest.fixture
def dev_context() -> StackContext:
    return StackContext.from_spec(make_spec())


@pytest.fixture
def prod_context() -> StackContext:
    return StackContext.from_spec(make_spec(environment="prod"))
