"""Spec builders shared by the tests (import as `from tests.specs import make_spec`)."""

from __future__ import annotations

from typing import Any

from stackyard.spec.loader import validate
from stackyard.spec.stack import StackSpec

BASE_SPEC: dict[str, Any] = {
    "project": "demo",
    "environment": "dev",
    "region": "eu-west-1",
    "tags": {"owner": "ml-platform", "cost_center": "cc-1042", "data_classification": "internal"},
}


def make_spec(**sections: Any) -> StackSpec:
    """A valid spec with `sections` merged over the base (shallow, per top-level key)."""
    return validate({**BASE_SPEC, **sections})
