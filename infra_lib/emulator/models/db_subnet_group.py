"""``AWS::RDS::DBSubnetGroup``: moto's subnet group with a physical id (its name, what ``Ref``
returns on AWS; moto's has none, so a cluster's ``DBSubnetGroupName`` became the Python object),
and the in-place update of its subnets and description (one more AZ)."""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBSubnetGroup, rds_backends

from infra_lib.emulator.models.base import Registered


class KitDBSubnetGroup(Registered, DBSubnetGroup):
    cfn_type = "AWS::RDS::DBSubnetGroup"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        backend = rds_backends[account_id][region_name]
        subnets = [ec2.get_subnet(subnet_id) for subnet_id in props["SubnetIds"]]
        group = cls(backend, resource_name, props["DBSubnetGroupDescription"], subnets, props.get("Tags"))
        backend.subnet_groups[group.name] = group  # RDS names are lowercase; moto kept the generated case
        return group

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        name = props.get("DBSubnetGroupName")
        if name and name.lower() != original_resource.name:
            raise RDSClientError("InvalidParameterCombination",
                                 "the emulator cannot replace a DB subnet group (new DBSubnetGroupName); "
                                 "destroy the stack and deploy again")
        ec2 = ec2_backends[account_id][region_name]
        subnets = [ec2.get_subnet(subnet_id) for subnet_id in props["SubnetIds"]]
        if {subnet.vpc_id for subnet in subnets} != {original_resource.vpc_id}:
            raise RDSClientError("InvalidParameterValue", "The new Subnets are not in the same Vpc as the "
                                                          "existing subnet group")
        original_resource.subnets = subnets
        original_resource.description = props["DBSubnetGroupDescription"]
        return original_resource
