"""Storage is encrypted at rest: databases, file systems, volumes and caches."""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import is_true

ID = "STORAGE-ENCRYPTION"
TITLE = "Storage is encrypted at rest"
RATIONALE = ("Aurora and RDS storage is unencrypted unless StorageEncrypted is set, and encryption cannot be turned "
             "on later without a snapshot restore. Payment data (PCI DSS 3.4) must be encrypted at rest.")
SOURCE_URL = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html"

# (type, property, why it is unencrypted when absent)
ENCRYPTION_PROPERTIES = (
    ("AWS::RDS::DBCluster", "StorageEncrypted"),
    ("AWS::EFS::FileSystem", "Encrypted"),
    ("AWS::EC2::Volume", "Encrypted"),
    ("AWS::ElastiCache::ReplicationGroup", "AtRestEncryptionEnabled"),
    ("AWS::DocDB::DBCluster", "StorageEncrypted"),
)


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    for resource_type, prop in ENCRYPTION_PROPERTIES:
        for name, props in index.of_type(resource_type):
            if resource_type == "AWS::RDS::DBCluster" and props.get("SnapshotIdentifier") is not None:
                continue  # encryption follows the snapshot
            if is_true(props.get(prop)) is not True:
                yield Finding(ID, "unencrypted", name,
                              f"{name} ({resource_type}) does not set {prop}: true, so its storage is unencrypted.",
                              f"Set {prop}: true (CDK: storage_encrypted=True / encrypted=True).", "template")
    for name, props in index.of_type("AWS::RDS::DBInstance"):
        if props.get("DBClusterIdentifier") is not None:
            continue  # Aurora instances inherit the cluster's encryption
        if is_true(props.get("StorageEncrypted")) is not True:
            yield Finding(ID, "unencrypted", name,
                          f"{name} (AWS::RDS::DBInstance) does not set StorageEncrypted: true.",
                          "Set StorageEncrypted: true.", "template")
