"""What several reports share: the findings worth showing, in a stable order, and short labels."""

from __future__ import annotations

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Finding, Result

SHOWN = (Result.FAIL, Result.INDETERMINATE, Result.WAIVED)
"""Results a reader must look at; passes and not-applicables are only counted (and in the matrix)."""


def notable(run: CheckRun) -> list[Finding]:
    """Failures first (blocking before advisory), then indeterminates, then waived; by rule and URN."""
    blocking = {id(f) for f in run.blocking()}
    order = {Result.FAIL: 0, Result.INDETERMINATE: 1, Result.WAIVED: 2}
    chosen = [f for f in run.findings if f.result in order]
    return sorted(chosen, key=lambda f: (order[f.result], id(f) not in blocking, f.rule.name, f.urn))


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def status_line(run: CheckRun) -> str:
    blocking = len(run.blocking())
    if blocking:
        what = "mandatory failure" + ("s" if blocking != 1 else "")
        if run.strict:
            what += " or indeterminate result" + ("s" if blocking != 1 else "")
        return f"FAILED: {blocking} {what}"
    return "PASSED: no mandatory failure" + (" and nothing indeterminate (strict)" if run.strict else "")
