"""Aurora PostgreSQL cluster: instance hours (I/O-Optimized rates differ), storage, I/O
requests (Standard storage only) and backup storage beyond the free cluster-size amount."""

import numpy as np

from cost_model.components import HOURS_PER_MONTH, CostComponent, by_category, counts


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
