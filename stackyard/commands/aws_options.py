"""The options of every command that calls AWS (`audit`, `verify endpoint|feature-store|STATE`)."""

from __future__ import annotations

from typing import Annotated

import typer

Region = Annotated[
    str | None,
    typer.Option("--region", metavar="REGION", help="AWS region (default: the profile's, or AWS_REGION)."),
]
Profile = Annotated[str | None, typer.Option("--profile", metavar="NAME", help="AWS profile to use.")]
EndpointUrl = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url", metavar="URL", help="Send every AWS call to this URL (a proxy, an emulator)."
    ),
]
