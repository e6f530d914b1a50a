"""Validating recorded Kubernetes objects against the Kubernetes OpenAPI schema.

kubernetes-validate (1.37) ships strict schemas for Kubernetes 1.28 to 1.37 and validates against the
newest schema not newer than the version asked for. Every EKS version stackyard supports (1.30 to 1.35)
has its own schema, so a cluster's manifests are checked against exactly its version; anything older
than the oldest shipped schema is refused here rather than silently checked against the wrong one.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
from kubernetes_validate.utils import all_versions

from stackyard.plan.monitor import Registration

SHIPPED = {version.rsplit(".", 1)[0] for version in all_versions()}


def schema_version(kubernetes_version: str) -> str:
    if kubernetes_version not in SHIPPED:
        raise AssertionError(
            f"kubernetes-validate ships no schema for {kubernetes_version} (has {sorted(SHIPPED)})"
        )
    return kubernetes_version


def manifest_of(registration: Registration) -> dict[str, Any]:
    """The object as the provider sends it to the API server (the mock records wire form)."""
    return dict(registration.inputs)


def validate(registration: Registration, kubernetes_version: str) -> None:
    kubernetes_validate.validate(manifest_of(registration), schema_version(kubernetes_version), strict=True)


def kubernetes_registrations(registrations: list[Registration]) -> list[Registration]:
    return [r for r in registrations if r.type.startswith("kubernetes:") and r.custom]
