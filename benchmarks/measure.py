"""One measurement: a command in a fresh process, its wall time and its peak memory.

Peak memory is the child's maximum resident set size as the kernel reports it when the child is
reaped (`os.wait4`, `ru_maxrss`): the whole process, interpreter and imports included, and only
that child (`RUSAGE_CHILDREN` would give the largest of all children so far).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_bytes: int
    exit_code: int
    phases: dict[str, float] = field(default_factory=dict)
    stdout: str = ""
    cpu_seconds: float = 0.0
    """User and system CPU time of that child (from the same `os.wait4`)."""


class CommandFailed(RuntimeError):
    pass


def run(
    arguments: list[str],
    *,
    ok_codes: tuple[int, ...] = (0,),
    timings: bool = False,
    interpreter: str = sys.executable,
    pythonpath: bool = True,
) -> Run:
    """Run `python <arguments>` from the repository root. With `timings`, the command is given a
    file to write its phases to (its last argument... see `probe.py` and `plain_program.py`).
    Another tool (Checkov) runs under its own `interpreter`, without the repository on its path."""
    with tempfile.TemporaryDirectory(prefix="stackyard-bench-") as scratch:
        timings_path = Path(scratch) / "timings.json"
        command = [interpreter, *[str(timings_path) if a == TIMINGS else a for a in arguments]]
        environment = {**os.environ, "PYTHONHASHSEED": "0"}
        if pythonpath:
            environment["PYTHONPATH"] = str(REPO)
        environment.pop("STACKYARD_DEBUG", None)
        with (
            tempfile.TemporaryFile() as stdout,
            tempfile.TemporaryFile() as stderr,
        ):
            began = time.perf_counter()
            process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=stdout, stderr=stderr)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - began
            process.returncode = os.waitstatus_to_exitcode(status)
            stdout.seek(0)
            stderr.seek(0)
            output = stdout.read().decode(errors="replace")
            errors = stderr.read().decode(errors="replace")
        if process.returncode not in ok_codes:
            raise CommandFailed(
                f"{' '.join(command)} exited with {process.returncode}:\n{errors[-4000:] or output[-4000:]}"
            )
        phases: dict[str, Any] = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    return Run(
        seconds=seconds,
        peak_rss_bytes=usage.ru_maxrss * 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        exit_code=process.returncode,
        phases=phases,
        stdout=output,
    )


TIMINGS = "{timings}"
"""Placeholder in `arguments` replaced by the path of the file the child writes its phases to."""
