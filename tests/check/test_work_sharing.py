"""The processes running one pack share the `Analyze` requests through one queue: each takes the
next request when it has room, so a process that is busy (it also runs the stack analysis) takes
fewer, and the responses still come back in the order of the requests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from stackyard.check.analyzer import PackProcess, PackWorkers


class _FakeProcess:
    """Answers each request with (its own name, the request) after `delay` seconds."""

    def __init__(self, name: str, delay: float) -> None:
        self.name, self.delay, self.taken = name, delay, 0

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

    responses = workers.analyze_all(requests)

    assert [request for _, request in responses] == requests
    assert busy.taken + idle.taken == 200
    assert 0 < busy.taken < idle.taken
