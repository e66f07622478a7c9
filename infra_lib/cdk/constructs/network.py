"""The VPC: public subnets for the ALB, private subnets for the service and database, and
egress per ``nat_strategy``."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

# Interface endpoints a service with no NAT needs: pull images (ECR API + Docker registry),
# ship logs, read the database secret. S3 (image layers) uses the free gateway endpoint.
NO_NAT_INTERFACE_ENDPOINTS = {
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
}


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, availability_zones: Sequence[str],
                 nat_strategy: str, environment_suffix: str) -> None:
        super().__init__(scope, construct_id)
        isolated = nat_strategy == "none"
        private_type = ec2.SubnetType.PRIVATE_ISOLATED if isolated else ec2.SubnetType.PRIVATE_WITH_EGRESS
        nat_options = {
            "per_az": {"nat_gateways": len(availability_zones)},
            "single": {"nat_gateways": 1},
            "regional": {"nat_gateway_provider": ec2.NatProvider.regional_gateway()},
            "none": {"nat_gateways": 0},
        }[nat_strategy]
        self.vpc = ec2.Vpc(
            self, "Vpc",
            vpc_name=f"payment-api-{environment_suffix}",
            availability_zones=list(availability_zones),
            ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"),
            subnet_configuration=[
                # Nothing launched there needs an automatic public address (the ALB and NAT
                # gateways get theirs explicitly).
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24,
                                        map_public_ip_on_launch=False),
                ec2.SubnetConfiguration(name="private", subnet_type=private_type, cidr_mask=22),
            ],
            # The default-SG restriction is a Lambda-backed custom resource; the template must
            # deploy with the CloudFormation API alone (the default SG is unused here).
            restrict_default_security_group=False,
            **nat_options,
        )
        self.private_subnets = ec2.SubnetSelection(subnet_type=private_type)
        self.endpoint_security_group: ec2.SecurityGroup | None = None
        if isolated:
            self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3,
                                          subnets=[self.private_subnets])
            # One closed group for the interface endpoints; ``admit_to_endpoints`` opens 443
            # to the service alone (CDK's default would admit the whole VPC CIDR).
            self.endpoint_security_group = ec2.SecurityGroup(
                self, "EndpointSecurityGroup", vpc=self.vpc, allow_all_outbound=False,
                description=f"payment-api-{environment_suffix} VPC endpoints: HTTPS from the service only")
            for name, service in NO_NAT_INTERFACE_ENDPOINTS.items():
                self.vpc.add_interface_endpoint(name, service=service, subnets=self.private_subnets,
                                                private_dns_enabled=True, open=False,
                                                security_groups=[self.endpoint_security_group])

    def admit_to_endpoints(self, security_group: ec2.ISecurityGroup) -> None:
        """Let ``security_group`` reach the interface endpoints on 443 (no-op with NAT egress)."""
        if self.endpoint_security_group is not None:
            self.endpoint_security_group.add_ingress_rule(
                ec2.Peer.security_group_id(security_group.security_group_id), ec2.Port.tcp(443),
                "HTTPS from the service to the VPC endpoints")
