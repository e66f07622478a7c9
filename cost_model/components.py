"""What a priced resource returns: quantities plus the usage type that prices them.

Resource files (``cost_model/resources/*.py``) never hold a price. Each returns
``CostComponent``s over the whole bill of quantities at once (one array element per
configuration), so one configuration and a 100,000-row sweep take the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

HOURS_PER_MONTH = 730.0  # AWS's own convention for monthly prices (infracost uses the same)
FOREVER = 10**6  # month offset meaning "no end"

# The groups cost lines add up into (chart segments, egress-layout cost), by stable id, in
# display order, with their labels. A line's group is declared with the line, never guessed
# from its label.
GROUPS: dict[str, str] = {
    "nat_gateways": "NAT gateways",
    "vpc_endpoints": "VPC endpoints",
    "load_balancer": "Load balancer",
    "fargate": "Fargate",
    "aurora": "Aurora",
    "extended_support": "Aurora Extended Support",
    "other": "Other",
}
# The groups whose cost belongs to the egress layout (what differs between NAT strategies):
# NAT gateways with their addresses and cross-AZ hops, or the VPC endpoints that replace them.
EGRESS_GROUPS = ("nat_gateways", "vpc_endpoints")


@dataclass(frozen=True)
class CostComponent:
    """One line of a bill, vectorized over configurations.

    key             stable identifier of the line (``nat_gateway_hours``); selections use it,
                    never the display label
    group           one of ``GROUPS``: what the line adds up into
    quantity        per month while active, in ``unit``
    usage_types     candidate usage types (catalog keys); ``usage_type_index`` picks one per row
    applies         rows this line exists for (a missing price only matters where it applies)
    active_from/to  month offsets from the start date, [from, to); for lines that start or
                    stop within the horizon, such as Extended Support
    resource        label; ``{column}`` placeholders are filled from the bill when shown
    """

    component: str
    resource: str
    unit: str
    quantity: np.ndarray
    usage_types: Sequence[str]
    applies: np.ndarray
    usage_type_index: np.ndarray | None = None
    active_from: np.ndarray | int = 0
    active_to: np.ndarray | int = FOREVER
    key: str = field(default="", kw_only=True)
    group: str = field(default="", kw_only=True)

    def __post_init__(self):
        if not self.key:
            raise ValueError(f"cost line {self.component!r} has no key")
        if self.group not in GROUPS:
            raise ValueError(f"cost line {self.key}: group {self.group!r} is not one of {list(GROUPS)}")

    def usage_type_indexes(self, n: int) -> np.ndarray:
        if self.usage_type_index is None:
            return np.zeros(n, dtype=np.int64)
        return self.usage_type_index


def by_category(column, template: str) -> tuple[list[str], np.ndarray]:
    """Usage types formatted from a categorical column's categories, with each row's index.

    ``by_category(bill["db_instance_class"], "InstanceUsage:{}")`` gives one candidate usage
    type per instance class and each row's pick, without touching strings per row.
    """
    categorical = column.array if hasattr(column, "array") else column
    categories = list(categorical.categories)
    codes = np.asarray(categorical.codes, dtype=np.int64)
    return [template.format(c) for c in categories], codes


def counts(bill, column: str) -> np.ndarray:
    return bill[column].to_numpy(dtype=float)
