"""``AWS::EC2::SecurityGroupEgress``: a rule on its group, revoked when the stack deletes it."""

from __future__ import annotations

import json
from typing import Any

from moto.ec2.models import ec2_backends

from infra_lib.emulator.models.base import KitModel


class KitSecurityGroupEgress(KitModel):
    cfn_type = "AWS::EC2::SecurityGroupEgress"

    def __init__(self, rule: dict[str, Any]):
        super().__init__(f"sgr-{abs(hash(json.dumps(rule, sort_keys=True))) % 10**17:017x}")
        self.rule = rule
        self.id = self.physical_resource_id

    @staticmethod
    def _rule(props: dict) -> dict[str, Any]:
        destination = props.get("DestinationSecurityGroupId")
        return {
            "group_name_or_id": props["GroupId"],
            "ip_protocol": str(props["IpProtocol"]),
            "from_port": props.get("FromPort"),
            "to_port": props.get("ToPort"),
            "ip_ranges": [{"CidrIp": props["CidrIp"], "Description": props.get("Description")}]
            if props.get("CidrIp") else [],
            "source_groups": [{"GroupId": destination}] if destination else [],
        }

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        rule = cls._rule(cloudformation_json["Properties"])
        ec2_backends[account_id][region_name].authorize_security_group_egress(**rule)
        return cls(rule)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        if backend.get_security_group_by_name_or_id(self.rule["group_name_or_id"]) is None:
            return  # the rule went with its security group
        backend.revoke_security_group_egress(**self.rule)
