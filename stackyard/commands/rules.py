"""`stackyard rules`: list the policy catalog with IDs, severities, frameworks and peer check IDs."""

from __future__ import annotations

import io
import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stackyard.errors import UserError

if TYPE_CHECKING:
    from rich.table import Table

FRAMEWORK_LABELS = {
    "nist-800-53": "NIST",
    "iso-27001": "ISO",
    "gdpr": "GDPR",
    "hipaa": "HIPAA",
    "soc2": "SOC2",
}


class RulesFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MD = "md"


def _catalog() -> list[dict[str, Any]]:
    # The catalog imports pulumi_policy; load it only when the command runs.
    from stackyard.policies.catalog import all_rules

    return [rule.as_dict() for rule in all_rules()]


def _mappings(mapping: dict[str, list[str]], labels: dict[str, str] | None = None) -> str:
    return "; ".join(
        f"{(labels or {}).get(key, key)} {', '.join(values)}" for key, values in mapping.items() if values
    )


def _table(rules: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(title=f"stackyard policy catalog ({len(rules)} rules)", show_lines=False)
    for column in ("ID", "Severity", "Default", "Kind"):
        table.add_column(column, no_wrap=True)
    for column in ("Name", "Frameworks", "Peers"):
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(
            rule["id"],
            rule["severity"],
            rule["enforcement"],
            rule["kind"],
            rule["name"],
            _mappings(rule["frameworks"], FRAMEWORK_LABELS),
            _mappings(rule["peers"]),
        )
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
                    _mappings(rule["frameworks"], FRAMEWORK_LABELS),
                    _mappings(rule["peers"]),
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def rules(format: str = "text", *, width: int = 200) -> str:
    """The catalog rendered as text (a rich table), JSON or Markdown."""
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
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False, color_system=None).print(_table(catalog))
    return buffer.getvalue()


def command(
    format: Annotated[
        RulesFormat, typer.Option("--format", "-f", help="Output format: text (a table), json or md.")
    ] = RulesFormat.TEXT,
) -> None:
    """List the policy catalog: rule IDs, severities, default enforcement, frameworks and peer checks."""
    if format is RulesFormat.TEXT:
        from rich.console import Console

        Console().print(_table(_catalog()))
        return
    typer.echo(rules(format.value), nl=False)
