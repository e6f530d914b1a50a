"""`stackyard init`: start a new project from an example."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def command(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to write the project (created if missing).")
    ],
    example: Annotated[
        str,
        typer.Option(
            "--example",
            "-e",
            metavar="NAME",
            help="The example to start from: quickstart, eu-regulated, gpu-training, continuous-training, "
            "multi-model-serving or compose-your-own.",
        ),
    ] = "quickstart",
    name: Annotated[
        str | None,
        typer.Option("--name", metavar="PROJECT", help="Project name (default: derived from DIR's name)."),
    ] = None,
    presets: Annotated[
        list[str] | None,
        typer.Option(
            "--preset",
            metavar="PRESET",
            help="Policy preset for stackyard-policy.json (repeatable, merged: the strictest level per "
            "rule, the last preset's settings): baseline, strict, gdpr-eu. Default: the example's own "
            "config, else baseline.",
        ),
    ] = None,
) -> None:
    """Write a new Pulumi project: Pulumi.yaml, __main__.py, Pulumi.dev.yaml with the spec,
    requirements.txt, a policy config (stackyard-policy.json), a waivers file and the GitHub Actions
    workflows that preview and check pull requests and deploy merges.

    Never overwrites: when any of these files exists, nothing is written and the command exits
    with code 2, listing them.
    """
    from stackyard.scaffold import init_project

    result = init_project(directory, example, name, presets or ())
    for path in result.written:
        typer.echo(f"wrote {path}")
    typer.echo(
        f"\nproject '{result.project}' from the {result.example} example. Next:\n"
        f"  cd {directory}\n"
        "  stackyard plan . --stack dev                       # offline, no cloud\n"
        "  stackyard check . --stack dev --config stackyard-policy.json --waivers waivers.yaml\n"
        "  pulumi stack init dev && pulumi up                 # with your Pulumi CLI and AWS credentials"
    )
