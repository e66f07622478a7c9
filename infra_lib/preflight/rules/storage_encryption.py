"""Storage is encrypted at rest: databases, file systems, volumes and caches."""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import describe, is_true

ID = "STORAGE-ENCRYPTION"
TITLE = "Storage is encrypted at rest"
RATIONALE = ("Aurora and RDS storage is unencrypted unless StorageEncrypted is set, and encryption cannot be turned "
             "on later without a snapshot restore. Payment data (PCI DSS 3.4) must be encrypted at rest.")
SOURCE_URL = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html"

# (type, property that must be true); RDS instances are checked too, unless they belong to a cluster.
ENCRYPTION_PROPERTIES = (
    ("AWS::RDS::DBCluster", "StorageEncrypted"),
    ("AWS::EFS::FileSystem", "Encrypted"),
    ("AWS::EC2::Volume", "Encrypted"),
    ("AWS::ElastiCache::ReplicationGroup", "AtRestEncryptionEnabled"),
    ("AWS::DocDB::DBCluster", "StorageEncrypted"),
)

# Where encryption is not the template's to set: it follows the source (snapshot, replica, clone).
INHERITED_FROM = {
    "AWS::RDS::DBCluster": ("SnapshotIdentifier", "SourceDBClusterIdentifier", "ReplicationSourceIdentifier"),
    "AWS::RDS::DBInstance": ("SourceDBInstanceIdentifier", "DBSnapshotIdentifier", "SourceDBClusterIdentifier",
                             "DBClusterSnapshotIdentifier", "DBClusterIdentifier"),
    "AWS::DocDB::DBCluster": ("SnapshotIdentifier", "SourceDBClusterIdentifier"),
}


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    types = [*ENCRYPTION_PROPERTIES, ("AWS::RDS::DBInstance", "StorageEncrypted")]
    for resource_type, prop in types:
        for name, props in index.of_type(resource_type):
            if any(props.get(source) is not None for source in INHERITED_FROM.get(resource_type, ())):
                continue  # encryption follows the source; preflight checks the source where it is in the template
            if resource_type == "AWS::RDS::DBCluster" and str(props.get("EngineMode", "")).lower() == "serverless":
                continue  # Aurora Serverless v1 clusters are always encrypted
            value = props.get(prop)
            verdict = is_true(value)
            if verdict is True:
                continue
            if value is not None and verdict is None:
                yield Finding(ID, "unverified", name,
                              f"{name} ({resource_type}) sets {prop} to {describe(value)}, which is not known before "
                              f"deploy (a parameter without a default, or a condition that depends on one); "
                              f"whether its storage is encrypted was not checked.",
                              f"Set {prop}: true, or give the parameter a Default.", "template")
                continue
            yield Finding(ID, "unencrypted", name,
                          f"{name} ({resource_type}) " + (f"sets {prop}: {describe(value)}" if value is not None
                                                          else f"does not set {prop}: true")
                          + ", so its storage is unencrypted (at the parameter defaults).",
                          f"Set {prop}: true (CDK: storage_encrypted=True / encrypted=True).", "template")
