"""How `stackyard diff` shows a comparison: a rich table on a terminal, plain text in a pipe or CI
log, a Markdown section for the pull request comment, and JSON for other tools.

GitHub rejects comments over 65,536 characters, so the Markdown table stops after `MAX_ROWS`
rows and says how many were left out; the JSON has them all.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackyard.plan.diff import PlanDiff, ResourceChange
from stackyard.pulumi_documents import resolution_record

MAX_ROWS = 100
JSON_VERSION = 1
STYLES = {"add": "green", "remove": "red", "change": "yellow", "replace": "magenta"}


def summary_line(diff: PlanDiff) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in diff.counts().items())


def data_loss_line(diff: PlanDiff) -> str:
    count = len(diff.data_loss)
    return f"{count} stateful resource(s) would be replaced or removed and lose their data" if count else ""


def _details(change: ResourceChange) -> list[str]:
    lines = [f"{change.kind} because {change.reason}"] if change.reason else []
    return lines + [prop.describe() for prop in change.properties]


def _resolved_line(diff: PlanDiff) -> str:
    return f"{diff.resolved} unknown input(s) resolved from the deployed state" if diff.resolved else ""


def render_text(diff: PlanDiff) -> str:
    if not diff.changes:
        return "no changes\n" + (f"{_resolved_line(diff)}\n" if diff.resolved else "")
    lines = []
    for change in diff.changes:
        marker = f"{change.kind}{' DATA LOSS' if change.loses_data else ''}"
        lines.append(f"{marker}  {change.name}  {change.type}")
        lines += [f"    {detail}" for detail in _details(change)]
    lines.append(summary_line(diff))
    lines += [line for line in (_resolved_line(diff), data_loss_line(diff)) if line]
    return "\n".join(lines) + "\n"


def print_table(diff: PlanDiff, console: Console) -> None:
    if not diff.changes:
        console.print("no changes")
        if diff.resolved:
            console.print(_resolved_line(diff))
        return
    table = Table(title=escape(f"{diff.old_source} -> {diff.new_source}"))
    for column in ("change", "resource", "type", "properties"):
        table.add_column(column)
    for change in diff.changes:
        marker = f"[{STYLES[change.kind]}]{change.kind}[/]" + (
            " [bold red]DATA LOSS[/]" if change.loses_data else ""
        )
        table.add_row(marker, escape(change.name), change.type, escape("\n".join(_details(change))))
    console.print(table)
    console.print(summary_line(diff))
    if diff.resolved:
        console.print(_resolved_line(diff))
    if diff.data_loss:
        console.print(f"[bold red]{data_loss_line(diff)}[/]")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render_markdown(diff: PlanDiff) -> str:
    icon = ":x:" if diff.data_loss else ":white_check_mark:"
    verdict = data_loss_line(diff) or ("no changes" if not diff.changes else "no data loss")
    lines = ["### stackyard diff", "", f"{icon} **{verdict}** ({summary_line(diff)})"]
    if diff.resolved:
        lines += ["", f"_{_resolved_line(diff)}._"]
    if diff.changes:
        lines += ["", "| Change | Resource | Type | Why |", "| --- | --- | --- | --- |"]
        for change in diff.changes[:MAX_ROWS]:
            kind = f"**{change.kind} DATA LOSS**" if change.loses_data else change.kind
            lines.append(
                f"| {kind} | `{_cell(change.name)}` | `{_cell(change.type)}` | {_cell('; '.join(_details(change)))} |"
            )
        if len(diff.changes) > MAX_ROWS:
            lines.append(
                f"\n_{len(diff.changes) - MAX_ROWS} more not shown; see `stackyard diff --format json`._"
            )
    return "\n".join(lines) + "\n"


def as_json(diff: PlanDiff) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "old": diff.old_source,
        "new": diff.new_source,
        "summary": {**diff.counts(), "dataLoss": len(diff.data_loss), "resolved": diff.resolved},
        "changes": [
            {
                "urn": change.urn,
                **({"oldUrn": change.old_urn} if change.old_urn else {}),
                "type": change.type,
                "kind": change.kind,
                "dataLoss": change.loses_data,
                "reason": change.reason,
                "properties": [
                    {
                        "path": prop.path,
                        "status": prop.status,
                        "old": prop.old,
                        "new": prop.new,
                        "cause": prop.cause,
                        "replaces": prop.replaces,
                    }
                    for prop in change.properties
                ],
            }
            for change in diff.changes
        ],
        "resolved": [
            resolution_record(urn, found)
            for urn, resolutions in sorted(diff.resolutions.items())
            for found in resolutions
        ],
    }


def render_json(diff: PlanDiff) -> str:
    return json.dumps(as_json(diff), indent=2) + "\n"
