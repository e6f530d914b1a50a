"""`stackyard diff`: what changes between two Pulumi documents, and which changes lose data."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from stackyard.commands.output import console


class DiffFormat(StrEnum):
    AUTO = "auto"
    TEXT = "text"
    MD = "md"
    JSON = "json"


def command(
    old: Annotated[
        Path,
        typer.Argument(
            help="The earlier side: a stackyard plan, a `pulumi preview --json` document, or a "
            "`pulumi stack export` of what is deployed (its outputs resolve the new side's unknowns)."
        ),
    ],
    new: Annotated[
        Path, typer.Argument(help="The later side: a stackyard plan or a `pulumi preview --json` document.")
    ],
    fail_on_data_loss: Annotated[
        bool,
        typer.Option(
            "--fail-on-data-loss",
            help="Exit with code 1 when a stateful resource would be replaced or removed.",
        ),
    ] = False,
    output_format: Annotated[
        DiffFormat,
        typer.Option(
            "--format",
            help="auto: a table on a terminal, plain text when piped; md: a section for the pull request "
            "comment; json: for other tools.",
        ),
    ] = DiffFormat.AUTO,
) -> None:
    """List added, removed, changed and replaced resources with the changed properties, and flag
    stateful resources (buckets, feature groups, databases, tables, file systems, registries,
    tracking servers, clusters, keys, log groups) whose change replaces or removes them.

    An input unknown at preview is unchanged unless a resource it comes from is replaced or new;
    then it "may change", and when that replaces a stateful resource the row names the chain.

    Exit codes (stable for CI): 0 no data loss (or data loss without --fail-on-data-loss); 1 data
    loss with --fail-on-data-loss; 2 bad usage or unreadable input.
    """
    from stackyard.errors import ExitCode
    from stackyard.plan import diff_output
    from stackyard.plan.diff import diff_documents
    from stackyard.pulumi_documents import read_file

    result = diff_documents(read_file(old), read_file(new))
    out = console()
    if output_format is DiffFormat.MD:
        typer.echo(diff_output.render_markdown(result), nl=False)
    elif output_format is DiffFormat.JSON:
        typer.echo(diff_output.render_json(result), nl=False)
    elif output_format is DiffFormat.AUTO and out.is_terminal:
        diff_output.print_table(result, out)
    else:
        typer.echo(diff_output.render_text(result), nl=False)
    if result.data_loss and fail_on_data_loss:
        raise typer.Exit(ExitCode.POLICY_FAILURE)
