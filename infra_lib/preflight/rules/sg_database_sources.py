"""Database security groups admit only application security groups, never the internet."""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import dig

ID = "SG-DATABASE-SOURCES"
TITLE = "Database security groups admit only application security groups"
RATIONALE = ("A payment database reachable from 0.0.0.0/0 is one leaked password away from a breach; "
             "admitting a whole CIDR admits every future host in it. Admit the application's security group.")
SOURCE_URL = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.RDSSecurityGroups.html"

# Resource types whose security groups count as "application" groups.
APPLICATION_TYPES = {
    "AWS::ECS::Service": lambda p: dig(p, "NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups"),
    "AWS::Lambda::Function": lambda p: dig(p, "VpcConfig", "SecurityGroupIds"),
    "AWS::EC2::Instance": lambda p: p.get("SecurityGroupIds"),
    "AWS::EC2::LaunchTemplate": lambda p: dig(p, "LaunchTemplateData", "SecurityGroupIds"),
    "AWS::AutoScaling::LaunchConfiguration": lambda p: p.get("SecurityGroups"),
}


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    db_groups: dict[str, str] = {}
    for name, props in index.of_type("AWS::RDS::DBCluster"):
        for group in index.group_refs(props.get("VpcSecurityGroupIds"))[0]:
            db_groups.setdefault(group, name)
    for name, props in index.of_type("AWS::RDS::DBInstance"):
        for group in index.group_refs(props.get("VPCSecurityGroups"))[0]:
            db_groups.setdefault(group, name)
    app_groups: set[str] = set()
    for resource_type, getter in APPLICATION_TYPES.items():
        for _, props in index.of_type(resource_type):
            app_groups.update(index.group_refs(getter(props))[0])
    for rule in index.ingress_rules():
        database = db_groups.get(rule.group)
        if database is None:
            continue
        if rule.open_to_world:
            yield Finding(ID, "open-to-internet", rule.defined_in,
                          f"Security group {rule.group} of database {database} admits {rule.describe_ports()} from "
                          f"{rule.cidr}.", "Remove the rule; admit only the application's security group.",
                          "template")
        elif rule.cidr:
            yield Finding(ID, "cidr-source", rule.defined_in,
                          f"Security group {rule.group} of database {database} admits {rule.describe_ports()} from "
                          f"CIDR {rule.cidr}: every host in that range, now and later, can reach it.",
                          "Admit the application's security group instead of a CIDR.", "template")
        elif rule.source_group and rule.source_group not in app_groups:
            yield Finding(ID, "non-application-source", rule.defined_in,
                          f"Security group {rule.group} of database {database} admits security group "
                          f"{rule.source_group}, which no application (ECS service, Lambda, instance) uses.",
                          "Admit only the groups of the services that query the database.", "template")
        elif rule.all_traffic:
            yield Finding(ID, "all-ports", rule.defined_in,
                          f"Security group {rule.group} of database {database} admits all traffic from "
                          f"{rule.describe_source()}.", "Admit only the database port.", "template")
