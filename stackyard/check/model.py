"""The data `stackyard check` works on: resources read from an input, rules read from packs, and
the evidence matrix (one result per rule and subject) that every report renders.

Plain frozen dataclasses: they are built once per run, never validated against user input (the
readers do that), and must stay cheap for stacks of thousands of resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value unknown at preview (`UnknownStringValue` in the Pulumi SDKs)."""

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
"""A secret travels as `{SIG_KEY: SECRET_SIG, "value" | "ciphertext": ...}` in Pulumi documents."""

SECRET_PLACEHOLDER = "[secret]"
"""What `pulumi preview --json` and stackyard plans show instead of a secret value."""


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"
    INDETERMINATE = "indeterminate"


class Enforcement(StrEnum):
    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Provider:
    """The provider a resource is created with, as the analyzer protocol describes it."""

    urn: str
    type: str
    name: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class Resolution:
    """An input that was unknown at preview, replaced because a dependency proves what it is."""

    path: str
    from_urn: str
    from_type: str
    placeholder: str


@dataclass(frozen=True)
class Resource:
    """One resource of the input, in the engine's wire form (camelCase inputs, unknown sentinels,
    secret envelopes)."""

    urn: str
    type: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any] | None = None
    """Set only for `pulumi stack export`; the stack policies then see final outputs, like the engine."""
    parent: str = ""
    provider: Provider | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    aliases: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    resolutions: tuple[Resolution, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class CheckInput:
    """What a reader found in an input document."""

    kind: str
    """`plan`, `preview`, `export`, or `audit` (read from a live account by `stackyard audit`)."""
    source: str
    """The path given on the command line (or the project directory)."""
    sha256: str
    project: str
    stack: str
    config: dict[str, str]
    resources: tuple[Resource, ...]

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::{self.project}-{self.stack}"


@dataclass(frozen=True)
class Framework:
    name: str
    control: str


@dataclass(frozen=True)
class Rule:
    """A policy of a pack, from `GetAnalyzerInfo` after configuration."""

    name: str
    pack: str
    description: str
    enforcement: Enforcement
    kind: str
    """`resource` or `stack`."""
    severity: str = ""
    remediation: str = ""
    url: str = ""
    frameworks: tuple[Framework, ...] = ()


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    path: str
    config_sha256: str
    rules: tuple[Rule, ...]


@dataclass(slots=True)
class Finding:
    """One cell of the evidence matrix: a rule applied to a subject (a resource, or the stack for a
    stack policy that reported nothing against a resource)."""

    rule: Rule
    urn: str
    resource_type: str
    result: Result
    message: str = ""
    waiver: str = ""
    """The id of the waiver that waived (or, expired, would have waived) this finding."""
    resolutions: tuple[Resolution, ...] = ()

    @property
    def mandatory(self) -> bool:
        return self.rule.enforcement in (Enforcement.MANDATORY, Enforcement.REMEDIATE)
