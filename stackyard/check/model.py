"""The data `stackyard check` works on: resources read from an input, rules read from packs, and
the evidence matrix (one result per rule and subject) that every report renders.

Plain frozen dataclasses: they are built once per run, never validated against user input (the
readers do that), and must stay cheap for stacks of thousands of resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stackyard.pulumi_documents import Document
from stackyard.pulumi_documents import OpaqueComponent as OpaqueComponent
from stackyard.pulumi_documents import Provider as Provider
from stackyard.pulumi_documents import Resolution as Resolution
from stackyard.pulumi_documents import Resource as Resource

# The resource model is the documents reader's: `check`, `plan` and `diff` read the same resources.
CheckInput = Document


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"
    INDETERMINATE = "indeterminate"
    ERROR = "error"
    """The policy raised: the rule could not be evaluated on the subject."""


class Enforcement(StrEnum):
    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


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
    evaluation: str = "engine"
    """What ran the pack: `engine` (its own process, as the Pulumi engine runs it) or `in-process`
    (stackyard's own catalog, `stackyard.check.in_process`)."""


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
    decided_on: str = "value"
    """`template` when the rule passed or failed on a template the plan recorded for an input unknown
    at preview (`stackyard.check.resolve`); `value` otherwise."""

    @property
    def mandatory(self) -> bool:
        return self.rule.enforcement in (Enforcement.MANDATORY, Enforcement.REMEDIATE)
