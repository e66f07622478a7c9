"""Interface VPC endpoints (nat_strategy none): billed per endpoint per AZ, plus data processed."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts


def components(bill):
    endpoint_azs = counts(bill, "interface_endpoint_count") * counts(bill, "interface_endpoint_az_count")
    return [
        CostComponent("Interface VPC endpoint", "{interface_endpoint_count} endpoints x {interface_endpoint_az_count} AZs",
                      "hours", endpoint_azs * HOURS_PER_MONTH, ["VpcEndpoint-Hours"], applies=endpoint_azs > 0,
                      key="interface_endpoint_hours", group="vpc_endpoints"),
        CostComponent("Interface VPC endpoint data processed", "{interface_endpoint_count} endpoints", "GB",
                      counts(bill, "endpoint_data_gb_per_month"), ["VpcEndpoint-Bytes"], applies=endpoint_azs > 0,
                      key="interface_endpoint_data", group="vpc_endpoints"),
    ]
