"""Work the Pulumi SDK does for every registration that an offline plan never reads.

For each resource a typed provider class constructs (`aws.s3.Bucket(...)`), the SDK walks the
whole Python stack and turns every frame into a source position (a `file://` URI built through
`pathlib`) for the `stackTrace` and `sourcePosition` of the `RegisterResource` request: the engine
uses them to point its error messages at the user's code. Under `stackyard plan` the request goes
to `PlanMonitor`, which records neither, so that walk was a fifth of what a typed registration
costs, and more the deeper the components nest. (The SDK already sends no stack trace for a
resource constructed through the generic `pulumi.CustomResource`.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

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
