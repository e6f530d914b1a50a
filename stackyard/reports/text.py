"""The terminal report: what was checked, the counts, then every failure, indeterminate and waiver.
Indeterminate results of one rule for one reason share an entry."""

from __future__ import annotations

import itertools
from typing import Any

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Finding, Result
from stackyard.reports.summary import coverage_line, notable, resource_name, status_line, templates_line

LISTED = 5
"""Resources named in an entry that stands for several undecided resources."""


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

    def label(finding: Finding) -> str:
        if finding.result is Result.ERROR:
            return "ERROR"
        if finding.result is Result.FAIL:
            return "FAIL" if id(finding) in blocking else "WARN"
        if finding.result is Result.INDETERMINATE and id(finding) in blocking:
            return "INDETERMINATE (strict)"
        return finding.result.value.upper()

    # Undecided resources often come in numbers, all for one reason (every role policy naming a key
    # created in the same run): one entry per rule and reason, naming the first few resources.
    def entry(finding: Finding) -> tuple[Any, ...]:
        if finding.result is Result.INDETERMINATE and not finding.waiver:
            return (label(finding), finding.rule.name, finding.message)
        return (id(finding),)

    for _, grouped in itertools.groupby(notable(run), key=entry):
        findings = list(grouped)
        finding = findings[0]
        types = sorted({f.resource_type for f in findings})
        subject = f"{resource_name(finding.urn)} ({finding.resource_type})"
        if len(findings) > 1:
            subject = f"{len(findings)} resources" + (f" ({types[0]})" if len(types) == 1 else "")
        lines.append(f"{label(finding):<13} {finding.rule.name} [{finding.rule.enforcement.value}] {subject}")
        for message_line in (finding.message or finding.rule.description).splitlines():
            lines.append(f"              {message_line}")
        if len(findings) > 1:
            lines += [f"              - {resource_name(f.urn)}" for f in findings[:LISTED]]
            if len(findings) > LISTED:
                lines.append(f"              and {len(findings) - LISTED} more")
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
    coverage = coverage_line(run)
    if coverage:
        lines += ["", f"coverage: {coverage}"]
    templates = templates_line(run)
    if templates:
        lines += ["", f"templates: {templates}"]
    lines += ["", status_line(run)]
    return "\n".join(lines) + "\n"
