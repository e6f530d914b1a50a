"""`stackyard verify`: post-deploy checks of what a stack stood up.

    stackyard verify tracking --uri http://mlflow.mlflow.svc.cluster.local:5000
    stackyard verify tracking --uri arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/ml-prod-mlflow
    stackyard verify endpoint --name mlplatform-prod-churn --payload sample.csv
    stackyard verify feature-store --name mlplatform-prod-customer-profile
    stackyard verify prod-state.json --spec stacks/prod.yaml     # `pulumi stack export > prod-state.json`

Exit codes: 0 every step passed; 1 verification failed (a step failed, the server could not be
reached, or what the check created could not be removed); 2 bad input (not a tracking server URI,
an unreadable file, no AWS credentials or region). A SageMaker managed MLflow ARN needs the
`sagemaker-mlflow` plugin and AWS credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from stackyard.commands.aws_options import EndpointUrl, Profile, Region
from stackyard.errors import UserError


class _StateByDefault(TyperGroup):
    """`stackyard verify STATE.json` is `stackyard verify state STATE.json`: a first argument that
    names no command is the state file."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["state", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(help="Prove that deployed services work.", no_args_is_help=True, cls=_StateByDefault)


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

    with _steps(f"tracking server at {uri} works") as passed:
        verify_tracking(uri, on_pass=passed, timeout=timeout)


@contextmanager
def _steps(success: str) -> Iterator[Callable[[str, str], None]]:
    """Print each passed step; a failure (or bad input) as one line and its exit code."""
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def passed(step: str, detail: str) -> None:
        out.print(f"[green]✓[/green] {escape(step)}: {escape(detail)}")

    try:
        yield passed
    except UserError as error:
        err.print(f"[red]✗[/red] {escape(error.message)}")
        raise typer.Exit(int(error.exit_code)) from None
    out.print(f"[green]{escape(success)}[/green]")


def _access(region: str | None, profile: str | None, endpoint_url: str | None) -> Any:
    from stackyard.aws_clients import AwsAccess

    return AwsAccess(region=region, profile=profile, endpoint_url=endpoint_url)


Payload = Annotated[
    Path | None,
    typer.Option(
        "--payload", metavar="FILE", help="Request body to send (default: the spec's sample_request)."
    ),
]
ContentType = Annotated[
    str, typer.Option("--content-type", metavar="TYPE", help="Content type of --payload.")
]
Spec = Annotated[
    Path | None,
    typer.Option("--spec", metavar="SPEC", help="The stack's spec: endpoints' sample requests come from it."),
]
CaptureTimeout = Annotated[
    int,
    typer.Option(
        "--capture-timeout",
        min=0,
        metavar="SECONDS",
        help="How long to wait for the invocation's data capture.",
    ),
]


def _spec_samples(spec: Path | None) -> dict[str, Any]:
    """Physical endpoint name -> its sample request, from the spec's serving section."""
    if spec is None:
        return {}
    from stackyard.components.context import StackContext
    from stackyard.components.refs import endpoint_physical_name
    from stackyard.spec.loader import load_spec_file
    from stackyard.verify.endpoint import SampleRequest

    loaded = load_spec_file(spec)
    context = StackContext.from_spec(loaded)
    samples = {}
    for endpoint in loaded.serving.endpoints if loaded.serving else ():
        if endpoint.sample_request is not None:
            samples[endpoint_physical_name(context, endpoint.name)] = SampleRequest(
                endpoint.sample_request.body.encode(), endpoint.sample_request.content_type
            )
    return samples


def _payload(payload: Path | None, content_type: str) -> Any:
    from stackyard.verify.endpoint import sample_from_file

    return sample_from_file(payload, content_type) if payload is not None else None


@app.command("endpoint")
def endpoint(
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="The SageMaker endpoint's name.")],
    payload: Payload = None,
    content_type: ContentType = "text/csv",
    spec: Spec = None,
    capture_timeout: CaptureTimeout = 120,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
) -> None:
    """The endpoint is InService; one invocation answers 2xx (latency reported); with data capture
    on, the invocation's capture object appears in S3."""
    from stackyard.verify.endpoint import verify_endpoint

    sample = _payload(payload, content_type) or _spec_samples(spec).get(name)
    if sample is None:
        raise UserError(
            f"no sample request for '{name}': give --payload FILE, or --spec with its sample_request"
        )
    with _steps(f"endpoint {name} works") as passed:
        verify_endpoint(
            _access(region, profile, endpoint_url), name, sample, passed, capture_timeout_s=capture_timeout
        )


@app.command("feature-store")
def feature_store(
    name: Annotated[str, typer.Option("--name", metavar="GROUP", help="The feature group's name.")],
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
) -> None:
    """The feature group is Created; a synthetic record built from its feature definitions is put
    into the online store, read back unchanged, and hard-deleted."""
    from stackyard.verify.feature_store import verify_feature_group

    with _steps(f"feature group {name} works") as passed:
        verify_feature_group(_access(region, profile, endpoint_url), name, passed)


@app.command("state")
def state(
    state_file: Annotated[
        Path, typer.Argument(metavar="STATE.json", help="A `pulumi stack export` document.")
    ],
    spec: Spec = None,
    payload: Annotated[
        Path | None,
        typer.Option("--payload", metavar="FILE", help="Request body for endpoints the spec gives none."),
    ] = None,
    content_type: ContentType = "text/csv",
    capture_timeout: CaptureTimeout = 120,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
) -> None:
    """Every verification that applies to the export's resources: its SageMaker endpoints, feature
    groups and tracking servers. `stackyard verify STATE.json` is the same command."""
    from stackyard.stack_export import read_stack_export
    from stackyard.verify.state import verify_state

    document = read_stack_export(state_file)
    samples = _spec_samples(spec)
    default = _payload(payload, content_type)
    with _steps(f"everything in {state_file} works") as passed:
        verify_state(
            _access(region, profile, endpoint_url),
            document,
            passed,
            samples=samples,
            default_sample=default,
            capture_timeout_s=capture_timeout,
        )
