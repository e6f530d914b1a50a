"""The plan's performance measures change nothing a user sees: garbage collection settings come
back after a run, the SDK's stack traces come back after it, the wire reader reads what protobuf's
own reader reads, the monitor's answers (given on the run's loop, serialized without one) are the
SDK's, and the console script still flushes its output and returns its exit code."""

from __future__ import annotations

import asyncio
import gc
import math
import subprocess
import sys
import threading

import pulumi
import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime import rpc
from pulumi.runtime._context import wrap_with_context
from pulumi.runtime.sync_await import _sync_await

from stackyard.gc_tuning import young_collections_only
from stackyard.plan.engine import run_program
from stackyard.plan.monitor import serialized
from stackyard.plan.sdk_work import AnsweringLoop
from stackyard.plan.wire import struct_to_dict


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


def test_nested_runs_keep_the_outer_settings_until_the_outer_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gc.get_threshold()
    calls: list[str] = []
    with young_collections_only():
        assert gc.get_freeze_count() > 0
        # Spied on, not counted: the freeze count also drops whenever a frozen object is freed.
        monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
        monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
        with young_collections_only():
            pass
        monkeypatch.undo()
        assert calls == []
        assert gc.get_threshold()[2] > 10**6
        assert gc.get_freeze_count() > 0
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


def test_registrations_carry_no_stack_trace_only_while_a_program_runs() -> None:
    import pulumi_aws as aws
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    original = sdk_resource._get_stack_trace
    seen: list[source_pb2.StackTrace] = []

    def program() -> None:
        seen.append(sdk_resource._get_stack_trace())
        aws.s3.Bucket("data")

    registrations = run_program(program, project="p", stack="dev")
    assert [registration.name for registration in registrations] == ["p-dev", "data"]
    assert seen == [source_pb2.StackTrace()]
    assert sdk_resource._get_stack_trace is original


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_a_struct_reads_as_json_format_reads_it(value: dict[str, object]) -> None:
    struct = struct_pb2.Struct()
    struct.update(value)
    # repr, not ==: 1.0 == 1 == True, but the plan must see the same types (and key order).
    assert repr(struct_to_dict(struct)) == repr(json_format.MessageToDict(struct))


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_a_number_json_cannot_hold_is_refused_as_json_format_refuses_it(number: float) -> None:
    struct = struct_pb2.Struct()
    struct.update({"limit": [{"value": number}]})
    with pytest.raises(ValueError) as ours:
        struct_to_dict(struct)
    with pytest.raises(ValueError) as theirs:
        json_format.MessageToDict(struct)
    assert str(ours.value) == str(theirs.value)


def test_the_monitor_answers_on_the_runs_thread_and_the_programs_own_work_keeps_its_thread() -> None:
    answered_on: list[str] = []
    program_work_on: list[str] = []

    async def blocking_work() -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: program_work_on.append(threading.current_thread().name))

    def program() -> None:
        pulumi.CustomResource("test:index:Thing", "thing", {"value": 1})
        pulumi.Output.from_input(asyncio.ensure_future(blocking_work()))

    registrations = run_program(
        program,
        project="p",
        stack="dev",
        on_register=lambda _registration: answered_on.append(threading.current_thread().name),
    )
    assert [registration.name for registration in registrations] == ["p-dev", "thing"]
    assert answered_on == ["MainThread", "MainThread"]
    assert len(program_work_on) == 1 and program_work_on[0] != "MainThread"


def test_a_failed_answer_is_the_calls_failure_and_the_time_limit_ends_the_run() -> None:
    class Stop(Exception):
        pass

    loop = AnsweringLoop(passthrough=(Stop,))
    try:

        def refused() -> None:
            raise ValueError("unknown resource urn:x")

        def stopped() -> None:
            raise Stop

        failed = loop.run_in_executor(None, wrap_with_context(refused))
        assert failed.done()
        with pytest.raises(ValueError, match="unknown resource urn:x"):
            failed.result()
        with pytest.raises(Stop):
            loop.run_in_executor(None, wrap_with_context(stopped))
        assert loop.run_until_complete(loop.run_in_executor(None, wrap_with_context(lambda: 42))) == 42
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def test_a_resource_read_by_id_keeps_that_id_and_one_found_by_urn_has_its_registered_state() -> None:
    import pulumi_aws as aws

    seen: dict[str, object] = {}

    def program() -> None:
        vpc = aws.ec2.Vpc.get("shared", "vpc-0123")
        vpc.id.apply(lambda value: seen.setdefault("read id", value))
        bucket = aws.s3.Bucket("data", bucket="data-bucket")

        def found(urn: str) -> pulumi.Output[object]:
            # The SDK looks a resource up by URN (`pulumi:pulumi:getResource`).
            again = aws.s3.Bucket("again", opts=pulumi.ResourceOptions(urn=urn))
            return again.bucket.apply(lambda name: seen.setdefault("found bucket", name))

        bucket.urn.apply(found)

    registrations = run_program(program, project="p", stack="dev")
    read = next(registration for registration in registrations if registration.name == "shared")
    assert read.read_id == "vpc-0123"
    assert seen == {"read id": "vpc-0123", "found bucket": "data-bucket"}


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_an_answer_is_serialized_as_the_sdks_serializer_serializes_it(value: dict[str, object]) -> None:
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        theirs = _sync_await(rpc.serialize_properties(value, {}))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert repr(struct_to_dict(serialized(value))) == repr(struct_to_dict(theirs))
