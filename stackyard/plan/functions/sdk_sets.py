"""The order in which the Terraform plugin SDK (v2) hands a provider the elements of a set.

A `schema.TypeSet` keeps one element per hash code and lists them sorted by the code's decimal
string (helper/schema/set.go `listCode`). The code is CRC-32 (IEEE) of the element serialised as
helper/schema/serialize.go does: a string is `value;`, a nested block is its attributes in key
order as `key:value;`, a nested set is `{...};` and a list `(...);`. Providers that render a set
in the order they receive it (`aws_iam_policy_document` does, for principals and conditions of
the same type or key) therefore produce an order that depends on these codes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import TypeVar

Element = TypeVar("Element")


def hash_code(serialised: str) -> int:
    return zlib.crc32(serialised.encode("utf-8"))


def set_list(elements: Iterable[Element], serialise: Callable[[Element], str]) -> list[Element]:
    """The elements as `(*schema.Set).List()` returns them: duplicates dropped, in code order."""
    by_code: dict[str, Element] = {}
    for element in elements:
        by_code.setdefault(str(hash_code(serialise(element))), element)
    return [by_code[code] for code in sorted(by_code)]


def serialise_string(value: str) -> str:
    return f"{value};"


def string_set(values: Iterable[str]) -> list[str]:
    return set_list(values, serialise_string)
