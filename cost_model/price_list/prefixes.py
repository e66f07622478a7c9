"""The region short codes AWS puts in front of usage types ("EU-NatGateway-Hours").

Source: AWS "AWS Region billing codes"
(docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html).
us-east-1 uses no prefix for most older meters and ``USE1-`` for newer ones, sometimes both
in one offer, so usage types are never built from a region table: a leading token is removed
only when it is one of these codes, and the rest is compared exactly. ``TS-`` or
``Outposts-`` look like prefixes but are product variants, and stay.
"""

from __future__ import annotations

KNOWN_PREFIXES = frozenset({
    # North America
    "USE1", "USE2", "USW1", "USW2", "CAN1", "CAN2", "MXC1",
    # Africa, Asia Pacific
    "AFS1", "APE1", "APE2", "APN1", "APN2", "APN3", "APS1", "APS2", "APS3", "APS4", "APS5", "APS6", "APS7",
    "APS8", "APS9",
    # Europe (eu-west-1 is "EU", not "EUW1"), Middle East, South America
    "EU", "EUC1", "EUC2", "EUN1", "EUS1", "EUS2", "EUW2", "EUW3", "ILC1", "MEC1", "MES1", "SAE1",
})


def strip_region_prefix(usage_type: str) -> str:
    """``usage_type`` without its region short code, if it starts with a known one."""
    head, sep, rest = usage_type.partition("-")
    if sep and head in KNOWN_PREFIXES:
        return rest
    return usage_type
