"""Reading the files a user gives the CLI: one place that bounds and checks them all.

Every YAML or JSON file stackyard reads (specs, `Pulumi.yaml`, `Pulumi.<stack>.yaml`, waivers,
policy config, plans and the Pulumi documents `check` and `diff` read) comes through here:

- its size is capped per kind of file (`Kind.max_bytes`, listed in the README);
- it must be UTF-8 (a leading byte order mark is allowed); an error gives the byte offset;
- nesting is capped at `MAX_DEPTH` levels, checked without recursion, so a document nested
  100,000 deep is refused instead of overflowing the stack;
- YAML aliases may reach at most `MAX_ALIASED_NODES` nodes in all (an alias bomb is refused while
  it is still being parsed, before it can grow in memory);
- a key that appears twice in one mapping is refused, in JSON and in YAML;
- a wrong shape is reported with its path inside the document (`config: expected a mapping`),
  by validating against a pydantic model (`validate_shape`).

Every message names the file, and any value it quotes is cut at `QUOTE_LIMIT` characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from stackyard.errors import UserError

MiB = 1024 * 1024
MAX_DEPTH = 100
"""Deepest nesting of mappings and lists accepted in any document."""
MAX_ALIASED_NODES = 100_000
"""YAML: nodes reached through aliases, counted at their full size, over the whole file."""
QUOTE_LIMIT = 200
"""Longest value (in characters) a message quotes."""

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Kind:
    """A kind of input file: how messages call it and how large it may be."""

    name: str
    max_bytes: int


# YAML is read at about 1 MiB in 5 s at worst (dense small nodes), so the YAML kinds stay small:
# the specs and stack configs of the reference platform and examples are a few KiB each.
SPEC = Kind("spec file", 1 * MiB)
PROJECT_FILE = Kind("Pulumi.yaml", 256 * 1024)
STACK_CONFIG = Kind("stack config", 1 * MiB)
WAIVERS = Kind("waivers file", 1 * MiB)
POLICY_CONFIG = Kind("policy config", 1 * MiB)
PULUMI_DOCUMENT = Kind("Pulumi document", 256 * MiB)
"""A plan, a `pulumi preview --json` or a `pulumi stack export` document."""
INVOKES = Kind("invokes file", 1 * MiB)
"""Answers to a program's account lookups (`stackyard plan --invokes`)."""
KINDS = (SPEC, PROJECT_FILE, STACK_CONFIG, WAIVERS, POLICY_CONFIG, PULUMI_DOCUMENT, INVOKES)


class InputError(UserError):
    """An input file that cannot be used as given."""


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`repr(value)` for a message, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


_OVER = QUOTE_LIMIT + 1
_LONG_QUOTE = re.compile(rf"'[^'\n]{{{_OVER},}}'|\"[^\"\n]{{{_OVER},}}\"")
_LONG_LINE = 2_000


def clip_message(message: str) -> str:
    """The safety net the CLI applies to every message: quoted runs over `QUOTE_LIMIT` characters
    are cut, and so are lines over `_LONG_LINE` characters (a value quoted some other way)."""
    message = _LONG_QUOTE.sub(
        lambda m: f"{m.group(0)[: QUOTE_LIMIT + 1]}... ({len(m.group(0)) - QUOTE_LIMIT - 1} more characters)",
        message,
    )
    lines = [
        line if len(line) <= _LONG_LINE else f"{line[:_LONG_LINE]}... ({len(line) - _LONG_LINE} more characters)"
        for line in message.split("\n")
    ]
    return "\n".join(lines)


def _size(count: int) -> str:
    return f"{count / MiB:.1f} MiB" if count >= MiB else f"{count} bytes"


def read_bytes(path: Path, kind: Kind) -> bytes:
    """The file's bytes, at most `kind.max_bytes` of them (reading stops there: `/dev/zero` too)."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a {kind.name}")
    try:
        with path.open("rb") as stream:
            data = stream.read(kind.max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: {kind.name} not found") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the {kind.name}: {error.strerror or error}") from None
    if len(data) > kind.max_bytes:
        raise InputError(
            f"{path}: larger than the {_size(kind.max_bytes)} a {kind.name} may be; "
            "is this the right file?"
        )
    return data


def decode(data: bytes, source: str) -> str:
    """UTF-8 text, or an error naming the first byte that is not UTF-8 and where it is."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        raise InputError(
            f"{source}: not UTF-8 text: byte 0x{byte} at offset {error.start} (line {line}): "
            f"{error.reason}"
        ) from None


def read_text(path: Path, kind: Kind) -> str:
    return decode(read_bytes(path, kind), str(path))


def _too_deep(source: str) -> InputError:
    return InputError(f"{source}: nested more than {MAX_DEPTH} levels deep; refused")


def check_depth(value: Any, source: str) -> None:
    """Refuse data nested deeper than `MAX_DEPTH` (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            raise _too_deep(source)
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def parse_json(text: str | bytes, source: str) -> Any:
    """JSON with duplicate keys refused and nesting capped at `MAX_DEPTH`."""
    if isinstance(text, bytes):
        text = decode(text, source)
    try:
        value = json.loads(text, object_pairs_hook=_unique_pairs)
    except _DuplicateKey as error:
        raise InputError(f"{source}: duplicate key {quoted(error.key)} in one JSON object") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{source} (line {error.lineno}, column {error.colno}): malformed JSON: {error.msg}"
        ) from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise InputError(f"{source}: malformed JSON: {clip_message(str(error))}") from None
    check_depth(value, source)
    return value


def load_json(path: Path, what: Kind = PULUMI_DOCUMENT) -> Any:
    """A JSON file read through every check of this module."""
    return parse_json(read_text(path, what), str(path))


# --- YAML -----------------------------------------------------------------------------------


def _yaml() -> Any:
    import yaml

    return yaml


def _loader_class() -> Any:
    yaml = _yaml()
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[misc, valid-type]
        """The safe loader, refusing a key that appears twice in one mapping."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<:` merges are meant to be overridden by the keys beside them
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                except TypeError:
                    continue  # the constructor reports an unhashable key itself
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {quoted(key)}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def _yaml_error(error: Exception, source: str) -> InputError:
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error)
    return InputError(clip_message(f"{source}{where}: malformed YAML: {problem}"))


def _scan_yaml(text: str, source: str, loader: Any) -> None:
    """Walk the parser's events (no recursion, nothing built) to refuse deep nesting and alias
    bombs before the document is composed."""
    yaml = _yaml()
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    nodes = 0
    aliased = 0
    sizes: dict[str, int] = {}
    open_nodes: list[tuple[str | None, int]] = []
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, starts):
            nodes += 1
            open_nodes.append((event.anchor, nodes))
            if len(open_nodes) > MAX_DEPTH:
                raise _too_deep(source)
        elif isinstance(event, ends):
            anchor, first = open_nodes.pop()
            if anchor:
                sizes[anchor] = nodes - first + 1
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor, 1)
            nodes += size
            aliased += size
            if aliased > MAX_ALIASED_NODES:
                mark = event.start_mark
                raise InputError(
                    f"{source} (line {mark.line + 1}): YAML aliases expand to more than "
                    f"{MAX_ALIASED_NODES:,} nodes; refused (an alias bomb?)"
                )


@dataclass(frozen=True)
class YamlDocument:
    """What a YAML file holds, and where each part of it was written."""

    data: Any
    root: Any
    """The composed node tree, for line numbers in messages."""

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        """The line (1-based) of the deepest node that `loc` reaches."""
        yaml = _yaml()
        node = self.root
        if node is None:
            return None
        line: int = node.start_mark.line + 1
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if getattr(key, "value", None) == str(part):
                        line, child = key.start_mark.line + 1, value
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line


def parse_yaml_document(text: str, source: str) -> YamlDocument:
    """One YAML document, safe types only, with every check of this module."""
    yaml = _yaml()
    loader_class = _loader_class()
    try:
        _scan_yaml(text, source, loader_class)
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise _yaml_error(error, source) from None
    except RecursionError:  # cannot happen under MAX_DEPTH; kept so that it can never be a traceback
        raise _too_deep(source) from None
    return YamlDocument(data, root)


def parse_yaml(text: str, source: str) -> Any:
    return parse_yaml_document(text, source).data


def load_yaml_document(path: Path, what: Kind) -> YamlDocument:
    return parse_yaml_document(read_text(path, what), str(path))


def load_yaml(path: Path, what: Kind) -> Any:
    """A YAML file read through every check of this module."""
    return load_yaml_document(path, what).data


# --- shapes ---------------------------------------------------------------------------------

Model = TypeVar("Model", bound=BaseModel)

_PYDANTIC_NOISE = ("Value error, ", "Assertion failed, ")
_EXPECTED = {
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
}


def format_path(loc: Iterable[str | int]) -> str:
    """`("steps", 3, "newState", "inputs")` -> `steps[3].newState.inputs`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {"dict": "a mapping", "list": "a list", "str": "a string"}.get(
        type(value).__name__, type(value).__name__
    )


def describe_errors(error: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, message) for each problem pydantic found, in plain words."""
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(part for part in detail["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        expected = _EXPECTED.get(detail["type"])
        if expected:
            message = f"expected {expected}, got {_type_name(detail.get('input'))}"
        else:
            message = detail["msg"]
            for noise in _PYDANTIC_NOISE:
                message = message.removeprefix(noise)
        problems.append((loc, clip_message(message)))
    return problems


def validate_shape(
    model: type[Model], data: Any, source: str, kind: Kind, document: YamlDocument | None = None
) -> Model:
    """`data` as `model`, or one `InputError` listing every problem with its path (and its line,
    when the data came from YAML)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = describe_errors(error)
        lines = []
        for loc, message in problems:
            line = document.line_of(loc) if document is not None else None
            where = f"{source}:{line}" if line is not None else source
            lines.append(f"{where}: {format_path(loc)}: {message}")
        count = len(lines)
        raise InputError(
            f"{source}: invalid {kind.name}, {count} error{'s' if count != 1 else ''}:\n  "
            + "\n  ".join(lines)
        ) from None
