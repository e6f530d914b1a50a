"""The pack converts each analysed resource once; the memo must never hand one message's value to another."""

from __future__ import annotations

import threading

from google.protobuf import struct_pb2

from stackyard.policies.conversion import _PerThreadMemo


def test_same_message_is_converted_once_and_others_are_not_confused() -> None:
    calls: list[object] = []

    def convert(message: struct_pb2.Struct, *args: object) -> dict:
        calls.append(message)
        return {"converted": dict(message), "args": args}

    memo = _PerThreadMemo(convert)
    first, second = struct_pb2.Struct(), struct_pb2.Struct()
    first.update({"bucket": "a"})
    second.update({"bucket": "a"})

    assert memo(first) is memo(first)
    assert memo(second)["converted"] == {"bucket": "a"}
    # Back to the first message after another one: still the first conversion.
    assert memo(first)["args"] == ()
    assert calls == [first, second]


def test_extra_arguments_reach_the_conversion_but_do_not_key_it() -> None:
    """The analyzer's methods pass their servicer along; one message still converts once."""
    memo = _PerThreadMemo(lambda message, servicer: (message, servicer))
    message, servicer = struct_pb2.Struct(), object()
    assert memo(message, servicer) == (message, servicer)
    assert memo(message, servicer) is memo(message, servicer)


def test_each_thread_keeps_its_own_memo() -> None:
    memo = _PerThreadMemo(lambda message: object())
    message = struct_pb2.Struct()
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(memo(message)))
    thread.start()
    thread.join()
    assert memo(message) is not results[0]
