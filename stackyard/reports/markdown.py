"""A pull request comment: the verdict, the counts, a table of failures, the rest folded.

GitHub rejects comments over 65,536 characters, so tables stop after `MAX_ROWS` rows and say how
many were left out; the JSON evidence has them all.
"""

from __future__ import annotations

from stackyard.check.evaluate import CheckRun
from stackyard.check.model import Finding, Result
from stackyard.reports.summary import coverage_line, notable, resource_name, status_line, templates_line

MAX_ROWS = 100


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _table(findings: list[Finding]) -> list[str]:
    rows = ["| Rule | Resource | Type | Enforcement | Message |", "| --- | --- | --- | --- | --- |"]
    for f in findings[:MAX_ROWS]:
        rows.append(
            f"| `{_cell(f.rule.name)}` | `{_cell(resource_name(f.urn))}` | `{_cell(f.resource_type)}` "
            f"| {f.rule.enforcement.value} | {_cell(f.message or f.rule.description)} |"
        )
    if len(findings) > MAX_ROWS:
        rows.append(f"\n_{len(findings) - MAX_ROWS} more not shown; see the JSON evidence._")
    return rows


def render(run: CheckRun) -> str:
    checked = run.input
    blocking = run.blocking()
    blocking_ids = {id(f) for f in blocking}
    shown = notable(run)
    advisory = [f for f in shown if f.result is Result.FAIL and id(f) not in blocking_ids]
    indeterminate = [f for f in shown if f.result is Result.INDETERMINATE and id(f) not in blocking_ids]
    waived = [f for f in shown if f.result is Result.WAIVED]
    icon = ":x:" if blocking else ":white_check_mark:"
    lines = [
        f"## {icon} stackyard check: {status_line(run)}",
        "",
        f"`{checked.project}/{checked.stack}` from `{checked.source}` ({checked.kind}, {len(checked.resources)} "
        f"resources); packs: " + ", ".join(f"`{p.name}@{p.version}`" for p in run.packs),
        "",
        "| Pass | Fail | Error | Indeterminate | Waived | Not applicable |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        "| {pass} | {fail} | {error} | {indeterminate} | {waived} | {not_applicable} |".format(
            **run.counts()
        ),
        "",
    ]
    coverage = coverage_line(run)
    if coverage:
        lines += [f"> **Coverage:** {_cell(coverage)}", ""]
    templates = templates_line(run)
    if templates:
        lines += [f"> **Templates:** {_cell(templates)}", ""]
    if blocking:
        lines += ["### Blocking", "", *_table(blocking), ""]
    for title, group in (
        ("Advisory failures", advisory),
        ("Indeterminate (unknown at preview)", indeterminate),
        ("Waived", waived),
    ):
        if group:
            lines += [
                f"<details><summary>{title} ({len(group)})</summary>",
                "",
                *_table(group),
                "",
                "</details>",
                "",
            ]
    if run.waivers:
        lines += [
            f"<details><summary>Waivers ({len(run.waivers)})</summary>",
            "",
            "| Id | State | Rule | Resources | Expires | Ticket | Approver | Matched | Reason |",
            "| --- | --- | --- | --- | --- | --- | --- | ---: | --- |",
        ]
        for s in run.waivers:
            w = s.waiver
            lines.append(
                f"| {s.id} | **{s.state.value}** | `{_cell(w.rule)}` | `{_cell(w.resources)}` | {w.expires} "
                f"| {_cell(w.ticket)} | {_cell(w.approver)} | {len(s.matched)} | {_cell(w.reason)} |"
            )
        lines += ["", "</details>", ""]
    commit = f", commit `{run.git_commit[:12]}`" if run.git_commit else ""
    lines.append(
        f"<sub>input sha256 `{checked.sha256[:16]}`{commit}, {run.started_at:%Y-%m-%d %H:%M} UTC</sub>"
    )
    return "\n".join(lines) + "\n"
