"""What every rule receives: the template, the region, where facts come from, and policy inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from infra_lib.preflight.facts import LiveFacts, OfflineFacts
from infrakit.core.cfn import TemplateIndex
from infrakit.core.text import money  # noqa: F401  (the rules format dollars through this)


class CostHooks(Protocol):
    """Dollar figures for findings, from the cost model (infra_lib never imports pandas, so the
    caller supplies them). Each returns ``(usd_per_month, explanation)`` or None when unpriced."""

    def extended_support_monthly_usd(self, *, region: str, engine_version: str, instance_class: str,
                                     instance_count: int, month: dt.date) -> tuple[float, str] | None: ...

    def nat_gateways_monthly_usd(self, *, region: str, nat_gateway_count: int) -> tuple[float, str] | None: ...


@dataclass
class Context:
    index: TemplateIndex
    region: str
    facts: OfflineFacts | LiveFacts
    today: dt.date
    environment: str | None = None  # "prod", "dev", ... when known; rules that depend on it say so
    costs: CostHooks | None = None
    template_bytes: int | None = None  # the template file's size, when it came from a file

