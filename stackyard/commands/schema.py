"""`stackyard schema`: the JSON Schema of `StackSpec`, for editor completion of YAML specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def command(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of the stack spec, every field with its description."""
    if out is not None:
        from stackyard.outputs import check_output_file

        check_output_file(out, "schema")

    from stackyard.spec.schema import stack_spec_schema

    text = json.dumps(stack_spec_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    from stackyard.files import write_text_atomically

    write_text_atomically(out, text)
    typer.echo(f"wrote the StackSpec JSON Schema to {out}", err=True)
