"""Runs the `stackyard` command in this process, as the console script does, and writes where
its time went (JSON) for the benchmark that started it.

    python -m benchmarks.probe TIMINGS.json plan DIR --stack bench -q --out plan.json

For `plan`, the phases are timed by wrapping the engine's own functions: running the program
(spec, components and the SDK under mocks, with recording), building the plan document and writing
it. Nothing else changes: the command is `stackyard.cli.run`, the console script.
"""

import time

STARTED = time.perf_counter()

import atexit  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402


def _timed(timings: dict[str, float], phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[phase] = timings.get(phase, 0.0) + time.perf_counter() - began

    return wrapper


def main() -> None:
    timings_path, *argv = sys.argv[1:]
    timings: dict[str, float] = {}
    import stackyard.cli

    timings["import"] = time.perf_counter() - STARTED
    if argv and argv[0] == "plan":
        from stackyard.plan import document, engine

        engine.record_program = _timed(timings, "program", engine.record_program)  # type: ignore[assignment]
        document.build_document = _timed(timings, "document", document.build_document)  # type: ignore[assignment]
        document.write_document = _timed(timings, "write", document.write_document)  # type: ignore[assignment]

    def write_timings() -> None:
        timings["total"] = time.perf_counter() - STARTED
        with open(timings_path, "w", encoding="utf-8") as file:
            json.dump(timings, file)

    # The console script's own way out (`stackyard.cli.run`), which runs exit handlers first.
    atexit.register(write_timings)
    sys.argv = ["stackyard", *argv]
    stackyard.cli.run()


if __name__ == "__main__":
    main()
