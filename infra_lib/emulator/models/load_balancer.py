"""``AWS::ElasticLoadBalancingV2::LoadBalancer``: moto's load balancer, plus the in-place update of
its subnets and security groups (an AZ more or less); moto has no update for it."""

from __future__ import annotations

from moto.elbv2.models import FakeLoadBalancer, elbv2_backends

from infra_lib.emulator.models.base import Registered


class KitLoadBalancer(Registered, FakeLoadBalancer):
    cfn_type = "AWS::ElasticLoadBalancingV2::LoadBalancer"

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        changed = [key for key, now in (("Name", original_resource.name), ("Scheme", original_resource.scheme),
                                        ("Type", original_resource.type))
                   if props.get(key) is not None and props[key] != now]
        if changed:
            raise ValueError(f"the emulator cannot replace a load balancer (new {', '.join(changed)}); destroy "
                             f"the stack and deploy again, or deploy with --target aws")
        backend = elbv2_backends[account_id][region_name]
        if "Subnets" in props or "SubnetMappings" in props:
            backend.set_subnets(original_resource.arn, props.get("Subnets", []), props.get("SubnetMappings", []))
        if "SecurityGroups" in props:
            backend.set_security_groups(original_resource.arn, props["SecurityGroups"])
        return original_resource
