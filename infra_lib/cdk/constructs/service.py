"""The ECS Fargate service in private subnets, behind the ALB, admitting only the ALB."""

from __future__ import annotations

import re

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

PRIVATE_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
                         r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?$")



RETENTION_NAMES = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH", 60: "TWO_MONTHS",
    90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS", 365: "ONE_YEAR",
    400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS", 1827: "FIVE_YEARS",
    2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS", 3653: "TEN_YEARS",
}


def _retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for ``days`` (the scenario schema allows only CloudWatch's values)."""
    return getattr(logs.RetentionDays, RETENTION_NAMES[days])


class Service(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, subnets: ec2.SubnetSelection,
                 listener: elbv2.ApplicationListener, database_secret: secretsmanager.ISecret, cpu: int,
                 memory_mib: int, desired_count: int, arch: str, image: str, container_port: int,
                 log_retention_days: int, environment_suffix: str) -> None:
        super().__init__(scope, construct_id)
        # Least privilege out as well as in: HTTPS (image pulls, Secrets Manager, CloudWatch Logs and
        # the APIs the service calls, through the NAT or the VPC endpoints) and PostgreSQL to the
        # database alone (Database.admit). DNS goes to the VPC resolver, which security groups do not filter.
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"payment-api-{environment_suffix} service: container port from the ALB only")
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443),
                                            "HTTPS out: image pulls, Secrets Manager, CloudWatch Logs, AWS APIs")
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, cluster_name=f"payment-api-{environment_suffix}",
                              container_insights_v2=ecs.ContainerInsights.ENABLED)
        task = ecs.FargateTaskDefinition(
            self, "Task", cpu=cpu, memory_limit_mib=memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
                cpu_architecture=ecs.CpuArchitecture.ARM64 if arch == "arm64" else ecs.CpuArchitecture.X86_64))
        # An explicit log group with retention: the driver's own retention option would add a
        # Lambda-backed custom resource.
        log_group = logs.LogGroup(self, "Logs", log_group_name=f"/payment-api/{environment_suffix}",
                                  retention=_retention(log_retention_days), removal_policy=RemovalPolicy.DESTROY)
        task.add_container(
            "Api", image=self._image(image), essential=True,
            port_mappings=[ecs.PortMapping(container_port=container_port)],
            logging=ecs.LogDriver.aws_logs(stream_prefix="api", log_group=log_group),
            secrets={"DB_SECRET": ecs.Secret.from_secrets_manager(database_secret)},
        )
        self.service = ecs.FargateService(
            self, "Service", cluster=cluster, task_definition=task, desired_count=desired_count,
            service_name=f"payment-api-{environment_suffix}", security_groups=[self.security_group],
            vpc_subnets=subnets, assign_public_ip=False, circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            # A payment API keeps full capacity through deployments: new tasks start before old stop.
            min_healthy_percent=100, max_healthy_percent=200)
        # add_targets lets the ALB's security group reach the container port, and nothing else.
        listener.add_targets("Api", port=container_port, protocol=elbv2.ApplicationProtocol.HTTP,
                             targets=[self.service], health_check=elbv2.HealthCheck(path="/"))

    def _image(self, image: str) -> ecs.ContainerImage:
        match = PRIVATE_ECR.match(image)
        if not match:
            return ecs.ContainerImage.from_registry(image)
        # A private ECR image: reference the repository so the execution role may pull it.
        repository = ecr.Repository.from_repository_attributes(
            self, "Repository",
            repository_arn=f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['repository']}",
            repository_name=match["repository"])
        return ecs.ContainerImage.from_ecr_repository(repository, tag=match["tag"] or "latest")
