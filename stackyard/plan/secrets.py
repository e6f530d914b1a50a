"""Which config values a plan must never show: credentials by their nature, keys the program reads
as secrets, and the secret fields of a stackyard spec.

`pulumi preview` knows a config value is secret only when it was stored `secure:`. A plan is a file
that travels (CI artifacts, PR comments), so stackyard is stricter: provider credentials and
anything named like one are redacted even when stored in plain text, and so is every key the
program reads with `require_secret` and friends, and every `SecretStr` of the spec.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from stackyard.pulumi_documents import SECRET_PLACEHOLDER as SECRET

PROVIDER_CREDENTIALS = frozenset(
    {
        "aws:accessKey",
        "aws:secretKey",
        "aws:token",
        "aws:sessionToken",
        "kubernetes:kubeconfig",
        "kubernetes:clientKey",
        "kubernetes:clientCertificate",
        "kubernetes:token",
        "azure-native:clientSecret",
        "azure-native:clientCertificatePassword",
        "gcp:credentials",
        "gcp:accessToken",
        "github:token",
        "cloudflare:apiToken",
        "cloudflare:apiKey",
        "datadog:apiKey",
        "datadog:appKey",
    }
)
"""Provider settings that are credentials (from the providers' own config references)."""

_SECRET_NAME = re.compile(
    r"(password|passwd|passphrase|secret|token|api_?key|private_?key|access_?key|credential|kubeconfig)",
    re.IGNORECASE,
)


def secret_by_nature(key: str) -> bool:
    """A config key (`namespace:name`) whose value is a credential, whatever it was stored as."""
    return key in PROVIDER_CREDENTIALS or bool(_SECRET_NAME.search(key.rsplit(":", 1)[-1]))


@dataclass
class RunSecrets:
    """What one program run revealed to be secret."""

    config_keys: set[str] = field(default_factory=set)
    """Config keys the program read as secrets."""
    values: set[str] = field(default_factory=set)
    """Secret values (the spec's `SecretStr` fields) to redact wherever they appear verbatim."""

    def redact_within(self, text: str) -> str:
        """`text` with every secret value in it, whole or inside, written as the secret placeholder
        (a template is text the program wrote, which may embed one)."""
        for secret in sorted(self.values, key=len, reverse=True):
            if secret:
                text = text.replace(secret, SECRET)
        return text

    def redact(self, value: Any) -> Any:
        if not self.values:
            return value
        if isinstance(value, str):
            return SECRET if value in self.values else value
        if isinstance(value, dict):
            return {key: self.redact(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.redact(item) for item in value]
        return value


_current: RunSecrets | None = None


def register_secret_values(values: Iterator[str] | list[str]) -> None:
    """Called by code that loads secrets during a plan (the spec loader): they never reach the plan."""
    if _current is not None:
        _current.values.update(value for value in values if value)


def secret_values_of(model: Any) -> list[str]:
    """Every `SecretStr` value of a pydantic model, nested models and lists included."""
    from pydantic import BaseModel, SecretStr

    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(model)
    return found


@contextlib.contextmanager
def tracking_secrets() -> Iterator[RunSecrets]:
    """For the length of a run: record the keys the program reads through `pulumi.Config`'s secret
    getters, and the secret values registered by the code it runs."""
    global _current
    import pulumi

    secrets = RunSecrets()
    originals = {
        name: getattr(pulumi.Config, name)
        for name in dir(pulumi.Config)
        if "secret" in name and callable(getattr(pulumi.Config, name)) and not name.startswith("_")
    }

    def recording(original: Any) -> Any:
        def getter(self: pulumi.Config, key: str, *args: Any, **kwargs: Any) -> Any:
            secrets.config_keys.add(self.full_key(key))
            return original(self, key, *args, **kwargs)

        return getter

    for name, original in originals.items():
        setattr(pulumi.Config, name, recording(original))
    previous, _current = _current, secrets
    try:
        yield secrets
    finally:
        _current = previous
        for name, original in originals.items():
            setattr(pulumi.Config, name, original)
