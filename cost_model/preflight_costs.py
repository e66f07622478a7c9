"""Dollar figures for preflight findings, from the same pricing path as every other figure.

``infra_lib.preflight`` never imports pandas, so the caller hands it an object with these
methods (``infra_lib.preflight.CostHooks``, satisfied by structure). Lines are selected by
their stable key or group, never by their display label.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cost_model.result import cost_scenario
from infrakit.core.errors import InputError
from infrakit.core.schema import validate_scenario
from infrakit.core.text import unit_price

# What a NAT gateway costs by the hour: the gateway and its Elastic IP (data processing
# depends on traffic, not on how many gateways there are).
NAT_GATEWAY_HOURLY_KEYS = ("nat_gateway_hours", "nat_public_ipv4_hours")


def _lines(raw: dict[str, Any]) -> list[dict] | None:
    try:
        return cost_scenario(validate_scenario(raw)).lines(0)
    except InputError:
        return None


def _priced(lines: list[dict]) -> bool:
    return bool(lines) and all(line["monthly_usd"] is not None for line in lines)


def _source(line: dict) -> str:
    return f"{line['usage_type']}, {line['price_source']} [{line['price_effective_date']}]"


class ModelCosts:
    """``CostHooks`` from the cost model: the catalog rows every other figure uses."""

    def extended_support_monthly_usd(self, *, region: str, engine_version: str, instance_class: str,
                                     instance_count: int, month: dt.date):
        lines = _lines({"region": region, "engine_version": engine_version, "instance_class": instance_class,
                        "reader_count": max(instance_count - 1, 0), "start_date": month.isoformat()})
        support = [line for line in lines or [] if line["group"] == "extended_support"]
        if not _priced(support):
            return None
        total = sum(line["monthly_usd"] for line in support)
        why = "; ".join(f"{instance_count} x {instance_class}: {line['quantity']:,.0f} {line['unit']} x "
                        f"{unit_price(line['unit_price_usd'])} ({_source(line)})" for line in support)
        return total, why

    def nat_gateways_monthly_usd(self, *, region: str, nat_gateway_count: int):
        if nat_gateway_count < 1:
            return None
        # A NAT per AZ is priced as per_az over that many AZs; a region with fewer AZs is bad input → None.
        lines = _lines({"region": region, "az_count": max(nat_gateway_count, 2),
                        "nat_strategy": "single" if nat_gateway_count == 1 else "per_az"})
        nat = [line for line in lines or [] if line["key"] in NAT_GATEWAY_HOURLY_KEYS]
        if not _priced(nat):
            return None
        total = sum(line["monthly_usd"] for line in nat)
        why = " + ".join(f"{line['quantity']:,.0f} {line['unit']} x {unit_price(line['unit_price_usd'])} "
                         f"({_source(line)})" for line in nat)
        return total, f"{why}; data processing excluded"
