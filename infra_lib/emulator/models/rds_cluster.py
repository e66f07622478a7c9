"""``AWS::RDS::DBCluster``: a real Aurora cluster in moto's RDS backend, refused like RDS refuses."""

from __future__ import annotations

from typing import Any

from moto.rds.exceptions import RDSClientError
from moto.rds.models import rds_backends

from infra_lib.emulator.common import engine_version_problem, physical_name
from infra_lib.emulator.dynamic_refs import resolve_secret_refs
from infra_lib.emulator.models.base import KitModel


class KitDBCluster(KitModel):
    cfn_type = "AWS::RDS::DBCluster"
    attributes = ("Endpoint.Address", "Endpoint.Port", "ReadEndpoint.Address", "DBClusterArn",
                  "DBClusterResourceId", "MasterUserSecret.SecretArn")

    def __init__(self, cluster, account_id: str, region_name: str):
        super().__init__(cluster.db_cluster_identifier)
        self.cluster = cluster
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def _kwargs(identifier: str, props: dict, account_id: str, region_name: str) -> dict[str, Any]:
        engine = props["Engine"]
        version = props.get("EngineVersion")
        if problem := engine_version_problem(engine, version):
            # RDS's wording and error code, so the stack event reads like AWS's.
            raise RDSClientError("InvalidParameterCombination", problem)
        password = resolve_secret_refs(props.get("MasterUserPassword"), account_id, region_name)
        return {
            "db_cluster_identifier": identifier,
            "engine": engine,
            "engine_version": version,
            "engine_mode": props.get("EngineMode", "provisioned"),
            "database_name": props.get("DatabaseName"),
            "master_username": props.get("MasterUsername"),
            "master_user_password": password,
            "manage_master_user_password": props.get("ManageMasterUserPassword", False),
            "port": props.get("Port"),
            "backup_retention_period": props.get("BackupRetentionPeriod", 1),
            "copy_tags_to_snapshot": props.get("CopyTagsToSnapshot", False),
            "db_cluster_parameter_group_name": props.get("DBClusterParameterGroupName"),
            "db_subnet_group_name": props.get("DBSubnetGroupName"),
            "vpc_security_group_ids": props.get("VpcSecurityGroupIds", []),
            "storage_encrypted": props.get("StorageEncrypted", False),
            "storage_type": props.get("StorageType", "aurora"),
            "allocated_storage": 1,  # what Aurora reports; moto has no default for "aurora" storage
            "deletion_protection": props.get("DeletionProtection", False),
            "enable_cloudwatch_logs_exports": props.get("EnableCloudwatchLogsExports", []),
            "enable_iam_database_authentication": props.get("EnableIAMDatabaseAuthentication", False),
            "kms_key_id": props.get("KmsKeyId"),
            "tags": props.get("Tags", []),
        }

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = cloudformation_json["Properties"]
        identifier = (props.get("DBClusterIdentifier") or physical_name(resource_name)).lower()
        backend = rds_backends[account_id][region_name]
        cluster = backend.create_db_cluster(cls._kwargs(identifier, props, account_id, region_name))
        cluster.status = "available"
        return cls(cluster, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        cluster = original_resource.cluster
        new_id = (props.get("DBClusterIdentifier") or cluster.db_cluster_identifier).lower()
        if new_id != cluster.db_cluster_identifier or props["Engine"] != cluster.engine:
            raise RDSClientError("InvalidParameterCombination",
                                 "the emulator cannot replace a DB cluster (new identifier or engine); "
                                 "destroy the stack and deploy again")
        version = props.get("EngineVersion")
        if problem := engine_version_problem(props["Engine"], version):
            raise RDSClientError("InvalidParameterCombination", problem)
        if version:
            cluster.engine_version = version
        cluster.backup_retention_period = props.get("BackupRetentionPeriod", cluster.backup_retention_period)
        cluster.deletion_protection = props.get("DeletionProtection", False)
        return original_resource

    @classmethod
    def delete_resource(cls, physical_id: str, account_id: str, region_name: str) -> None:
        rds_backends[account_id][region_name].delete_db_cluster(physical_id)

    def cfn_attributes(self) -> dict[str, Any]:
        cluster = self.cluster
        return {
            "Endpoint.Address": cluster.endpoint,
            "Endpoint.Port": str(cluster.port),
            "ReadEndpoint.Address": cluster.reader_endpoint,
            "DBClusterArn": cluster.db_cluster_arn,
            "DBClusterResourceId": cluster.resource_id,
        }

