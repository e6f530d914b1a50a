"""`stackyard docs`: write (or check) the generated reference docs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackyard.errors import ExitCode


def command(
    context: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Docs directory to write into.")
    ] = Path("docs"),
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Write nothing; exit 3 when a generated page is missing or out of date."
        ),
    ] = False,
) -> None:
    """Generate the spec reference, the policy catalog and the CLI reference under DIR/reference."""
    from stackyard.docsgen import REGENERATE, stale_docs, write_docs

    cli = context.find_root().command  # the whole CLI, handed over so docsgen never imports it

    if check:
        stale = stale_docs(out, cli)
        for path in stale:
            typer.echo(f"out of date: {path}", err=True)
        if stale:
            typer.echo(f"regenerate with: {REGENERATE}", err=True)
            raise typer.Exit(ExitCode.STALE_DOCS)
        typer.echo("generated docs are up to date")
        return
    from stackyard.outputs import check_output_dir

    check_output_dir(out, "docs")
    for path in write_docs(out, cli):
        typer.echo(f"wrote {path}")
