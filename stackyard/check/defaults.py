"""Provider defaults that policy packs commonly read, filled into the inputs of a stackyard plan.

In a real preview the provider's `Check` fills the defaults of properties the program left out,
so a pack may read `args.props["blockPublicPolicy"]` and find `False`. A stackyard plan records what
the program sent, before any provider ran: without these, such a pack raises `KeyError`.

Only the properties below are filled, and only with the default pulumi-aws itself documents for
them (its generated docstrings say "Defaults to `false`."), read from the installed package, never
typed in here. They are read from the package's source files, for the types the input has:
importing pulumi_aws to read them cost seconds, more than the rest of a 2,000-resource check. A
`pulumi preview --json` document already has them and is left alone.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from stackyard.check.model import CheckInput, Resource

COMMONLY_READ: dict[str, tuple[str, ...]] = {
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ),
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ),
    "aws:kms/key:Key": ("enableKeyRotation", "bypassPolicyLockoutSafetyCheck"),
    "aws:rds/instance:Instance": ("publiclyAccessible", "storageEncrypted", "deletionProtection"),
    "aws:rds/cluster:Cluster": ("storageEncrypted", "deletionProtection"),
    "aws:ecr/repository:Repository": ("forceDelete",),
}
"""Type -> the properties packs commonly read whose provider default is filled in."""

_DEFAULT = re.compile(r"(?:Defaults to|[Dd]efault is|default value is) `(true|false|-?\d+)`")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _source_of(type_token: str) -> tuple[Path, str] | None:
    """`aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock` -> (.../pulumi_aws/s3/bucket_public_access_block.py,
    class), found without importing pulumi_aws (its import registers every module: seconds)."""
    package, path, class_name = type_token.split(":")
    module_path, _, file_name = path.partition("/")
    if not file_name:
        return None
    spec = importlib.util.find_spec(f"pulumi_{package}")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / module_path / f"{_snake(file_name)}.py", class_name


_GETTER = re.compile(r'\n    def (\w+)\(self\)[^\n]*:\n\s*"""(.*?)"""', re.DOTALL)
"""A property getter of a generated `<Class>Args` class, and its docstring."""


@cache
def _documented(type_token: str) -> dict[str, str]:
    """The docstrings of the `<Class>Args` properties of `type_token`'s module, read from its source
    (the SDK generates one file per resource, `<Class>Args` first)."""
    located = _source_of(type_token)
    if located is None or not located[0].is_file():
        return {}
    source, class_name = located
    text = source.read_text(encoding="utf-8")
    start = text.find(f"\nclass {class_name}Args:")
    if start < 0:
        return {}
    end = text.find("\nclass ", start + 1)
    return {name: doc for name, doc in _GETTER.findall(text[start : end if end >= 0 else len(text)])}


@cache
def documented_default(type_token: str, prop: str) -> Any:
    """The default pulumi-aws documents for `prop` of `type_token`, or None when it documents none."""
    found = _DEFAULT.search(_documented(type_token).get(_snake(prop), ""))
    return json.loads(found.group(1)) if found else None


def _filled(resource: Resource) -> Resource:
    missing = [prop for prop in COMMONLY_READ.get(resource.type, ()) if prop not in resource.inputs]
    defaults = {prop: documented_default(resource.type, prop) for prop in missing}
    defaults = {prop: value for prop, value in defaults.items() if value is not None}
    if not defaults:
        return resource
    return dataclasses.replace(resource, inputs={**resource.inputs, **defaults})


def with_provider_defaults(checked: CheckInput) -> CheckInput:
    """`checked` with the documented defaults filled in, for a stackyard plan; anything else as it is."""
    if checked.kind != "plan":
        return checked
    return dataclasses.replace(checked, resources=tuple(_filled(r) for r in checked.resources))
