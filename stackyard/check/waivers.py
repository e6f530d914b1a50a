"""Waivers: accepted exceptions to a rule, each with its reason, approver, ticket and expiry.

The file (`--waivers FILE`) is YAML:

```yaml
waivers:
  - rule: SY-ENC-001                      # the policy name, exactly
    resources: "urn:pulumi:prod::ml::*aws:s3/bucket:Bucket::legacy-*"   # a glob over URNs
    reason: "Legacy bucket, migration in PLAT-123"
    approver: "jane.doe@example.com"
    ticket: "PLAT-123"
    expires: 2026-12-31                   # the last day the waiver holds
```

A waiver turns a `fail` or `indeterminate` result of its rule on a matching resource into
`waived`. After its expiry date it waives nothing: the results stay failed and every report says the
waiver expired. A waiver that matched no failed or indeterminate result is reported as unused; a
waiver for a rule that no loaded pack has is an error (exit 2), as is a key written twice.
Waivers are identified in reports as W1, W2, ... in file order.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stackyard.check.model import Finding, Result
from stackyard.errors import UserError, did_you_mean
from stackyard.input_files import WAIVERS, load_yaml_document, validate_shape


class Waiver(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str = Field(min_length=1, description="The name (ID) of the policy waived.")
    resources: str = Field(min_length=1, description="A glob over resource URNs (`*`, `?`, `[...]`).")
    reason: str = Field(min_length=1, description="Why the exception is accepted.")
    approver: str = Field(min_length=1, description="Who accepted it.")
    ticket: str = Field(min_length=1, description="Where the exception is tracked.")
    expires: dt.date = Field(description="The last day the waiver holds (YYYY-MM-DD).")

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # pydantic would read a bare number as a Unix timestamp; a waiver's expiry must be a date.
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date) or (isinstance(value, str) and len(value) == 10):
            return value
        raise ValueError("must be a date written YYYY-MM-DD")


class _WaiverFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    waivers: list[Waiver] = Field(default_factory=list, description="The waivers, in order.")


class WaiverState(StrEnum):
    ACTIVE = "active"
    UNUSED = "unused"
    EXPIRED = "expired"


@dataclass
class WaiverStatus:
    id: str
    waiver: Waiver
    expired: bool
    matched: list[str] = field(default_factory=list)
    """`rule URN` of each failed or indeterminate result the waiver matched."""

    @property
    def state(self) -> WaiverState:
        if self.expired:
            return WaiverState.EXPIRED
        return WaiverState.ACTIVE if self.matched else WaiverState.UNUSED

    def covers(self, finding: Finding) -> bool:
        return finding.rule.name == self.waiver.rule and fnmatch.fnmatchcase(
            finding.urn, self.waiver.resources
        )


def load_waivers(path: Path | None) -> list[Waiver]:
    """The waivers in `path` (none without a file), read through `stackyard.input_files`."""
    if path is None:
        return []
    document = load_yaml_document(path, WAIVERS)
    if document.data is None:
        return []
    return validate_shape(_WaiverFile, document.data, str(path), WAIVERS, document).waivers


def check_rules(waivers: list[Waiver], rules: set[str], path: Path | None) -> None:
    """Refuse waivers of rules that no loaded pack has: a mistyped rule would waive nothing, and
    say so only as "unused"."""
    errors = [
        f"W{index}: no loaded pack has the rule {waiver.rule!r}{did_you_mean(waiver.rule, rules)}"
        for index, waiver in enumerate(waivers, 1)
        if waiver.rule not in rules
    ]
    if errors:
        count = len(errors)
        raise UserError(
            f"{path}: {count} waiver{'s' if count != 1 else ''} for unknown rules:\n  " + "\n  ".join(errors)
        )


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: dt.date) -> list[WaiverStatus]:
    """Waive what the waivers cover, in place; return each waiver's status."""
    statuses = [WaiverStatus(f"W{i}", w, expired=today > w.expires) for i, w in enumerate(waivers, 1)]
    by_rule: dict[str, list[WaiverStatus]] = {}
    for status in statuses:
        by_rule.setdefault(status.waiver.rule, []).append(status)
    for finding in findings:
        if finding.result not in (Result.FAIL, Result.INDETERMINATE):
            continue
        for status in by_rule.get(finding.rule.name, ()):
            if status.covers(finding):
                status.matched.append(f"{finding.rule.name} {finding.urn}")
                finding.waiver = status.id
                if not status.expired:
                    finding.result = Result.WAIVED
                    break
    return statuses
