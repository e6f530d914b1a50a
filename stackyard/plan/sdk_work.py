"""Work the Pulumi SDK does for every registration that an offline plan never reads.

For each resource a typed provider class constructs (`aws.s3.Bucket(...)`), the SDK walks the
whole Python stack and turns every frame into a source position (a `file://` URI built through
`pathlib`) for the `stackTrace` and `sourcePosition` of the `RegisterResource` request: the engine
uses them to point its error messages at the user's code. Under `stackyard plan` the request goes
to `PlanMonitor`, which records neither, so that walk was a fifth of what a typed registration
costs, and more the deeper the components nest. (The SDK already sends no stack trace for a
resource constructed through the generic `pulumi.CustomResource`.)

And the SDK sends every request to the monitor from a worker thread, as a blocking gRPC call must
be sent; `AnsweringLoop` answers them where they are made.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import Any, TypeVar, TypeVarTuple

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2


def _no_stack_trace() -> source_pb2.StackTrace:
    # An empty trace: the request's `sourcePosition` is then unset too, as the SDK sends it when
    # it finds no user frame.
    return source_pb2.StackTrace()


@contextlib.contextmanager
def without_source_positions() -> Iterator[None]:
    """For the length of a run, registrations carry no stack trace or source position."""
    original = getattr(sdk_resource, "_get_stack_trace", None)
    if original is None:  # an SDK without it sends none: nothing to skip
        yield
        return
    sdk_resource._get_stack_trace = _no_stack_trace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


_Arguments = TypeVarTuple("_Arguments")
_Result = TypeVar("_Result")


def _is_sdk_call(func: Callable[..., Any]) -> bool:
    """A call the SDK hands to a thread: one of its engine or monitor RPCs, which it always wraps
    with `wrap_with_context` (the caller's contexts, for the thread)."""
    return (
        getattr(func, "__module__", None) == "pulumi.runtime._context"
        and getattr(func, "__qualname__", None) == "wrap_with_context.<locals>.wrapper"
    )


class AnsweringLoop(asyncio.SelectorEventLoop):
    """The run's event loop: the SDK's calls to the monitor are answered in place, on the loop.

    The SDK sends each RPC from a worker thread (`run_in_executor`) because a gRPC call blocks.
    Under `stackyard plan` the monitor and engine are in-process mocks that answer at once, from
    memory; the round trip to a thread and back (a future for each side, a wake-up through the
    loop's self-pipe, the GIL changing hands twice) was about a seventh of a 2,000-resource plan
    (6.8 s against 5.8 s).
    The answers are the same; only the order in which the program's concurrent tasks get them
    changes, and the plan document does not depend on it (steps and maps are in URN order).

    Everything else the program hands to an executor still goes to a thread: it may block, or wait
    on the loop. `passthrough` exceptions (the time limit's signal) end the run instead of
    becoming the call's failure."""

    def __init__(self, passthrough: tuple[type[BaseException], ...] = ()) -> None:
        super().__init__()
        self._passthrough = passthrough

    def run_in_executor(
        self,
        executor: Executor | None,
        func: Callable[[*_Arguments], _Result],
        *args: *_Arguments,
    ) -> asyncio.Future[_Result]:
        if executor is not None or not _is_sdk_call(func):
            return super().run_in_executor(executor, func, *args)
        future: asyncio.Future[_Result] = self.create_future()
        try:
            result = func(*args)
        except self._passthrough:
            raise
        except Exception as error:  # the SDK reads a failed RPC from the future, as from a thread
            future.set_exception(error)
        else:
            future.set_result(result)
        return future
