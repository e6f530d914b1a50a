"""Names of a SageMaker endpoint's parts, and the content hashes that version them.

The endpoint keeps one name for life. Its model and endpoint configuration are named after a hash
of their content, computed from spec values and other plain strings only (never from Outputs, which
are unknown at preview): a new model version, image or variant setting gives a new name, so Pulumi
creates the new model and configuration before deleting the old ones (AWS cannot update either in
place), and the endpoint's only changed input is `endpointConfigName`, which it updates in place
through its rollout. Anything else stays the same byte for byte, so an unrelated `pulumi up`
deploys nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from stackyard.components.context import StackContext
from stackyard.components.refs import endpoint_physical_name
from stackyard.components.serving.spec import EndpointSpec
from stackyard.spec.aws import partition_of

VARIANT_NAME = "AllTraffic"
"""One production variant per endpoint, named as the sagemaker SDK names it. Never changes: the
autoscaling target and the monitoring alarms address the variant by name."""

SAGEMAKER_NAME_LIMIT = 63
HASH_LENGTH = 10


def content_hash(content: Mapping[str, Any]) -> str:
    """A short, stable digest of JSON-able content (key order does not matter)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def versioned_name(base: str, content: Mapping[str, Any], max_length: int = SAGEMAKER_NAME_LIMIT) -> str:
    """`<base>-<hash>`, the base cut so the whole fits `max_length` and the hash is always kept."""
    digest = content_hash(content)
    return f"{base[: max_length - len(digest) - 1].rstrip('-')}-{digest}"


def model_content(endpoint: EndpointSpec, image_uri: str | None) -> dict[str, Any]:
    """What the SageMaker model is made of: what a change to any of these deploys."""
    return {
        "model": endpoint.model.fingerprint(),
        "image": image_uri,
        "environment": dict(endpoint.environment),
        "network_isolation": endpoint.network_isolation,
    }


def model_name(context: StackContext, endpoint: EndpointSpec, image_uri: str | None) -> str:
    return versioned_name(endpoint_physical_name(context, endpoint.name), model_content(endpoint, image_uri))


def endpoint_config_content(
    endpoint: EndpointSpec, *, model: str, instance_count: int, key_identity: str
) -> dict[str, Any]:
    """What the endpoint configuration is made of. `key_identity` stands for the KMS key: its ARN
    when given as a plain string, else the stack key, one per stack for life."""
    serverless = endpoint.serverless
    return {
        "model": model,
        "variant": VARIANT_NAME,
        "instance_type": endpoint.instance_type,
        "instance_count": None if serverless else instance_count,
        "serverless": serverless.model_dump() if serverless else None,
        "data_capture": endpoint.data_capture.model_dump(),
        "capture_prefix": capture_prefix(endpoint.name),
        "kms_key": key_identity,
    }


def endpoint_config_name(
    context: StackContext, endpoint: EndpointSpec, *, model: str, instance_count: int, key_identity: str
) -> str:
    content = endpoint_config_content(
        endpoint, model=model, instance_count=instance_count, key_identity=key_identity
    )
    return versioned_name(endpoint_physical_name(context, endpoint.name), content)


def capture_prefix(endpoint: str) -> str:
    """Each endpoint captures under its own prefix of the stack's data capture bucket."""
    return f"endpoints/{endpoint}"


def dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"


def invocation_url(region: str, endpoint_name: str) -> str:
    return f"https://runtime.sagemaker.{region}.{dns_suffix(region)}/endpoints/{endpoint_name}/invocations"


def model_package_arn(region: str, account_id: str, group_name: str, version: int) -> str:
    """A model package version's ARN (versioned packages are `model-package/<group>/<version>`)."""
    return f"arn:{partition_of(region)}:sagemaker:{region}:{account_id}:model-package/{group_name}/{version}"
