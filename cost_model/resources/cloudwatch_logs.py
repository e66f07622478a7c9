"""CloudWatch Logs: ingestion, and storage of what the retention period keeps (steady state,
uncompressed size: an upper bound, since AWS bills compressed storage)."""

from cost_model.components import CostComponent, counts

DAYS_PER_MONTH = 30.0


def components(bill):
    groups = counts(bill, "log_group_count")
    ingest_gb = counts(bill, "log_ingest_gb_per_month")
    stored_gb = ingest_gb * counts(bill, "log_retention_days") / DAYS_PER_MONTH
    return [
        CostComponent("Log ingestion", "service log group", "GB", ingest_gb, ["DataProcessing-Bytes"],
                      applies=groups > 0, key="log_ingestion", group="other"),
        CostComponent("Log storage", "service log group ({log_retention_days} days retained)", "GB-months", stored_gb,
                      ["TimedStorage-ByteHrs"], applies=groups > 0,
                      key="log_storage", group="other"),
    ]
