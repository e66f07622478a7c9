"""Data transfer: cross-AZ (billed on both sides of the AZ boundary) and out to the internet.

Cross-AZ has two sources: service/database traffic between AZs (a usage key), and the extra
crossing a shared NAT gateway causes: traffic from AZs without their own NAT gateway reaches
the NAT in another AZ. With one NAT for n AZs, (n - 1) / n of the NAT traffic crosses.

Internet egress (``internet_egress_gb_per_month``: what the stack sends to the internet,
through the ALB or the NAT gateways) is priced on the Price List's tiers (1 TB = 1,024 GB).
The first 100 GB a month are free for the whole account across services and regions (the
"global free tier" in the Price List's descriptions); they are not subtracted, because the
stack does not know what else the account sends.
"""

import numpy as np

from cost_model.components import CostComponent, counts
from cost_model.price_list.rules import selection

DIRECTIONS_BILLED = 2.0  # out of one AZ and into the other, each at the per-GB rate

# AWSDataTransfer offer (price_list_format.md 2.12, 2.13). IntraRegion rows go from the
# region to itself; the USE1-DataTransfer-xAZ-* meters ($0) have another usage type. Internet
# out is one SKU with four tiers (beginRange 0, 10240, 51200, 153600 GB).
PRICE_LIST = (
    selection("DataTransfer-Regional-Bytes", "AWSDataTransfer", "GB", {"GB": 1.0},
              "Cross-AZ data transfer per GB per direction", family="Data Transfer",
              attributes={"transferType": "IntraRegion"}, same=[("fromLocation", "toLocation")]),
    selection("DataTransfer-Out-Bytes", "AWSDataTransfer", "GB", {"GB": 1.0},
              "Data transfer out to the internet (tiered per month)", family="Data Transfer",
              attributes={"transferType": "AWS Outbound", "toLocation": "External"}, tiered=True),
)

FREE_ALLOWANCE_NOTE = ("internet data transfer out: the account-wide 100 GB a month free allowance (AWS's global "
                       "free tier) is not subtracted; the first tiers are priced from the first GB")


def components(bill):
    az_count = counts(bill, "az_count")
    nat_count = counts(bill, "nat_gateway_count")
    share_without_nat = np.where(nat_count > 0, (az_count - np.minimum(nat_count, az_count)) / az_count, 0.0)
    nat_crossing_gb = counts(bill, "nat_data_gb_per_month") * share_without_nat
    service_gb = counts(bill, "cross_az_gb_per_month")
    egress_gb = counts(bill, "internet_egress_gb_per_month")
    return [
        CostComponent("Cross-AZ data transfer", "service and database traffic (both directions)", "GB",
                      service_gb * DIRECTIONS_BILLED, ["DataTransfer-Regional-Bytes"],
                      applies=np.ones(len(bill), dtype=bool), key="cross_az_service_data", group="other"),
        CostComponent("Cross-AZ data transfer", "to the shared NAT gateway from AZs without one (both directions)",
                      "GB", nat_crossing_gb * DIRECTIONS_BILLED, ["DataTransfer-Regional-Bytes"],
                      applies=share_without_nat > 0, key="cross_az_nat_data", group="nat_gateways"),
        CostComponent("Internet data transfer out", "via ALB or NAT (100 GB free allowance not subtracted)", "GB",
                      egress_gb, ["DataTransfer-Out-Bytes"], applies=np.ones(len(bill), dtype=bool),
                      key="internet_egress_data", group="other"),
    ]


def notes(values) -> list[str]:
    return [FREE_ALLOWANCE_NOTE] if values.get("internet_egress_gb_per_month", 0) > 0 else []
