"""The processes running one pack share the `Analyze` requests through one queue: each takes the
next request when it has room, so a slower process takes fewer, and the responses still come back
in the order of the requests. The first process runs the stack analysis before it takes any."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

from stackyard.check.analyzer import PackProcess, PackWorkers


class _FakeStack:
    def __init__(self, seconds: float) -> None:
        self._done = threading.Event()
        threading.Timer(seconds, self._done.set).start()

    def wait(self) -> None:
        self._done.wait()

    def result(self) -> str:
        self.wait()
        return "stack analysed"


class _FakeProcess:
    """Answers each request with (its own name, the request) after `delay` seconds."""

    def __init__(self, name: str, delay: float, stack_seconds: float = 0.0) -> None:
        self.name, self.delay, self.taken, self.stack_seconds = name, delay, 0, stack_seconds

    def analyze_stack(self, request: Any) -> _FakeStack:
        return _FakeStack(self.stack_seconds)

    def analyze(
        self,
        next_request: Callable[[], tuple[int, Any] | None],
        responses: list[Any],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        while (job := next_request()) is not None:
            index, request = job
            time.sleep(self.delay)
            responses[index] = (self.name, request)
            self.taken += 1


def test_responses_keep_the_request_order_and_the_busy_process_takes_fewer() -> None:
    busy, idle = _FakeProcess("busy", 0.004), _FakeProcess("idle", 0.0005)
    workers = PackWorkers(cast(list[PackProcess], [busy, idle]))
    requests = [f"r{i}" for i in range(200)]

    responses, stack = workers.analyze_all(requests)

    assert stack is None
    assert [request for _, request in responses] == requests
    assert busy.taken + idle.taken == 200
    assert 0 < busy.taken < idle.taken


def test_the_process_running_the_stack_analysis_takes_requests_only_after_it() -> None:
    main, other = _FakeProcess("main", 0.0005, stack_seconds=0.5), _FakeProcess("other", 0.0005)
    workers = PackWorkers(cast(list[PackProcess], [main, other]))
    requests = [f"r{i}" for i in range(100)]

    responses, stack = workers.analyze_all(requests, stack_request="stack")

    assert stack is not None and stack.result() == "stack analysed"
    assert [request for _, request in responses] == requests
    assert (main.taken, other.taken) == (0, 100)
