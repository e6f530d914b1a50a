"""The terminal report: what was checked, the counts, then every failure, indeterminate and waiver."""

from __future__ import annotations

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Result
from stackyard.reports.summary import notable, resource_name, status_line


def render(run: CheckRun) -> str:
    checked = run.input
    lines = [
        f"stackyard check: {checked.source} ({checked.kind}, {len(checked.resources)} resources, "
        f"stack {checked.project}/{checked.stack})",
        "packs: " + ", ".join(f"{p.name}@{p.version} ({len(p.rules)} rules)" for p in run.packs),
        "results: " + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in run.counts().items()),
        "",
    ]
    blocking = {id(f) for f in run.blocking()}
    for finding in notable(run):
        label = finding.result.value.upper()
        if finding.result is Result.FAIL:
            label = "FAIL" if id(finding) in blocking else "WARN"
        elif finding.result is Result.INDETERMINATE and id(finding) in blocking:
            label = "INDETERMINATE (strict)"
        lines.append(
            f"{label:<13} {finding.rule.name} [{finding.rule.enforcement.value}] "
            f"{resource_name(finding.urn)} ({finding.resource_type})"
        )
        for message_line in (finding.message or finding.rule.description).splitlines():
            lines.append(f"              {message_line}")
        if finding.waiver:
            expired = " expired: it no longer waives" if finding.result is not Result.WAIVED else ""
            lines.append(f"              waiver {finding.waiver}{expired}")
    if run.waivers:
        lines += ["", "waivers:"]
        for status in run.waivers:
            w = status.waiver
            lines.append(
                f"  {status.id} {status.state.value.upper()} {w.rule} {w.resources} (expires {w.expires}, "
                f"ticket {w.ticket}, approved by {w.approver}; matched {len(status.matched)}): {w.reason}"
            )
    lines += ["", status_line(run)]
    return "\n".join(lines) + "\n"
