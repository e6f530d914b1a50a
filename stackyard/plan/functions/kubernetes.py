"""`kubernetes:yaml:decode`: the invoke pulumi-kubernetes' `yaml.ConfigFile` and `ConfigGroup`
(v1) make to split YAML text into objects.

Follows pulumi/pulumi-kubernetes provider/pkg/provider/invoke_decode_yaml.go (commit
94977969d64112b04e19945818a7d5d5f38f631d): every document of the stream is decoded; documents
without `kind` or `apiVersion` are skipped; the result is `{"result": [objects]}`. The provider
decodes YAML 1.1 with go-yaml v2 (through sigs.k8s.io/yaml), which PyYAML's safe loader matches
except that go-yaml leaves timestamps as strings, so this loader does too.

A `defaultNamespace` argument needs the cluster's discovery data (is the kind namespaced?), so
such a call is not answered here.
"""

from __future__ import annotations

from typing import Any

import yaml

from stackyard.plan.functions.errors import FunctionError

TOKEN = "kubernetes:yaml:decode"


class _GoYamlLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no type stubs here
    """The safe loader without timestamp resolution (go-yaml v2 decodes them into strings)."""


_GoYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(args: dict[str, Any]) -> dict[str, Any] | None:
    if args.get("defaultNamespace"):
        return None
    text = args.get("text")
    if not isinstance(text, str):
        raise FunctionError(TOKEN, "missing required field 'text' of type string")
    try:
        documents = list(yaml.load_all(text, Loader=_GoYamlLoader))
    except yaml.YAMLError as error:
        raise FunctionError(TOKEN, f"the YAML text cannot be read: {error}") from None
    objects: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict):
            raise FunctionError(TOKEN, f"document {index} is not a mapping (a Kubernetes object)")
        document = _string_keys(document)
        if all(isinstance(document.get(key), str) and document[key] for key in ("kind", "apiVersion")):
            objects.append(document)
    return {"result": objects}


def _string_keys(value: Any) -> Any:
    """JSON has only string keys: sigs.k8s.io/yaml writes `1: x` and `true: x` as "1" and "true"."""
    if isinstance(value, dict):
        return {_key(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)
