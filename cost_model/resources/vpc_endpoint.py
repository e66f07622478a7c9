"""Interface VPC endpoints (nat_strategy none): billed per endpoint per AZ, plus data processed."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.price_list.rules import selection

# AmazonVPC offer, productFamily VpcEndpoint (price_list_format.md 2.9). Gateway Load Balancer
# endpoints (VpcEndpoint-GWLBE-*) and resource endpoints share the family: the exact usage
# type keeps them out. Data processed is tiered (0, 1 PB, 5 PB).
PRICE_LIST = (
    selection("VpcEndpoint-Hours", "AmazonVPC", "hours", {"Hrs": 1.0}, "Interface VPC endpoint hour per AZ",
              family="VpcEndpoint", exclude={"endpointType": "GatewayLoadBalancer"}),
    selection("VpcEndpoint-Bytes", "AmazonVPC", "GB", {"GB": 1.0}, "Interface VPC endpoint data processed (tiered)",
              family="VpcEndpoint", exclude={"endpointType": "GatewayLoadBalancer"}, tiered=True),
)


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
