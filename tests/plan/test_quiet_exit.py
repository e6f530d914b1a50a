"""A plan closes every event loop it made, its own and its executor threads': none is left for
the garbage collector to tear down at exit (`Exception ignored in: BaseEventLoop.__del__ ...
ValueError: Invalid file descriptor: -1`). pyproject makes such a leak an error in every test."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pulumi
from pulumi.runtime.sync_await import _ensure_event_loop

from stackyard.plan import plan_project
from stackyard.plan.engine import run_program
from tests.conftest import REPO


def test_a_plan_closes_every_loop_it_made() -> None:
    made: list[asyncio.AbstractEventLoop] = []
    original = asyncio.BaseEventLoop.__init__

    def recording(self: asyncio.BaseEventLoop) -> None:
        original(self)
        made.append(self)

    asyncio.BaseEventLoop.__init__ = recording  # type: ignore[method-assign]
    try:
        plan_project(REPO / "examples" / "quickstart", "dev")
    finally:
        asyncio.BaseEventLoop.__init__ = original  # type: ignore[method-assign]
    # The run's own loop, which answers the monitor's calls in place: no thread needed one.
    assert [type(loop).__name__ for loop in made] == ["AnsweringLoop"]
    assert [loop.is_closed() for loop in made] == [True]


def test_loops_of_the_programs_own_threads_are_closed_too() -> None:
    """A program's thread that uses the SDK synchronously gets a loop of its own (the SDK's
    `_ensure_event_loop`): the run closes it as well."""
    made: list[asyncio.AbstractEventLoop] = []
    original = asyncio.DefaultEventLoopPolicy.new_event_loop

    def recording(self: asyncio.DefaultEventLoopPolicy) -> asyncio.AbstractEventLoop:
        loop = original(self)
        made.append(loop)
        return loop

    def in_a_thread() -> None:
        _ensure_event_loop()

    def program() -> None:
        thread = threading.Thread(target=in_a_thread)
        thread.start()
        thread.join()
        pulumi.CustomResource("test:index:Thing", "thing", {"value": 1})

    asyncio.DefaultEventLoopPolicy.new_event_loop = recording  # type: ignore[method-assign]
    try:
        run_program(program, project="p", stack="dev")
    finally:
        asyncio.DefaultEventLoopPolicy.new_event_loop = original  # type: ignore[method-assign]
    assert len(made) == 1
    assert made[0].is_closed()


def test_check_of_prod_says_nothing_of_event_loops_at_exit(tmp_path: Path) -> None:
    """The CLI, with an empty answer cache (so the sagemaker SDK is imported) and resource
    warnings shown: plan and check of the prod stack, nothing about loops on stderr."""
    environment = {
        **os.environ,
        "STACKYARD_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONWARNINGS": "always::ResourceWarning",
    }
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("stackyard")),
            "check",
            str(REPO),
            "--stack",
            "prod",
            "--config",
            str(REPO / "policies" / "presets" / "strict.json"),
            "--out-dir",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert completed.returncode == 0, completed.stderr
    for noise in ("Exception ignored", "BaseEventLoop", "unclosed event loop", "Traceback"):
        assert noise not in completed.stderr
