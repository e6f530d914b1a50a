"""The offline plan: run a Pulumi program under the SDK's mock runtime and record what the engine
would receive. Resolved lazily: importing this package does not load Pulumi."""

from __future__ import annotations

from typing import Any

PLAN_VERSION = 1


def plan_project(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from stackyard.plan.engine import plan_project as run

    return run(*args, **kwargs)


__all__ = ["PLAN_VERSION", "plan_project"]
