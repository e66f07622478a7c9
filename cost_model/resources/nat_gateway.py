"""NAT gateways: hours and data processed, zonal (per_az, single) and regional."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts


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
