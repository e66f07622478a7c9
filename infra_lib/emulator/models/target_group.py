"""``AWS::ElasticLoadBalancingV2::TargetGroup``: moto's target group, plus updates of its port and
health check (a new container_port); moto has no update for it.

A new port makes CloudFormation replace the group (a new ARN that the listener and the service
then take). moto cannot re-resolve references to a replaced resource, so the emulator changes
the port of the same group instead: the end state (listener -> group -> port) is AWS's, the
group keeps its ARN.
"""

from __future__ import annotations

from moto.elbv2.models import FakeTargetGroup, elbv2_backends

from infra_lib.emulator.models.base import Registered

_HEALTH_CHECK = {"HealthCheckProtocol": "health_check_proto", "HealthCheckPort": "health_check_port",
                 "HealthCheckPath": "health_check_path", "HealthCheckIntervalSeconds": "health_check_interval",
                 "HealthCheckTimeoutSeconds": "health_check_timeout",
                 "HealthyThresholdCount": "healthy_threshold_count",
                 "UnhealthyThresholdCount": "unhealthy_threshold_count",
                 "HealthCheckEnabled": "health_check_enabled"}


class KitTargetGroup(Registered, FakeTargetGroup):
    cfn_type = "AWS::ElasticLoadBalancingV2::TargetGroup"

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        group = original_resource
        changed = [key for key, now in (("Name", group.name), ("Protocol", group.protocol),
                                        ("TargetType", group.target_type), ("VpcId", group.vpc_id))
                   if props.get(key) is not None and props[key] != now]
        if changed:
            raise ValueError(f"the emulator cannot replace a target group (new {', '.join(changed)}); destroy "
                             f"the stack and deploy again, or deploy with --target aws")
        if props.get("Port") is not None:
            group.port = props["Port"]
        health = {arg: props[key] for key, arg in _HEALTH_CHECK.items() if key in props}
        if "Matcher" in props:
            health["http_codes"] = props["Matcher"].get("HttpCode")
        if health:
            elbv2_backends[account_id][region_name].modify_target_group(group.arn, **health)
        return group
