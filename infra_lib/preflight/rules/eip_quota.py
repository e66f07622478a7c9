"""Elastic IPs the template allocates, plus those already allocated, fit the region's quota.

A VPC with a NAT gateway per AZ allocates one EIP per AZ; with the default quota of 5 per
region, a second such stack in the same account and region fails mid-deploy.
"""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.facts import EIP_QUOTA_CODE
from infra_lib.preflight.findings import Finding

ID = "EC2-EIP-QUOTA"
TITLE = "Elastic IPs allocated by the template fit the region's quota"
RATIONALE = ("EC2-VPC Elastic IPs are limited per region (default 5, quota L-0263D0A3). CloudFormation fails the "
             "stack at the first EIP over the quota, after creating everything before it.")
SOURCE_URL = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-eips"
WARN_AT_FRACTION = 0.8  # warn when 80 % or more of the quota would be in use


def template_eips(context: Context) -> tuple[int, list[str]]:
    """How many new EIPs a deploy allocates, and where they come from."""
    index = context.index
    parts: list[str] = []
    explicit = [name for name, props in index.of_type("AWS::EC2::EIP")
                if str(props.get("Domain", "vpc")).lower() in ("vpc", "")]
    if explicit:
        parts.append(f"{len(explicit)} AWS::EC2::EIP")
    count = len(explicit)
    subnet_azs = index.az_keys()
    for name, props in index.of_type("AWS::EC2::NatGateway"):
        if str(props.get("AvailabilityMode", "")).lower() == "regional":
            if props.get("AvailabilityZoneAddresses"):
                continue  # manual mode: the addresses are EIPs counted above or already allocated
            per_az = max(len(subnet_azs), 1)
            count += per_az
            parts.append(f"regional NAT gateway {name} in automatic mode: one per AZ ({per_az})")
    return count, parts


def check(context: Context) -> Iterator[Finding]:
    new, parts = template_eips(context)
    if new == 0:
        return
    allocated, quota = context.facts.elastic_ips()
    assumed = []
    if allocated.value is None:
        assumed.append(f"allocated EIPs unknown ({allocated.detail}); counted as 0")
    elif allocated.assumed:
        assumed.append("offline: assumes none allocated")
    if quota.assumed:
        assumed.append(quota.detail or f"offline: assumes the default quota {EIP_QUOTA_CODE} of {quota.value}")
    in_use = (allocated.value or 0) + new
    limit = int(quota.value)
    detail = (f"{new} new ({'; '.join(parts)}) + {allocated.value or 0} already allocated = {in_use} of the "
              f"quota {limit} in {context.region}")
    note = f" ({'; '.join(assumed)})" if assumed else ""
    source = f"{allocated.source}; {quota.source}"
    resource = ""
    if in_use > limit:
        yield Finding(ID, "over-quota", resource,
                      f"Elastic IPs: {detail}{note}. The deploy fails at the first EIP over the quota.",
                      f"Release unused EIPs, request a quota increase ({EIP_QUOTA_CODE}), or use fewer NAT "
                      f"gateways (nat_strategy single or regional).", source)
    elif in_use >= WARN_AT_FRACTION * limit:
        yield Finding(ID, "near-quota", resource,
                      f"Elastic IPs: {detail}{note}; another stack like this one in the region would fail.",
                      f"Request a quota increase ({EIP_QUOTA_CODE}) before adding environments, or use fewer NAT "
                      f"gateways.", source)
    elif allocated.value is None:  # a live lookup that failed: "within quota" would be a guess
        yield Finding(ID, "not-verified", resource,
                      f"Elastic IPs: whether the quota holds was not verified: {detail}{note}.",
                      "Run preflight --live with credentials that may call ec2:DescribeAddresses (and "
                      "servicequotas:GetServiceQuota), or count the region's allocated EIPs by hand.", source)
    else:
        yield Finding(ID, "within-quota", resource, f"Elastic IPs: {detail}{note}.", "Nothing to do.", source)
