"""`stackyard audit`: read the account, evaluate the catalog on it as `stackyard check` does, and
with a `pulumi stack export` report drift.

The live resources become a `CheckInput` of kind `audit` and go through `run_check` unchanged:
the same packs over the analyzer protocol, the same policy config, waivers and reports, so a rule
ID in an audit means what it means in a check. Resources the export manages keep its URNs (and its
`protect` flags), so waivers written for the stack apply to the live account too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stackyard.audit.drift import Drift, ExportedResource, drift, exported_resources, match
from stackyard.audit.readers import READERS, LiveResource
from stackyard.aws_clients import AwsAccess, credentials_problem, describe_error
from stackyard.check.evaluate import CheckOptions, CheckRun, run_check
from stackyard.check.model import CheckInput, Provider, Resource
from stackyard.errors import UserError
from stackyard.stack_export import read_stack_export

Progress = Callable[[str, int, int], None]
"""Called with (what is being read, readers done, readers in all)."""


@dataclass(frozen=True)
class AuditOptions:
    access: AwsAccess
    packs: Sequence[Path]
    state: Path | None = None
    config: Path | None = None
    waivers: Path | None = None
    strict: bool = False
    readers: Sequence[str] = field(default_factory=lambda: tuple(READERS))
    engine_faithful: bool = False
    """Run the catalog in its own process too, as `stackyard check --engine-faithful` does."""


@dataclass
class AuditRun:
    check: CheckRun
    live: list[LiveResource]
    drift: Drift | None


def reader_keys(only: Sequence[str], skip: Sequence[str]) -> list[str]:
    """The readers `--only` and `--skip` select, in catalog order; an unknown key is bad usage."""
    unknown = [key for key in (*only, *skip) if key not in READERS]
    if unknown:
        raise UserError(f"unknown resource kind {', '.join(unknown)} (choose from {', '.join(READERS)})")
    return [key for key in READERS if (not only or key in only) and key not in skip]


def read_account(
    access: AwsAccess, keys: Sequence[str], progress: Progress | None = None
) -> list[LiveResource]:
    from botocore.exceptions import BotoCoreError, ClientError

    live: list[LiveResource] = []
    for done, key in enumerate(keys):
        if progress:
            progress(READERS[key].what, done, len(keys))
        try:
            live.extend(READERS[key].read(access))
        except (ClientError, BotoCoreError) as e:
            problem = credentials_problem(e)
            if problem:
                raise problem from None
            raise UserError(f"cannot read {key}: {describe_error(e)} (--skip {key} leaves it out)") from None
    if progress:
        progress("", len(keys), len(keys))
    return live


def audit_input(
    live: list[LiveResource],
    *,
    region: str,
    account: str,
    exported: list[ExportedResource] | None,
    source: str,
) -> CheckInput:
    """The live resources as `stackyard check` reads a stack: URNs (the export's for managed ones),
    the provider's region, inputs in wire form; outputs equal inputs, as the account is their state."""
    if not live:
        raise UserError(f"{source}: no resources found to audit")
    managed = match(live, exported or [])
    if exported:
        first = exported[0].urn.split("::")
        stack, project = first[0].removeprefix("urn:pulumi:"), first[1]
    else:
        stack, project = f"{account}-{region}", "aws"
    provider = Provider(
        urn=f"urn:pulumi:{stack}::{project}::pulumi:providers:aws::default",
        type="pulumi:providers:aws",
        name="default",
        properties={"region": region},
    )
    resources = []
    seen: set[str] = set()
    for item in live:
        known = managed.get((item.type, item.id))
        urn = known.urn if known else f"urn:pulumi:{stack}::{project}::{item.type}::{item.name}"
        if urn in seen:  # two live resources with one name (log groups differing only by slashes)
            urn = f"{urn}-{hashlib.sha256(item.id.encode()).hexdigest()[:8]}"
        seen.add(urn)
        resources.append(
            Resource(
                urn=urn,
                type=item.type,
                custom=True,
                inputs=item.inputs,
                outputs=item.inputs,
                provider=provider,
                protect=bool(known and known.protect),
            )
        )
    canonical = json.dumps([[r.urn, r.inputs] for r in resources], sort_keys=True).encode()
    return CheckInput(
        kind="audit",
        source=source,
        sha256=hashlib.sha256(canonical).hexdigest(),
        project=project,
        stack=stack,
        config={"aws:region": region},
        resources=tuple(resources),
    )


def _account(access: AwsAccess) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(access.client("sts").get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as e:
        problem = credentials_problem(e)
        if problem:
            raise problem from None
        raise UserError(f"cannot tell which account the credentials belong to: {describe_error(e)}") from None


def run_audit(
    options: AuditOptions,
    progress: Progress | None = None,
    check_progress: Callable[[int, int], Callable[[int], None]] | None = None,
) -> AuditRun:
    state = read_stack_export(options.state) if options.state else None  # bad input fails before any call
    account = _account(options.access)
    region = options.access.region_name
    live = read_account(options.access, options.readers, progress)
    exported = exported_resources(state) if state else None
    source = f"aws account {account} in {region}"
    if options.access.endpoint_url:
        source += f" at {options.access.endpoint_url}"
    checked = audit_input(live, region=region, account=account, exported=exported, source=source)
    run = run_check(
        CheckOptions(
            input_path=Path(options.state or "."),
            packs=list(options.packs),
            config=options.config,
            waivers=options.waivers,
            strict=options.strict,
            resources=checked,
            engine_faithful=options.engine_faithful,
        ),
        check_progress,
    )
    found = None
    if exported is not None:
        audited = {t for key in options.readers for t in READERS[key].types}
        found = drift(live, exported, audited)
    return AuditRun(check=run, live=live, drift=found)
