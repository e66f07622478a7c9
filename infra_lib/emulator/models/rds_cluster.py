"""``AWS::RDS::DBCluster``: a real Aurora cluster in moto's RDS backend, refused like RDS refuses."""

from __future__ import annotations

import random
import re
import string
from typing import Any

from moto.rds.exceptions import RDSClientError
from moto.rds.models import rds_backends

from infra_lib.emulator.common import engine_version_problem, physical_name
from infra_lib.emulator.dynamic_refs import resolve_secret_refs
from infra_lib.emulator.models.base import KitModel, stack_name_of

# CloudFormation's default for a DB cluster without a DeletionPolicy is a final snapshot.
DEFAULT_DELETION_POLICY = "Snapshot"


def final_snapshot_identifier(stack_name: str, logical_id: str) -> str:
    """A new name for each final snapshot, as CloudFormation gives one (stack, resource, random
    suffix): a stack deleted and deployed again within the minute never collides with its own
    earlier snapshot."""
    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=12))
    name = re.sub(r"[^a-z0-9-]", "-", f"{stack_name}-{logical_id}".lower())
    name = re.sub(r"-{2,}", "-", name).strip("-")[:200].rstrip("-")
    return f"{name if name[:1].isalpha() else 'r' + name}-snapshot-{suffix}"


class KitDBCluster(KitModel):
    cfn_type = "AWS::RDS::DBCluster"
    attributes = ("Endpoint.Address", "Endpoint.Port", "ReadEndpoint.Address", "DBClusterArn",
                  "DBClusterResourceId", "MasterUserSecret.SecretArn")

    def __init__(self, cluster, account_id: str, region_name: str, *, stack_name: str = "", logical_id: str = "",
                 deletion_policy: str = DEFAULT_DELETION_POLICY):
        super().__init__(cluster.db_cluster_identifier)
        self.cluster = cluster
        self.account_id = account_id
        self.region_name = region_name
        self.stack_name = stack_name
        self.logical_id = logical_id
        self.deletion_policy = deletion_policy

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
        if identifier in backend.clusters:  # moto would replace the other stack's cluster silently
            raise RDSClientError("DBClusterAlreadyExistsFault", "DB Cluster already exists")
        cluster = backend.create_db_cluster(cls._kwargs(identifier, props, account_id, region_name))
        cluster.status = "available"
        return cls(cluster, account_id, region_name, stack_name=stack_name_of(kwargs),
                   logical_id=str(kwargs.get("LogicalId") or resource_name),
                   deletion_policy=cloudformation_json.get("DeletionPolicy", DEFAULT_DELETION_POLICY))

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
        cluster.storage_type = props.get("StorageType", "aurora")  # standard <-> I/O-Optimized, in place
        original_resource.deletion_policy = cloudformation_json.get("DeletionPolicy", DEFAULT_DELETION_POLICY)
        return original_resource

    @classmethod
    def delete_resource(cls, physical_id: str, account_id: str, region_name: str) -> None:
        backend = rds_backends[account_id][region_name]
        cluster = backend.clusters.get(physical_id)
        backend.delete_db_cluster(physical_id)
        if cluster is not None:
            _delete_automated_snapshots(backend, cluster.db_cluster_identifier)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = rds_backends[account_id][region_name]
        snapshot = None
        if self.deletion_policy == "Snapshot":
            snapshot = final_snapshot_identifier(self.stack_name or "stack", self.logical_id or "cluster")
        backend.delete_db_cluster(self.physical_resource_id, snapshot)
        _delete_automated_snapshots(backend, self.physical_resource_id)

    def cfn_attributes(self) -> dict[str, Any]:
        cluster = self.cluster
        return {
            "Endpoint.Address": cluster.endpoint,
            "Endpoint.Port": str(cluster.port),
            "ReadEndpoint.Address": cluster.reader_endpoint,
            "DBClusterArn": cluster.db_cluster_arn,
            "DBClusterResourceId": cluster.resource_id,
        }


def _delete_automated_snapshots(backend, cluster_id: str) -> None:
    """RDS deletes a cluster's automated backups with it (DeleteAutomatedBackups defaults to
    true); moto keeps them, and their minute-stamped names then collide with the automated
    backup of a cluster of the same name created again within the minute."""
    for name, snapshot in list(backend.cluster_snapshots.items()):
        if snapshot.snapshot_type == "automated" and snapshot.db_cluster_identifier == cluster_id:
            backend.cluster_snapshots.pop(name, None)
