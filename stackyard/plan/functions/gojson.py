"""JSON text byte-for-byte as Go's `encoding/json` writes it, which is what Terraform-bridged
providers return (for example `getPolicyDocument`'s `json` and `minifiedJson`).

Python's `json` differs from Go's in ways a plan compares on: Go escapes `<`, `>`, `&`, U+2028
and U+2029, writes floats as `1` rather than `1.0` and `1e-7` rather than `1e-07`.
Dicts are written in their own order: Go sorts map keys but keeps struct fields in declaration
order, so the caller decides.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_HTML_UNSAFE = {"<", ">", "&", "\u2028", "\u2029"}


def go_string(text: str) -> str:
    parts = ['"']
    for char in text:
        if char in _SHORT_ESCAPES:
            parts.append(_SHORT_ESCAPES[char])
        elif char < " " or char in _HTML_UNSAFE:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def go_number(number: float) -> str:
    """strconv.FormatFloat(f, 'f' or 'e', -1, 64) as encoding/json chooses between them."""
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"JSON cannot represent {number}")
    magnitude = abs(number)
    if number == 0 or 1e-6 <= magnitude < 1e21:
        plain = format(Decimal(repr(float(number))), "f")
        if "." in plain:
            plain = plain.rstrip("0").rstrip(".")
        return plain
    mantissa, exponent = repr(float(number)).split("e")
    sign, digits = exponent[0], exponent[1:].lstrip("0") or "0"
    return f"{mantissa}e{sign}{digits}"


def dumps(value: Any, indent: str | None = None) -> str:
    """`json.Marshal` (indent None) or `json.MarshalIndent(v, "", indent)`."""
    parts: list[str] = []
    _write(value, parts, indent, 0)
    return "".join(parts)


def _write(value: Any, parts: list[str], indent: str | None, level: int) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(str(value) if abs(value) < 10**21 else go_number(float(value)))
    elif isinstance(value, float):
        parts.append(go_number(value))
    elif isinstance(value, str):
        parts.append(go_string(value))
    elif isinstance(value, dict):
        _write_items(
            [(go_string(str(key)), item) for key, item in value.items()], "{", "}", parts, indent, level
        )
    elif isinstance(value, (list, tuple)):
        _write_items([(None, item) for item in value], "[", "]", parts, indent, level)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _write_items(
    items: list[tuple[str | None, Any]],
    opening: str,
    closing: str,
    parts: list[str],
    indent: str | None,
    level: int,
) -> None:
    if not items:
        parts.append(opening + closing)
        return
    parts.append(opening)
    for position, (key, item) in enumerate(items):
        if position:
            parts.append(",")
        if indent is not None:
            parts.append("\n" + indent * (level + 1))
        if key is not None:
            parts.append(key + (": " if indent is not None else ":"))
        _write(item, parts, indent, level + 1)
    if indent is not None:
        parts.append("\n" + indent * level)
    parts.append(closing)
