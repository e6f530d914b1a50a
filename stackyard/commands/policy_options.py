"""The options of every command that evaluates the policy catalog (`check`, `audit`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Packs = Annotated[
    list[Path] | None,
    typer.Option("--pack", metavar="DIR", help="Policy pack directory (repeatable); default: the stackyard catalog."),
]
Waivers = Annotated[Path | None, typer.Option("--waivers", metavar="FILE", help="Waivers YAML file.")]
OutDir = Annotated[Path, typer.Option("--out-dir", metavar="DIR", help="Directory the reports are written to.")]
Strict = Annotated[
    bool, typer.Option("--strict", help="Count indeterminate results of mandatory rules as failures.")
]
EngineFaithful = Annotated[
    bool,
    typer.Option(
        "--engine-faithful",
        help="Run every policy pack in its own process over Pulumi's analyzer protocol, as `pulumi preview "
        "--policy-pack` runs it, the stackyard catalog included (by default that one is evaluated in-process, "
        "with the same arguments and results, faster).",
    ),
]
