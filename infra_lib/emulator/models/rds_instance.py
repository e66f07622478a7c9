"""``AWS::RDS::DBInstance``: Aurora instances join their cluster (engine and version from it, as
RDS does); any other DB instance goes to moto's own model."""

from __future__ import annotations

from typing import Any

from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBInstance as MotoDBInstance
from moto.rds.models import rds_backends

from infra_lib.emulator.common import physical_name
from infra_lib.emulator.models.base import KitModel


class KitDBInstance(KitModel):
    cfn_type = "AWS::RDS::DBInstance"
    attributes = ("Endpoint.Address", "Endpoint.Port", "DBInstanceArn")

    def __init__(self, instance):
        super().__init__(instance.db_instance_identifier)
        self.instance = instance

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = cloudformation_json["Properties"]
        cluster_id = props.get("DBClusterIdentifier")
        if not cluster_id:
            return MotoDBInstance.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = rds_backends[account_id][region_name]
        cluster = backend.clusters.get(str(cluster_id).lower())
        if cluster is None:
            raise RDSClientError("DBClusterNotFoundFault", f"DBCluster {cluster_id} not found.")
        engine = props.get("Engine", cluster.engine)
        if engine != cluster.engine:
            raise RDSClientError("InvalidParameterCombination",
                                 f"The engine name requested for your DB instance ({engine}) doesn't match "
                                 f"the engine name of your DB cluster ({cluster.engine}).")
        identifier = (props.get("DBInstanceIdentifier") or physical_name(resource_name)).lower()
        instance = backend.create_db_instance({
            "db_instance_identifier": identifier,
            "db_instance_class": props["DBInstanceClass"],
            "engine": engine,
            "engine_version": cluster.engine_version,
            "db_cluster_identifier": cluster.db_cluster_identifier,
            "availability_zone": props.get("AvailabilityZone"),
            "promotion_tier": props.get("PromotionTier", 1),
            "publicly_accessible": props.get("PubliclyAccessible", False),
            "db_parameter_group_name": props.get("DBParameterGroupName"),
            "tags": props.get("Tags", []),
        })
        instance.status = "available"
        return cls(instance)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        props = cloudformation_json["Properties"]
        if isinstance(original_resource, MotoDBInstance):  # not Aurora: moto's own update
            return MotoDBInstance.update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        instance = original_resource.instance
        backend = rds_backends[account_id][region_name]
        backend.modify_db_instance(instance.db_instance_identifier, {"db_instance_class": props["DBInstanceClass"]})
        return original_resource

    @classmethod
    def delete_resource(cls, physical_id: str, account_id: str, region_name: str) -> None:
        # An Aurora instance has no snapshot of its own: its data is the cluster's.
        rds_backends[account_id][region_name].delete_db_instance(physical_id, skip_final_snapshot=True)

    def cfn_attributes(self) -> dict[str, Any]:
        return {"Endpoint.Address": self.instance.address, "Endpoint.Port": str(self.instance.port),
                "DBInstanceArn": self.instance.db_instance_arn}
