"""The spec reference (`docs/reference/spec.md`), generated from the StackSpec JSON Schema.

Every section of the spec is one JSON Schema definition; each becomes a heading with a table of its
fields (type, default, constraints, description). The descriptions are the pydantic `Field`
descriptions, so the reference can only say what the models say.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

ROOT = "StackSpec"
_CONSTRAINTS = (
    ("minimum", ">= {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length >= {}"),
    ("maxLength", "length <= {}"),
    ("minItems", ">= {} items"),
    ("maxItems", "<= {} items"),
    ("pattern", "matches `{}`"),
)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def display_name(definition: str) -> str:
    """`stackyard__components__serving__spec__EndpointSpec` -> `EndpointSpec (serving)`: pydantic
    qualifies a model's name with its module only when two models share it."""
    if "__" not in definition:
        return definition
    parts = definition.split("__")
    capability = parts[2] if len(parts) > 3 and parts[1] == "components" else ".".join(parts[:-1])
    return f"{parts[-1]} ({capability})"


def anchor(definition: str) -> str:
    """The GitHub-style anchor of the heading `display_name(definition)` gets."""
    text = display_name(definition).lower()
    return "".join(c if c.isalnum() or c in "-_" else ("-" if c == " " else "") for c in text)


def _link(definition: str) -> str:
    return f"[{display_name(definition)}](#{anchor(definition)})"


def type_of(node: dict[str, Any]) -> str:
    """A field's type in a few words, references as links to their section."""
    if "$ref" in node:
        return _link(_ref_name(node["$ref"]))
    if "anyOf" in node:
        options = [option for option in node["anyOf"] if option.get("type") != "null"]
        rendered = " or ".join(type_of(option) for option in options)
        return f"{rendered} or null" if len(options) < len(node["anyOf"]) else rendered
    if "enum" in node:
        return " | ".join(f"`{json.dumps(value)}`" for value in node["enum"])
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    kind = node.get("type")
    if kind == "array":
        return f"list of {type_of(node.get('items', {}))}"
    if kind == "object":
        values = node.get("additionalProperties")
        return f"map of string to {type_of(values)}" if isinstance(values, dict) else "object"
    if isinstance(kind, str):
        return kind + (f" ({node['format']})" if "format" in node else "")
    return "any"


def constraints_of(node: dict[str, Any]) -> list[str]:
    found = [template.format(node[key]) for key, template in _CONSTRAINTS if key in node]
    if node.get("uniqueItems"):
        found.append("unique items")
    for option in node.get("anyOf", ()):
        found.extend(constraints_of(option))
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        found.extend(f"each {c}" for c in constraints_of(node["items"]))
    return found


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _referenced(node: Any) -> list[str]:
    """The definitions a schema node refers to, in the order they appear."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(_ref_name(value))
            else:
                found.extend(_referenced(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_referenced(item))
    return found


def _reading_order(schema: dict[str, Any]) -> list[str]:
    """Definitions breadth first from the root, so a section comes soon after the one that uses it."""
    definitions = schema.get("$defs", {})
    order: list[str] = []
    queue = deque(_referenced(schema.get("properties", {})))
    while queue:
        name = queue.popleft()
        if name in order or name not in definitions:
            continue
        order.append(name)
        queue.extend(_referenced(definitions[name]))
    # Definitions nothing reaches still get documented, at the end and in name order.
    return order + sorted(set(definitions) - set(order))


def _section(name: str, node: dict[str, Any]) -> list[str]:
    lines = [f"## {display_name(name)}", ""]
    if node.get("description"):
        lines += [" ".join(node["description"].split()), ""]
    if "enum" in node:
        lines += ["One of: " + ", ".join(f"`{json.dumps(value)}`" for value in node["enum"]) + ".", ""]
        return lines
    properties: dict[str, Any] = node.get("properties", {})
    if not properties:
        return lines
    required = set(node.get("required", ()))
    lines += ["| Field | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for field, prop in properties.items():
        default = (
            "required"
            if field in required
            else (f"`{json.dumps(prop['default'])}`" if "default" in prop else "optional")
        )
        description = prop.get("description", "")
        constraints = constraints_of(prop)
        if constraints:
            description = (
                f"{description} ({'; '.join(constraints)})" if description else "; ".join(constraints)
            )
        lines.append(f"| `{field}` | {_cell(type_of(prop))} | {_cell(default)} | {_cell(description)} |")
    lines.append("")
    return lines


def render_spec_reference(schema: dict[str, Any]) -> str:
    """The Markdown reference of a spec JSON Schema (deterministic: same schema, same bytes)."""
    root = {key: value for key, value in schema.items() if key != "$defs"}
    lines = [
        "# Spec reference",
        "",
        "<!-- Generated by `stackyard docs --out docs` from the StackSpec JSON Schema; do not edit. -->",
        "",
        "A stack spec is YAML, JSON, Python or the `stackyard:spec` value of a Pulumi stack config. "
        "`stackyard schema --out stack-spec.schema.json` writes the JSON Schema this page is generated "
        "from, for editor completion. Unknown fields are errors; every error is reported with its path.",
        "",
        "Sections: " + ", ".join(_link(name) for name in [ROOT, *_reading_order(schema)]) + ".",
        "",
    ]
    lines += _section(ROOT, root)
    definitions = schema.get("$defs", {})
    for name in _reading_order(schema):
        lines += _section(name, definitions[name])
    return "\n".join(lines).rstrip("\n") + "\n"


def spec_reference() -> str:
    from stackyard.spec.schema import stack_spec_schema

    return render_spec_reference(stack_spec_schema())
