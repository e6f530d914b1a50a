"""How a pack says that a rule could not decide because a value is unknown at preview.

The stackyard catalog writes, and `stackyard check` reads from any pack:

- a violation message starting with `INDETERMINATE_PREFIX` (``indeterminate: <reason>``);
- for a stack rule, one such line per resource, ending with the resource's URN in brackets
  (``indeterminate: <reason> [<urn>]``), so each resource gets its own result;
- Pulumi's own notice for an `UnknownValueError` a rule did not catch (``can't run policy '<id>' from
  policy pack '<pack>@v<version>' during preview: <message>``), which pulumi_policy reports as advisory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INDETERMINATE_PREFIX = "indeterminate: "
"""Start of a violation message by which a pack says a rule could not decide."""

_PULUMI_UNKNOWN_LEAD_IN = re.compile(r"^can't run policy '[^']*' from policy pack '[^']*' during preview: ")


@dataclass(frozen=True)
class IndeterminateItem:
    reason: str
    urn: str | None = None


def parse_indeterminate(message: str) -> list[IndeterminateItem]:
    """The indeterminate results a diagnostic message carries; empty when it is a real violation.

    A message is indeterminate when it (after Pulumi's lead-in, if any) starts with
    `INDETERMINATE_PREFIX`; each of its lines that does is one result. A violation that merely
    mentions the prefix on a later line stays a violation."""
    lead_in = _PULUMI_UNKNOWN_LEAD_IN.match(message)
    body = message[lead_in.end() :] if lead_in else message
    if not body.startswith(INDETERMINATE_PREFIX):
        return [IndeterminateItem(body)] if lead_in else []
    items: list[IndeterminateItem] = []
    for line in body.splitlines():
        if not line.startswith(INDETERMINATE_PREFIX):
            continue
        text = line[len(INDETERMINATE_PREFIX) :]
        urn = None
        if text.endswith("]") and " [urn:pulumi:" in text:
            text, _, urn = text[:-1].rpartition(" [")
        items.append(IndeterminateItem(text, urn))
    return items
