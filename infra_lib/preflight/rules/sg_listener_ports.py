"""Every listener port is admitted by a security group of its load balancer, and every port
those groups open has a listener.

Seed failure #4: the ALB's security group opened 443 while the only listener was HTTP:80, so
the API was unreachable (80 closed) and a port stood open with nothing behind it.
"""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infra_lib.preflight.template_index import as_port

ID = "SG-LISTENER-PORTS"
TITLE = "Load balancer security groups open exactly the listener ports"
RATIONALE = ("A listener whose port the load balancer's security groups do not admit is unreachable; a port "
             "opened with no listener is attack surface with no purpose. Both synthesize and deploy cleanly.")
SOURCE_URL = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html"


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    rules = index.ingress_rules()
    listeners: dict[str, list[tuple[str, int | None, str]]] = {}
    for name, props in index.of_type("AWS::ElasticLoadBalancingV2::Listener"):
        balancer = index.target(props.get("LoadBalancerArn"), "AWS::ElasticLoadBalancingV2::LoadBalancer")
        if balancer:
            listeners.setdefault(balancer, []).append((name, as_port(props.get("Port")),
                                                       str(props.get("Protocol", "?"))))
    for balancer, props in index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        if str(props.get("Type", "application")).lower() != "application" and not props.get("SecurityGroups"):
            continue  # a network load balancer without security groups: nothing to compare
        groups, external = index.group_refs(props.get("SecurityGroups"))
        own = listeners.get(balancer, [])
        group_rules = [r for r in rules if r.group in groups]
        for name, port, protocol in own:
            if port is None:
                yield Finding(ID, "unresolved-port", name, f"Listener {name}'s port is not a literal; not checked.",
                              "Use a literal port.", "template")
                continue
            if any(r.admits_tcp(port) for r in group_rules):
                continue
            if external:
                yield Finding(ID, "unverified", name,
                              f"Listener {name} ({protocol}:{port}) on {balancer}: no security group in this template "
                              f"admits port {port}, and {', '.join(external)} cannot be read from the template.",
                              f"Make sure the imported group admits TCP {port}.", "template")
                continue
            opened = sorted({r.describe_ports() for r in group_rules}) or ["nothing"]
            yield Finding(ID, "listener-not-admitted", name,
                          f"Listener {name} is {protocol}:{port} on {balancer}, but its security groups "
                          f"({', '.join(groups) or 'none'}) admit {', '.join(opened)}: clients cannot reach it.",
                          f"Admit TCP {port} on {', '.join(groups) or 'a security group of the load balancer'} and "
                          f"remove ports without a listener (CDK: listener with open=True derives the rule from the "
                          f"listener).", "template")
        listener_ports = {port for _, port, _ in own if port is not None}
        if any(port is None for _, port, _ in own):
            continue  # cannot tell which ports are served
        for rule in group_rules:
            span = rule.port_range()
            if span is None:
                continue
            served = [p for p in listener_ports if span[0] <= p <= span[1]]
            if span[0] == span[1] and not served:
                yield Finding(ID, "port-without-listener", rule.defined_in,
                              f"Security group {rule.group} of {balancer} admits TCP {span[0]} from "
                              f"{rule.describe_source()}, but no listener uses port {span[0]} (listeners: "
                              f"{', '.join(f'{p}/{pr}' for _, p, pr in own) or 'none'}).",
                              f"Remove the port {span[0]} rule, or add the listener it was meant for.", "template")
            elif span[0] != span[1] and (span[1] - span[0] + 1) > len(served):
                yield Finding(ID, "port-range-wider-than-listeners", rule.defined_in,
                              f"Security group {rule.group} of {balancer} admits {rule.describe_ports()} from "
                              f"{rule.describe_source()}; the listeners use only "
                              f"{', '.join(str(p) for p in sorted(listener_ports)) or 'no port'}.",
                              "Admit exactly the listener ports.", "template")
