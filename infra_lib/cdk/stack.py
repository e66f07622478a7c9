"""The payment API stack: wires the constructs together from one scenario, nothing else."""

from __future__ import annotations

from typing import Any, Mapping

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra_lib.cdk.constructs.database import Database
from infra_lib.cdk.constructs.ingress import Ingress
from infra_lib.cdk.constructs.network import Network
from infra_lib.cdk.constructs.service import Service
from infrakit.core.catalogs import availability_zones


class PaymentApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, scenario: Mapping[str, Any], **kwargs) -> None:
        super().__init__(scope, construct_id, description=f"infrakit payment API ({scenario['name']})", **kwargs)
        s = scenario
        zones = availability_zones(s["region"], s["az_count"])
        network = Network(self, "Network", availability_zones=zones, nat_strategy=s["nat_strategy"],
                          environment_suffix=s["environment_suffix"])
        ingress = Ingress(self, "Ingress", vpc=network.vpc, listener_protocol=s["listener_protocol"],
                          domain_name=s["domain_name"], hosted_zone_name=s["hosted_zone_name"],
                          hosted_zone_id=s["hosted_zone_id"], certificate_arn=s["certificate_arn"],
                          environment_suffix=s["environment_suffix"])
        database = Database(self, "Database", vpc=network.vpc, subnets=network.private_subnets,
                            availability_zones=zones, engine_version=s["engine_version"],
                            instance_class=s["instance_class"], reader_count=s["reader_count"],
                            storage_type=s["storage_type"], environment=s["environment"],
                            environment_suffix=s["environment_suffix"])
        service = Service(self, "Service", vpc=network.vpc, subnets=network.private_subnets,
                          listener=ingress.listener, database_secret=database.secret, cpu=s["service_cpu"],
                          memory_mib=s["service_memory_mib"], desired_count=s["service_desired_count"],
                          arch=s["service_arch"], image=s["container_image"], container_port=s["container_port"],
                          log_retention_days=s["log_retention_days"], environment_suffix=s["environment_suffix"])
        database.admit(service.security_group)
        network.admit_to_endpoints(service.security_group)
        scheme = "https" if s["listener_protocol"] == "HTTPS" else "http"
        host = s["domain_name"] if s["listener_protocol"] == "HTTPS" else ingress.load_balancer.load_balancer_dns_name
        CfnOutput(self, "AlbUrl", value=f"{scheme}://{host}")
        CfnOutput(self, "AlbDnsName", value=ingress.load_balancer.load_balancer_dns_name)
        CfnOutput(self, "DbEndpoint", value=database.cluster.cluster_endpoint.hostname)
        CfnOutput(self, "DbSecretArn", value=database.secret.secret_arn)
