"""``AWS::EC2::Route``: moto's route, plus the in-place update CloudFormation does (ReplaceRoute)
and a delete."""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.ec2.models.route_tables import Route

from infra_lib.emulator.models.base import Registered


class KitRoute(Registered, Route):
    cfn_type = "AWS::EC2::Route"

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        backend = ec2_backends[account_id][region_name]
        if (props["RouteTableId"] != original_resource.route_table.id
                or props.get("DestinationCidrBlock") != original_resource.destination_cidr_block):
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id,
                                                       region_name)
        return backend.replace_route(
            props["RouteTableId"], props.get("DestinationCidrBlock"),
            nat_gateway_id=props.get("NatGatewayId"), gateway_id=props.get("GatewayId"),
            instance_id=props.get("InstanceId"), interface_id=props.get("NetworkInterfaceId"),
            egress_only_igw_id=props.get("EgressOnlyInternetGatewayId"),
            transit_gateway_id=props.get("TransitGatewayId"),
            vpc_peering_connection_id=props.get("VpcPeeringConnectionId"))

    if not hasattr(Route, "delete"):  # moto 5.2.5 has none
        def delete(self, account_id: str, region_name: str) -> None:
            ec2_backends[account_id][region_name].delete_route(self.route_table.id, self.destination_cidr_block)
