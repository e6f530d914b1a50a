"""Start a Python policy pack as the Pulumi language host does, with one difference: a policy that
raises is reported as an error of that policy alone, instead of failing the whole request.

The engine runs `python -m pulumi.policy <engine> <pack dir>`. A policy that raises (a `KeyError`
on a property the provider would have defaulted) aborts that `Analyze` call, and with it every
other policy's results for the resource. Here each policy's `validate` is wrapped: its exception
becomes a violation whose message starts with `ERROR_MARK`, which `stackyard check` reads as the
`error` result of that rule and resource.

This file runs in the pack's own interpreter, which may not have stackyard installed: it imports
only the standard library and what every Python pack has (pulumi, pulumi_policy).
"""

from __future__ import annotations

import inspect
import os
import runpy
import sys
import traceback
from typing import Any

ERROR_MARK = "stackyard: the policy raised "
"""Start of the message a raising policy reports; `stackyard check` makes it an `error` result."""


def _describe(error: BaseException, pack_dir: str) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if pack_dir and frame.filename.startswith(pack_dir)]
    located = own or list(frames)
    where = f" at {located[-1].filename}:{located[-1].lineno}" if located else ""
    return f"{ERROR_MARK}{type(error).__name__}: {error}{where}"


def protocol_exceptions() -> tuple[type[BaseException], ...]:
    """What a policy raises to answer through the protocol (an unknown value, not applicable):
    not errors, so the wrapper lets them through to pulumi_policy's analyzer."""
    from pulumi_policy import policy

    return tuple(
        klass
        for klass in (
            getattr(policy, "UnknownValueError", None),
            getattr(policy, "_NotApplicableError", None),
        )
        if isinstance(klass, type)
    )


def guarded(original: Any, passthrough: tuple[type[BaseException], ...], pack_dir: str) -> Any:
    """`original` (a policy class's `validate(self, args, report_violation)`), with an exception
    reported as that policy's error; a raise is located at the last frame under `pack_dir`.

    The one wrapper of both paths: the pack process installs it on pulumi_policy's policy classes
    (`main`), and `stackyard check` calls it for each policy of its own catalog evaluated in-process
    (`stackyard.check.in_process`)."""

    def validate(self: Any, args: Any, report_violation: Any) -> Any:
        try:
            result = original(self, args, report_violation)
        except passthrough:
            raise
        except Exception as error:
            report_violation(_describe(error, pack_dir), None)
            return None
        if not inspect.isawaitable(result):
            return result

        async def guarded_result() -> None:
            try:
                await result
            except passthrough:
                raise
            except Exception as error:
                report_violation(_describe(error, pack_dir), None)

        return guarded_result()

    return validate


def main() -> None:
    from pulumi_policy import policy

    pack_dir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""
    passthrough = protocol_exceptions()
    for policy_class in (policy.ResourceValidationPolicy, policy.StackValidationPolicy):
        policy_class.validate = guarded(policy_class.validate, passthrough, pack_dir)  # type: ignore[method-assign]
    sys.argv = ["pulumi.policy", *sys.argv[1:]]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
