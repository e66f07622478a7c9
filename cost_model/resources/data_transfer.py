"""Cross-AZ data transfer, billed on both sides of the AZ boundary.

Two sources: service/database traffic between AZs (a usage key), and the extra crossing a
shared NAT gateway causes: traffic from AZs without their own NAT gateway reaches the NAT
in another AZ. With one NAT for n AZs, (n - 1) / n of the NAT traffic crosses.
"""

import numpy as np

from cost_model.components import CostComponent, counts

DIRECTIONS_BILLED = 2.0  # out of one AZ and into the other, each at the per-GB rate


def components(bill):
    az_count = counts(bill, "az_count")
    nat_count = counts(bill, "nat_gateway_count")
    share_without_nat = np.where(nat_count > 0, (az_count - np.minimum(nat_count, az_count)) / az_count, 0.0)
    nat_crossing_gb = counts(bill, "nat_data_gb_per_month") * share_without_nat
    service_gb = counts(bill, "cross_az_gb_per_month")
    return [
        CostComponent("Cross-AZ data transfer", "service and database traffic (both directions)", "GB",
                      service_gb * DIRECTIONS_BILLED, ["DataTransfer-Regional-Bytes"],
                      applies=np.ones(len(bill), dtype=bool), key="cross_az_service_data", group="other"),
        CostComponent("Cross-AZ data transfer", "to the shared NAT gateway from AZs without one (both directions)",
                      "GB", nat_crossing_gb * DIRECTIONS_BILLED, ["DataTransfer-Regional-Bytes"],
                      applies=share_without_nat > 0, key="cross_az_nat_data", group="nat_gateways"),
    ]
