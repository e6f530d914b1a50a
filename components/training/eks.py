"""`EksTrainingCluster`: an EKS cluster whose GPU managed node groups schedule GPU jobs correctly
the first time and scale to zero when idle.

The control plane encrypts secrets with the stack key, logs every control-plane log type into a KMS
encrypted log group, and is reached privately unless a CIDR allowlist opens it. Admins get in through
access entries (authentication mode API, no aws-auth ConfigMap). The core add-ons are EKS managed
add-ons; the VPC CNI gets its own service-account role through the cluster's OIDC provider.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from stackyard.components.context import StackContext
from stackyard.components.iam import service_account_trust_policy, service_trust_policy
from stackyard.components.refs import TrainingCluster
from stackyard.components.training import iam
from stackyard.components.training.autoscaler import ClusterAutoscaler
from stackyard.components.training.gpu import (
    GPU_NODE_LABEL,
    autoscaler_node_template_tags,
    eks_ami_type,
    tolerations_for,
)
from stackyard.components.training.kubernetes import GpuScheduling
from stackyard.components.training.spec import EksSpec, NodeGroupSpec

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CONTROL_PLANE_LOG_RETENTION_DAYS = 365
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"

ADDONS_BEFORE_NODES = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
"""Nodes become Ready only with a CNI, and pods get credentials only with the identity agent."""
ADDONS_AFTER_NODES = ("coredns",)
"""CoreDNS needs a node to run on; created earlier, it stays degraded and its creation times out."""


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token`, as pulumi-eks and `aws eks
    update-kubeconfig` write it: no token is stored, each call gets a fresh one."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
                }
            ],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
                            "interactiveMode": "Never",
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-")


def role_name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _first_asg_name(resources: Sequence[Any]) -> str:
    return str(resources[0]["autoscaling_groups"][0]["name"])


class EksTrainingCluster(pulumi.ComponentResource):
    cluster: aws.eks.Cluster
    oidc_provider: aws.iam.OpenIdConnectProvider
    node_role: aws.iam.Role
    node_groups: dict[str, aws.eks.NodeGroup]
    provider: k8s.Provider
    scheduling: GpuScheduling
    autoscaler: ClusterAutoscaler
    reference: TrainingCluster

    def __init__(
        self,
        name: str,
        args: EksSpec,
        *,
        key: str,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`key` is the cluster's name in the spec; AWS sees `<project>-<env>-<key>`."""
        super().__init__("stackyard:training:EksCluster", name, None, opts)
        self._name = name
        self._context = context
        self._args = args
        self._key = key
        self._attachments: dict[str, list[aws.iam.RolePolicyAttachment]] = {}
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        cluster_name = context.physical_name(key, max_length=100)

        cluster_role = self._role(
            "cluster-role", service_trust_policy("eks.amazonaws.com"), iam.EKS_CLUSTER_POLICIES
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            # The name EKS writes to: creating it first gives it the stack key and a retention.
            name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=CONTROL_PLANE_LOG_RETENTION_DAYS,
            kms_key_id=kms_key_arn,
            tags=context.tags_for(f"{name}-control-plane-logs"),
            opts=child,
        )
        endpoint = args.endpoint
        vpc_config = aws.eks.ClusterVpcConfigArgs(
            subnet_ids=subnet_ids,
            endpoint_private_access=True,
            endpoint_public_access=endpoint.public,
            public_access_cidrs=list(endpoint.public_access_cidrs) if endpoint.public else None,
        )
        self.cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=cluster_name,
            version=args.version,
            role_arn=cluster_role.arn,
            vpc_config=vpc_config,
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=kms_key_arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                # The identity running `pulumi up` must reach the cluster to create its Kubernetes objects.
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            # The core add-ons are created below as managed add-ons, versioned and visible in the plan.
            bootstrap_self_managed_addons=False,
            deletion_protection=context.presets.deletion_protection,
            tags=context.tags_for(f"{name}-cluster"),
            # EKS would otherwise create the log group itself, unencrypted and kept forever.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        issuer = self.cluster.identities[0]["oidcs"][0]["issuer"]
        self.oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=issuer,
            client_id_lists=["sts.amazonaws.com"],
            tags=context.tags_for(f"{name}-oidc"),
            opts=child,
        )
        self._admins(args.admin_role_arns, partition)

        cni_role = self._role(
            "cni-role",
            pulumi.Output.all(self.oidc_provider.arn, issuer).apply(
                lambda values: service_account_trust_policy(values[0], values[1], *iam.CNI_SERVICE_ACCOUNT)
            ),
            (iam.EKS_CNI_POLICY,),
        )
        early_addons = [
            self._addon(addon, cni_role.arn if addon == "vpc-cni" else None) for addon in ADDONS_BEFORE_NODES
        ]

        self.node_role = self._role(
            "node-role", service_trust_policy("ec2.amazonaws.com"), iam.EKS_NODE_POLICIES
        )
        self.node_groups = {}
        gpu_asg_names: dict[str, pulumi.Output[str]] = {}
        for group in args.node_groups:
            node_group = self._node_group(group, subnet_ids, early_addons)
            self.node_groups[group.name] = node_group
            if group.gpu:
                asg_name = node_group.resources.apply(_first_asg_name)
                gpu_asg_names[group.name] = asg_name
                self._node_template_tags(group, asg_name)
        system_groups = [self.node_groups[group.name] for group in args.node_groups if not group.gpu]
        for addon in ADDONS_AFTER_NODES:
            self._addon(addon, None, depends_on=system_groups)

        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.all(self.cluster.endpoint, self.cluster.certificate_authority).apply(
                lambda values: kubeconfig(cluster_name, values[0], values[1]["data"], context.region)
            ),
            opts=child,
        )
        gpu_groups = args.gpu_node_groups
        self.scheduling = GpuScheduling(
            f"{name}-gpu",
            provider=self.provider,
            gpu_taints=[group.effective_taints for group in gpu_groups],
            gpu_node_selector={GPU_NODE_LABEL: "true"},
            teams=args.teams,
            gpus_per_node=max(group.gpus_per_node for group in gpu_groups),
            opts=child,
        )
        self.autoscaler = ClusterAutoscaler(
            f"{name}-autoscaler",
            context=context,
            cluster_name=cluster_name,
            kubernetes_version=args.version,
            cluster=self.cluster.name,
            account_id=account_id,
            partition=partition,
            provider=self.provider,
            system_nodes=system_groups,
            opts=child,
        )

        self.reference = TrainingCluster(
            key=key,
            backend="eks",
            cluster_name=self.cluster.name,
            kubernetes_provider=self.provider,
            gpu_node_groups=gpu_asg_names,
            gpu_node_group_max={group.name: group.max_size for group in gpu_groups},
            oidc_provider_arn=self.oidc_provider.arn,
            oidc_provider_url=self.oidc_provider.url,
            gpu_tolerations=tolerations_for([group.effective_taints for group in gpu_groups]),
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster.name,
                "endpoint": self.cluster.endpoint,
                "oidc_provider_arn": self.oidc_provider.arn,
            }
        )

    def _role(self, role: str, trust_policy: pulumi.Input[str], policies: Sequence[str]) -> aws.iam.Role:
        """A role with AWS managed policies only, each attachment named after its policy (the trust
        policy is a service's or, for IRSA, a service account's)."""
        role_name = f"{self._name}-{role}"
        resource = aws.iam.Role(
            role_name,
            assume_role_policy=trust_policy,
            tags=self._context.tags_for(role_name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._attachments[role] = [
            aws.iam.RolePolicyAttachment(
                f"{role_name}-{_slug(policy.rsplit('/', 1)[-1])}",
                role=resource.name,
                policy_arn=iam.managed_policy_arn(policy),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in policies
        ]
        return resource

    def _admins(self, role_arns: Sequence[str], partition: pulumi.Output[str]) -> None:
        for arn in role_arns:
            entry_name = f"{self._name}-admin-{_slug(role_name_of(arn))}"
            entry = aws.eks.AccessEntry(
                entry_name,
                cluster_name=self.cluster.name,
                principal_arn=arn,
                type="STANDARD",
                tags=self._context.tags_for(entry_name),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.eks.AccessPolicyAssociation(
                f"{entry_name}-policy",
                cluster_name=self.cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=partition.apply(
                    lambda value: f"arn:{value}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_POLICY}"
                ),
                access_scope={"type": "cluster"},
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _addon(
        self,
        addon: str,
        service_account_role_arn: pulumi.Input[str] | None,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> aws.eks.Addon:
        addon_name = f"{self._name}-{addon}"
        return aws.eks.Addon(
            addon_name,
            cluster_name=self.cluster.name,
            addon_name=addon,
            service_account_role_arn=service_account_role_arn,
            # The cluster has no self-managed copies to keep; on update, EKS's configuration wins.
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=self._context.tags_for(addon_name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )

    def _node_group(
        self, group: NodeGroupSpec, subnet_ids: pulumi.Input[Sequence[str]], addons: Sequence[aws.eks.Addon]
    ) -> aws.eks.NodeGroup:
        name = f"{self._name}-{group.name}"
        tags = self._context.tags_for(name)
        child = pulumi.ResourceOptions(parent=self)
        template_args: dict[str, Any] = {}
        placement_subnets: pulumi.Input[Sequence[str]] = subnet_ids
        if group.efa:
            placement = aws.ec2.PlacementGroup(f"{name}-placement", strategy="cluster", tags=tags, opts=child)
            template_args["placement"] = {"group_name": placement.name}
            template_args["network_interfaces"] = [
                {
                    "device_index": 0,
                    "interface_type": "efa",
                    "delete_on_termination": "true",
                    # EFA traffic must flow between the nodes: the cluster security group allows its members.
                    "security_groups": [self.cluster.vpc_config.cluster_security_group_id],
                }
            ]
            # A cluster placement group lives in one availability zone.
            placement_subnets = pulumi.Output.from_input(subnet_ids).apply(lambda ids: list(ids)[:1])
        template = aws.ec2.LaunchTemplate(
            f"{name}-template",
            description=f"Nodes of {name}: encrypted root volume, IMDSv2 not reachable from pods",
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_size": group.disk_size_gib,
                        "volume_type": "gp3",
                        # The AWS managed EBS key: a customer key would need a grant to the Auto Scaling
                        # service-linked role, which does not exist before an account's first group.
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            # Hop limit 1: containers (one hop further) cannot read the node role's credentials.
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
            tag_specifications=[
                {"resource_type": "instance", "tags": tags},
                {"resource_type": "volume", "tags": tags},
            ],
            tags=tags,
            opts=child,
            **template_args,
        )
        node_group = aws.eks.NodeGroup(
            name,
            cluster_name=self.cluster.name,
            node_group_name=f"{self._key}-{group.name}",  # at most 63 characters (spec)
            version=self._args.version,
            node_role_arn=self.node_role.arn,
            subnet_ids=placement_subnets,
            instance_types=list(group.instance_types),
            capacity_type="SPOT" if group.capacity == "spot" else "ON_DEMAND",
            ami_type=eks_ami_type(group.gpu, group.architecture),
            scaling_config={
                "min_size": group.min_size,
                "desired_size": group.initial_size,
                "max_size": group.max_size,
            },
            labels=group.effective_labels,
            taints=[taint.eks() for taint in group.effective_taints],
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            update_config={"max_unavailable": 1},
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                # Nodes join only with the node role's policies attached and the CNI and identity agent
                # in place; the autoscaler owns the desired size once the group exists.
                depends_on=[*self._attachments["node-role"], *addons],
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )
        return node_group

    def _node_template_tags(self, group: NodeGroupSpec, asg_name: pulumi.Output[str]) -> None:
        """EKS does not copy a managed node group's labels and taints to its Auto Scaling group, and
        never the GPU count: these tags tell cluster-autoscaler what a node of an empty group offers."""
        tags = autoscaler_node_template_tags(
            group.gpus_per_node, group.effective_labels, group.effective_taints
        )
        for tag_key, value in tags.items():
            suffix = _slug(tag_key.removeprefix("k8s.io/cluster-autoscaler/node-template/"))
            aws.autoscaling.Tag(
                f"{self._name}-{group.name}-{suffix}",
                autoscaling_group_name=asg_name,
                tag={"key": tag_key, "value": value, "propagate_at_launch": False},
                opts=pulumi.ResourceOptions(parent=self),
            )
