"""`stackyard check`: evaluate policy packs offline and write the evidence."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from stackyard.commands.policy_options import EngineFaithful, OutDir, Packs, Strict, Waivers
from stackyard.deadline import DEFAULT_TIMEOUT_S
from stackyard.errors import ExitCode, UserError
from stackyard.reports import FORMATS


def default_pack() -> Path:
    """The stackyard catalog, found without importing it (importing a pack's rules is the pack's job)."""
    import importlib.util

    spec = importlib.util.find_spec("stackyard.policies")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the stackyard policy catalog is not installed; give a pack with --pack")
    return Path(next(iter(spec.submodule_search_locations)))


def command(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="A Pulumi project directory (planned first), a stackyard plan, a `pulumi preview --json` "
            "document or a `pulumi stack export` document; the format is detected.",
        ),
    ] = Path("."),
    stack: Annotated[
        str | None, typer.Option("--stack", metavar="NAME", help="Stack to plan when INPUT is a project.")
    ] = None,
    invokes: Annotated[
        Path | None,
        typer.Option(
            "--invokes",
            metavar="FILE",
            help="When INPUT is a project: YAML answers for its account lookups, as for `stackyard plan`.",
        ),
    ] = None,
    packs: Packs = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="Policy config JSON, as for `pulumi preview --policy-pack-config`.",
        ),
    ] = None,
    waivers: Waivers = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            metavar="FMT",
            help=f"Report to write into --out-dir (repeatable): {', '.join(FORMATS)}.",
        ),
    ] = None,
    out_dir: OutDir = Path("."),
    strict: Strict = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite report files in --out-dir that stackyard did not write (or that were changed since).",
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0,
            help="Stop when the policy packs have not answered within this many seconds (exit 2, naming "
            "the pack and the rule it was running); 0: no limit.",
        ),
    ] = DEFAULT_TIMEOUT_S,
    engine_faithful: EngineFaithful = False,
) -> None:
    """Check an infrastructure plan against policy packs, offline, and write evidence.

    Each pack runs in its own process and is driven over Pulumi's analyzer protocol, as
    `pulumi preview --policy-pack` would run it; any Python policy pack works. The stackyard catalog
    is evaluated in-process with pulumi_policy's own conversions, giving the same results faster
    (--engine-faithful runs it as a process too; the JSON evidence says which ran). Results per rule
    and resource: pass, fail, not applicable, waived, indeterminate (unknown at preview).

    Exit codes (stable for CI): 0 no mandatory failure; 1 a mandatory failure (with --strict, also
    an indeterminate result of a mandatory rule); 2 bad usage or unreadable input (a malformed
    waiver file, policy config or input document, a config entry or waiver naming a rule, setting
    or pack that no loaded pack has, a pack that does not start or does not answer within
    --timeout, an --out-dir that cannot take the reports).
    """
    from stackyard.check.evaluate import CheckOptions, run_check
    from stackyard.gc_tuning import young_collections_only
    from stackyard.outputs import check_output_dir, refuse_foreign_reports
    from stackyard.reports import report_files, text, write_reports

    unknown = sorted(set(formats or ()) - set(FORMATS))
    if unknown:
        raise UserError(f"unknown report format {', '.join(unknown)} (choose from {', '.join(FORMATS)})")
    if not input_path.exists():
        raise UserError(f"{input_path}: no such file or directory")
    if formats:
        # Before any work: a check that cannot write its reports must not run for minutes first.
        check_output_dir(out_dir, "reports")
        refuse_foreign_reports(out_dir, report_files(formats), force)
    options = CheckOptions(
        input_path=input_path,
        packs=list(packs) if packs else [default_pack()],
        stack=stack,
        config=config,
        waivers=waivers,
        strict=strict,
        invokes=invokes,
        timeout_s=timeout or None,
        engine_faithful=engine_faithful,
    )
    # The plan, the requests and the findings stay alive until the process ends: full collections
    # would only walk them again (a third of checking 10,000 resources).
    with young_collections_only():
        with _progress() as progress:
            run = run_check(options, progress)
        typer.echo(text.render(run), nl=False)
        for path in write_reports(run, formats or (), out_dir, force=force):
            typer.echo(f"wrote {path}")
    if run.exit_code != ExitCode.OK:
        raise typer.Exit(int(run.exit_code))


@contextmanager
def _progress() -> Iterator[Callable[[int, int], Callable[[int], None]] | None]:
    """A progress bar per pack on a terminal; nothing at all when output is redirected (CI logs)."""
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:

        def start(resources: int, _packs: int) -> Callable[[int], None]:
            task = bar.add_task("analyzing", total=resources)
            return lambda n: bar.advance(task, n)

        yield start
