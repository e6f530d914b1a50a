"""How a component refuses its arguments: one message naming the resource, printed cleanly.

Pulumi's Node SDK has `ResourceError(message, resource)`; the Python SDK has none (checked on
3.272, the newest release): its `InputPropertyError` is for component providers answering
`Construct`, and a program's other exceptions are printed with their traceback. A
`pulumi.RunError` is printed as its message alone, so a component raises this one: a RunError
whose message starts with the component's type token and resource name. It is a ValueError too,
for code that caught the ValueErrors components raised before.
"""

from __future__ import annotations

import pulumi


class ComponentArgumentError(pulumi.RunError, ValueError):
    """`stackyard:serving:SageMakerEndpoint 'prod-churn': <reason>`."""

    def __init__(self, type_token: str, name: str, reason: str) -> None:
        super().__init__(f"{type_token} '{name}': {reason}")
        self.type_token = type_token
        self.resource_name = name
        self.reason = reason
