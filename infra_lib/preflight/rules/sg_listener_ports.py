"""Every listener port is admitted by a security group of its load balancer, and every port
those groups open has a listener.

Seed failure #4: the ALB's security group opened 443 while the only listener was HTTP:80, so
the API was unreachable (80 closed) and a port stood open with nothing behind it.
"""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding

ID = "SG-LISTENER-PORTS"
TITLE = "Load balancer security groups open exactly the listener ports"
RATIONALE = ("A listener whose port the load balancer's security groups do not admit is unreachable; a port "
             "opened with no listener is attack surface with no purpose. Both synthesize and deploy cleanly.")
SOURCE_URL = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html"


# Listener protocol -> the IP protocols its clients use.
IP_PROTOCOLS = {"HTTP": ("tcp",), "HTTPS": ("tcp",), "TCP": ("tcp",), "TLS": ("tcp",), "UDP": ("udp",),
                "TCP_UDP": ("tcp", "udp")}


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    rules = index.ingress_rules()
    listeners: dict[str, list[tuple[str, int | None, str]]] = {}
    for name, props in index.of_type("AWS::ElasticLoadBalancingV2::Listener"):
        balancer = index.target(props.get("LoadBalancerArn"), "AWS::ElasticLoadBalancingV2::LoadBalancer")
        if balancer:
            protocol = str(index.literal(props.get("Protocol")) or "HTTP").upper()
            listeners.setdefault(balancer, []).append((name, index.port(props.get("Port")), protocol))
    for balancer, props in index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        if not props.get("SecurityGroups") and str(props.get("Type", "application")).lower() != "application":
            continue  # a network load balancer without security groups: nothing to compare
        groups, external = index.group_refs(props.get("SecurityGroups"))
        own = listeners.get(balancer, [])
        group_rules = [r for r in rules if r.group in groups]
        for name, port, protocol in own:
            if port is None:
                yield Finding(ID, "unresolved-port", name, f"Listener {name}'s port is not a literal; not checked.",
                              "Use a literal port, or a parameter with a Default.", "template")
                continue
            needed = IP_PROTOCOLS.get(protocol, ("tcp",))
            if all(any(r.admits(port, ip) for r in group_rules) for ip in needed):
                continue
            if external:
                yield Finding(ID, "unverified", name,
                              f"Listener {name} ({protocol}:{port}) on {balancer}: no security group in this template "
                              f"admits port {port}, and {', '.join(external)} cannot be read from the template.",
                              f"Make sure the imported group admits {'/'.join(needed).upper()} {port}.", "template")
                continue
            opened = sorted({r.describe_ports() for r in group_rules}) or ["nothing"]
            where = ", ".join(groups) or "a security group of the load balancer"
            yield Finding(ID, "listener-not-admitted", name,
                          f"Listener {name} is {protocol}:{port} on {balancer}, but its security groups "
                          f"({', '.join(groups) or 'none'}) admit {', '.join(opened)}: clients cannot reach it.",
                          f"Admit {'/'.join(needed).upper()} {port} on {where} and remove ports without a listener "
                          f"(CDK: listener with open=True derives the rule from the listener).", "template")
        if any(port is None for _, port, _ in own):
            continue  # cannot tell which ports are served
        shared = {group: sorted(_other_users(index, group)) for group in groups}
        for group, users in shared.items():
            if users and any(r.group == group and r.port_range() for r in group_rules):
                yield Finding(ID, "shared-group", group,
                              f"Security group {group} of {balancer} is also attached to "
                              f"{', '.join(users[:5])}{' and more' if len(users) > 5 else ''}: its ports without a "
                              f"listener may serve those, so they were not checked against the listeners.",
                              f"Give {balancer} a security group of its own that admits exactly its listener "
                              f"ports.", "template")
        group_rules = [r for r in group_rules if not shared.get(r.group)]
        served_by = {(port, ip) for _, port, protocol in own for ip in IP_PROTOCOLS.get(protocol, ("tcp",))}
        for rule in group_rules:
            span = rule.port_range()
            if span is None:
                continue
            ips = ("tcp", "udp") if rule.all_traffic else (rule.protocol,)
            served = {p for p, ip in served_by if ip in ips and span[0] <= p <= span[1]}
            listing = ", ".join(f"{p}/{pr}" for _, p, pr in own) or "none"
            if span[0] == span[1] and not served:
                yield Finding(ID, "port-without-listener", rule.defined_in,
                              f"Security group {rule.group} of {balancer} admits {rule.describe_ports()} from "
                              f"{rule.describe_source()}, but no listener uses it (listeners: {listing}).",
                              f"Remove the {rule.describe_ports()} rule, or add the listener it was meant for.",
                              "template")
            elif span[0] != span[1] and (span[1] - span[0] + 1) > len(served):
                yield Finding(ID, "port-range-wider-than-listeners", rule.defined_in,
                              f"Security group {rule.group} of {balancer} admits {rule.describe_ports()} from "
                              f"{rule.describe_source()}; the listeners use only {listing}.",
                              "Admit exactly the listener ports.", "template")


# Resource types that refer to a security group without being a user of it.
NOT_USERS = ("AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
             "AWS::EC2::SecurityGroupEgress")


def _other_users(index, group: str) -> set[str]:
    """Resources other than load balancers and security-group rules that use ``group``
    (instances, launch templates, services, databases...)."""
    return {name for name in index.referrers(group) if index.type_of(name) not in NOT_USERS}
