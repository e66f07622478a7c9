"""A missing price and a configuration AWS would refuse are two different things: the first
leaves the total unknown (``price_missing``, "PRICE MISSING"), the second is not deployable
(``deployable: false``, "INVALID"). ``valid`` keeps its contract (false for either); both exit 1."""

from __future__ import annotations

import json

from cost_model import cost_scenario
from cost_model.tables import cost_table
from infrakit.cli import main
from infrakit.core.schema import validate_scenario

INCOMPLETE = {"name": "frankfurt", "region": "eu-central-1", "start_date": "2026-12-01"}


def test_a_missing_price_is_not_an_invalid_configuration(capsys, tmp_path):
    result = cost_scenario(validate_scenario(INCOMPLETE))
    assert result.monthly_usd is None and result.deployable and result.refusals == [] and not result.valid
    assert result.price_missing and "LCUUsage" in result.missing_usage_types
    table = cost_table(result, width=None)
    assert "PRICE MISSING: no price in the catalog for region eu-central-1" in table and "INVALID" not in table
    path = tmp_path / "s.yaml"
    path.write_text("".join(f"{k}: '{v}'\n" for k, v in INCOMPLETE.items()), encoding="utf-8")
    code = main(["cost", str(path), "--json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 1 and data["deployable"] is True and data["valid"] is False and data["monthly_usd"] is None
    assert "LCUUsage" in data["price_missing"] and any(p.startswith("price missing") for p in data["problems"])
    assert data["verdict"]["status"] == "failed" and "not deployable" not in err and "price missing" in err


def test_both_at_once_are_said_apart(capsys):
    result = cost_scenario(validate_scenario({**INCOMPLETE, "engine_version": "15.3"}))
    assert not result.valid and not result.deployable and result.price_missing
    table = cost_table(result, width=None)
    assert "INVALID: Aurora PostgreSQL 15.3 is deprecated" in table
    assert "PRICE MISSING: " in table and "INVALID: price missing" not in table


def test_a_priced_valid_configuration_has_neither():
    result = cost_scenario(validate_scenario({"region": "us-east-1", "start_date": "2026-12-01"}))
    assert result.valid and result.deployable and result.price_missing == []
    assert result.to_json()["price_missing"] == [] and result.to_json()["deployable"] is True
