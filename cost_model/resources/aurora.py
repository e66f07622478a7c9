"""Aurora PostgreSQL cluster: instance hours (I/O-Optimized rates differ), storage, I/O
requests (Standard storage only) and backup storage beyond the free cluster-size amount."""

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, by_category, counts
from cost_model.price_list.rules import selection

# AmazonRDS offer (price_list_format.md 2.6, 2.7). Aurora MySQL and RDS for PostgreSQL have
# instances of the same class with the same InstanceUsage:<class> usage type: the engine
# attribute keeps them out. Aurora is always Single-AZ at the pricing layer. I/O-Optimized
# instances differ by usage type and by storage "Aurora IO Optimization Mode". Storage rows
# carry databaseEngine "Aurora PostgreSQL" (older files "Any": taken only when no PostgreSQL
# row exists).
_ENGINE = {"databaseEngine": "Aurora PostgreSQL", "deploymentOption": "Single-AZ", "instanceType": "{instance_class}"}
_STORAGE_ENGINE = {"databaseEngine": ("Aurora PostgreSQL", "Any")}
PRICE_LIST = (
    selection("InstanceUsage:{instance_class}", "AmazonRDS", "hours", {"Hrs": 1.0},
              "Aurora PostgreSQL {instance_class} on-demand hour (Standard)", family="Database Instance",
              attributes=_ENGINE, exclude={"storage": "Aurora IO Optimization Mode"}),
    selection("InstanceUsageIOOptimized:{instance_class}", "AmazonRDS", "hours", {"Hrs": 1.0},
              "Aurora PostgreSQL {instance_class} on-demand hour (I/O-Optimized)", family="Database Instance",
              attributes={**_ENGINE, "storage": "Aurora IO Optimization Mode"}),
    selection("Aurora:StorageUsage", "AmazonRDS", "GB-months", {"GB-Mo": 1.0}, "Aurora Standard storage",
              family="Database Storage", attributes=_STORAGE_ENGINE),
    selection("Aurora:IO-OptimizedStorageUsage", "AmazonRDS", "GB-months", {"GB-Mo": 1.0},
              "Aurora I/O-Optimized storage", family="Database Storage", attributes=_STORAGE_ENGINE),
    selection("Aurora:StorageIOUsage", "AmazonRDS", "1M requests", {"IOs": 1e6},
              "Aurora Standard I/O requests per million", family="System Operation", attributes=_STORAGE_ENGINE),
    selection("Aurora:BackupUsage", "AmazonRDS", "GB-months", {"GB-Mo": 1.0},
              "Aurora backup storage beyond the free amount", family="Storage Snapshot", attributes=_STORAGE_ENGINE),
)


def components(bill):
    instances = counts(bill, "db_instance_count")
    io_optimized = (bill["db_storage_type"] == "io_optimized").to_numpy()
    standard_types, class_index = by_category(bill["db_instance_class"], "InstanceUsage:{}")
    io_types, _ = by_category(bill["db_instance_class"], "InstanceUsageIOOptimized:{}")
    instance_type_index = class_index + np.where(io_optimized, len(standard_types), 0)
    storage_gb = counts(bill, "aurora_storage_gb")
    # Backup up to the cluster volume's size is free (AWS Aurora pricing).
    billable_backup_gb = np.maximum(counts(bill, "aurora_backup_gb") - storage_gb, 0.0)
    has_db = instances > 0
    return [
        CostComponent("Database instance", "{db_instance_count} x {db_instance_class} ({db_storage_type})", "hours",
                      instances * HOURS_PER_MONTH, standard_types + io_types, applies=has_db,
                      usage_type_index=instance_type_index, key="aurora_instance_hours", group="aurora"),
        CostComponent("Storage", "Aurora cluster volume ({db_storage_type})", "GB-months", storage_gb,
                      ["Aurora:StorageUsage", "Aurora:IO-OptimizedStorageUsage"], applies=has_db,
                      usage_type_index=io_optimized.astype(np.int64), key="aurora_storage", group="aurora"),
        CostComponent("I/O requests", "Aurora cluster volume (standard)", "1M requests",
                      counts(bill, "aurora_io_million_requests_per_month"), ["Aurora:StorageIOUsage"],
                      applies=has_db & ~io_optimized, key="aurora_io_requests", group="aurora"),
        CostComponent("Backup storage", "Aurora backups beyond the free cluster-size amount", "GB-months",
                      billable_backup_gb, ["Aurora:BackupUsage"], applies=has_db, key="aurora_backup_storage",
                      group="aurora"),
    ]
