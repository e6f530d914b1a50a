"""`stackyard verify`: post-deploy checks of what a stack stood up.

    stackyard verify tracking --uri http://mlflow.mlflow.svc.cluster.local:5000
    stackyard verify tracking --uri arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/ml-prod-mlflow

Exit codes: 0 every step passed; 1 verification failed (a step failed, the server could not be
reached, or what the check created could not be removed); 2 bad input (not a tracking server URI).
A SageMaker managed MLflow ARN needs the `sagemaker-mlflow` plugin and AWS credentials.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from stackyard.errors import UserError

app = typer.Typer(help="Prove that deployed services work.", no_args_is_help=True)


@app.callback()
def verify() -> None:
    """Prove that deployed services work."""


@app.command("tracking")
def tracking(
    uri: str = typer.Option(
        ..., "--uri", help="Tracking server URI: http(s)://host[:port] or a SageMaker MLflow ARN."
    ),
    timeout: int = typer.Option(15, "--timeout", min=1, help="Seconds to wait for each request."),
) -> None:
    """Create an experiment, log and read back a run, register a model version, then clean up."""
    from stackyard.verify.tracking import verify_tracking

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def passed(step: str, detail: str) -> None:
        out.print(f"[green]✓[/green] {escape(step)}: {escape(detail)}")

    try:
        verify_tracking(uri, on_pass=passed, timeout=timeout)
    except UserError as error:
        err.print(f"[red]✗[/red] {escape(error.message)}")
        raise typer.Exit(int(error.exit_code)) from None
    out.print(f"[green]tracking server at {escape(uri)} works[/green]")
