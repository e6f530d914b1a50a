"""`stackyard rules`: list the policy catalog with IDs, severities, frameworks and peer check IDs."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stackyard.errors import UserError
from stackyard.policies.frameworks import FRAMEWORK_SHORT_NAMES, PEER_NAMES, mapped_ids

if TYPE_CHECKING:
    from rich.table import Table

class RulesFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MD = "md"


def _catalog() -> list[dict[str, Any]]:
    # The catalog imports pulumi_policy; load it only when the command runs.
    from stackyard.policies.catalog import all_rules

    return [rule.as_dict() for rule in all_rules()]


def _mappings(mapping: dict[str, list[str]], names: dict[str, str]) -> str:
    return "; ".join(mapped_ids(mapping, names))


def _table(rules: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(title=f"stackyard policy catalog ({len(rules)} rules)", show_lines=False)
    for column in _COLUMNS[:4]:
        table.add_column(column, no_wrap=True)
    for column in _COLUMNS[4:]:
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(*_row(rule))
    return table


def _markdown(rules: list[dict[str, Any]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| ID | Name | Severity | Default | Description | Frameworks | Peers |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        lines.append(
            "| "
            + " | ".join(
                cell(value)
                for value in (
                    f"`{rule['id']}`",
                    rule["name"],
                    rule["severity"],
                    rule["enforcement"],
                    rule["description"],
                    _mappings(rule["frameworks"], FRAMEWORK_SHORT_NAMES),
                    _mappings(rule["peers"], PEER_NAMES),
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


_COLUMNS = ("ID", "Severity", "Default", "Kind", "Name", "Frameworks", "Peers")


def _row(rule: dict[str, Any]) -> tuple[str, ...]:
    return (
        rule["id"],
        rule["severity"],
        rule["enforcement"],
        rule["kind"],
        rule["name"],
        _mappings(rule["frameworks"], FRAMEWORK_SHORT_NAMES),
        _mappings(rule["peers"], PEER_NAMES),
    )


def _plain(rules: list[dict[str, Any]]) -> str:
    """One line per rule, columns aligned, never wrapped: for pipes, files and grep."""
    rows = [_COLUMNS, *(_row(rule) for rule in rules)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return f"stackyard policy catalog ({len(rules)} rules)\n" + "\n".join(lines) + "\n"


def rules(format: str = "text") -> str:
    """The catalog rendered as plain text (one line per rule), JSON or Markdown."""
    try:
        chosen = RulesFormat(format)
    except ValueError:
        raise UserError(f"unknown format '{format}': use text, json or md") from None
    catalog = _catalog()
    if chosen is RulesFormat.JSON:
        from stackyard.policies.catalog import PACK_NAME

        return json.dumps({"pack": PACK_NAME, "count": len(catalog), "rules": catalog}, indent=2) + "\n"
    if chosen is RulesFormat.MD:
        return _markdown(catalog)
    return _plain(catalog)


def command(
    format: Annotated[
        RulesFormat, typer.Option("--format", "-f", help="Output format: text (a table), json or md.")
    ] = RulesFormat.TEXT,
) -> None:
    """List the policy catalog: rule IDs, severities, default enforcement, frameworks and peer checks."""
    if format is RulesFormat.TEXT:
        from rich.console import Console

        terminal = Console()
        if terminal.is_terminal:  # a table fitted to the window; piped, one line per rule instead
            terminal.print(_table(_catalog()))
            return
    typer.echo(rules(format.value), nl=False)
