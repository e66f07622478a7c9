"""Public IPv4 addresses, $/h each since 2024-02-01: NAT gateway EIPs and the ALB's per-AZ
addresses. Infracost and most tools still price these at $0."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts


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
