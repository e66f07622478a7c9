"""Targets admit their target port from the load balancer's security group.

The other half of the listener check: an ALB that can be reached still returns 502/504 when
the ECS service's security group does not admit the container port from the ALB.
"""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import as_list, dig

ID = "SG-TARGET-PORTS"
TITLE = "Service security groups admit the target port from the load balancer"
RATIONALE = ("Health checks and traffic from the load balancer reach the task on the container port; if the "
             "service's security group does not admit it from the load balancer's group, every target is "
             "unhealthy and the deploy's circuit breaker rolls back.")
SOURCE_URL = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html"


def _balancer_groups(context: Context) -> dict[str, list[str]]:
    """Target group -> security groups of the load balancers whose listeners forward to it."""
    index = context.index
    groups_of_balancer = {name: index.group_refs(props.get("SecurityGroups"))[0]
                          for name, props in index.of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")}
    result: dict[str, list[str]] = {}

    def forward_targets(actions) -> list[str]:
        found = []
        for action in as_list(actions):
            if not isinstance(action, dict):
                continue
            found.append(index.target(action.get("TargetGroupArn"), "AWS::ElasticLoadBalancingV2::TargetGroup"))
            for entry in as_list(dig(action, "ForwardConfig", "TargetGroups")):
                if isinstance(entry, dict):
                    found.append(index.target(entry.get("TargetGroupArn"), "AWS::ElasticLoadBalancingV2::TargetGroup"))
        return [f for f in found if f]

    listener_balancer = {}
    for name, props in index.of_type("AWS::ElasticLoadBalancingV2::Listener"):
        balancer = index.target(props.get("LoadBalancerArn"), "AWS::ElasticLoadBalancingV2::LoadBalancer")
        listener_balancer[name] = balancer
        for target_group in forward_targets(props.get("DefaultActions")):
            result.setdefault(target_group, []).extend(groups_of_balancer.get(balancer, []))
    for _, props in index.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"):
        balancer = listener_balancer.get(index.target(props.get("ListenerArn")))
        for target_group in forward_targets(props.get("Actions")):
            result.setdefault(target_group, []).extend(groups_of_balancer.get(balancer, []))
    return result


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    rules = index.ingress_rules()
    balancer_groups = _balancer_groups(context)
    target_ports = {name: index.port(props.get("Port"))
                    for name, props in index.of_type("AWS::ElasticLoadBalancingV2::TargetGroup")}
    for service, props in index.of_type("AWS::ECS::Service"):
        network = dig(props, "NetworkConfiguration", "AwsvpcConfiguration")
        service_groups, external = index.group_refs(dig(network, "SecurityGroups"))
        for mapping in as_list(props.get("LoadBalancers")):
            if not isinstance(mapping, dict):
                continue
            target_group = index.target(mapping.get("TargetGroupArn"), "AWS::ElasticLoadBalancingV2::TargetGroup")
            port = index.port(mapping.get("ContainerPort"))
            if port is None and target_group:
                port = target_ports.get(target_group)
            lb_groups = balancer_groups.get(target_group or "", [])
            if port is None or not lb_groups or not (service_groups or external):
                continue
            admitting = [r for r in rules if r.group in service_groups and r.admits_tcp(port)]
            from_balancer = [r for r in admitting if r.source_group in lb_groups]
            if from_balancer:
                continue
            if external and not service_groups:
                yield Finding(ID, "unverified", service,
                              f"{service}'s security groups ({', '.join(external)}) are not in this template; "
                              f"whether they admit TCP {port} from the load balancer was not checked.",
                              f"Make sure they admit TCP {port} from {', '.join(lb_groups)}.", "template")
                continue
            world = [r for r in admitting if r.open_to_world or r.cidr]
            if world:
                yield Finding(ID, "target-open-to-cidr", service,
                              f"{service} admits TCP {port} from {', '.join(sorted({r.describe_source() for r in world}))} "
                              f"rather than from the load balancer's security group ({', '.join(lb_groups)}).",
                              f"Admit TCP {port} only from {', '.join(lb_groups)}.", "template")
                continue
            yield Finding(ID, "target-not-admitted", service,
                          f"{service} receives traffic on TCP {port} from the load balancer "
                          f"({', '.join(lb_groups)}), but its security groups ({', '.join(service_groups)}) do not "
                          f"admit it: every target fails its health check.",
                          f"Add an ingress rule on {service_groups[0]} for TCP {port} from {lb_groups[0]} (CDK: "
                          f"service.connections.allow_from(alb, ec2.Port.tcp({port})), or attach the service to the "
                          f"target group with attach_to_application_target_group).", "template")
