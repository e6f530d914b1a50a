"""A plan closes every event loop it made, its own and its executor threads': none is left for
the garbage collector to tear down at exit (`Exception ignored in: BaseEventLoop.__del__ ...
ValueError: Invalid file descriptor: -1`). pyproject makes such a leak an error in every test."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from stackyard.plan import plan_project
from tests.conftest import REPO


def test_a_plan_closes_the_loops_of_its_threads() -> None:
    made: list[asyncio.AbstractEventLoop] = []
    original = asyncio.DefaultEventLoopPolicy.new_event_loop

    def recording(self: asyncio.DefaultEventLoopPolicy) -> asyncio.AbstractEventLoop:
        loop = original(self)
        made.append(loop)
        return loop

    asyncio.DefaultEventLoopPolicy.new_event_loop = recording  # type: ignore[method-assign]
    try:
        plan_project(REPO / "examples" / "quickstart", "dev")
    finally:
        asyncio.DefaultEventLoopPolicy.new_event_loop = original  # type: ignore[method-assign]
    # The run's loop and at least one loop of an executor thread (the monitor's `_sync_await`).
    assert len(made) >= 2
    assert [loop.is_closed() for loop in made] == [True] * len(made)


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
