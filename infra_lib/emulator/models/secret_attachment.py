"""``AWS::SecretsManager::SecretTargetAttachment``: adds the database's connection details to the
secret, as AWS does; ``Ref`` is the secret's ARN."""

from __future__ import annotations

import json

from moto.rds.models import rds_backends
from moto.secretsmanager.models import secretsmanager_backends

from infra_lib.emulator.models.base import KitModel


class KitSecretTargetAttachment(KitModel):
    cfn_type = "AWS::SecretsManager::SecretTargetAttachment"

    def __init__(self, secret_arn: str, target_id: str):
        super().__init__(secret_arn)
        self.secret_arn = secret_arn
        self.target_id = target_id

    @classmethod
    def _attach(cls, props: dict, account_id: str, region_name: str) -> KitSecretTargetAttachment:
        secrets = secretsmanager_backends[account_id][region_name]
        target_type, target_id = props["TargetType"], str(props["TargetId"])
        if target_type == "AWS::RDS::DBCluster":
            target = rds_backends[account_id][region_name].describe_db_clusters(target_id)[0]
            details = {"engine": "postgres" if "postgres" in target.engine else target.engine.split("-")[-1],
                       "host": target.endpoint, "port": target.port,
                       "dbClusterIdentifier": target.db_cluster_identifier}
        elif target_type == "AWS::RDS::DBInstance":
            target = rds_backends[account_id][region_name].describe_db_instances(target_id)[0]
            details = {"engine": target.engine, "host": target.address, "port": target.port,
                       "dbInstanceIdentifier": target.db_instance_identifier}
        else:
            raise ValueError(f"TargetType {target_type} is not one the emulator can attach "
                             f"(AWS::RDS::DBCluster, AWS::RDS::DBInstance)")
        current = secrets.get_secret_value(props["SecretId"], None, None)
        value = {**json.loads(current["SecretString"]), **details}
        secrets.put_secret_value(props["SecretId"], json.dumps(value), None, None, ["AWSCURRENT"])
        return cls(current["ARN"], target_id)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        return cls._attach(cloudformation_json["Properties"], account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        return cls._attach(cloudformation_json["Properties"], account_id, region_name)

    # delete_resource: the base's nothing; the secret keeps its last value, as on AWS.
