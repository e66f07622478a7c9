"""Aurora PostgreSQL: a writer plus readers spread over distinct AZs, encrypted storage,
generated credentials in Secrets Manager, admitting only the service on 5432."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

PORT = 5432


class Database(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, subnets: ec2.SubnetSelection,
                 availability_zones: Sequence[str], engine_version: str, instance_class: str, reader_count: int,
                 storage_type: str, environment: str, environment_suffix: str) -> None:
        super().__init__(scope, construct_id)
        major = engine_version.split(".")[0]
        engine = rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.of(engine_version, major))
        instance_type = ec2.InstanceType(instance_class.removeprefix("db."))
        zones = list(availability_zones)
        prod = environment == "prod"
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"payment-api-{environment_suffix} database: PostgreSQL from the service only")
        self.cluster = rds.DatabaseCluster(
            self, "Cluster",
            engine=engine,
            cluster_identifier=f"payment-api-{environment_suffix}",
            writer=rds.ClusterInstance.provisioned("Writer", instance_type=instance_type,
                                                   availability_zone=zones[0], publicly_accessible=False),
            # Reader i sits in the AZ after the writer's, round-robin, so one AZ loss leaves a reader.
            readers=[rds.ClusterInstance.provisioned(f"Reader{i + 1}", instance_type=instance_type,
                                                     availability_zone=zones[(i + 1) % len(zones)],
                                                     publicly_accessible=False)
                     for i in range(reader_count)],
            storage_type=rds.DBClusterStorageType.AURORA_IOPT1 if storage_type == "io_optimized"
            else rds.DBClusterStorageType.AURORA,
            storage_encrypted=True,
            credentials=rds.Credentials.from_generated_secret(
                "payment_api", secret_name=f"payment-api-{environment_suffix}/database"),
            default_database_name="payments",
            port=PORT,
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[self.security_group],
            iam_authentication=True,
            # PostgreSQL logs to CloudWatch Logs (no retention option here: CDK would add a
            # Lambda-backed custom resource for it).
            cloudwatch_logs_exports=["postgresql"],
            deletion_protection=prod,
            backup=rds.BackupProps(retention=Duration.days(30 if prod else 7)),
            removal_policy=RemovalPolicy.SNAPSHOT if prod else RemovalPolicy.DESTROY,
        )
        self.secret = self.cluster.secret

    def admit(self, security_group: ec2.ISecurityGroup) -> None:
        """Let ``security_group`` (and nothing else) reach PostgreSQL, on both sides: ingress here,
        egress there. A literal port, not the cluster's Endpoint.Port token, so the template
        states what is open."""
        # Both sides (the service's group allows no other egress), each as its own rule resource:
        # inline rules naming each other's groups would make the two groups a dependency cycle.
        self.security_group.connections.allow_from(security_group, ec2.Port.tcp(PORT), "PostgreSQL from the service")
