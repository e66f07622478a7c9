"""``AWS::Logs::LogGroup``: moto's log group, plus the in-place update CloudFormation does
(retention) and a new ``LogGroupName`` as a new group; moto has no update for it."""

from __future__ import annotations

from moto.logs.models import LogGroup, logs_backends

from infra_lib.emulator.models.base import Registered


class KitLogGroup(Registered, LogGroup):
    cfn_type = "AWS::Logs::LogGroup"

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        name = props.get("LogGroupName")
        if name and name != original_resource.name:  # replacement, as CloudFormation does
            created = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return created
        backend = logs_backends[account_id][region_name]
        if props.get("RetentionInDays"):
            backend.put_retention_policy(original_resource.name, int(props["RetentionInDays"]))
        else:
            backend.delete_retention_policy(original_resource.name)
        return original_resource
