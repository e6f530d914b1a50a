"""The entry point of a stackyard Pulumi program: load the spec, build the platform, export.

# __main__.py
from stackyard.program import build
build()                      # the spec in the stack config, `stackyard:spec`
build("stacks/prod.yaml")    # or a spec file
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackyard.errors import UserError

if TYPE_CHECKING:
    from stackyard.components.platform import Platform
    from stackyard.spec.stack import StackSpec


def build(
    source: StackSpec | Mapping[str, Any] | Path | str | None = None, name: str | None = None
) -> Platform:
    import pulumi

    from stackyard.components.platform import Platform
    from stackyard.plan.secrets import register_secret_values, secret_values_of
    from stackyard.spec.loader import load_spec, spec_from_config

    try:
        spec = spec_from_config() if source is None else load_spec(source)
    except UserError as error:
        # RunError makes the Pulumi CLI print the message alone, without a traceback;
        # `stackyard plan` finds the UserError behind it.
        raise pulumi.RunError(error.message) from error
    # Under `stackyard plan`, the spec's secrets are kept out of the plan's copy of the config.
    register_secret_values(secret_values_of(spec))
    platform = Platform(name or spec.name_prefix, spec)
    for key, value in platform.outputs.items():
        pulumi.export(key, value)
    return platform
