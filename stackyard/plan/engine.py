"""Running a Pulumi Python program in-process under the SDK's mock runtime.

This is what `stackyard plan` and the component tests share: a fresh event loop and fresh SDK
settings per run, the stack's config handed to the SDK the way the CLI hands it, the program
run inside the SDK's own run machinery, and every registration recorded by `PlanMonitor`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pulumi
import pulumi.runtime
from pulumi.runtime import config as runtime_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from stackyard.errors import UserError
from stackyard.gc_tuning import young_collections_only
from stackyard.plan.invokes import (
    InvokeAnswer,
    InvokeBook,
    InvokeCall,
    load_answers_file,
    parse_answers,
    tracking_invokes,
)
from stackyard.plan.monitor import PlanMocks, PlanMonitor, Registration
from stackyard.plan.placeholders import preview_faithful_applies
from stackyard.plan.project import PulumiProject, StackConfig, choose_stack, load_project, load_stack_config
from stackyard.plan.sdk_work import AnsweringLoop, without_source_positions
from stackyard.plan.secrets import RunSecrets, secret_by_nature, tracking_secrets
from stackyard.plan.watchdog import PlanTimeout, ProgressWatch, UserInterrupt, time_limit, user_interrupts


class ProgramError(UserError):
    """The user's program raised; the message points at the line in their code."""


class ProgramExit(BaseException):
    """`os._exit` called by the program while it runs under stackyard: it ends the program, not
    the CLI (which must still say what happened and never exit 0 without its output)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class ProgramRun:
    """What one run of a program sent the engine."""

    registrations: list[Registration]
    invokes: list[InvokeCall] = field(default_factory=list)
    secrets: RunSecrets = field(default_factory=RunSecrets)


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: StackConfig | dict[str, str] | None = None,
    preview: bool = True,
    on_register: Callable[[Registration], None] | None = None,
) -> list[Registration]:
    """Run `program` (which creates resources) and return every registration, in order.

    `preview=True` leaves values computed from other resources unknown, exactly as
    `pulumi preview` does; `preview=False` gives resources ids and ARNs so `apply` runs.
    """
    return record_program(
        program, project=project, stack=stack, config=config, preview=preview, on_register=on_register
    ).registrations


def record_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: StackConfig | dict[str, str] | None = None,
    preview: bool = True,
    on_register: Callable[[Registration], None] | None = None,
    invoke_answers: Sequence[InvokeAnswer] = (),
    timeout: float | None = None,
) -> ProgramRun:
    """`run_program`, with the provider functions the program called, the user's answers to
    account lookups (`invoke_answers`, then the stack config's `stackyard:invokes`), a watch that
    says what a stalled program waits on, and a time limit."""
    if not isinstance(config, StackConfig):
        config = StackConfig(stack=stack, values=dict(config or {}))
    answers = list(invoke_answers)
    configured = config.get("stackyard:invokes")
    if configured:
        answers += parse_answers(json.loads(configured), f"stack {stack} config stackyard:invokes")
    book = InvokeBook(answers)
    loops = _RunLoops()
    previous_policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(loops)
    loop = AnsweringLoop(passthrough=(PlanTimeout,))
    loops.made.append(loop)
    asyncio.set_event_loop(loop)
    try:
        # reset_options drops the root Stack of an earlier run in this process.
        pulumi.runtime.reset_options(project=project, stack=stack, preview=preview)
        runtime_config.set_all_config(dict(config.values), sorted(config.secret_keys))
        plan_mocks = PlanMocks(config.get, preview=preview)
        watch: ProgressWatch | None = None

        def registered(registration: Registration) -> None:
            if watch is not None:
                watch.registered(registration.type, registration.name)
            if on_register is not None:
                on_register(registration)

        monitor = PlanMonitor(plan_mocks, on_register=registered, invokes=book)
        watch = ProgressWatch(monitor)
        pulumi.runtime.set_mocks(plan_mocks, project=project, stack=stack, preview=preview, monitor=monitor)
        settings = pulumi.runtime.settings.SETTINGS
        settings.rpc_manager.clear()
        settings.outputs.clear()

        def learn(args: Any) -> None:
            watch.transformation(args)
            # Which outputs of the type get placeholders (only the class says which are strings).
            plan_mocks.placeholders.learn_type(args.type_, type(args.resource))

        def watched_program() -> Any:
            pulumi.runtime.register_stack_transformation(learn)
            return program()

        watch.start()
        try:
            with (
                young_collections_only(),
                without_source_positions(),
                tracking_secrets() as secrets,
                tracking_invokes(book),
                _no_process_exit(),
                time_limit(timeout, watch.waiting_on),
                user_interrupts(),
                preview_faithful_applies(plan_mocks.placeholders) if preview else contextlib.nullcontext(),
            ):
                _sync_await(run_pulumi_func(watched_program))
        finally:
            watch.stop()
        return ProgramRun(monitor.registrations, list(book.calls), secrets)
    finally:
        _close(loop, loops)
        asyncio.set_event_loop_policy(previous_policy)


@contextlib.contextmanager
def _no_process_exit() -> Iterator[None]:
    original = os._exit

    def program_exit(status: int) -> NoReturn:
        raise ProgramExit(status)

    os._exit = program_exit
    try:
        yield
    finally:
        os._exit = original


class _RunLoops(asyncio.DefaultEventLoopPolicy):
    """The event loop policy while a program runs: it keeps every loop it makes, those the SDK's
    `_sync_await` makes in the program's own threads (`_ensure_event_loop`), and `record_program`
    adds the run's own (an `AnsweringLoop`, made directly), so that the run closes them all. A
    thread's loop left to the garbage collector is torn down at exit with `Exception ignored in:
    BaseEventLoop.__del__ ... Invalid file descriptor: -1` (its self-pipe socket collected first)."""

    def __init__(self) -> None:
        super().__init__()
        self.made: list[asyncio.AbstractEventLoop] = []

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        self.made.append(loop)
        return loop


def _close(loop: asyncio.AbstractEventLoop, loops: _RunLoops) -> None:
    """Close the run's loop, after its tasks and its executor, and the loops its threads made."""
    # A program stopped early (time limit, exit) leaves tasks pending: end them inside the loop,
    # or they are torn down noisily when collected.
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        with contextlib.suppress(BaseException):
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    # Joins the executor's threads: their loops are idle from here on.
    loop.run_until_complete(loop.shutdown_default_executor())
    asyncio.set_event_loop(None)
    for made in loops.made:
        if not made.is_running():
            made.close()


@contextlib.contextmanager
def _inside_project(directory: Path) -> Iterator[None]:
    """Run as the Pulumi language host does: cwd and import path at the project, and forget the
    project's own modules afterwards so a second plan in this process sees fresh code."""
    previous_cwd = Path.cwd()
    previous_modules = set(sys.modules)
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))
        for name in set(sys.modules) - previous_modules:
            if _is_project_module(name, getattr(sys.modules[name], "__file__", None) or "", directory):
                del sys.modules[name]


def _is_project_module(name: str, module_file: str, directory: Path) -> bool:
    """A module of the user's program: under the project directory, but not an installed package
    that happens to live there (a virtualenv inside the project, or stackyard's own checkout)."""
    return (
        module_file.startswith(str(directory))
        and "site-packages" not in module_file
        and name.split(".")[0] != "stackyard"
    )


def _exit_code(error: BaseException) -> int | str | None:
    if isinstance(error, ProgramExit):
        return error.code
    if isinstance(error, SystemExit):
        return error.code if error.code is not None else 0
    return None


def _program_error(error: BaseException, project: PulumiProject, debug: bool) -> UserError:
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:  # the SDK can chain an error to itself
        if isinstance(cause, UserError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    project_dir = project.directory
    if isinstance(error, SystemExit | ProgramExit):
        return ProgramError(
            f"{project.main}: the program exited (code {_exit_code(error)}) before it finished"
        )
    if isinstance(error, KeyboardInterrupt):
        return ProgramError(f"{project.main}: the program raised KeyboardInterrupt before it finished")
    # Point at the deepest frame in the user's project, not in the SDK.
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(str(project_dir)) and "site-packages" not in frame.filename
    ]
    where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else f"{project_dir}: "
    kind = "" if isinstance(error, pulumi.RunError) else f"{type(error).__name__}: "
    message = f"{where}the program failed: {kind}{error}"
    if debug:
        message += "\n" + "".join(traceback.format_exception(error))
    return ProgramError(message)


def plan_project(
    project_dir: Path,
    stack: str | None = None,
    *,
    on_register: Callable[[Registration], None] | None = None,
    debug: bool = False,
    invokes_file: Path | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Plan a Pulumi Python project offline and return the plan document (preview JSON)."""
    from stackyard.plan.document import build_document

    project = load_project(Path(project_dir))
    stack_name = choose_stack(project, stack)
    config = load_stack_config(project, stack_name)
    answers = load_answers_file(invokes_file) if invokes_file is not None else []

    def program() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    # The document is built from the run's objects: a full collection between the two would walk
    # them all again for nothing.
    with young_collections_only(), _inside_project(project.directory):
        try:
            run = record_program(
                program,
                project=project.name,
                stack=stack_name,
                config=config,
                on_register=on_register,
                invoke_answers=answers,
                timeout=timeout,
            )
        except UserInterrupt:
            raise KeyboardInterrupt from None
        except BaseException as error:  # the user's code: whatever it raises is one message
            raise _program_error(error, project, debug) from None
        secret_keys = (
            config.secret_keys
            | run.secrets.config_keys
            | {key for key in config.values if secret_by_nature(key)}
        )
        return build_document(
            run.registrations,
            project=project.name,
            stack=stack_name,
            config=dataclasses.replace(config, secret_keys=frozenset(secret_keys)),
            invokes=run.invokes,
            run_secrets=run.secrets,
        )
