"""`aws:iam/getPolicyDocument:getPolicyDocument` rendered as the AWS provider renders it.

pulumi-aws bridges the Terraform AWS provider's `aws_iam_policy_document` data source; this
follows hashicorp/terraform-provider-aws internal/service/iam/policy_document_data_source.go
(commit 04e9356d7f061e7be1890e030f420c81a783d651) and policy_model.go (commit
084fd7bc4c3ce01ca0fa51a7016dc0287a00de30, the v5+ model that omits an empty `Sid`):

- action, resource and identifier sets are deduplicated; one element is written as a string,
  several as a list sorted in reverse; condition values keep their order;
- `&{` becomes `${` in resources, principal identifiers and condition values (and is refused in
  a 2008-10-17 document);
- principals of one type are merged (`{"*": ["*"]}` alone becomes `"*"`), conditions are grouped
  by test then variable, with values of a repeated test and variable concatenated in the order of
  the SDK's set (see `sdk_sets`);
- `sourcePolicyDocuments` are merged first (their Sids must be unique), then the statements
  (a statement replaces an earlier one with the same Sid), then `overridePolicyDocuments` in order;
- `json` is Go's `MarshalIndent(doc, "", "  ")`, `minifiedJson` its `Marshal`, and `id` the
  CRC-32 of `json` in decimal.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from stackyard.plan.functions import gojson
from stackyard.plan.functions.errors import FunctionError
from stackyard.plan.functions.sdk_sets import serialise_string, set_list, string_set

TOKEN = "aws:iam/getPolicyDocument:getPolicyDocument"
DEFAULT_VERSION = "2012-10-17"
VERSIONS = ("2008-10-17", "2012-10-17")
EFFECTS = ("Allow", "Deny")
_SID = re.compile(r"^[a-zA-Z0-9]*$")

Principal = tuple[str, "str | list[str]"]
Condition = tuple[str, str, "str | list[str]"]


@dataclass
class _Statement:
    sid: str = ""
    effect: str = ""
    # Any JSON value a source document holds; None is Go's nil interface, which is omitted.
    actions: Any = None
    not_actions: Any = None
    resources: Any = None
    not_resources: Any = None
    principals: list[Principal] = field(default_factory=list)
    not_principals: list[Principal] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class _Document:
    version: str = ""
    id: str = ""
    statements: list[_Statement] = field(default_factory=list)

    def merge(self, other: _Document) -> None:
        if other.id:
            self.id = other.id
        if other.version > self.version:
            self.version = other.version
        for statement in other.statements:
            same_sid = [
                index
                for index, old in enumerate(self.statements)
                if statement.sid and old.sid == statement.sid
            ]
            if same_sid:
                self.statements[same_sid[0]] = statement
            else:
                self.statements.append(statement)


def get_policy_document(args: dict[str, Any]) -> dict[str, Any]:
    for deprecated in ("overrideJson", "sourceJson"):
        if args.get(deprecated):
            raise FunctionError(
                TOKEN, f"{deprecated} is no longer used and must be empty, got {args[deprecated]!r}"
            )
    version = args.get("version") or DEFAULT_VERSION
    if version not in VERSIONS:
        raise FunctionError(TOKEN, f"version must be one of {', '.join(VERSIONS)}, got {version!r}")

    merged = _Document()
    seen_sids: set[str] = set()
    for index, text in enumerate(_strings(args, "sourcePolicyDocuments")):
        source = _read_document(text, f"sourcePolicyDocuments[{index}]")
        for position, statement in enumerate(source.statements):
            if statement.sid in seen_sids:
                raise FunctionError(
                    TOKEN,
                    f"merging source document {index}: duplicate Sid ({statement.sid}) in "
                    f"source_policy_documents (statement {position}). Remove the Sid or ensure Sids are unique.",
                )
            if statement.sid:
                seen_sids.add(statement.sid)
        merged.merge(source)

    document = _Document(version=version, id=args.get("policyId") or "")
    statement_sids: set[str] = set()
    raw_statements = args.get("statements") or []
    if not isinstance(raw_statements, list):
        raise FunctionError(TOKEN, f"statements must be a list, got {raw_statements!r}")
    normalised = [_normalise(raw, index) for index, raw in enumerate(raw_statements)]
    for statement in (_config_statement(each, version) for each in normalised):
        if statement.sid and statement.sid in statement_sids:
            raise FunctionError(
                TOKEN, f"duplicate Sid ({statement.sid}). Remove the Sid or ensure the Sid is unique."
            )
        if statement.sid:
            statement_sids.add(statement.sid)
        document.statements.append(statement)
    merged.merge(document)

    for index, text in enumerate(_strings(args, "overridePolicyDocuments")):
        merged.merge(_read_document(text, f"overridePolicyDocuments[{index}]"))

    plain = _document_json(merged)
    indented = gojson.dumps(plain, indent="  ")
    result: dict[str, Any] = {
        "id": str(zlib.crc32(indented.encode("utf-8"))),
        "json": indented,
        "minifiedJson": gojson.dumps(plain),
        "version": version,
    }
    for echoed in (
        "policyId",
        "sourcePolicyDocuments",
        "overridePolicyDocuments",
        "overrideJson",
        "sourceJson",
    ):
        if args.get(echoed) is not None:
            result[echoed] = args[echoed]
    if normalised:
        result["statements"] = [_statement_state(statement) for statement in normalised]
    return result


# --- statements from the program's arguments ----------------------------------------------


# A statement given as a dict in Python reaches the provider with snake_case keys (the SDK does
# not rename them); the bridge maps either spelling to the Terraform attribute.
_SNAKE_CASE = {
    "notActions": "not_actions",
    "notResources": "not_resources",
    "notPrincipals": "not_principals",
}


def _normalise(raw: Any, index: int) -> dict[str, Any]:
    """One statement argument checked and with every field present, without touching the input."""
    where = f"statements[{index}]"
    if not isinstance(raw, dict):
        raise FunctionError(TOKEN, f"{where} must be an object, got {raw!r}")
    raw = {_camel_case(key): value for key, value in raw.items()}
    sid = raw.get("sid") or ""
    if not isinstance(sid, str) or not _SID.match(sid):
        raise FunctionError(TOKEN, f"{where}.sid must only include alphanumeric characters, got {sid!r}")
    effect = raw.get("effect") or "Allow"
    if effect not in EFFECTS:
        raise FunctionError(TOKEN, f"{where}.effect must be one of Allow, Deny, got {effect!r}")
    statement: dict[str, Any] = {"sid": sid, "effect": effect}
    for key in ("actions", "notActions", "resources", "notResources"):
        statement[key] = _strings_of(raw, key, where)
    for key in ("principals", "notPrincipals"):
        statement[key] = []
        for position, block in enumerate(_blocks(raw, key, where)):
            here = f"{where}.{key}[{position}]"
            if not isinstance(block.get("type"), str):
                raise FunctionError(TOKEN, f"{here}.type must be a string, got {block.get('type')!r}")
            statement[key].append(
                {"type": block["type"], "identifiers": _strings_of(block, "identifiers", here)}
            )
    statement["conditions"] = []
    for position, block in enumerate(_blocks(raw, "conditions", where)):
        here = f"{where}.conditions[{position}]"
        for key in ("test", "variable"):
            if not isinstance(block.get(key), str):
                raise FunctionError(TOKEN, f"{here}.{key} must be a string, got {block.get(key)!r}")
        statement["conditions"].append(
            {
                "test": block["test"],
                "variable": block["variable"],
                "values": _strings_of(block, "values", here),
            }
        )
    return statement


def _camel_case(key: str) -> str:
    return next((camel for camel, snake in _SNAKE_CASE.items() if key == snake), key)


def _strings_of(raw: dict[str, Any], key: str, where: str) -> list[str]:
    values = raw.get(key) or []
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise FunctionError(TOKEN, f"{where}.{key} must be a list of strings, got {values!r}")
    return list(values)


def _blocks(raw: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    blocks = raw.get(key) or []
    if not isinstance(blocks, list) or not all(isinstance(block, dict) for block in blocks):
        raise FunctionError(TOKEN, f"{where}.{key} must be a list of objects, got {blocks!r}")
    return blocks


def _config_statement(statement: dict[str, Any], version: str) -> _Statement:
    return _Statement(
        sid=statement["sid"],
        effect=statement["effect"],
        actions=_decode_strings(string_set(statement["actions"])),
        not_actions=_decode_strings(string_set(statement["notActions"])),
        resources=_replace_vars(_decode_strings(string_set(statement["resources"])), version),
        not_resources=_replace_vars(_decode_strings(string_set(statement["notResources"])), version),
        principals=_config_principals(statement["principals"], version),
        not_principals=_config_principals(statement["notPrincipals"], version),
        conditions=_config_conditions(statement["conditions"], version),
    )


def _decode_strings(values: list[str]) -> str | list[str] | None:
    """policyDecodeConfigStrings: nothing, the single string, or the list in reverse order."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _replace_vars(value: Any, version: str) -> Any:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    for item in items:
        if version == "2008-10-17" and "&{" in item:
            raise FunctionError(
                TOKEN,
                f"found &{{ sequence in ({item}), which is not supported in document version 2008-10-17",
            )
    replaced = [item.replace("&{", "${") for item in items]
    return replaced[0] if isinstance(value, str) else replaced


def _principal_set_order(block: dict[str, Any]) -> str:
    identifiers = "".join(serialise_string(item) for item in string_set(block["identifiers"]))
    return f"identifiers:{{{identifiers}}};type:{block['type']};"


def _config_principals(blocks: list[dict[str, Any]], version: str) -> list[Principal]:
    principals: list[Principal] = []
    for block in set_list(blocks, _principal_set_order):
        identifiers = _decode_strings(string_set(block["identifiers"]))
        principals.append(
            (block["type"], _replace_vars(identifiers if identifiers is not None else [], version))
        )
    return principals


def _condition_set_order(block: dict[str, Any]) -> str:
    values = "".join(serialise_string(value) for value in block["values"])
    return f"test:{block['test']};values:({values});variable:{block['variable']};"


def _config_conditions(blocks: list[dict[str, Any]], version: str) -> list[Condition]:
    conditions: list[Condition] = []
    for block in set_list(blocks, _condition_set_order):
        values: list[str] = _replace_vars(list(block["values"]), version)
        conditions.append((block["test"], block["variable"], values[0] if len(values) == 1 else values))
    return conditions


def _statement_state(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement as the provider's state echoes it: defaults filled, sets in SDK order."""
    return {
        "actions": string_set(statement["actions"]),
        "conditions": [
            {"test": block["test"], "values": block["values"], "variable": block["variable"]}
            for block in set_list(statement["conditions"], _condition_set_order)
        ],
        "effect": statement["effect"],
        "notActions": string_set(statement["notActions"]),
        "notPrincipals": _principals_state(statement["notPrincipals"]),
        "notResources": string_set(statement["notResources"]),
        "principals": _principals_state(statement["principals"]),
        "resources": string_set(statement["resources"]),
        "sid": statement["sid"],
    }


def _principals_state(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"identifiers": string_set(block["identifiers"]), "type": block["type"]}
        for block in set_list(blocks, _principal_set_order)
    ]


# --- documents given as JSON text ---------------------------------------------------------


class _Pairs:
    """A JSON object with its keys in order and duplicates kept, as Go's decoder walks it."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def field(self, name: str) -> Any:
        """Go's struct decoding: keys match a field case-insensitively, and the last one wins."""
        found = None
        for key, value in self.pairs:
            if key.lower() == name.lower():
                found = value
        return found

    def mapping(self) -> dict[str, Any]:
        return dict(self.pairs)


def _read_document(text: str, where: str) -> _Document:
    try:
        parsed = json.loads(text, object_pairs_hook=_Pairs)
    except (TypeError, ValueError) as error:
        raise FunctionError(TOKEN, f"{where} is not valid JSON: {error}") from None
    if parsed is None:
        return _Document()  # Go's decoder leaves the document empty for a JSON null
    if not isinstance(parsed, _Pairs):
        raise FunctionError(TOKEN, f"{where} must be a JSON object (a policy document)")
    document = _Document(
        version=_optional_string(parsed.field("Version"), f"{where}.Version"),
        id=_optional_string(parsed.field("Id"), f"{where}.Id"),
    )
    statements = parsed.field("Statement")
    if statements is not None and not isinstance(statements, list):
        raise FunctionError(TOKEN, f"{where}.Statement must be a list of statements")
    for index, raw in enumerate(statements or []):
        if not isinstance(raw, _Pairs):
            raise FunctionError(TOKEN, f"{where}.Statement[{index}] must be an object")
        here = f"{where}.Statement[{index}]"
        document.statements.append(
            _Statement(
                sid=_optional_string(raw.field("Sid"), f"{here}.Sid"),
                effect=_optional_string(raw.field("Effect"), f"{here}.Effect"),
                actions=_plain(raw.field("Action")),
                not_actions=_plain(raw.field("NotAction")),
                resources=_plain(raw.field("Resource")),
                not_resources=_plain(raw.field("NotResource")),
                principals=_json_principals(raw.field("Principal"), f"{here}.Principal"),
                not_principals=_json_principals(raw.field("NotPrincipal"), f"{here}.NotPrincipal"),
                conditions=_json_conditions(raw.field("Condition"), f"{here}.Condition"),
            )
        )
    return document


def _optional_string(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FunctionError(TOKEN, f"{where} must be a string, got {value!r}")
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, _Pairs):
        return {key: _plain(item) for key, item in sorted(value.mapping().items())}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _json_principals(value: Any, where: str) -> list[Principal]:
    if value is None:
        return []
    if isinstance(value, str):
        return [("*", ["*"])]
    if not isinstance(value, _Pairs):
        raise FunctionError(TOKEN, f"{where} must be a string or an object, got {_plain(value)!r}")
    principals: list[Principal] = []
    for kind, identifiers in value.mapping().items():
        if isinstance(identifiers, str):
            principals.append((kind, identifiers))
        elif isinstance(identifiers, list) and all(isinstance(item, str) for item in identifiers):
            principals.append((kind, sorted(identifiers)))
        else:
            raise FunctionError(TOKEN, f"{where}.{kind} must be a string or a list of strings")
    return principals


def _json_conditions(value: Any, where: str) -> list[Condition]:
    if value is None:
        return []
    if not isinstance(value, _Pairs) or not all(
        isinstance(keys, _Pairs) or keys is None for keys in value.mapping().values()
    ):
        raise FunctionError(TOKEN, f"{where} must map each test to an object of variables")
    conditions: list[Condition] = []
    for test, variables in value.mapping().items():
        for variable, values in (variables.mapping() if variables is not None else {}).items():
            # Go's decoder keeps strings, booleans (as "true"/"false") and lists of strings, and
            # drops any other value without a word.
            if isinstance(values, bool):
                conditions.append((test, variable, "true" if values else "false"))
            elif isinstance(values, str):
                conditions.append((test, variable, [values]))
            elif isinstance(values, list):
                if not all(isinstance(item, str) for item in values):
                    raise FunctionError(TOKEN, f"{where}.{test}.{variable} must hold strings only")
                conditions.append((test, variable, list(values)))
    return conditions


# --- rendering ----------------------------------------------------------------------------


def _document_json(document: _Document) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    if document.version:
        plain["Version"] = document.version
    if document.id:
        plain["Id"] = document.id
    if document.statements:
        plain["Statement"] = [_statement_json(statement) for statement in document.statements]
    return plain


def _statement_json(statement: _Statement) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, value in (("Sid", statement.sid), ("Effect", statement.effect)):
        if value:
            plain[key] = value
    for key, value in (
        ("Action", statement.actions),
        ("NotAction", statement.not_actions),
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        if value is not None:
            plain[key] = value
    for key, principals in (("Principal", statement.principals), ("NotPrincipal", statement.not_principals)):
        if principals:
            plain[key] = _principals_json(principals)
    if statement.conditions:
        plain["Condition"] = _conditions_json(statement.conditions)
    return plain


def _principals_json(principals: list[Principal]) -> Any:
    if len(principals) == 1 and principals[0][0] == "*" and principals[0][1] in ("*", ["*"]):
        return "*"
    merged: dict[str, str | list[str]] = {}
    for kind, identifiers in principals:
        current = merged.get(kind)
        if isinstance(identifiers, list):
            start = [] if current is None else [current] if isinstance(current, str) else current
            merged[kind] = start + sorted(identifiers, reverse=True)
        elif current is None:
            merged[kind] = identifiers
        else:
            merged[kind] = ([current] if isinstance(current, str) else current) + [identifiers]
    return {kind: merged[kind] for kind in sorted(merged)}


def _conditions_json(conditions: list[Condition]) -> dict[str, dict[str, str | list[str]]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        grouped.setdefault(test, {}).setdefault(variable, []).extend(
            [values] if isinstance(values, str) else values
        )
    return {
        test: {
            variable: (items[0] if len(items) == 1 else items)
            for variable, items in sorted(grouped[test].items())
        }
        for test in sorted(grouped)
    }


def _strings(args: dict[str, Any], key: str) -> list[str]:
    """A list argument of JSON documents; null entries are skipped, as the provider skips them."""
    values = args.get(key) or []
    if not isinstance(values, list) or not all(value is None or isinstance(value, str) for value in values):
        raise FunctionError(TOKEN, f"{key} must be a list of JSON strings")
    return [value for value in values if value is not None]
