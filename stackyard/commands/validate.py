"""`stackyard validate`: check a spec without planning it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackyard.commands.output import console
from stackyard.deadline import DEFAULT_TIMEOUT_S


def command(
    spec_file: Annotated[
        Path,
        typer.Argument(
            help="A spec (.yaml, .yml, .json, or .py defining `spec`), or a Pulumi.<stack>.yaml with stackyard:spec."
        ),
    ],
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0,
            help="Stop a .py spec module that runs longer than this (exit 2); 0: no limit.",
        ),
    ] = DEFAULT_TIMEOUT_S,
) -> None:
    """Validate a spec: every error at once, each with its path. Exit code 2 when invalid."""
    from stackyard.spec.loader import load_spec_file

    spec = load_spec_file(spec_file, timeout=timeout)
    sections = [
        name
        for name in ("feature_store", "training", "registry", "serving", "monitoring")
        if getattr(spec, name)
    ]
    console().print(
        f"{spec_file}: valid spec for {spec.project} ({spec.environment.value}, {spec.region})"
        + (f"; sections: {', '.join(sections)}" if sections else "")
    )
