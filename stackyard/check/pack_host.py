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


_PACK_DIR = ""
"""The pack's directory (set in `main`): a raise is located at the pack's own line, not the SDK's."""


def _describe(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if _PACK_DIR and frame.filename.startswith(_PACK_DIR)]
    located = own or list(frames)
    where = f" at {located[-1].filename}:{located[-1].lineno}" if located else ""
    return f"{ERROR_MARK}{type(error).__name__}: {error}{where}"


def _guard(policy_class: Any, passthrough: tuple[type[BaseException], ...]) -> None:
    original = policy_class.validate

    def validate(self: Any, args: Any, report_violation: Any) -> Any:
        try:
            result = original(self, args, report_violation)
        except passthrough:
            raise
        except Exception as error:
            report_violation(_describe(error), None)
            return None
        if not inspect.isawaitable(result):
            return result

        async def guarded() -> None:
            try:
                await result
            except passthrough:
                raise
            except Exception as error:
                report_violation(_describe(error), None)

        return guarded()

    policy_class.validate = validate


def main() -> None:
    global _PACK_DIR
    from pulumi_policy import policy

    _PACK_DIR = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else ""
    # Unknown values and not-applicable are answers of the protocol, not errors.
    passthrough = tuple(
        klass
        for klass in (
            getattr(policy, "UnknownValueError", None),
            getattr(policy, "_NotApplicableError", None),
        )
        if isinstance(klass, type)
    )
    _guard(policy.ResourceValidationPolicy, passthrough)
    _guard(policy.StackValidationPolicy, passthrough)
    sys.argv = ["pulumi.policy", *sys.argv[1:]]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
