"""IAM documents of training clusters, built as JSON in plain Python (no provider invokes).

Roles get only what their AWS service documents as needed:
- the EKS cluster role: AmazonEKSClusterPolicy;
- the node role: AmazonEKSWorkerNodePolicy and AmazonEC2ContainerRegistryReadOnly. The VPC CNI's
  AmazonEKS_CNI_Policy goes to the CNI's own service-account role (IRSA) instead, so pods on a node
  cannot manage the VPC's network interfaces with the node's credentials;
- cluster-autoscaler: Describe calls, and scaling only of Auto Scaling groups tagged as this
  cluster's (EKS tags its managed node groups' groups `k8s.io/cluster-autoscaler/<cluster>: owned`);
- Batch instances: AmazonEC2ContainerServiceforEC2Role, what the ECS agent on them needs.
"""

from __future__ import annotations

from stackyard.components.iam import policy_document as _document


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


EKS_CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
EKS_NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
EKS_CNI_POLICY = "AmazonEKS_CNI_Policy"
BATCH_INSTANCE_POLICIES = ("service-role/AmazonEC2ContainerServiceforEC2Role",)

CNI_SERVICE_ACCOUNT = ("kube-system", "aws-node")


def autoscaler_policy(cluster_name: str, region: str, account_id: str, partition: str = "aws") -> str:
    return _document(
        [
            {
                "Sid": "ScaleThisClustersNodeGroupsOnly",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
                },
            },
            {
                # Describe calls have no resource-level permissions.
                "Sid": "DiscoverNodeGroups",
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ReadThisClustersNodeGroups",
                "Effect": "Allow",
                "Action": "eks:DescribeNodegroup",
                "Resource": f"arn:{partition}:eks:{region}:{account_id}:nodegroup/{cluster_name}/*/*",
            },
        ]
    )


def autoscaling_service_linked_role(account_id: str, partition: str = "aws") -> str:
    """The role EC2 Auto Scaling launches instances with; it needs a grant on a customer managed key
    to attach volumes encrypted with it."""
    return (
        f"arn:{partition}:iam::{account_id}:role/aws-service-role/autoscaling.amazonaws.com/"
        "AWSServiceRoleForAutoScaling"
    )


EBS_KEY_GRANT_OPERATIONS = (
    "Decrypt",
    "Encrypt",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "CreateGrant",
    "DescribeKey",
)
"""What EC2 Auto Scaling needs on a customer managed key to launch instances with encrypted volumes."""
