"""Read a synthesized CloudFormation template (ours or any CDK app's) into the bill of
quantities' structure columns, so the template is priced by the same path as a scenario.

Reads template JSON only; never imports aws_cdk. Usage (traffic, storage, horizon) comes
from a scenario or the scenario defaults.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import numpy as np

from infrakit.core.catalogs import engine_catalog
from infrakit.core.errors import InputError

AURORA_POSTGRES = "aurora-postgresql"


def _by_type(template: Mapping[str, Any]) -> dict[str, list[tuple[str, dict]]]:
    out: dict[str, list[tuple[str, dict]]] = {}
    for logical_id, resource in template["Resources"].items():
        out.setdefault(resource.get("Type", ""), []).append((logical_id, resource.get("Properties", {}) or {}))
    return out


def _key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def _one(values: list, what: str, default: Any) -> Any:
    """The single distinct value of ``values``; a template mixing several cannot be one bill row."""
    distinct = list(dict.fromkeys(values))
    if not distinct:
        return default
    if len(distinct) > 1:
        raise InputError([f"the template has several {what} ({', '.join(map(str, distinct))}); the cost model "
                          f"prices one per stack. Split the stack or price its parts separately."])
    return distinct[0]


def structure_from_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """The bill's structure columns (see ``cost_model.quantities.STRUCTURE_COLUMNS``) for one template."""
    resources = _by_type(template)
    subnet_azs = {_key(p.get("AvailabilityZone")) for _, p in resources.get("AWS::EC2::Subnet", [])
                  if p.get("AvailabilityZone") is not None}
    az_count = len(subnet_azs)

    nat_gateways = [p for _, p in resources.get("AWS::EC2::NatGateway", [])]
    regional_nats = [p for p in nat_gateways if p.get("AvailabilityMode") == "regional"]
    zonal_nats = [p for p in nat_gateways if p.get("AvailabilityMode") != "regional"]
    regional_nat_azs = az_count * len(regional_nats)
    eip_count = len(resources.get("AWS::EC2::EIP", []))

    albs = [p for _, p in resources.get("AWS::ElasticLoadBalancingV2::LoadBalancer", [])
            if p.get("Type", "application") == "application" and p.get("Scheme") == "internet-facing"]
    alb_addresses = [len(p.get("Subnets") or p.get("SubnetMappings") or []) for p in albs]

    db_instances = [p for _, p in resources.get("AWS::RDS::DBInstance", []) if p.get("Engine") == AURORA_POSTGRES]
    clusters = [p for _, p in resources.get("AWS::RDS::DBCluster", []) if p.get("Engine") == AURORA_POSTGRES]
    instance_class = _one([p.get("DBInstanceClass") for p in db_instances], "DB instance classes", "none")
    engine_version = _one([_key(p.get("EngineVersion")) for p in clusters], "Aurora engine versions", "none")
    storage = _one([p.get("StorageType", "aurora") for p in clusters], "Aurora storage types", "aurora")
    if db_instances and instance_class not in engine_catalog().instance_vcpus:
        known = ", ".join(engine_catalog().instance_vcpus)
        raise InputError([f"DB instance class {instance_class!r} is not in the engine catalog (its vCPUs drive "
                          f"Extended Support); known classes: {known}. Add it to infrakit/data/aurora_postgresql.yaml."])

    tasks = dict(resources.get("AWS::ECS::TaskDefinition", []))
    services = [p for _, p in resources.get("AWS::ECS::Service", [])
                if p.get("LaunchType", "FARGATE") == "FARGATE"]
    task_defs = [tasks.get(_ref(p.get("TaskDefinition")), {}) for p in services]
    cpu = _one([int(t.get("Cpu", 0)) for t in task_defs], "Fargate task CPU sizes", 0)
    memory = _one([int(t.get("Memory", 0)) for t in task_defs], "Fargate task memory sizes", 0)
    arch = _one([(t.get("RuntimePlatform") or {}).get("CpuArchitecture", "X86_64").lower() for t in task_defs],
                "Fargate CPU architectures", "x86_64")

    interface_endpoints = [p for _, p in resources.get("AWS::EC2::VPCEndpoint", [])
                           if p.get("VpcEndpointType") == "Interface"]
    endpoint_azs = sum(len(p.get("SubnetIds") or []) for p in interface_endpoints)
    log_groups = [p for _, p in resources.get("AWS::Logs::LogGroup", [])]
    # Never-expiring groups are priced at ten years' retention, the longest finite setting.
    retention = _one([int(p.get("RetentionInDays", 3653)) for p in log_groups], "log retention periods", 30)

    def column(value, dtype=None):
        return np.array([value], dtype=dtype)

    return {
        "az_count": column(az_count, np.int64),
        "nat_gateway_count": column(len(zonal_nats), np.int64),
        "regional_nat_az_count": column(regional_nat_azs, np.int64),
        "nat_public_ipv4_count": column(eip_count + regional_nat_azs, np.int64),
        "alb_count": column(len(albs), np.int64),
        "alb_public_ipv4_count": column(_one(alb_addresses, "internet-facing ALB subnet counts", 0), np.int64),
        "db_instance_count": column(len(db_instances), np.int64),
        "db_instance_class": [instance_class],
        "db_storage_type": ["io_optimized" if storage == "aurora-iopt1" else "standard"],
        "db_engine_version": [engine_version],
        "fargate_task_count": column(sum(int(p.get("DesiredCount", 1)) for p in services), np.int64),
        "fargate_vcpu_per_task": column(cpu / 1024.0),
        "fargate_memory_gb_per_task": column(memory / 1024.0),
        "fargate_arch": ["arm64" if arch == "arm64" else "x86_64"],
        "interface_endpoint_count": column(len(interface_endpoints), np.int64),
        "interface_endpoint_az_count": column(endpoint_azs / len(interface_endpoints) if interface_endpoints else 0),
        "secret_count": column(len(resources.get("AWS::SecretsManager::Secret", [])), np.int64),
        "log_group_count": column(len(log_groups), np.int64),
        "log_retention_days": column(retention, np.int64),
    }


def implied_scenario_keys(structure: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario keys the availability model needs, as the template's structure implies them.

    A template with NAT gateways in only some AZs counts as ``single``: healthy AZs can lose
    egress when another AZ fails (the conservative reading).
    """
    az_count = int(structure["az_count"][0])
    zonal = int(structure["nat_gateway_count"][0])
    if structure["regional_nat_az_count"][0] > 0:
        strategy = "regional"
    elif zonal == 0:
        strategy = "none"
    elif zonal >= az_count:
        strategy = "per_az"
    else:
        strategy = "single"
    return {"nat_strategy": strategy, "az_count": max(az_count, 1),
            "reader_count": max(int(structure["db_instance_count"][0]) - 1, 0)}
