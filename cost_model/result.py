"""What pricing one configuration returns, and the ``infrakit cost --json`` contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cost_model.availability import assess, assumptions
from cost_model.catalog import PriceCatalog
from cost_model.pricing import PricedBill, price_bill, round_usd
from cost_model.quantities import assemble_bill, bill_from_scenarios
from cost_model.scenarios import frame_from_scenarios
from cost_model.template import implied_scenario_keys, structure_from_template
from infrakit.core.schema import deployability_problems


@dataclass(frozen=True)
class ScenarioCost:
    scenario: dict[str, Any]
    priced: PricedBill
    availability: dict[str, Any]
    problems: list[str]  # why AWS would refuse it, or which prices are missing

    @property
    def monthly_usd(self) -> float | None:
        return round_usd(self.priced.monthly_usd[0])

    @property
    def horizon_usd(self) -> float | None:
        return round_usd(self.priced.horizon_usd[0])

    @property
    def valid(self) -> bool:
        return not self.problems

    def lines(self, month_offset: int = 0) -> list[dict]:
        return self.priced.lines(0, month_offset)

    def to_json(self) -> dict[str, Any]:
        """The ``infrakit cost --json`` contract (scenario, region, monthly_usd, horizon_usd,
        lines) plus traceability and validity keys."""
        catalog = self.priced.catalog
        return {
            "scenario": self.scenario["name"],
            "region": self.scenario["region"],
            "monthly_usd": self.monthly_usd,
            "horizon_usd": self.horizon_usd,
            "lines": [{**line, "monthly_usd": round_usd(line["monthly_usd"])} for line in self.lines()],
            "start_date": self.scenario["start_date"],
            "horizon_months": self.scenario["horizon_months"],
            "schedule": [{"month": m["month"], "usd": round_usd(m["usd"])} for m in self.priced.schedule(0)],
            "valid": self.valid,
            "problems": self.problems,
            "availability": self.availability,
            "assumptions": {**assumptions(self.scenario), "pricing": self.priced.notes(0)},
            "price_catalog": {"path": catalog.path, "effective_dates": list(catalog.date_range),
                              "snapshots": [dict(s) for s in catalog.snapshots
                                            if s.get("region") == self.scenario["region"]]},
        }


def cost_scenario(scenario: dict[str, Any], *, catalog: PriceCatalog | None = None) -> ScenarioCost:
    """Price one validated scenario (see ``infrakit.scenario.validate_scenario``)."""
    frame = frame_from_scenarios([scenario])
    return _cost(scenario, frame, bill_from_scenarios(frame), catalog, deployability_problems(scenario))


def cost_template(template: dict[str, Any], scenario: dict[str, Any], *,
                  catalog: PriceCatalog | None = None) -> ScenarioCost:
    """Price a synthesized CloudFormation template; usage, region and horizon come from ``scenario``.

    The structure (NAT gateways, addresses, ALBs, DB instances, tasks, endpoints, secrets,
    log groups) is read from the template, so what is priced is what would be deployed.
    """
    structure = structure_from_template(template)
    frame = frame_from_scenarios([scenario])
    bill = assemble_bill(frame, structure)
    # Availability follows what the template builds, not what the scenario says.
    implied = frame_from_scenarios([{**scenario, **implied_scenario_keys(structure)}])
    return _cost(scenario, implied, bill, catalog, [])


def _cost(scenario, frame, bill, catalog, problems) -> ScenarioCost:
    priced = price_bill(bill, catalog)
    if missing := priced.missing_reason(0):
        problems.append(missing)
    availability = {k: (v.item() if hasattr(v, "item") else v) for k, v in assess(frame).iloc[0].to_dict().items()}
    return ScenarioCost(scenario=scenario, priced=priced, availability=availability, problems=problems)
