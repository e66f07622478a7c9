"""Public IPv4 addresses, $/h each since 2024-02-01: NAT gateway EIPs and the ALB's per-AZ
addresses. Infracost and most tools still price these at $0."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts
from cost_model.price_list.rules import selection

# AmazonVPC offer; the product family is empty for these rows, so the group identifies them
# (price_list_format.md 2.3). IdleAddress rows share the group and the price: the usage type
# keeps them out.
PRICE_LIST = (
    selection("PublicIPv4:InUseAddress", "AmazonVPC", "hours", {"Hrs": 1.0}, "Public IPv4 address hour (in use)",
              attributes={"group": "VPCPublicIPv4Address"}),
)


def components(bill):
    nat_ips = counts(bill, "nat_public_ipv4_count")
    alb_ips = counts(bill, "alb_public_ipv4_count") * counts(bill, "alb_count")
    return [
        CostComponent("Public IPv4 address", "{nat_public_ipv4_count} NAT gateway EIP(s)", "hours",
                      nat_ips * HOURS_PER_MONTH, ["PublicIPv4:InUseAddress"], applies=nat_ips > 0,
                      key="nat_public_ipv4_hours", group="nat_gateways"),
        CostComponent("Public IPv4 address", "ALB, {alb_public_ipv4_count} AZ address(es)", "hours",
                      alb_ips * HOURS_PER_MONTH, ["PublicIPv4:InUseAddress"], applies=alb_ips > 0,
                      key="alb_public_ipv4_hours", group="other"),
    ]
