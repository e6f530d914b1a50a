"""The `stackyard` command. Each command lives in `stackyard.commands`; heavy imports happen
inside the commands, so `stackyard --help` starts fast."""

from __future__ import annotations

import atexit
import os
import sys
from functools import cache
from typing import Any

import typer

from stackyard import __version__
from stackyard.commands import audit, check, diff, docs, init, plan, rules, schema, validate, verify
from stackyard.errors import ExitCode, UserError

INTERRUPTED = 128 + 2
"""The exit code of a run stopped by SIGINT (Ctrl-C), as a shell reports it; SIGTERM gives 143."""

app = typer.Typer(
    name="stackyard",
    help="Declarative infrastructure as code for MLOps stacks, on Pulumi.\n\n"
    "Exit codes: 0 success; 1 mandatory policy failures or a failed verification; 2 bad usage or input.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stackyard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Declarative infrastructure as code for MLOps stacks, on Pulumi."""


app.command("plan")(plan.command)
app.command("validate")(validate.command)
app.command("schema")(schema.command)
app.command("diff")(diff.command)
app.command("check")(check.command)
app.command("audit")(audit.command)
app.command("rules")(rules.command)
app.command("init")(init.command)
app.command("docs")(docs.command)
app.add_typer(verify.app, name="verify")


def one_line_summary(text: str | None) -> str:
    """The first sentence of a command's help, whole (click cuts it at 45 characters with `...`)."""
    paragraph = " ".join((text or "").strip().split("\n\n", 1)[0].split())
    sentence, dot, _ = paragraph.partition(". ")
    return sentence + ("." if dot or not sentence.endswith(".") else "")


def _uniform_help(command: Any) -> None:
    """Every command of the tree lists with its whole first sentence, and every positional argument
    is shown as its name in capitals (`PROJECT_DIR`, `OLD NEW`), whatever each command declared."""
    command.short_help = one_line_summary(command.help)
    for param in command.params:
        if param.param_type_name == "argument":
            param.metavar = (param.metavar or param.name).upper()
    for sub in getattr(command, "commands", {}).values():
        _uniform_help(sub)


@cache
def command_tree() -> Any:
    """The CLI as click runs it: typer's command tree with uniform help (see `_uniform_help`)."""
    tree = typer.main.get_command(app)
    _uniform_help(tree)
    return tree


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code. Typer reports usage errors itself (exit code 2);
    a `UserError` becomes one message on stderr and its exit code, without a traceback."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or bool(
        os.environ.get("STACKYARD_DEBUG")
    )
    try:
        command_tree()(args=argv, prog_name="stackyard")
    except UserError as error:
        if debug:
            raise
        from stackyard.commands.output import error_console
        from stackyard.input_files import clip_message

        error_console().print(f"error: {clip_message(error.message)}", markup=False, highlight=False)
        return int(error.exit_code)
    except KeyboardInterrupt:
        if debug:
            raise
        typer.echo("interrupted", err=True)
        return INTERRUPTED
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or ExitCode.OK
        typer.echo(str(done.code), err=True)
        return ExitCode.POLICY_FAILURE
    return ExitCode.OK


def run() -> None:
    """The console script: `main`, then leave without tearing the interpreter down.

    After a large plan the process holds hundreds of thousands of objects (the SDK's resources,
    outputs and futures); freeing them one by one at exit took 2-3 s of a 2,000-resource plan, to
    no one's benefit. Exit handlers still run and output is flushed, as `sys.exit` would do.
    """
    code = main()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
