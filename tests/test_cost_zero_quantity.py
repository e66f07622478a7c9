"""A line whose quantity is zero bills nothing, so it never needs a price: a catalog that lacks
the row prices the rest of the configuration instead of making the whole total "missing"."""

from __future__ import annotations

import pytest

from cost_model import cost_scenario
from cost_model.catalog import PriceCatalog, shipped_catalog
from infrakit.core.schema import validate_scenario


def _without(usage_type: str) -> PriceCatalog:
    frame = shipped_catalog().frame
    keep = ~((frame["region"] == "us-east-1") & (frame["usage_type"] == usage_type))
    return PriceCatalog(frame=frame[keep].reset_index(drop=True), path="test")


@pytest.mark.parametrize("usage_type, key, usage", [
    ("DataTransfer-Regional-Bytes", "cross_az_service_data", "cross_az_gb_per_month"),
    ("DataTransfer-Out-Bytes", "internet_egress_data", "internet_egress_gb_per_month"),
])
def test_zero_quantity_needs_no_price_and_a_positive_one_does(usage_type, key, usage):
    catalog = _without(usage_type)
    zero = cost_scenario(validate_scenario({"region": "us-east-1", "nat_strategy": "none",
                                            "container_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
                                            usage: 0}), catalog=catalog)
    assert zero.monthly_usd is not None and zero.horizon_usd is not None, zero.problems
    assert not any(usage_type in p for p in zero.problems)
    assert key not in {line["key"] for line in zero.lines()}
    assert all(m["usd"] is not None for m in zero.schedule())
    some = cost_scenario(validate_scenario({"region": "us-east-1", usage: 10}), catalog=catalog)
    assert some.monthly_usd is None and any(usage_type in p for p in some.problems)
    (line,) = [line for line in some.lines() if line["key"] == key]
    assert line["monthly_usd"] is None and line["unit_price_usd"] is None
