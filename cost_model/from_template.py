"""Read any CloudFormation template (ours, any CDK app's, a published one) into rows of the bill
of quantities, priced by the one pricing path, plus what the template is and what is not priced.

Every created resource (``infrakit.core.cfn.TemplateIndex``: parameter defaults, conditions,
``Fn::If``/``AWS::NoValue``) ends up either priced or in ``not_priced`` with a reason:
``usage-based`` (its cost is all usage the template does not state), ``free``, ``not
modelled`` (a type or setting the price model lacks) or ``unresolved`` (a property that
decides the price is an intrinsic the template alone cannot resolve, such as a parameter
without a default). Reads template data only; never imports aws_cdk.

One bill row holds what a stack has once (the kit's stack always fits in it, so a kit template
prices exactly as its scenario does, line by line). A template with several Aurora instance
classes, clusters, Fargate task sizes, ALB address counts, endpoint AZ counts or log
retention periods gets one more row per further kind; such a row contributes only its own
lines (``Part.keys``) and carries only its own usage, so nothing is priced twice.

Usage (traffic, storage, horizon) comes from a scenario or the scenario defaults. Where a
template has several of a thing the scenario describes once, the ASSUMPTIONS are: each ALB
(internet-facing or internal) carries the scenario's ALB traffic; each Aurora cluster the
scenario's storage, I/O and backup; the log ingestion is shared evenly by the log groups.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from cost_model.resources import FREE_RESOURCE_TYPES, USAGE_BASED_RESOURCE_TYPES
from cost_model.template_parts import (
    ALB_KEYS,
    AURORA_INSTANCE_KEYS,
    FARGATE_KEYS,
    FREE,
    LOG_KEYS,
    NEVER_EXPIRES_DAYS,
    NOT_MODELLED,
    UNRESOLVED,
    USAGE_BASED,
    TemplateReading,
    assemble,
)
from infrakit.core.catalogs import engine_catalog
from infrakit.core.cfn import TemplateIndex, as_list, as_port, describe, mapping, shape_problems
from infrakit.core.errors import InputError
from infrakit.core.schema.limits import CLOUDWATCH_RETENTION_DAYS, FARGATE_MEMORY_MIB_BY_CPU, MAX_NUMBER

AURORA_POSTGRES = "aurora-postgresql"
DEFAULT_ENGINE_VERSION = "default"  # a cluster without EngineVersion: AWS's default, no Extended Support known

def _unresolved(value: Any) -> bool:
    """An intrinsic the index could not resolve (a Ref to a parameter without a default, Fn::Sub, ...)."""
    return isinstance(value, Mapping)


def _in_units(value: Any, unit: str) -> int | None:
    """A positive whole number, or ``N <unit>`` scaled by 1024 (CloudFormation's "0.5 vCPU", "1 GB")."""
    number = as_port(value)
    if number is None and isinstance(value, str):
        found = re.fullmatch(rf"\s*(\d+(?:\.\d+)?)\s*{unit}\s*", value, re.IGNORECASE)
        number = round(float(found.group(1)) * 1024) if found else None
    return number if number is not None and number > 0 else None


def _cpu_units(value: Any) -> int | None:
    """Task CPU as CloudFormation takes it: 512, "512" or "0.5 vCPU"."""
    return _in_units(value, "vcpu")


def _memory_mib(value: Any) -> int | None:
    """Task memory as CloudFormation takes it: 1024, "1024" or "1 GB"."""
    return _in_units(value, "gb")


def _count(value: Any, default: int) -> int | None:
    if value is None:
        return default
    number = as_port(value)
    return number if number is not None and 0 <= number <= MAX_NUMBER else None


class _Reader:
    """Walks one template's created resources; each is priced once or listed in not_priced once."""

    def __init__(self, index: TemplateIndex):
        self.index = index
        self.not_priced: list[dict[str, str]] = []
        self.priced: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.refused: list[str] = []  # what CloudFormation itself would refuse: bad input, every one at once

    def type_of(self, name: str) -> str:
        return str(mapping(self.index.resources.get(name)).get("Type", ""))

    def skip(self, name: str, reason: str, detail: str) -> None:
        if name not in self.seen:
            self.seen.add(name)
            self.not_priced.append({"resource": name, "type": self.type_of(name), "reason": reason,
                                    "detail": detail})

    def price(self, name: str, keys) -> None:
        if name not in self.seen:
            self.seen.add(name)
            self.priced.append({"resource": name, "type": self.type_of(name), "line_keys": sorted(keys)})

    # --- network: subnets, NAT gateways, Elastic IPs -------------------------------------

    def network(self) -> dict[str, Any]:
        index = self.index
        subnet_az: dict[str, str] = {}
        for name, props in index.of_type("AWS::EC2::Subnet"):
            az = props.get("AvailabilityZone", props.get("AvailabilityZoneId"))
            if az is not None:
                subnet_az[name] = az if isinstance(az, str) else json.dumps(az, sort_keys=True)
        azs = set(subnet_az.values())
        zonal, regional, zonal_eips, regional_eips, nat_azs = [], [], set(), set(), []
        for name, props in index.of_type("AWS::EC2::NatGateway"):
            mode = props.get("AvailabilityMode", "zonal")
            if not isinstance(mode, str):
                self.skip(name, UNRESOLVED, f"AvailabilityMode is {describe(mode)}: zonal or regional decides the rate")
            elif mode.lower() == "regional":
                addresses = as_list(props.get("AvailabilityZoneAddresses"))
                active = len(addresses) or len(azs)
                if not active:
                    self.skip(name, UNRESOLVED, "regional NAT gateway: the AZs it is active in (billed each) are "
                                                "unknown: no AvailabilityZoneAddresses and no subnet with an AZ")
                    continue
                regional.append((name, active))
                for entry in addresses:
                    regional_eips.update(index.target(a, "AWS::EC2::EIP") for a in as_list(mapping(entry).get(
                        "AllocationIds")))
                self.price(name, ["regional_nat_gateway_hours", "regional_nat_gateway_data", "nat_public_ipv4_hours"])
            else:
                zonal.append(name)
                allocations = [props.get("AllocationId"), *as_list(props.get("SecondaryAllocationIds"))]
                zonal_eips.update(index.target(a, "AWS::EC2::EIP") for a in allocations)
                nat_azs.append(subnet_az.get(index.target(props.get("SubnetId"), "AWS::EC2::Subnet") or ""))
                self.price(name, ["nat_gateway_hours", "nat_gateway_data", "cross_az_nat_data"])
        nat_eip_count, other_eips = 0, []
        for name, _ in index.of_type("AWS::EC2::EIP"):
            if name in zonal_eips:
                nat_eip_count += 1
                self.price(name, ["nat_public_ipv4_hours"])
            elif name in regional_eips:  # the regional gateway's per-AZ address, counted with it
                self.price(name, ["nat_public_ipv4_hours"])
            else:
                other_eips.append(name)
                self.price(name, ["elastic_ip_public_ipv4_hours"])
        regional_azs = sum(active for _, active in regional)
        return {"azs": azs, "zonal": zonal, "regional": regional, "nat_azs": nat_azs, "other_eips": other_eips,
                "nat_eips": nat_eip_count,
                "columns": {"az_count": max(len(azs), len(zonal), 1), "nat_gateway_count": len(zonal),
                            "regional_nat_az_count": regional_azs,
                            "nat_public_ipv4_count": nat_eip_count + regional_azs,
                            "other_public_ipv4_count": len(other_eips)}}

    # --- load balancers --------------------------------------------------------------------

    def load_balancers(self) -> tuple[dict[int, list[str]], list[str]]:
        """(internet-facing ALBs by their public IPv4 address count, internal ALBs)."""
        public: dict[int, list[str]] = {}
        internal: list[str] = []
        for name, props in self.index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer"):
            kind, scheme = props.get("Type", "application"), props.get("Scheme", "internet-facing")
            if not isinstance(kind, str) or not isinstance(scheme, str):
                self.skip(name, UNRESOLVED, f"Type {describe(kind)} / Scheme {describe(scheme)} are not resolved")
            elif kind.lower() == "network":
                self.skip(name, NOT_MODELLED, "Network Load Balancer: its hours and NLCUs share the usage types "
                                              "LoadBalancerUsage/LCUUsage with the ALB's in the AWSELB offer, and the "
                                              "price catalog holds one row per usage type (the ALB's)")
            elif kind.lower() != "application":
                self.skip(name, NOT_MODELLED, f"{kind} load balancer: not in the price model")
            elif scheme.lower() == "internal":
                internal.append(name)
                self.price(name, ["internal_alb_hours", "internal_alb_lcu_hours"])
            else:
                subnets = props.get("Subnets", props.get("SubnetMappings"))
                if not isinstance(subnets, list):
                    self.skip(name, UNRESOLVED, f"Subnets is {describe(subnets)}: an internet-facing ALB has a "
                                                f"public IPv4 address in each of its AZs")
                    continue
                no_ipv4 = str(props.get("IpAddressType", "")).lower() == "dualstack-without-public-ipv4"
                public.setdefault(0 if no_ipv4 else len(subnets), []).append(name)
                self.price(name, sorted(ALB_KEYS))
        for name, _ in self.index.of_type("AWS::ElasticLoadBalancing::LoadBalancer"):
            self.skip(name, NOT_MODELLED, "Classic Load Balancer: not in the price model")
        return public, internal

    # --- Aurora ----------------------------------------------------------------------------

    def _cluster_of(self, props: Mapping[str, Any], clusters: Mapping[str, Mapping[str, Any]]) -> str | None:
        ref = props.get("DBClusterIdentifier")
        found = self.index.target(ref, "AWS::RDS::DBCluster")
        if found is None and isinstance(ref, str):  # a literal identifier, matched case-insensitively as AWS does
            found = next((c for c, p in clusters.items()
                          if str(p.get("DBClusterIdentifier", "")).lower() == ref.lower()), None)
        return found

    def _cluster_problem(self, props: Mapping[str, Any]) -> tuple[str, str] | None:
        engine, mode = props.get("Engine"), props.get("EngineMode", "provisioned")
        version, storage = props.get("EngineVersion"), props.get("StorageType", "aurora")
        for key, value in (("Engine", engine), ("EngineMode", mode), ("EngineVersion", version),
                           ("StorageType", storage)):
            if _unresolved(value):
                return UNRESOLVED, f"{key} is {describe(value)}: it decides the price"
        if str(engine).lower() != AURORA_POSTGRES:
            what = "Aurora MySQL" if str(engine).lower().startswith("aurora") else f"a Multi-AZ DB cluster ({engine})"
            return NOT_MODELLED, f"{what}: the price model has Aurora PostgreSQL only"
        if str(mode).lower() != "provisioned":
            return NOT_MODELLED, f"Aurora EngineMode {mode} (Serverless v1 capacity units are not in the price model)"
        if str(storage).lower() not in ("aurora", "aurora-iopt1"):
            return NOT_MODELLED, f"StorageType {storage}: the price model has aurora and aurora-iopt1"
        return None

    def _instance_problem(self, props: Mapping[str, Any]) -> tuple[str, str] | None:
        instance_class = props.get("DBInstanceClass")
        if _unresolved(instance_class) or instance_class is None:
            return UNRESOLVED, f"DBInstanceClass is {describe(instance_class)}: it decides the instance-hour price"
        if str(instance_class) == "db.serverless":
            return NOT_MODELLED, "Aurora Serverless v2 instance: ACU-hours are not in the price model"
        if str(instance_class) not in engine_catalog().instance_vcpus:
            known = ", ".join(engine_catalog().instance_vcpus)
            return NOT_MODELLED, (f"instance class {instance_class} is not in the engine catalog, so its vCPUs "
                                  f"(which Extended Support bills) are unknown; known: {known}")
        return None

    def aurora(self) -> list[dict[str, Any]]:
        """Priced clusters in template order: {resource, engine_version, storage_type, classes: {class: [ids]}}."""
        clusters = dict(self.index.of_type("AWS::RDS::DBCluster"))
        members: dict[str, list[tuple[str, dict[str, Any]]]] = {name: [] for name in clusters}
        for name, props in self.index.of_type("AWS::RDS::DBInstance"):
            if props.get("DBClusterIdentifier") is None:
                engine = describe(props.get("Engine"))
                self.skip(name, NOT_MODELLED, f"RDS DB instance (engine {engine}, class "
                                              f"{describe(props.get('DBInstanceClass'))}): RDS outside Aurora is not "
                                              f"in the price model; the catalog's InstanceUsage:<class> rows are "
                                              f"Aurora PostgreSQL's")
                continue
            cluster = self._cluster_of(props, clusters)
            if cluster is None:
                self.skip(name, UNRESOLVED, f"DBClusterIdentifier {describe(props.get('DBClusterIdentifier'))} is "
                                            f"no cluster of this template")
            else:
                members[cluster].append((name, props))
        out = []
        for cluster, props in clusters.items():
            problem = self._cluster_problem(props)
            priced: dict[str, list[str]] = {}
            for name, instance in members[cluster]:
                instance_problem = problem or self._instance_problem(instance)
                if instance_problem:
                    reason, detail = instance_problem
                    self.skip(name, reason, detail if not problem else f"its cluster {cluster}: {detail}")
                else:
                    priced.setdefault(str(instance["DBInstanceClass"]), []).append(name)
                    self.price(name, sorted(AURORA_INSTANCE_KEYS))
            if problem:
                self.skip(cluster, *problem)
            elif not priced:
                self.skip(cluster, NOT_MODELLED,
                          "no priced DB instance in this cluster: storage, I/O and backup are priced with its "
                          "instances" + ("" if members[cluster] else " (the template declares none)"))
            else:
                self.price(cluster, ["aurora_storage", "aurora_io_requests", "aurora_backup_storage"])
                version = props.get("EngineVersion")
                out.append({"resource": cluster,
                            "engine_version": DEFAULT_ENGINE_VERSION if version is None else str(version),
                            "storage_type": "io_optimized" if str(props.get("StorageType", "")).lower()
                            == "aurora-iopt1" else "standard", "classes": priced})
        return out

    # --- Fargate ---------------------------------------------------------------------------

    def _launch_problem(self, props: Mapping[str, Any], task: Mapping[str, Any]) -> tuple[str, str] | None:
        launch, strategy = props.get("LaunchType"), props.get("CapacityProviderStrategy")
        if _unresolved(launch) or _unresolved(strategy):
            return UNRESOLVED, "LaunchType / CapacityProviderStrategy are not resolved"
        if strategy:
            providers = {str(mapping(s).get("CapacityProvider")) for s in as_list(strategy)}
            if providers == {"FARGATE"}:
                return None
            if "FARGATE_SPOT" in providers:
                return NOT_MODELLED, "Fargate Spot capacity: spot prices vary and are not in the price model"
            return NOT_MODELLED, "an EC2 capacity provider: the container instances are EC2 capacity, not modelled"
        if launch is None:
            if "FARGATE" in {str(c) for c in as_list(task.get("RequiresCompatibilities"))}:
                return None
            return NOT_MODELLED, "no LaunchType: the cluster's default capacity provider decides (not modelled)"
        if str(launch).upper() != "FARGATE":
            return NOT_MODELLED, f"ECS launch type {launch}: ECS charges nothing; the EC2 or external capacity " \
                                 f"is not modelled"
        return None

    def fargate(self) -> dict[tuple[float, float, str], list[tuple[str, int]]]:
        """Priced services by (vCPU, memory GB, arch): [(service, tasks)]."""
        groups: dict[tuple[float, float, str], list[tuple[str, int]]] = {}
        for name, props in self.index.of_type("AWS::ECS::Service"):
            task_id = self.index.target(props.get("TaskDefinition"), "AWS::ECS::TaskDefinition")
            task = self.index.properties(task_id) if task_id else {}
            problem = self._launch_problem(props, task)
            platform = mapping(task.get("RuntimePlatform"))
            arch, system = platform.get("CpuArchitecture", "X86_64"), platform.get("OperatingSystemFamily", "LINUX")
            cpu, memory = _cpu_units(task.get("Cpu")), _memory_mib(task.get("Memory"))
            tasks = _count(props.get("DesiredCount"), 1)
            desired = as_port(props.get("DesiredCount"))
            if desired is not None and desired < 0:
                self.refused.append(f"{name} (AWS::ECS::Service): DesiredCount {desired} is negative; ECS takes 0 or "
                                    f"more tasks (CloudFormation refuses the stack). Set DesiredCount to 0 or more.")
                self.seen.add(name)
                continue
            if problem is None and task_id is None:
                problem = (UNRESOLVED, f"TaskDefinition {describe(props.get('TaskDefinition'))} is no task "
                                       f"definition of this template: its CPU and memory set the price")
            elif problem is None and (cpu is None or memory is None):
                problem = (UNRESOLVED, f"task definition {task_id}: Cpu {describe(task.get('Cpu'))} / Memory "
                                       f"{describe(task.get('Memory'))} are not resolved task-level sizes")
            elif problem is None and tasks is None:
                problem = (UNRESOLVED, f"DesiredCount is {describe(props.get('DesiredCount'))}")
            elif problem is None and (not isinstance(arch, str) or not isinstance(system, str)):
                problem = (UNRESOLVED, "RuntimePlatform is not resolved")
            elif problem is None and system.upper() != "LINUX":
                problem = (NOT_MODELLED, f"Fargate on {system}: Windows rates and licence fees are not modelled")
            elif problem is None and memory not in FARGATE_MEMORY_MIB_BY_CPU.get(cpu, ()):
                problem = (NOT_MODELLED, f"Cpu {cpu} / Memory {memory} MiB is no Fargate task size (AWS refuses it)")
            if problem:
                self.skip(name, *problem)
                continue
            key = (cpu / 1024.0, memory / 1024.0, "arm64" if str(arch).upper() == "ARM64" else "x86_64")
            groups.setdefault(key, []).append((name, tasks))
            self.price(name, sorted(FARGATE_KEYS))
        return groups

    # --- endpoints, secrets, log groups ------------------------------------------------------

    def endpoints(self) -> dict[int, list[str]]:
        """Interface endpoints by the number of AZs (subnets) each is in."""
        groups: dict[int, list[str]] = {}
        for name, props in self.index.of_type("AWS::EC2::VPCEndpoint"):
            kind = props.get("VpcEndpointType", "Gateway")
            if _unresolved(kind):
                self.skip(name, UNRESOLVED, f"VpcEndpointType is {describe(kind)}")
            elif str(kind) == "Gateway":
                self.skip(name, FREE, "gateway endpoint (S3, DynamoDB): AWS charges nothing for it")
            elif str(kind) != "Interface":
                self.skip(name, NOT_MODELLED, f"{kind} endpoint: not in the price model")
            elif not isinstance(props.get("SubnetIds"), list) or not props["SubnetIds"]:
                self.skip(name, UNRESOLVED, f"SubnetIds is {describe(props.get('SubnetIds'))}: an interface "
                                            f"endpoint is billed per AZ it is in")
            else:
                groups.setdefault(len(props["SubnetIds"]), []).append(name)
                self.price(name, ["interface_endpoint_hours", "interface_endpoint_data"])
        return groups

    def secrets(self) -> list[str]:
        names = [name for name, _ in self.index.of_type("AWS::SecretsManager::Secret")]
        for name in names:
            self.price(name, ["secrets"])
        return names

    def log_groups(self) -> dict[int, list[str]]:
        """Log groups by retention in days."""
        groups: dict[int, list[str]] = {}
        for name, props in self.index.of_type("AWS::Logs::LogGroup"):
            retention, kind = props.get("RetentionInDays"), props.get("LogGroupClass", "STANDARD")
            days = NEVER_EXPIRES_DAYS if retention is None else as_port(retention)
            if days is None or days <= 0 or not isinstance(kind, str):
                self.skip(name, UNRESOLVED, f"RetentionInDays {describe(retention)} / LogGroupClass "
                                            f"{describe(kind)} are not resolved")
            elif days not in CLOUDWATCH_RETENTION_DAYS:
                self.skip(name, NOT_MODELLED, f"RetentionInDays {days} is no period CloudWatch Logs accepts")
            elif kind.upper() != "STANDARD":
                self.skip(name, NOT_MODELLED, f"log group class {kind}: only the Standard class is in the price model")
            else:
                groups.setdefault(days, []).append(name)
                self.price(name, sorted(LOG_KEYS))
        return groups

    # --- everything else ---------------------------------------------------------------------

    def the_rest(self) -> None:
        for name, resource in self.index.resources.items():
            if name in self.seen:
                continue
            kind = str(mapping(resource).get("Type", ""))
            props = self.index.properties(name)
            if kind in FREE_RESOURCE_TYPES:
                self.skip(name, FREE, "AWS charges nothing for this resource type")
            elif kind in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                mode = props.get("BillingMode", "PROVISIONED")
                if str(mode).upper() == "PAY_PER_REQUEST":
                    self.skip(name, USAGE_BASED, "on-demand reads, writes and storage (not stated by the template)")
                elif _unresolved(mode):
                    self.skip(name, UNRESOLVED, f"BillingMode is {describe(mode)}")
                else:
                    self.skip(name, NOT_MODELLED, "provisioned capacity (RCU/WCU hours) is not in the price model")
            elif kind in USAGE_BASED_RESOURCE_TYPES:
                self.skip(name, USAGE_BASED, USAGE_BASED_RESOURCE_TYPES[kind])
            elif kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
                self.skip(name, FREE, "custom resource: free itself; its provider (a Lambda function) is listed "
                                      "on its own")
            elif kind == "AWS::CloudFormation::Stack":
                self.skip(name, NOT_MODELLED, "nested stack: price its template on its own (cost --template CHILD)")
            else:
                self.skip(name, NOT_MODELLED, "no cost model for this resource type")


def read_template(template: Any, *, region: str | None = None, stack_name: str | None = None) -> TemplateReading:
    """What ``template`` deploys at its parameter defaults, as bill rows plus its description;
    InputError (exit 2) for a document that is no CloudFormation template, naming the resource."""
    problems = shape_problems(template, stack_name or "the template")
    if problems:
        raise InputError(problems)
    index = TemplateIndex(template, region=region, stack_name=stack_name)
    reader = _Reader(index)
    network = reader.network()
    public_albs, internal_albs = reader.load_balancers()
    clusters = reader.aurora()
    fargate = reader.fargate()
    endpoints = reader.endpoints()
    secrets = reader.secrets()
    logs = reader.log_groups()
    reader.the_rest()
    if reader.refused:
        raise InputError(reader.refused)
    return assemble(index, reader, network=network, public_albs=public_albs, internal_albs=internal_albs,
                    clusters=clusters, fargate=fargate, endpoints=endpoints, secrets=secrets, logs=logs)
