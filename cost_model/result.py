"""What pricing one configuration returns, and the ``infrakit cost --json`` contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cost_model.availability import assess, assumptions
from cost_model.catalog import PriceCatalog
from cost_model.from_template import read_template
from cost_model.pricing import PricedBill, missing_text, price_bill, round_usd
from cost_model.quantities import USAGE_COLUMNS, assemble_bill, bill_from_scenarios
from cost_model.scenarios import frame_from_scenarios
from infrakit.core.paths import PRICE_CATALOG_NAME
from infrakit.core.schema import deployability_problems
from infrakit.core.schema.rules import RULES
from infrakit.core.text import PRICE_MISSING, money


@dataclass(frozen=True)
class ScenarioCost:
    """One configuration priced. A scenario is one bill row; a template may be several
    (``cost_model.from_template``): ``row_keys`` gives, per row, the line keys it contributes
    (None: all), and every total, line list and schedule here adds the rows up."""

    scenario: dict[str, Any]
    priced: PricedBill
    availability: dict[str, Any]
    problems: list[str]  # why AWS would refuse it, or which prices are missing
    row_keys: tuple[frozenset[str] | None, ...] = (None,)
    template: dict[str, Any] | None = None  # what a priced template deploys (None for a scenario)
    not_priced: tuple[dict[str, str], ...] = field(default=())
    missing_usage_types: tuple[str, ...] = ()  # prices the lines need and the catalog lacks

    def _total(self, per_row: np.ndarray) -> float | None:
        values = per_row[: len(self.row_keys)]
        return None if np.isnan(values).any() else round_usd(float(values.sum()))

    @property
    def monthly_usd(self) -> float | None:
        if len(self.row_keys) == 1:
            return round_usd(self.priced.monthly_usd[0])
        return self._total(self.priced.monthly_usd)

    @property
    def horizon_usd(self) -> float | None:
        if len(self.row_keys) == 1:
            return round_usd(self.priced.horizon_usd[0])
        return self._total(self.priced.horizon_usd)

    @property
    def refusals(self) -> list[str]:
        """Why AWS or the kit's rules would refuse the configuration (a missing price is not one)."""
        return [p for p in self.problems if not p.startswith(PRICE_MISSING)]

    @property
    def price_missing(self) -> list[str]:
        """The "price missing: ..." problems: the total is unknown, the configuration may be fine."""
        return [p for p in self.problems if p.startswith(PRICE_MISSING)]

    @property
    def deployable(self) -> bool:
        """Nothing refuses the configuration (a missing price aside: see ``price_missing``)."""
        return not self.refusals

    @property
    def valid(self) -> bool:
        """The JSON contract's ``valid``: deployable and every needed price in the catalog."""
        return not self.problems

    def lines(self, month_offset: int = 0) -> list[dict]:
        if len(self.row_keys) == 1:
            return self.priced.lines(0, month_offset)
        order = {}
        for position, p in enumerate(self.priced.priced):
            order.setdefault(p.component.key, position)
        found = []
        for row, keys in enumerate(self.row_keys):
            for line in self.priced.lines(row, month_offset):
                if keys is None or line["key"] in keys:
                    found.append((order[line["key"]], row, line))
                elif line["quantity"] != 0:  # a further row carries only its own usage: never lost, never twice
                    raise AssertionError(f"bill row {row} priced {line['key']} it does not own")
        return [line for _, _, line in sorted(found, key=lambda item: item[:2])]

    def schedule(self) -> list[dict]:
        """Month-by-month totals over the horizon (every row added up; None where a price is missing)."""
        rows = [self.priced.schedule(row) for row in range(len(self.row_keys))]
        out = []
        for months in zip(*rows, strict=True):
            amounts = [m["usd"] for m in months]
            out.append({"month": months[0]["month"], "usd": None if None in amounts else float(sum(amounts))})
        return out

    def catalog_rows(self, month_offset: int | None = None) -> list[int]:
        """The catalog rows this configuration's lines price from: over the whole horizon, or in
        one month (0 = the start month)."""
        used: set[int] = set()
        for row, keys in enumerate(self.row_keys):
            for p in self.priced.priced:
                index = int(p.catalog_row[row])
                if index < 0 or not p.applies[row] or (keys is not None and p.component.key not in keys):
                    continue
                if month_offset is not None:
                    start = int(np.broadcast_to(np.asarray(p.component.active_from), (len(p.applies),))[row])
                    end = int(np.broadcast_to(np.asarray(p.component.active_to), (len(p.applies),))[row])
                    if not start <= month_offset < end:
                        continue
                used.add(index)
        return sorted(used)

    def price_files(self, month_offset: int | None = None) -> list[str]:
        """Where the rows in use come from: refreshed snapshot files, then the shipped prices.csv."""
        frame = self.priced.catalog.frame
        files = {str(frame["snapshot"].iloc[i]) for i in self.catalog_rows(month_offset)}
        return sorted(f for f in files if f) + ([PRICE_CATALOG_NAME] if "" in files else [])

    def effective_dates(self) -> list[str]:
        """[first, last] effective date of the rows priced over the horizon; [] when none is."""
        dates = [str(self.priced.catalog.frame["effective_date"].iloc[i]) for i in self.catalog_rows()]
        return [min(dates), max(dates)] if dates else []

    def notes(self) -> list[str]:
        notes = dict.fromkeys(note for row in range(len(self.row_keys)) for note in self.priced.notes(row))
        return [*notes, *self.rounding_notes()]

    def rounding_notes(self, *, schedule: bool = True) -> list[str]:
        """When figures rounded to the cent do not add up to the totals shown (each total is the
        unrounded sum, rounded once), one note with what they add up to; nothing when they agree.
        ``schedule``: check the months too (the JSON has them; a table shows only the lines)."""
        sums = []
        checks = [(self.monthly_usd, [line["monthly_usd"] for line in self.lines()], "the first month's lines")]
        if schedule:
            checks.append((self.horizon_usd, [m["usd"] for m in self.schedule()], "the schedule's months"))
        for total, parts, what in checks:
            rounded = [round_usd(v) for v in parts]
            if total is None or None in rounded:
                continue
            shown_sum = round(sum(rounded), 2)
            if round(shown_sum - total, 2) != 0:
                sums.append(f"{what} add up to {money(shown_sum)} against {money(total)}")
        if not sums:
            return []
        shown = "lines and months are" if schedule else "lines are"
        return [f"rounding: {shown} shown to the cent and each total is the unrounded sum rounded once, "
                f"so {' and '.join(sums)}"]

    def to_json(self) -> dict[str, Any]:
        """The ``infrakit cost --json`` contract (scenario, region, monthly_usd, horizon_usd,
        lines) plus traceability and validity keys; ``template`` (what a priced template
        deploys, else null) and ``not_priced`` (each of its resources the model does not
        price, with the reason: usage-based, free, not modelled or unresolved)."""
        catalog = self.priced.catalog
        return {
            "scenario": self.scenario["name"],
            "region": self.scenario["region"],
            "monthly_usd": self.monthly_usd,
            "horizon_usd": self.horizon_usd,
            "lines": [{**line, "monthly_usd": round_usd(line["monthly_usd"])} for line in self.lines()],
            "start_date": self.scenario["start_date"],
            "horizon_months": self.scenario["horizon_months"],
            "schedule": [{"month": m["month"], "usd": round_usd(m["usd"])} for m in self.schedule()],
            "valid": self.valid,
            "problems": self.problems,
            "deployable": self.deployable,
            "price_missing": list(self.missing_usage_types),
            "availability": self.availability,
            "assumptions": {**assumptions(self.scenario), "pricing": self.notes()},
            "price_catalog": {"path": catalog.path, "effective_dates": self.effective_dates(),
                              "files": self.price_files(),
                              "snapshots": [dict(s) for s in catalog.snapshots
                                            if s.get("region") == self.scenario["region"]]},
            "template": self.template,
            "not_priced": [dict(entry) for entry in self.not_priced],
        }


def cost_scenario(scenario: dict[str, Any], *, catalog: PriceCatalog | None = None) -> ScenarioCost:
    """Price one validated scenario (see ``infrakit.scenario.validate_scenario``)."""
    frame = frame_from_scenarios([scenario])
    return _cost(scenario, frame, bill_from_scenarios(frame), catalog, deployability_problems(scenario))


def cost_template(template: dict[str, Any], scenario: dict[str, Any], *,
                  catalog: PriceCatalog | None = None, stack_name: str | None = None) -> ScenarioCost:
    """Price any CloudFormation template (ours, any CDK app's, a published one); usage, region and
    horizon come from ``scenario``. InputError for a document that is no template.

    What is priced is what the template deploys at its parameter defaults: every resource the
    model knows becomes bill rows (``cost_model.from_template``) priced by ``price_bill``;
    every other resource is listed in ``not_priced`` with its reason.
    """
    reading = read_template(template, region=scenario["region"], stack_name=stack_name or scenario["name"])
    frame = frame_from_scenarios([scenario] * len(reading.parts))
    if not reading.uniform:
        for column in USAGE_COLUMNS:
            frame[column] = frame[column].to_numpy(dtype=float) * reading.usage_shares(column)
    bill = assemble_bill(frame, reading.structure())
    # Availability follows what the template builds, not what the scenario says.
    implied = frame_from_scenarios([{**scenario, **reading.implied}])
    result = _cost(scenario, implied, bill, catalog, database_problems(bill, scenario),
                   row_keys=tuple(p.keys for p in reading.parts))
    availability = dict(result.availability)
    for name in reading.not_assessed:
        availability[name] = None
    availability["not_assessed"] = dict(reading.not_assessed)
    return ScenarioCost(scenario=scenario, priced=result.priced, availability=availability, problems=result.problems,
                        row_keys=result.row_keys, template={**reading.description, "region": scenario["region"]},
                        not_priced=reading.not_priced, missing_usage_types=result.missing_usage_types)


# Bill columns of a priced Aurora row -> the scenario keys the database rules read.
_DATABASE_KEYS = {"db_engine_version": "engine_version", "db_instance_class": "instance_class",
                  "db_storage_type": "storage_type"}


def database_problems(bill, scenario: dict[str, Any]) -> list[str]:
    """Why AWS would refuse the Aurora clusters a template deploys (engine version not creatable
    or past Extended Support, class not offered, I/O-Optimized too old): the scenario path's
    rules, run on each distinct engine version, class and storage type the bill holds."""
    rules = [rule for rule in RULES if rule.kind == "deployable"
             and set(rule.keys) <= {*_DATABASE_KEYS.values(), "region", "start_date"}]
    has_db = bill["db_instance_count"].to_numpy(dtype=float) > 0
    columns = [bill[column].astype(str).to_numpy()[has_db] for column in _DATABASE_KEYS]
    problems: list[str] = []
    for values in dict.fromkeys(zip(*columns, strict=True)):
        row = {"region": scenario["region"], "start_date": scenario["start_date"],
               **dict(zip(_DATABASE_KEYS.values(), values, strict=True))}
        problems += [p for rule in rules if (p := rule.check(row)) and p not in problems]
    return problems


def _cost(scenario, frame, bill, catalog, problems, *, row_keys=(None,)) -> ScenarioCost:
    priced = price_bill(bill, catalog)
    # A row prices only its own lines: the others have zero quantity there, which never needs a price.
    missing = sorted({usage_type for row in range(len(row_keys)) for usage_type in priced.missing_usage_types(row)})
    if missing:
        problems.append(missing_text(priced.catalog, str(bill["region"].iloc[0]), missing))
    availability = {k: (v.item() if hasattr(v, "item") else v) for k, v in assess(frame).iloc[0].to_dict().items()}
    return ScenarioCost(scenario=scenario, priced=priced, availability=availability, problems=problems,
                        row_keys=row_keys, missing_usage_types=tuple(missing))
