"""Cost model: pandas/numpy only, never aws_cdk.

    cost_scenario(scenario)   -> ScenarioCost   one validated scenario
    cost_template(template)   -> ScenarioCost   a synthesized CloudFormation template
    sweep(grid)               -> SweepResult    every configuration of a grid
    price_bill(bill)          -> PricedBill     the one pricing path under all three
"""

from __future__ import annotations

from cost_model.availability import assess
from cost_model.catalog import PriceCatalog, load_price_catalog
from cost_model.pricing import PricedBill, price_bill
from cost_model.quantities import bill_from_scenarios
from cost_model.result import ScenarioCost, cost_scenario, cost_template
from cost_model.scenarios import frame_from_grid, frame_from_scenarios
from cost_model.sweep import SweepResult, sweep, sweep_frame

__all__ = ["ScenarioCost", "cost_scenario", "cost_template", "sweep", "sweep_frame", "price_bill", "load_price_catalog",
           "PriceCatalog", "PricedBill", "SweepResult", "bill_from_scenarios", "frame_from_grid",
           "frame_from_scenarios", "assess"]
