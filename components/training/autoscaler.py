"""`ClusterAutoscaler`: scales an EKS cluster's managed node groups, GPU groups from and to zero.

Why cluster-autoscaler and not Karpenter: managed node groups are what the issue asks for, and
cluster-autoscaler scales exactly those, with their AMI, taints and labels fixed in the plan.
Karpenter replaces node groups with its own NodePool/EC2NodeClass custom resources whose CRDs (and
an interruption queue) would also have to be provisioned without Helm. Scale from zero needs the
node-template tags on each GPU group's Auto Scaling group (`gpu.autoscaler_node_template_tags`),
which the EKS component adds, so the autoscaler knows a new node's GPUs, labels and taints before
any node exists. AWS credentials come from EKS Pod Identity (static trust policy, no OIDC strings).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from stackyard.components.context import StackContext
from stackyard.components.iam import service_role
from stackyard.components.training import iam, manifests
from stackyard.components.training.versions import CLUSTER_AUTOSCALER_IMAGES


class ClusterAutoscaler(pulumi.ComponentResource):
    role: aws.iam.Role
    deployment: k8s.apps.v1.Deployment

    def __init__(
        self,
        name: str,
        *,
        context: StackContext,
        cluster_name: str,
        kubernetes_version: str,
        cluster: pulumi.Input[str],
        account_id: pulumi.Input[str],
        partition: pulumi.Input[str],
        provider: k8s.Provider,
        system_nodes: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`cluster_name` is the physical name (known before the cluster exists, as the autoscaler's
        tags and policy need it); `cluster` is the cluster resource's name output, so the pod
        identity association waits for the cluster. `system_nodes` are the CPU node groups it runs on."""
        super().__init__("stackyard:training:ClusterAutoscaler", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kube = pulumi.ResourceOptions(parent=self, provider=provider)

        self.role = service_role(
            f"{name}-role",
            "pods.eks.amazonaws.com",
            tag_session=True,
            tags=context.tags_for(f"{name}-role"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-scaling",
            role=self.role.id,
            policy=pulumi.Output.all(account_id, partition).apply(
                lambda values: iam.autoscaler_policy(cluster_name, context.region, values[0], values[1])
            ),
            opts=child,
        )
        namespace, account = manifests.SYSTEM_NAMESPACE, manifests.AUTOSCALER_NAME
        aws.eks.PodIdentityAssociation(
            f"{name}-identity",
            cluster_name=cluster,
            namespace=namespace,
            service_account=account,
            role_arn=self.role.arn,
            tags=context.tags_for(f"{name}-identity"),
            opts=child,
        )

        service_account = manifests.autoscaler_service_account()
        k8s.core.v1.ServiceAccount(f"{name}-service-account", metadata=service_account["metadata"], opts=kube)
        cluster_role = manifests.autoscaler_cluster_role()
        k8s.rbac.v1.ClusterRole(
            f"{name}-cluster-role", metadata=cluster_role["metadata"], rules=cluster_role["rules"], opts=kube
        )
        role = manifests.autoscaler_role()
        k8s.rbac.v1.Role(f"{name}-k8s-role", metadata=role["metadata"], rules=role["rules"], opts=kube)
        for role_name, binding, resource in (
            (
                "cluster-role-binding",
                manifests.autoscaler_cluster_role_binding(),
                k8s.rbac.v1.ClusterRoleBinding,
            ),
            ("role-binding", manifests.autoscaler_role_binding(), k8s.rbac.v1.RoleBinding),
        ):
            resource(
                f"{name}-{role_name}",
                metadata=binding["metadata"],
                role_ref=binding["roleRef"],
                subjects=binding["subjects"],
                opts=kube,
            )
        deployment = manifests.autoscaler_deployment(
            CLUSTER_AUTOSCALER_IMAGES[kubernetes_version], cluster_name, context.region
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=deployment["metadata"],
            spec=deployment["spec"],
            # The Deployment is ready only once its pod runs, which needs the CPU nodes.
            opts=pulumi.ResourceOptions.merge(kube, pulumi.ResourceOptions(depends_on=list(system_nodes))),
        )
        self.register_outputs({"role_arn": self.role.arn})
