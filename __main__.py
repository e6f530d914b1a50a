"""The reference platform: `pulumi up --stack <env>` builds stacks/<env>.yaml."""

from pathlib import Path

import pulumi

from stackyard.program import build

build(Path(__file__).parent / "stacks" / f"{pulumi.get_stack()}.yaml")
