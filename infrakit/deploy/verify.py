"""Verification: what a deploy of the template must produce (the plan), compared with what
the target holds — NAT gateways, the Aurora engine version and instance count, the ALB's
listeners and the ports its security groups open to the internet.

A resource the target does not have (no physical id, or the service says it does not exist)
is a failed check that says so, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from infrakit.deploy.target import Target, reaching

MISSING = "missing"  # the ``actual`` of a check whose resource the target does not have


def plan_from_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """What a deploy of ``template`` must produce, in the terms verification checks."""
    from infrakit.core.cfn import TemplateIndex

    index = TemplateIndex(template)

    def first(resource_type: str) -> str | None:
        return next((name for name, _ in index.of_type(resource_type)), None)

    cluster = first("AWS::RDS::DBCluster")
    plan: dict[str, Any] = {
        "vpc": first("AWS::EC2::VPC"),
        "nat_gateways": sum(1 for _ in index.of_type("AWS::EC2::NatGateway")),
        "load_balancer": first("AWS::ElasticLoadBalancingV2::LoadBalancer"),
        "listeners": sorted(([index.port(props.get("Port")), str(index.literal(props.get("Protocol")) or "")]
                             for _, props in index.of_type("AWS::ElasticLoadBalancingV2::Listener")),
                            key=lambda listener: (listener[0] is None, listener[0] or 0, listener[1])),
        "db_cluster": cluster,
    }
    if cluster:
        plan["engine_version"] = index.literal(index.resources[cluster]["Properties"].get("EngineVersion"))
        plan["db_instances"] = sum(
            1 for _, props in index.of_type("AWS::RDS::DBInstance")
            if index.target(props.get("DBClusterIdentifier"), "AWS::RDS::DBCluster") == cluster)
    return plan


def physical_ids(tgt: Target, stack_name: str) -> dict[str, str]:
    """Logical id -> physical id of every resource the stack holds that has one."""
    with reaching(tgt):
        resources = tgt.client("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("PhysicalResourceId")}


def public_ports(ec2, group_ids: list[str]) -> list[int]:
    """TCP ports the groups admit from 0.0.0.0/0 or ::/0 (a range counts as its ends' span)."""
    ports: set[int] = set()
    for group in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]:
        for rule in group.get("IpPermissions", []):
            public = any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", [])) or any(
                r.get("CidrIpv6") == "::/0" for r in rule.get("Ipv6Ranges", []))
            if public and rule.get("IpProtocol") in ("tcp", "6", "-1") and "FromPort" in rule:
                ports.update(range(int(rule["FromPort"]), int(rule["ToPort"]) + 1))
    return sorted(ports)


class _Checks:
    def __init__(self):
        self.checks: list[dict[str, Any]] = []

    def add(self, name: str, expected: Any, actual: Any) -> None:
        self.checks.append({"check": name, "expected": expected, "actual": actual, "ok": expected == actual})

    def missing(self, names: tuple[str, ...], expected: tuple[Any, ...], what: str) -> None:
        for name, value in zip(names, expected, strict=True):
            self.add(name, value, f"{MISSING}: {what}")

    def read(self, names: tuple[str, ...], expected: tuple[Any, ...], what: str,
             read: Callable[[], tuple[Any, ...]]) -> None:
        """Add the checks ``names`` with the values ``read()`` returns; an API error (the
        resource is gone) fails them with the error's code."""
        from botocore.exceptions import ClientError

        try:
            actual = read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code") or "error"
            self.missing(names, expected, f"{what} ({code})")
            return
        for name, value, found in zip(names, expected, actual, strict=True):
            self.add(name, value, found)


def verify_stack(tgt: Target, stack_name: str, template: Mapping[str, Any]) -> dict[str, Any]:
    """Compare what the target holds with the plan. ``ok`` is False on any mismatch and on any
    planned resource the target does not have."""
    plan = plan_from_template(template)
    ids = physical_ids(tgt, stack_name)
    checks = _Checks()

    def absent(logical_id: str) -> str:
        return f"{logical_id} has no physical resource in stack {stack_name}"

    with reaching(tgt):
        if plan["vpc"]:
            if not (vpc_id := ids.get(plan["vpc"])):
                checks.missing(("nat_gateways",), (plan["nat_gateways"],), absent(plan["vpc"]))
            else:
                checks.read(("nat_gateways",), (plan["nat_gateways"],), f"VPC {vpc_id}",
                            lambda: (len(tgt.client("ec2").describe_nat_gateways(Filters=[
                                {"Name": "vpc-id", "Values": [vpc_id]},
                                {"Name": "state", "Values": ["pending", "available"]}])["NatGateways"]),))
        if plan["db_cluster"]:
            names, expected = ("db_engine_version", "db_instances"), (plan["engine_version"], plan["db_instances"])
            if not (cluster_id := ids.get(plan["db_cluster"])):
                checks.missing(names, expected, absent(plan["db_cluster"]))
            else:
                checks.read(names, expected, f"DB cluster {cluster_id}", lambda: _cluster_facts(tgt, cluster_id))
        if plan["load_balancer"]:
            names = ("alb_listeners", "alb_ingress_ports")
            expected = (plan["listeners"], sorted({port for port, _ in plan["listeners"]}))
            if not (arn := ids.get(plan["load_balancer"])):
                checks.missing(names, expected, absent(plan["load_balancer"]))
            else:
                checks.read(names, expected, f"load balancer {arn}", lambda: _alb_facts(tgt, arn))
    return {"ok": all(c["ok"] for c in checks.checks) and bool(checks.checks), "checks": checks.checks}


def _cluster_facts(tgt: Target, cluster_id: str) -> tuple[Any, int]:
    cluster = tgt.client("rds").describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    return cluster.get("EngineVersion"), len(cluster.get("DBClusterMembers", []))


def _alb_facts(tgt: Target, arn: str) -> tuple[list, list[int]]:
    elbv2 = tgt.client("elbv2")
    listeners = elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
    # The seed opened 443 while its listener served 80: the ports the ALB's security groups
    # admit from the internet must be exactly the listener ports.
    groups = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0].get("SecurityGroups", [])
    return (sorted([int(lst["Port"]), lst["Protocol"]] for lst in listeners),
            public_ports(tgt.client("ec2"), groups) if groups else [])
