"""Time limits on work that runs the user's code in this process (`validate` of a `.py` spec).

A limit is a `SIGALRM` timer: when it fires, the code that is running is interrupted with
`Expired`, a `BaseException`, so a user's `except Exception:` cannot swallow it. That stops any
loop of Python bytecode (`while True: pass`) and any wait the interpreter can interrupt (sleeps,
locks, sockets); a single C call that never checks for signals cannot be stopped this way.
Signals reach only the main thread: off it, the limit is not applied.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from stackyard.errors import UserError

DEFAULT_TIMEOUT_S = 600


class Expired(BaseException):
    """The time limit ran out (raised inside the code that was running)."""


class TimeLimitExceeded(UserError):
    """Work stopped at its time limit: the message names what was running."""


@contextmanager
def time_limit(seconds: float | None, describe: Callable[[], str]) -> Iterator[None]:
    """Stop the body after `seconds` (None or 0: no limit) with a `TimeLimitExceeded` whose
    message is `describe()` and the limit."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except Expired:
        raise TimeLimitExceeded(
            f"{describe()}: still running after {seconds:g} s, stopped (raise the limit with --timeout)"
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
