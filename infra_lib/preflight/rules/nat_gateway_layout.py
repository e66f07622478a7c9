"""The NAT layout fits the environment: one NAT gateway in prod is a single point of egress
failure; one per AZ in dev is spend without a user (the seed's overspend: three NATs for dev).
"""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context, money
from infra_lib.preflight.findings import Finding

ID = "NAT-GATEWAY-LAYOUT"
TITLE = "NAT gateway layout matches the environment's availability needs"
RATIONALE = ("A NAT gateway lives in one AZ: with a single one, losing that AZ cuts egress for every AZ. A NAT "
             "gateway per AZ costs an hourly charge and a public IPv4 address each, which dev rarely needs.")
SOURCE_URL = "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html"


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    zonal = [name for name, props in index.of_type("AWS::EC2::NatGateway")
             if str(props.get("ConnectivityType", "public")).lower() == "public"
             and str(props.get("AvailabilityMode", "zonal")).lower() != "regional"]
    az_count = len(index.az_keys())
    environment = context.environment
    if len(zonal) == 1 and az_count >= 2:
        per_az = _cost(context, az_count)
        single = _cost(context, 1)
        cost_text = ""
        if per_az and single:
            cost_text = (f" A NAT gateway per AZ would cost {money(per_az[0])}/month against {money(single[0])} now "
                         f"({per_az[1]}).")
        message = (f"One NAT gateway ({zonal[0]}) serves {az_count} AZs: if its AZ fails, egress fails in every AZ "
                   f"(image pulls, Secrets Manager, outbound calls).{cost_text}")
        if environment == "prod":
            yield Finding(ID, "single-nat-in-prod", zonal[0], message,
                          "Use a NAT gateway per AZ (nat_strategy per_az, CDK nat_gateways=<AZ count>) or a regional "
                          "NAT gateway.", "template" + (f"; {per_az[1]}" if per_az else ""))
        elif environment is None:
            yield Finding(ID, "single-nat-environment-unknown", zonal[0],
                          message + " The environment is unknown (pass --environment or tag the stack); in prod "
                          "this is a warning.", "Confirm this is not production.", "template")
    elif len(zonal) >= 2 and environment is not None and environment != "prod":
        current = _cost(context, len(zonal))
        single = _cost(context, 1)
        cost_text = ""
        if current and single:
            cost_text = (f": {money(current[0])}/month, where one would cost {money(single[0])} "
                         f"(saving {money(current[0] - single[0])}/month; {current[1]})")
        yield Finding(ID, "nat-per-az-in-non-prod", zonal[0],
                      f"{len(zonal)} NAT gateways in a {environment} environment{cost_text}. The seed's overspend: "
                      f"three NAT gateways where one would do for dev.",
                      "Use one NAT gateway outside prod (CDK: nat_gateways=1; nat_strategy single).", "template")


def _cost(context: Context, count: int):
    if context.costs is None:
        return None
    return context.costs.nat_gateways_monthly_usd(region=context.region, nat_gateway_count=count)
