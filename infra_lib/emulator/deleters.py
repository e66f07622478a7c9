"""Deletes for the types moto's CloudFormation cannot delete (EC2, ELBv2, ECS, Logs, RDS subnet groups).

Without these, a destroyed stack would leave NAT gateways, Elastic IPs and load balancers in
the emulator. One function per type, in ``DELETERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _ec2(account_id: str, region_name: str):
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region_name]


def _elbv2(account_id: str, region_name: str):
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[account_id][region_name]


def _ecs(account_id: str, region_name: str):
    from moto.ecs.models import ecs_backends

    return ecs_backends[account_id][region_name]


def delete_nat_gateway(resource: Any, account_id: str, region_name: str) -> None:
    ec2 = _ec2(account_id, region_name)
    ec2.delete_nat_gateway(resource.id)
    ec2.nat_gateways.pop(resource.id, None)  # moto keeps deleted NATs; AWS stops listing them


def delete_eip(resource: Any, account_id: str, region_name: str) -> None:
    if resource.allocation_id:
        _ec2(account_id, region_name).release_address(allocation_id=resource.allocation_id)


def delete_subnet_route_table_association(resource: Any, account_id: str, region_name: str) -> None:
    ec2 = _ec2(account_id, region_name)
    table = ec2.route_tables.get(resource.route_table_id)
    for association_id, subnet_id in list(getattr(table, "_associations", {}).items()):
        if subnet_id == resource.subnet_id:
            ec2.disassociate_route_table(association_id)


def delete_route_table(resource: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_route_table(resource.id)


def delete_vpc_gateway_attachment(resource: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).detach_internet_gateway(resource.gateway_id, resource.vpc_id)


def delete_internet_gateway(resource: Any, account_id: str, region_name: str) -> None:
    _ec2(account_id, region_name).delete_internet_gateway(resource.id)


def delete_security_group_ingress(resource: Any, account_id: str, region_name: str) -> None:
    """Revoke the rule moto's ``SecurityGroupIngress`` authorized (an update that drops or renames
    it, such as a new container port, must not leave the old rule behind: re-adding it later
    failed with InvalidPermission.Duplicate). With its group already gone, nothing is left."""
    ec2 = _ec2(account_id, region_name)
    group = getattr(resource, "security_group", None)
    if group is None or ec2.get_security_group_by_name_or_id(group.id) is None:
        return
    props = resource.properties
    source = {key: props[prop] for key, prop in (("GroupId", "SourceSecurityGroupId"),
                                                  ("GroupName", "SourceSecurityGroupName")) if props.get(prop)}
    ec2.revoke_security_group_ingress(
        group_name_or_id=group.id, ip_protocol=props.get("IpProtocol"), from_port=props.get("FromPort"),
        to_port=props.get("ToPort"),
        ip_ranges=[{"CidrIp": props["CidrIp"], "Description": props.get("Description")}] if props.get("CidrIp") else [],
        source_groups=[source] if source else [])


def delete_load_balancer(resource: Any, account_id: str, region_name: str) -> None:
    _elbv2(account_id, region_name).delete_load_balancer(resource.arn)


def delete_target_group(resource: Any, account_id: str, region_name: str) -> None:
    _elbv2(account_id, region_name).delete_target_group(resource.arn)


def delete_listener(resource: Any, account_id: str, region_name: str) -> None:
    _elbv2(account_id, region_name).delete_listener(resource.arn)


def delete_ecs_service(resource: Any, account_id: str, region_name: str) -> None:
    _ecs(account_id, region_name).delete_service(resource.cluster_name, resource.name, force=True)


def delete_ecs_cluster(resource: Any, account_id: str, region_name: str) -> None:
    _ecs(account_id, region_name).delete_cluster(resource.name)


def delete_task_definition(resource: Any, account_id: str, region_name: str) -> None:
    _ecs(account_id, region_name).deregister_task_definition(resource.arn)


def delete_log_group(resource: Any, account_id: str, region_name: str) -> None:
    from moto.logs.models import logs_backends

    logs_backends[account_id][region_name].delete_log_group(resource.name)


def delete_db_subnet_group(resource: Any, account_id: str, region_name: str) -> None:
    from moto.rds.models import rds_backends

    rds_backends[account_id][region_name].delete_subnet_group(resource.name)


DELETERS: dict[str, Callable[[Any, str, str], None]] = {
    "AWS::EC2::NatGateway": delete_nat_gateway,
    "AWS::EC2::EIP": delete_eip,
    "AWS::EC2::SubnetRouteTableAssociation": delete_subnet_route_table_association,
    "AWS::EC2::RouteTable": delete_route_table,
    "AWS::EC2::VPCGatewayAttachment": delete_vpc_gateway_attachment,
    "AWS::EC2::InternetGateway": delete_internet_gateway,
    "AWS::EC2::SecurityGroupIngress": delete_security_group_ingress,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": delete_load_balancer,
    "AWS::ElasticLoadBalancingV2::TargetGroup": delete_target_group,
    "AWS::ElasticLoadBalancingV2::Listener": delete_listener,
    "AWS::ECS::Service": delete_ecs_service,
    "AWS::ECS::Cluster": delete_ecs_cluster,
    "AWS::ECS::TaskDefinition": delete_task_definition,
    "AWS::Logs::LogGroup": delete_log_group,
    "AWS::RDS::DBSubnetGroup": delete_db_subnet_group,
}


def fallback_delete(resource: Any, resource_type: str, account_id: str, region_name: str) -> bool:
    """Delete ``resource`` with the kit's deleter for its type; False when there is none and the
    resource has a physical id (something may be left behind)."""
    deleter = DELETERS.get(resource_type)
    if deleter is None:
        return getattr(resource, "physical_resource_id", None) is None
    deleter(resource, account_id, region_name)
    return True


def fallback_delete_applies(resource: Any, resource_type: str) -> bool:
    """True when moto itself cannot delete this resource but the kit knows how."""
    from moto.cloudformation import parsing

    from infra_lib.emulator.registry import kit_models

    moto_class = kit_models().get(resource_type) or parsing.get_model_map().get(resource_type)
    has_cfn_delete = moto_class is not None and not hasattr(
        moto_class.delete_from_cloudformation_json, "__isabstractmethod__")
    has_delete = callable(getattr(resource, "delete", None))
    return not (has_cfn_delete or has_delete)
