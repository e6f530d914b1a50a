"""Watching a program run: what it is waiting on when it stops making progress, and its time limit.

A program that waits on a value that never comes, or loops, would otherwise leave `stackyard plan`
silent for ever. The watch knows which resources the program has constructed but not yet
registered (their inputs have not resolved) and the last registration, and says so.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from stackyard.errors import UserError

STALL_SECONDS = 10.0
"""No registration or function call for this long: say what the program is waiting on."""


class PlanTimeout(UserError):
    """The program did not finish within the time limit."""


class ProgressWatch:
    """Pending registrations and the last one, for the stall message and the timeout message."""

    def __init__(
        self, monitor: Any, stall_seconds: float | None = None, stream: IO[str] | None = None
    ) -> None:
        self._monitor = monitor
        self._stall_seconds = STALL_SECONDS if stall_seconds is None else stall_seconds
        self._stream = stream
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # The SDK calls this for every resource the program constructs, before its inputs resolve.
    # Constructing is progress: a large program constructs all its resources before the first
    # one registers, which takes more than the stall time on a busy machine.
    def transformation(self, args: Any) -> None:
        with self._lock:
            self._pending[(args.type_, args.name)] += 1
        self._monitor.last_progress = time.monotonic()
        return None

    def registered(self, type_token: str, name: str) -> None:
        with self._lock:
            key = (type_token, name)
            if self._pending.get(key):
                self._pending[key] -= 1
                if not self._pending[key]:
                    del self._pending[key]

    def waiting_on(self) -> str:
        with self._lock:
            pending = sorted(self._pending)
        registrations = self._monitor.registrations
        last = registrations[-1].urn if registrations else ""
        if pending:
            shown = ", ".join(f"{kind} {name!r}" for kind, name in pending[:5])
            more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
            return f"waiting on the inputs of {shown}{more} (last registration: {last or 'none'})"
        return f"running the program's own code (last registration: {last or 'none'})"

    def _watch(self) -> None:
        warned_at = 0.0
        while not self._stop.wait(1.0):
            idle = time.monotonic() - self._monitor.last_progress
            if idle >= self._stall_seconds and self._monitor.last_progress != warned_at:
                warned_at = self._monitor.last_progress
                stream = self._stream or sys.stderr
                print(
                    f"stackyard plan: no progress for {idle:.0f} s; {self.waiting_on()}",
                    file=stream,
                    flush=True,
                )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="stackyard-plan-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)


@contextlib.contextmanager
def time_limit(seconds: float | None, describe: Any) -> Iterator[None]:
    """Raise `PlanTimeout` in the running program after `seconds` (a real signal, so a program
    blocked waiting is interrupted too). Only the main thread can take signals: elsewhere, and
    without a limit, the program runs unbounded."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise PlanTimeout(f"the program did not finish within {seconds:g} s (--timeout); {describe()}")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class UserInterrupt(KeyboardInterrupt):
    """Ctrl-C from the user (a real SIGINT), as opposed to a KeyboardInterrupt the program raised."""


@contextlib.contextmanager
def user_interrupts() -> Iterator[None]:
    """Tell the user's Ctrl-C apart from the program's own `raise KeyboardInterrupt`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: Any) -> None:
        raise UserInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
