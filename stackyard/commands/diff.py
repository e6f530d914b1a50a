"""`stackyard diff`: what changes between two plans, and which changes lose data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackyard.commands.output import console


def command(
    old: Annotated[Path, typer.Argument(help="The earlier plan (or pulumi preview --json document).")],
    new: Annotated[Path, typer.Argument(help="The later plan.")],
    fail_on_data_loss: Annotated[
        bool,
        typer.Option(
            "--fail-on-data-loss",
            help="Exit with code 1 when a stateful resource would be replaced or removed.",
        ),
    ] = False,
) -> None:
    """List added, removed and changed resources with the changed properties, and flag stateful
    resources (buckets, feature groups, databases, tracking servers, model package groups) whose
    change replaces or removes them."""
    from rich.table import Table

    from stackyard.errors import ExitCode
    from stackyard.plan.diff import diff_plans
    from stackyard.plan.document import load_document

    result = diff_plans(load_document(old), load_document(new))
    out = console()
    if not result.changes:
        out.print("no changes")
        return
    table = Table(title=f"{old} -> {new}")
    table.add_column("change")
    table.add_column("resource")
    table.add_column("type")
    table.add_column("properties")
    styles = {"add": "green", "remove": "red", "change": "yellow", "replace": "magenta"}
    for change in result.changes:
        marker = f"[{styles[change.kind]}]{change.kind}[/]" + (
            " [bold red]DATA LOSS[/]" if change.loses_data else ""
        )
        table.add_row(marker, change.urn.rsplit("::", 1)[-1], change.type, ", ".join(change.properties))
    out.print(table)
    counts = {kind: len(result.of_kind(kind)) for kind in ("add", "change", "replace", "remove")}
    out.print(", ".join(f"{count} {kind}" for kind, count in counts.items()))
    if result.data_loss:
        out.print(
            f"[bold red]{len(result.data_loss)} stateful resource(s) would be replaced or removed and lose their data[/]"
        )
        if fail_on_data_loss:
            raise typer.Exit(ExitCode.POLICY_FAILURE)
