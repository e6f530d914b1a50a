"""What several reports share: the findings worth showing, in a stable order, and short labels."""

from __future__ import annotations

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Finding, Result

SHOWN = (Result.ERROR, Result.FAIL, Result.INDETERMINATE, Result.WAIVED)
"""Results a reader must look at; passes and not-applicables are only counted (and in the matrix)."""


def notable(run: CheckRun) -> list[Finding]:
    """Errors, failures (blocking before advisory), then indeterminates, then waived; by rule and URN."""
    blocking = {id(f) for f in run.blocking()}
    order = {Result.ERROR: 0, Result.FAIL: 1, Result.INDETERMINATE: 2, Result.WAIVED: 3}
    chosen = [f for f in run.findings if f.result in order]
    return sorted(chosen, key=lambda f: (order[f.result], id(f) not in blocking, f.rule.name, f.urn))


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def coverage_line(run: CheckRun) -> str:
    """What the policies did not see, or "" when they saw every resource."""
    opaque = run.input.opaque
    if not opaque:
        return ""
    return (
        f"{len(opaque)} remote component{'s' if len(opaque) != 1 else ''} whose contents are not "
        "visible offline: " + ", ".join(component.urn for component in opaque)
    )


def templates_line(run: CheckRun) -> str:
    """How many results rest on a plan's templates (documents whose unknowns are placeholders), or ""."""
    decided = [f for f in run.findings if f.decided_on == "template"]
    if not decided:
        return ""
    failed = sum(1 for f in decided if f.result is Result.FAIL)
    return (
        f"{len(decided)} result{'s' if len(decided) != 1 else ''} decided on a template "
        f"({len(decided) - failed} passed, {failed} failed): documents built from values unknown at preview, "
        "each unknown a placeholder for the stack's resource it comes from"
    )


def status_line(run: CheckRun) -> str:
    errors = run.count(Result.ERROR)
    if errors:
        return f"FAILED: {errors} policy error{'s' if errors != 1 else ''} (a policy raised)" + (
            f" and {len(run.blocking()) - errors} other blocking result(s)"
            if len(run.blocking()) > errors
            else ""
        )
    blocking = len(run.blocking())
    if blocking:
        what = "mandatory failure" + ("s" if blocking != 1 else "")
        if run.strict:
            what += " or indeterminate result" + ("s" if blocking != 1 else "")
        return f"FAILED: {blocking} {what}"
    return "PASSED: no mandatory failure" + (" and nothing indeterminate (strict)" if run.strict else "")
