"""Container images for SageMaker endpoints, resolved by the sagemaker SDK's image URI configs.

The SDK is the source of truth for which framework versions have inference images in which region
(`image_uris.retrieve`); nothing here repeats its tables. Importing it takes about a second, so it
is imported on first use only (a spec without framework containers never pays for it), every
answer is cached in the process (validation and the component ask the same questions), and kept
on disk for the installed SDK version (`stackyard.sdk_answer_cache`), so a later run does not import it.

No Pulumi here: spec validation uses this module.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from stackyard.sdk_answer_cache import Answers

IMAGE_SCOPE = "inference"
_PY_VERSION = re.compile(r"^py\d+$")

# An ECR image: <registry account>.dkr.ecr.<region>.<dns suffix>/<repository>[:tag|@digest].
_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[\w.-]{1,128})|@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


@dataclass(frozen=True)
class EcrImage:
    account: str
    region: str
    repository: str

    def repository_arn(self, partition: str = "aws") -> str:
        return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.repository}"


def parse_ecr_image(uri: str) -> EcrImage | None:
    """The registry account, region and repository of an ECR image URI, or None if it is not one."""
    match = _ECR_IMAGE.match(uri)
    if match is None:
        return None
    return EcrImage(match["account"], match["region"], match["repository"])


class _NoInstanceServerless:
    """Stands in for the SDK's ServerlessInferenceConfig: `retrieve` only checks it is not None
    (serverless endpoints run on CPU), and the real class lives in a much heavier module."""


@cache
def _image_uris() -> Any:
    # The SDK logs its defaulting decisions at INFO on import and on every call; they are noise here.
    logging.getLogger("sagemaker").setLevel(logging.WARNING)
    from sagemaker.core import image_uris

    return image_uris


_ANSWERS = Answers("sagemaker-core")
"""The SDK's answers kept on disk; the image configs ship in the sagemaker-core distribution."""


@cache
def inference_frameworks() -> tuple[str, ...]:
    """Frameworks for which the installed SDK has inference images."""

    def compute() -> list[str]:
        image_uris = _image_uris()
        frameworks = []
        for framework in image_uris.list_frameworks():
            try:
                image_uris.list_versions(framework, IMAGE_SCOPE)
            except ValueError:
                continue  # training-only (or no scopes at all)
            frameworks.append(framework)
        return frameworks

    return tuple(_ANSWERS.get("inference_frameworks", compute))


@cache
def framework_versions(framework: str) -> tuple[str, ...]:
    """Inference versions (and version aliases) of a framework, oldest first."""
    return tuple(
        _ANSWERS.get(
            f"framework_versions {framework}", lambda: _image_uris().list_versions(framework, IMAGE_SCOPE)
        )
    )


@cache
def python_versions(framework: str, version: str) -> tuple[str, ...]:
    """Python versions of a framework version's inference images (empty when it has none, or when
    the framework nests them under a base framework, as Hugging Face does)."""
    return tuple(
        _ANSWERS.get(
            f"python_versions {framework} {version}",
            lambda: list(_image_uris().list_py_versions(framework, version, IMAGE_SCOPE)),
        )
    )


@cache
def base_framework_versions(framework: str, version: str) -> tuple[str, ...]:
    """Hugging Face images are built on a base framework (`pytorch2.6.0`); other frameworks have none."""

    def compute() -> list[str]:
        config = _image_uris().config_for_framework(framework)
        scoped = config.get(IMAGE_SCOPE, config)
        versions = scoped.get("versions", {})
        resolved = scoped.get("version_aliases", {}).get(version, version)
        entry = versions.get(resolved, {})
        if "repository" in entry or "registries" in entry:
            return []
        return [key for key in entry if key != "version_aliases" and not _PY_VERSION.match(key)]

    return tuple(_ANSWERS.get(f"base_framework_versions {framework} {version}", compute))


def default_python_version(framework: str, version: str) -> str | None:
    """The newest Python version when the spec gives none (None when the image has no choice)."""
    available = python_versions(framework, version)
    return available[-1] if available else None


def default_base_framework_version(framework: str, version: str) -> str | None:
    available = base_framework_versions(framework, version)
    return available[-1] if available else None


@cache
def retrieve_image_uri(
    framework: str,
    region: str,
    version: str,
    *,
    instance_type: str | None,
    py_version: str | None = None,
    base_framework_version: str | None = None,
) -> str:
    """The region's image URI for a framework version; `instance_type=None` means serverless.

    Raises ValueError with the SDK's message (which lists what it supports) when there is no image.
    """
    py_version = py_version or default_python_version(framework, version)
    base_framework_version = base_framework_version or default_base_framework_version(framework, version)

    def compute() -> str:
        return str(
            _image_uris().retrieve(
                framework,
                region,
                version=version,
                py_version=py_version,
                instance_type=instance_type,
                image_scope=IMAGE_SCOPE,
                base_framework_version=base_framework_version,
                serverless_inference_config=None if instance_type else _NoInstanceServerless(),
            )
        )

    question = (
        f"retrieve {framework} {region} {version} {instance_type} {py_version} {base_framework_version}"
    )
    return str(_ANSWERS.get(question, compute))
