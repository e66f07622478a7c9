"""CloudWatch Logs: ingestion, and storage of what the retention period keeps (steady state,
uncompressed size: an upper bound, since AWS bills compressed storage)."""

from cost_model.components import CostComponent, counts
from cost_model.price_list.rules import selection

DAYS_PER_MONTH = 30.0

# AmazonCloudWatch offer (price_list_format.md 2.11): Standard-class ingestion is family
# "Data Payload", group "Ingested Logs"; vended logs (VendedLog-Bytes) differ by usage type.
PRICE_LIST = (
    selection("DataProcessing-Bytes", "AmazonCloudWatch", "GB", {"GB": 1.0},
              "CloudWatch Logs ingestion (Standard class)", family="Data Payload",
              attributes={"group": "Ingested Logs"}),
    selection("TimedStorage-ByteHrs", "AmazonCloudWatch", "GB-months", {"GB-Mo": 1.0, "GB-month": 1.0},
              "CloudWatch Logs storage", family="Storage Snapshot"),
)


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
