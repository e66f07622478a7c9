"""``AWS::EC2::NatGateway``: moto's NAT gateway, plus the regional availability mode (VPC-wide,
no subnet, AWS manages its addresses), which moto 5.2.5 fails on ("missing 'SubnetId'")."""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.utils import random_nat_gateway_id, random_private_ip

from infra_lib.emulator.models.base import Registered


class KitNatGateway(Registered, NatGateway):
    cfn_type = "AWS::EC2::NatGateway"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = cloudformation_json["Properties"]
        if props.get("AvailabilityMode", "zonal") != "regional":
            return NatGateway.create_from_cloudformation_json(resource_name, cloudformation_json, account_id,
                                                              region_name, **kwargs)
        backend = ec2_backends[account_id][region_name]
        backend.get_vpc(props["VpcId"])  # InvalidVpcID.NotFound, as AWS
        nat = cls.__new__(cls)  # not __init__: that needs a subnet
        nat.id = random_nat_gateway_id()
        nat.subnet_id = None
        nat.vpc_id = props["VpcId"]
        nat.address_set = []
        nat.state = "available"
        nat.private_ip = random_private_ip()
        nat.connectivity_type = props.get("ConnectivityType", "public")
        nat.availability_mode = "regional"
        nat._created_at = utcnow()
        nat.ec2_backend = backend
        nat.add_tags({t["Key"]: t["Value"] for t in props.get("Tags", [])})
        backend.nat_gateways[nat.id] = nat
        return nat

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "NatGatewayId"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "NatGatewayId":
            return self.id
        raise UnformattedGetAttTemplateException()
