"""`Network`: a private VPC for the stack, or an existing VPC and subnets.

The created VPC has private subnets only (no route to the internet unless asked), reaches AWS
services through VPC endpoints, and records its traffic in encrypted flow logs.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_aws as aws

from stackyard.components.context import StackContext, renamed_from
from stackyard.components.iam import policy_document, service_role
from stackyard.spec.common import NetworkSpec

GATEWAY_ENDPOINTS = frozenset({"s3", "dynamodb"})
"""Services AWS offers as gateway endpoints (route-table entries); the rest are interface endpoints."""

FLOW_LOG_RETENTION_DAYS = 365


def subnet_cidrs(vpc_cidr: str, count: int, *, offset: int = 0) -> list[str]:
    """`count` equal subnets carved from the VPC block, 16 per VPC, starting at `offset`.

    Private subnets take the first slots and public ones start at slot 8, so adding an
    availability zone never moves an existing subnet (which would replace it)."""
    network = ipaddress.ip_network(vpc_cidr)
    blocks = list(network.subnets(new_prefix=min(network.prefixlen + 4, 28)))
    return [str(block) for block in blocks[offset : offset + count]]


def endpoint_service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def flow_log_write_policy(log_group_arn: str) -> str:
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            }
        ]
    )


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    security_group_ids: pulumi.Output[list[str]]
    vpc: aws.ec2.Vpc | None
    workload_security_group: aws.ec2.SecurityGroup | None

    def __init__(
        self,
        name: str,
        args: NetworkSpec,
        *,
        context: StackContext,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("stackyard:network:Network", name, None, opts)
        self._name = name
        self._context = context
        child = pulumi.ResourceOptions(parent=self)
        self.vpc = None
        self.workload_security_group = None

        if args.mode == "existing":
            self.vpc_id = pulumi.Output.from_input(str(args.vpc_id))
            self.private_subnet_ids = pulumi.Output.from_input(list(args.subnet_ids))
            if args.security_group_ids:
                self.security_group_ids = pulumi.Output.from_input(list(args.security_group_ids))
            else:
                group = self._workload_security_group(self.vpc_id, child)
                self.security_group_ids = pulumi.Output.all(group.id).apply(list)
        else:
            self._create(args, kms_key_arn, child)

        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "security_group_ids": self.security_group_ids,
            }
        )

    def _tags(self, resource_name: str) -> dict[str, str]:
        return self._context.tags_for(resource_name)

    def _workload_security_group(
        self, vpc_id: pulumi.Input[str], child: pulumi.ResourceOptions, vpc_cidr: str | None = None
    ) -> aws.ec2.SecurityGroup:
        """Workloads talk to each other and, over HTTPS, to AWS service endpoints; nothing else
        gets in. Egress is limited to HTTPS and to the group itself (databases, tracking server)."""
        group_name = f"{self._name}-workloads"
        group = aws.ec2.SecurityGroup(
            group_name,
            vpc_id=vpc_id,
            description=f"Workloads of {self._context.name_prefix}: traffic within the group only",
            ingress=[
                {
                    "protocol": "-1",
                    "from_port": 0,
                    "to_port": 0,
                    "self": True,
                    "description": "within the group",
                }
            ],
            egress=[
                {
                    "protocol": "-1",
                    "from_port": 0,
                    "to_port": 0,
                    "self": True,
                    "description": "within the group",
                },
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": [vpc_cidr] if vpc_cidr else ["0.0.0.0/0"],
                    "description": "HTTPS to AWS service endpoints",
                },
            ],
            tags=self._tags(group_name),
            opts=child,
        )
        self.workload_security_group = group
        return group

    def _create(
        self, args: NetworkSpec, kms_key_arn: pulumi.Input[str], child: pulumi.ResourceOptions
    ) -> None:
        name = self._name
        region = self._context.region
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags(f"{name}-vpc"),
            opts=child,
        )
        self.vpc = vpc
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        )

        private_routes = aws.ec2.RouteTable(
            f"{name}-private-routes", vpc_id=vpc.id, tags=self._tags(f"{name}-private-routes"), opts=child
        )
        private_subnets = self._subnets("private", args, vpc, zones, private_routes, child)

        if args.internet_gateway:
            self._internet_access(args, vpc, zones, private_routes, child)

        group = self._workload_security_group(vpc.id, child, vpc_cidr=args.cidr)
        endpoint_group_name = f"{name}-endpoints"
        endpoint_group = aws.ec2.SecurityGroup(
            endpoint_group_name,
            vpc_id=vpc.id,
            description="Interface VPC endpoints: HTTPS from inside the VPC",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": [args.cidr],
                    "description": "HTTPS from the VPC",
                }
            ],
            tags=self._tags(endpoint_group_name),
            opts=child,
        )
        subnet_ids = [subnet.id for subnet in private_subnets]
        for service in args.vpc_endpoints:
            endpoint_name = f"{name}-endpoint-{service.replace('.', '-')}"
            if service in GATEWAY_ENDPOINTS:
                aws.ec2.VpcEndpoint(
                    endpoint_name,
                    vpc_id=vpc.id,
                    service_name=endpoint_service_name(region, service),
                    vpc_endpoint_type="Gateway",
                    route_table_ids=[private_routes.id],
                    tags=self._tags(endpoint_name),
                    opts=child,
                )
            else:
                aws.ec2.VpcEndpoint(
                    endpoint_name,
                    vpc_id=vpc.id,
                    service_name=endpoint_service_name(region, service),
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=subnet_ids,
                    security_group_ids=[endpoint_group.id],
                    tags=self._tags(endpoint_name),
                    opts=child,
                )

        self._flow_logs(vpc, kms_key_arn, child)
        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*subnet_ids).apply(list)
        self.security_group_ids = pulumi.Output.all(group.id).apply(list)

    def _subnets(
        self,
        kind: str,
        args: NetworkSpec,
        vpc: aws.ec2.Vpc,
        zones: pulumi.Output[aws.GetAvailabilityZonesResult],
        routes: aws.ec2.RouteTable,
        child: pulumi.ResourceOptions,
    ) -> list[aws.ec2.Subnet]:
        """One subnet per availability zone, each on `routes`. Private subnets take the first CIDR
        slots and public ones start at slot 8; the tag tells EKS where its load balancers may go."""
        offset, load_balancer_role = (0, "internal-elb") if kind == "private" else (8, "elb")
        subnets = []
        for index, cidr in enumerate(subnet_cidrs(args.cidr, args.availability_zones, offset=offset)):
            subnet_name = f"{self._name}-{kind}-{index + 1}"
            subnet = aws.ec2.Subnet(
                subnet_name,
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zones.names[index],
                map_public_ip_on_launch=False,
                tags={**self._tags(subnet_name), f"kubernetes.io/role/{load_balancer_role}": "1"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{subnet_name}-route-association",
                subnet_id=subnet.id,
                route_table_id=routes.id,
                opts=pulumi.ResourceOptions.merge(child, renamed_from(f"{subnet_name}-routes")),
            )
            subnets.append(subnet)
        return subnets

    def _internet_access(
        self,
        args: NetworkSpec,
        vpc: aws.ec2.Vpc,
        zones: pulumi.Output[aws.GetAvailabilityZonesResult],
        private_routes: aws.ec2.RouteTable,
        child: pulumi.ResourceOptions,
    ) -> None:
        """Asked for explicitly: public subnets with an internet gateway, and one NAT gateway so
        private workloads reach the internet without being reachable from it."""
        name = self._name
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags=self._tags(f"{name}-igw"), opts=child
        )
        public_routes = aws.ec2.RouteTable(
            f"{name}-public-routes",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags=self._tags(f"{name}-public-routes"),
            opts=child,
        )
        public_subnets = self._subnets("public", args, vpc, zones, public_routes, child)
        address = aws.ec2.Eip(f"{name}-nat-ip", domain="vpc", tags=self._tags(f"{name}-nat-ip"), opts=child)
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            subnet_id=public_subnets[0].id,
            allocation_id=address.id,
            tags=self._tags(f"{name}-nat"),
            opts=child,
        )
        aws.ec2.Route(
            f"{name}-private-default-route",
            route_table_id=private_routes.id,
            destination_cidr_block="0.0.0.0/0",
            nat_gateway_id=nat.id,
            opts=child,
        )

    def _flow_logs(
        self, vpc: aws.ec2.Vpc, kms_key_arn: pulumi.Input[str], child: pulumi.ResourceOptions
    ) -> None:
        name = self._name
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/stackyard/{self._context.name_prefix}/vpc-flow-logs",
            retention_in_days=FLOW_LOG_RETENTION_DAYS,
            kms_key_id=kms_key_arn,
            tags=self._tags(f"{name}-flow-logs"),
            opts=child,
        )
        role = service_role(
            f"{name}-flow-logs-role",
            "vpc-flow-logs.amazonaws.com",
            tags=self._tags(f"{name}-flow-logs-role"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs-write",
            role=role.id,
            policy=log_group.arn.apply(flow_log_write_policy),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            tags=self._tags(f"{name}-flow-log"),
            opts=child,
        )
