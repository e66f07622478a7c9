"""Elastic IPs a template allocates that no NAT gateway uses (an instance's, one held for later,
a Network Load Balancer's): public IPv4 address hours, at the rate AWS charges since
2024-02-01 for every public IPv4 address, in use or idle. The kit's own stack has none (its
EIPs are its NAT gateways', priced in ``public_ipv4``); foreign templates priced with
``infrakit cost --template`` may. The usage type is public_ipv4's row (declared there once)."""

from cost_model.components import HOURS_PER_MONTH, CostComponent, counts


def components(bill):
    addresses = counts(bill, "other_public_ipv4_count")
    return [CostComponent("Public IPv4 address", "{other_public_ipv4_count} Elastic IP(s) not on a NAT gateway",
                          "hours", addresses * HOURS_PER_MONTH, ["PublicIPv4:InUseAddress"], applies=addresses > 0,
                          key="elastic_ip_public_ipv4_hours", group="other")]
