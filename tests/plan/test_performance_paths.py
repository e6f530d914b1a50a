"""The plan's performance measures change nothing a user sees: garbage collection settings come
back after a run, and the console script still flushes its output and returns its exit code."""

from __future__ import annotations

import gc
import subprocess
import sys

import pulumi

from stackyard.gc_tuning import young_collections_only
from stackyard.plan.engine import run_program


def test_full_collections_are_paused_only_while_a_program_runs() -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    def program() -> None:
        seen.append(gc.get_threshold())
        pulumi.CustomResource("test:index:Thing", "thing", {"value": 1})

    registrations = run_program(program, project="p", stack="dev")
    assert [registration.name for registration in registrations] == ["p-dev", "thing"]
    assert seen[0][:2] == before[:2] and seen[0][2] > 10**6
    assert gc.get_threshold() == before


def test_thresholds_come_back_when_the_program_fails() -> None:
    before = gc.get_threshold()
    try:
        with young_collections_only():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_nested_runs_keep_the_outer_settings_until_the_outer_ends() -> None:
    before = gc.get_threshold()
    with young_collections_only():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with young_collections_only():
            pass
        assert gc.get_threshold()[2] > 10**6
        assert gc.get_freeze_count() == frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_console_script_flushes_output_and_keeps_the_exit_code() -> None:
    script = "import sys; sys.argv = ['stackyard', *sys.argv[1:]]; from stackyard.cli import run; run()"
    version = subprocess.run([sys.executable, "-c", script, "--version"], capture_output=True, text=True)
    assert (version.returncode, version.stdout.strip()) == (
        0,
        f"stackyard {__import__('stackyard').__version__}",
    )
    missing = subprocess.run(
        [sys.executable, "-c", script, "validate", "/nonexistent/spec.yaml"], capture_output=True, text=True
    )
    assert missing.returncode == 2
    assert "spec file not found" in missing.stderr
