"""The base every spec model shares, and the way cross-field rules report errors with paths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

Loc = tuple[str | int, ...]
"""A location inside a spec, as pydantic reports it: ("serving", "endpoints", 2, "instance_type")."""


class SpecModel(BaseModel):
    """Immutable, strict model: an unknown key is an error, never silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=False)


class SpecIssues:
    """Collects the errors of a cross-field rule so that a validator reports all of them at once.

    A `ValidationError` raised from a nested model's `model_validator(mode="after")` has its
    locations prefixed by pydantic with the path to that model, so every message ends up with its
    full path (`serving.endpoints[2].autoscaling`).
    """

    def __init__(self) -> None:
        self._errors: list[InitErrorDetails] = []

    def add(self, loc: Loc | str, message: str, value: Any = None) -> None:
        if isinstance(loc, str):
            loc = (loc,)
        # The message is passed as a context value so that braces in user input are never
        # interpreted as a format string.
        self._errors.append(
            InitErrorDetails(
                type=PydanticCustomError("stackyard_spec", "{detail}", {"detail": message}),
                loc=loc,
                input=value,
            )
        )

    def extend(self, prefix: Loc, issues: Iterable[tuple[Loc, str]]) -> None:
        for loc, message in issues:
            self.add(prefix + tuple(loc), message)

    def __bool__(self) -> bool:
        return bool(self._errors)

    def raise_if_any(self, title: str) -> None:
        if self._errors:
            raise ValidationError.from_exception_data(title, self._errors)


def format_loc(loc: Sequence[str | int]) -> str:
    """`("serving", "endpoints", 2, "instance_type")` -> `serving.endpoints[2].instance_type`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(spec)"


def duplicates(values: Iterable[str]) -> list[str]:
    """The values that occur more than once, in first-seen order."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


class SectionSpec(SpecModel):
    """A capability's section of the root spec.

    Rules that need the whole stack (the region offers a service, a name refers to another
    section) are answered by these hooks, which `StackSpec` calls once every section is valid.
    """

    def required_services(self) -> set[str]:
        """botocore service names this section needs offered in the stack's region."""
        return set()

    def required_vpc_endpoints(self) -> set[str]:
        """AWS services this section's workloads reach from private subnets, as VPC endpoint
        suffixes (`ecs-agent`, `secretsmanager`); a created network adds them to its endpoints."""
        return set()

    def stack_issues(self, stack: Any) -> Iterable[tuple[Loc, str]]:
        """Problems that only show against the whole stack, located relative to this section."""
        return ()
