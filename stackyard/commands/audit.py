"""`stackyard audit`: the policy catalog on a live AWS account, and drift against a stack export."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from stackyard.commands.aws_options import EndpointUrl, Profile, Region
from stackyard.commands.check import _progress, default_pack
from stackyard.commands.policy_options import EngineFaithful, OutDir, Packs, Strict, Waivers
from stackyard.errors import ExitCode, UserError
from stackyard.reports import FORMATS

DRIFT_REPORT = "stackyard-drift.json"


def command(
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            metavar="STATE.json",
            help="A `pulumi stack export` document: managed resources keep its URNs, and drift is reported.",
        ),
    ] = None,
    packs: Packs = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="Policy config JSON, as for `stackyard check`."),
    ] = None,
    waivers: Waivers = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            metavar="FMT",
            help=f"Report to write into --out-dir (repeatable): {', '.join(FORMATS)}; json also writes "
            f"{DRIFT_REPORT} with --state.",
        ),
    ] = None,
    out_dir: OutDir = Path("."),
    strict: Strict = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="KIND", help="Read only these kinds of resources (repeatable)."),
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", metavar="KIND", help="Leave these kinds out (repeatable).")
    ] = None,
    fail_on_drift: Annotated[
        bool, typer.Option("--fail-on-drift", help="With --state, exit 1 when there is any drift.")
    ] = False,
    engine_faithful: EngineFaithful = False,
) -> None:
    """Audit a live AWS account with the same rules, IDs, config, waivers and reports as `check`.

    Reads (through every page, retrying throttling in boto3's standard retry mode) S3 buckets with
    their encryption, versioning, public access block, policy and lifecycle; KMS keys; SageMaker
    models, endpoint configurations, endpoints, feature groups, model package groups and MLflow
    tracking servers; EKS clusters and node groups; Batch compute environments; CloudWatch log
    groups; SNS topics; IAM roles with their attachments and inline policies; VPCs with their flow
    logs. Each is mapped to the pulumi-aws properties the rules read.

    With --state, resources the export manages are named by its URNs, and drift is reported:
    resources the stack does not manage, managed resources that are gone, and properties changed
    outside Pulumi.

    Kinds for --only/--skip: s3, kms, sagemaker-models, sagemaker-endpoint-configs,
    sagemaker-endpoints, feature-groups, model-package-groups, tracking-servers, eks, batch, logs,
    sns, iam, vpc.

    Exit codes: 0 no mandatory failure (and, with --fail-on-drift, no drift); 1 a mandatory failure
    (with --strict, also an indeterminate result), or drift with --fail-on-drift; 2 bad usage,
    unreadable input (as for `check`: a config entry or waiver naming a rule, setting or pack that no
    loaded pack has), no credentials or region, or an account that cannot be read.
    """
    from stackyard.audit.run import AuditOptions, reader_keys, run_audit
    from stackyard.aws_clients import AwsAccess
    from stackyard.reports import text, write_reports

    unknown = sorted(set(formats or ()) - set(FORMATS))
    if unknown:
        raise UserError(f"unknown report format {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    options = AuditOptions(
        access=AwsAccess(region=region, profile=profile, endpoint_url=endpoint_url),
        packs=list(packs) if packs else [default_pack()],
        state=state,
        config=config,
        waivers=waivers,
        strict=strict,
        readers=reader_keys(only or (), skip or ()),
        engine_faithful=engine_faithful,
    )
    with _reading() as reading, _progress() as analyzing:
        run = run_audit(options, reading, analyzing)
    typer.echo(text.render(run.check), nl=False)
    written = write_reports(run.check, formats or (), out_dir)
    if run.drift is not None:
        typer.echo(render_drift(run.drift), nl=False)
        if "json" in (formats or ()):
            path = out_dir / DRIFT_REPORT
            path.write_text(
                json.dumps(drift_document(run.drift), indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            written.append(path)
    for path in written:
        typer.echo(f"wrote {path}")
    failed = run.check.exit_code != ExitCode.OK or (fail_on_drift and run.drift is not None and run.drift.any)
    if failed:
        raise typer.Exit(int(ExitCode.POLICY_FAILURE))


@contextmanager
def _reading() -> Iterator[Callable[[str, int, int], None] | None]:
    """Which part of the account is being read, on a terminal; nothing when output is redirected."""
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("reading the account", total=None)

        def advance(what: str, done: int, total: int) -> None:
            bar.update(task, description=f"reading {what}" if what else "read", completed=done, total=total)

        yield advance


def drift_document(found: Any) -> dict[str, Any]:
    return {
        "unmanaged": [{"type": r.type, "id": r.id} for r in found.unmanaged],
        "missing": list(found.missing),
        "changed": [
            {"urn": c.urn, "property": c.path, "recorded": c.recorded, "live": c.live} for c in found.changed
        ],
    }


def render_drift(found: Any) -> str:
    if not found.any:
        return "drift: none (every managed resource is live and as recorded; nothing unmanaged)\n"
    lines = [
        f"drift: {len(found.unmanaged)} unmanaged, {len(found.missing)} missing, "
        f"{len(found.changed)} changed outside Pulumi"
    ]
    lines += [f"  unmanaged  {r.type}  {r.id}" for r in found.unmanaged]
    lines += [f"  missing    {urn}" for urn in found.missing]
    lines += [
        f"  changed    {c.urn}  {c.path}: {json.dumps(c.recorded)} -> {json.dumps(c.live)}"
        for c in found.changed
    ]
    return "\n".join(lines) + "\n"
