"""NAT gateways: hours and data processed, zonal (per_az, single) and regional."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.price_list.rules import selection

# AmazonEC2 offer, productFamily "NAT Gateway" (price_list_format.md 2.1, 2.2). The operation
# tells zonal from regional; the exact usage type keeps out provisioned bandwidth
# (NatGateway-Prvd-Gbps, -Prvd-Bytes). us-east-1 writes RegionalNatGateway-Hours unprefixed
# but USE1-RegionalNatGateway-Bytes: both match after prefix stripping.
PRICE_LIST = (
    selection("NatGateway-Hours", "AmazonEC2", "hours", {"Hrs": 1.0}, "NAT gateway hour",
              family="NAT Gateway", attributes={"operation": "NatGateway"}),
    selection("NatGateway-Bytes", "AmazonEC2", "GB", {"GB": 1.0}, "NAT gateway data processed",
              family="NAT Gateway", attributes={"operation": "NatGateway"}),
    selection("RegionalNatGateway-Hours", "AmazonEC2", "hours", {"Hrs": 1.0},
              "Regional NAT gateway hour; billed for each AZ the gateway is active in",
              family="NAT Gateway", attributes={"operation": "RegionalNatGateway"}),
    selection("RegionalNatGateway-Bytes", "AmazonEC2", "GB", {"GB": 1.0}, "Regional NAT gateway data processed",
              family="NAT Gateway", attributes={"operation": "RegionalNatGateway"}),
)


def components(bill):
    zonal = counts(bill, "nat_gateway_count")
    regional_azs = counts(bill, "regional_nat_az_count")
    return [
        CostComponent("NAT gateway", "{nat_gateway_count} NAT gateway(s)", "hours",
                      zonal * HOURS_PER_MONTH, ["NatGateway-Hours"], applies=zonal > 0,
                      key="nat_gateway_hours", group="nat_gateways"),
        CostComponent("NAT gateway data processed", "{nat_gateway_count} NAT gateway(s)", "GB",
                      counts(bill, "nat_data_gb_per_month"), ["NatGateway-Bytes"], applies=zonal > 0,
                      key="nat_gateway_data", group="nat_gateways"),
        # A regional NAT gateway is billed for every hour it is active in each AZ.
        CostComponent("Regional NAT gateway", "regional NAT gateway in {regional_nat_az_count} AZs", "hours",
                      regional_azs * HOURS_PER_MONTH, ["RegionalNatGateway-Hours"], applies=regional_azs > 0,
                      key="regional_nat_gateway_hours", group="nat_gateways"),
        CostComponent("Regional NAT gateway data processed", "regional NAT gateway", "GB",
                      counts(bill, "regional_nat_data_gb_per_month"), ["RegionalNatGateway-Bytes"],
                      applies=regional_azs > 0, key="regional_nat_gateway_data", group="nat_gateways"),
    ]


def notes(values) -> list[str]:
    """Zonal and regional NAT gateways side by side share the NAT traffic (it is processed once)."""
    zonal, regional = int(values.get("nat_gateway_count") or 0), int(values.get("regional_nat_az_count") or 0)
    if not (zonal and regional):
        return []
    return [f"NAT traffic split between {zonal} zonal NAT gateway(s) and a regional NAT gateway in {regional} AZ(s) "
            f"in proportion ({zonal}:{regional}), each processing its part once: an assumption, the template does "
            f"not say which subnets send how much through which"]
