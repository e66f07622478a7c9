"""A saved `infrakit cost --json` output is taken as saved, so it must be self-consistent: a
line without a price (monthly_usd null) under a known total is refused as bad input, never
passed through a gate as if the total were known."""

from __future__ import annotations

import json

from infrakit.cli import main


def _saved(capsys, tmp_path, name="dev"):
    scenario = tmp_path / f"{name}.yaml"
    scenario.write_text(f"name: {name}\nnat_strategy: single\nstart_date: '2027-01-01'\n", encoding="utf-8")
    assert main(["cost", str(scenario), "--json"]) == 0
    return json.loads(capsys.readouterr().out), scenario


def test_a_null_line_under_a_known_total_is_refused_as_head_and_as_base(capsys, tmp_path):
    data, scenario = _saved(capsys, tmp_path)
    data["lines"][0]["monthly_usd"] = None
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(data), encoding="utf-8")
    for argv in (["cost", str(damaged), "--max-monthly-usd", "100000"],
                 ["cost", str(scenario), "--compare-to", str(damaged), "--max-increase-usd", "100000"]):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2, (argv, out, err)
        assert "line(s) 1 have no price (monthly_usd null) but the total monthly_usd is" in err
        assert str(damaged) in err and "Traceback" not in err


def test_a_null_line_under_a_null_total_is_a_missing_price_and_fails_the_gate(capsys, tmp_path):
    data, _ = _saved(capsys, tmp_path)
    data["lines"][0]["monthly_usd"] = None
    data["monthly_usd"] = data["horizon_usd"] = None
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(data), encoding="utf-8")
    code = main(["cost", str(unknown), "--max-monthly-usd", "100000"])
    _, err = capsys.readouterr()
    assert code == 1 and "price missing" in err
