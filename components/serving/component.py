"""`Serving`: every endpoint of the `serving` section, and the data capture bucket they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from stackyard.components.bucket import SecureBucket
from stackyard.components.context import StackContext
from stackyard.components.errors import ComponentArgumentError
from stackyard.components.kube import kubernetes_provider
from stackyard.components.refs import ServedEndpoint, TrainingCluster
from stackyard.components.serving.kserve import KServeEndpoint, gpu_tolerations
from stackyard.components.serving.sagemaker import SageMakerEndpoint
from stackyard.components.serving.spec import ServingSpec


class Serving(pulumi.ComponentResource):
    """Model endpoints. `endpoints` is what monitoring watches (spec name -> `ServedEndpoint`);
    `sagemaker_endpoints` and `kserve_endpoints` hold the per-endpoint components; `capture_bucket`
    is the stack's data capture bucket (one per stack, a prefix per endpoint), when any endpoint
    captures."""

    endpoints: dict[str, ServedEndpoint]
    sagemaker_endpoints: dict[str, SageMakerEndpoint]
    kserve_endpoints: dict[str, KServeEndpoint]
    capture_bucket: SecureBucket | None
    outputs: dict[str, Any]

    def __init__(
        self,
        name: str,
        args: ServingSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]],
        security_group_ids: pulumi.Input[Sequence[str]],
        model_package_group_names: Mapping[str, pulumi.Input[str]] | None = None,
        clusters: Mapping[str, TrainingCluster] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`model_package_group_names`: registry model name -> its model package group's name or ARN.
        `clusters`: the training section's clusters (for KServe on a stack EKS cluster: its
        provider and its GPU nodes' tolerations)."""
        groups = dict(model_package_group_names or {})
        missing = sorted(
            {e.model.package_group for e in args.sagemaker_endpoints if e.model.package_group} - set(groups)
        )
        if missing:
            raise ComponentArgumentError(
                "stackyard:serving:Serving",
                name,
                f"no model package group given for registry model(s): {', '.join(missing)}",
            )
        super().__init__("stackyard:serving:Serving", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.capture_bucket = None
        if any(endpoint.data_capture.enabled for endpoint in args.sagemaker_endpoints):
            self.capture_bucket = SecureBucket(
                f"{name}-capture",
                context=context,
                kms_key_arn=kms_key_arn,
                retention_days=args.data_capture_retention_days,
                opts=child,
            )
        account_id = (
            aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
            if args.sagemaker_endpoints
            else None
        )

        self.endpoints = {}
        self.sagemaker_endpoints = {}
        self.kserve_endpoints = {}
        for endpoint in args.endpoints:
            if endpoint.backend == "sagemaker":
                assert account_id is not None
                served = SageMakerEndpoint(
                    f"{name}-{endpoint.name}",
                    endpoint,
                    context=context,
                    kms_key_arn=kms_key_arn,
                    subnet_ids=subnet_ids,
                    security_group_ids=security_group_ids,
                    account_id=account_id,
                    model_package_group_name=groups.get(endpoint.model.package_group or ""),
                    # The bucket's id is its name, and unlike `bucket` it is known in a mocked plan.
                    capture_bucket_name=self.capture_bucket.bucket.id if self.capture_bucket else None,
                    capture_bucket_arn=self.capture_bucket.arn if self.capture_bucket else None,
                    opts=child,
                )
                self.sagemaker_endpoints[endpoint.name] = served
                self.endpoints[endpoint.name] = ServedEndpoint(
                    key=endpoint.name,
                    backend="sagemaker",
                    endpoint_name=served.endpoint_name,
                    variant_name=served.variant_name,
                    data_capture_s3_uri=served.data_capture_s3_uri,
                )
            else:
                settings = endpoint.kserve
                assert settings is not None
                target = settings.target
                provider = kubernetes_provider(f"{name}-{endpoint.name}", target, clusters or {}, child)
                kserve = KServeEndpoint(
                    f"{name}-{endpoint.name}",
                    endpoint,
                    context=context,
                    provider=provider,
                    tolerations=gpu_tolerations(target, clusters or {}),
                    opts=child,
                )
                self.kserve_endpoints[endpoint.name] = kserve
                self.endpoints[endpoint.name] = ServedEndpoint(
                    key=endpoint.name, backend="kserve", endpoint_name=kserve.endpoint_name
                )

        self.outputs = {
            "endpoint_names": {key: served.endpoint_name for key, served in self.endpoints.items()},
            "endpoint_arns": {key: e.arn for key, e in self.sagemaker_endpoints.items()},
            "invocation_urls": {
                **{key: e.invocation_url for key, e in self.sagemaker_endpoints.items()},
                **{key: e.invocation_url for key, e in self.kserve_endpoints.items()},
            },
        }
        if self.capture_bucket is not None:
            self.outputs["data_capture_bucket"] = self.capture_bucket.bucket.id
        self.register_outputs(self.outputs)
