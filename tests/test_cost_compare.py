"""Comparing two cost JSONs, one configuration's status, the gates and the Markdown
(infrakit.verdicts). Expected figures come from cost_model, never hard-coded dollars."""

from __future__ import annotations

import copy
import functools
import json

import pytest

from infrakit.core.errors import InputError
from infrakit.core.schema import validate_scenario

DEV = {"name": "dev", "az_count": 2, "nat_strategy": "single", "instance_class": "db.t4g.medium", "reader_count": 0,
       "start_date": "2027-01-01"}
PER_AZ = {**DEV, "nat_strategy": "per_az", "az_count": 3}


@functools.cache
def unpriced_region() -> str:
    """A region the price catalog lacks prices for (found, not assumed: the catalog grows)."""
    from cost_model import cost_scenario
    from infrakit.core.catalogs import region_catalog

    for region in sorted(region_catalog()):
        if cost_scenario(validate_scenario({"region": region})).monthly_usd is None:
            return region
    pytest.skip("every region in the catalog is fully priced")


def cost(raw: dict) -> dict:
    from cost_model import cost_scenario
    from infrakit.verdicts.compare import cost_verdict

    scenario = validate_scenario(raw)
    data = {**cost_scenario(scenario).to_json(), "budget_usd_per_month": scenario["budget_usd_per_month"]}
    data["verdict"] = cost_verdict(data).to_json()
    return data


def line(data: dict, key: str) -> dict:
    return next(item for item in data["lines"] if item["key"] == key)


# --- one configuration's status ----------------------------------------------------------------

def test_a_priced_deployable_configuration_within_budget_is_ok():
    from infrakit.verdicts.compare import cost_verdict

    base = cost(DEV)
    assert cost_verdict(base).status == "ok"
    at_budget = cost({**DEV, "budget_usd_per_month": base["monthly_usd"]})  # equal is not over
    assert cost_verdict(at_budget).status == "ok"


@pytest.mark.parametrize("change,fragment", [
    ({"engine_version": "15.3"}, "not deployable (valid: false): Aurora PostgreSQL 15.3 is deprecated"),
    ({"region": "UNPRICED"}, "price missing: "),
])
def test_refused_or_unpriced_configurations_fail(change, fragment):
    from infrakit.verdicts.compare import cost_verdict

    if change.get("region") == "UNPRICED":
        change = {"region": unpriced_region()}
    verdict = cost_verdict(cost({**DEV, **change}))
    assert verdict.status == "failed" and any(r.startswith(fragment) for r in verdict.reasons), verdict.reasons
    assert all(change.get("region", "") in r for r in verdict.reasons)  # the reason names the region

def test_over_its_own_budget_fails_naming_both_figures():
    from infrakit.core.text import money
    from infrakit.verdicts.compare import cost_verdict

    monthly = cost(DEV)["monthly_usd"]
    verdict = cost_verdict(cost({**DEV, "budget_usd_per_month": monthly - 0.01}))
    assert verdict.reasons == (f"over budget: {money(monthly)}/month against budget_usd_per_month "
                               f"{money(monthly - 0.01)}",)


# --- the comparison ---------------------------------------------------------------------------

def test_lines_match_by_key_and_usage_type_with_every_difference():
    from infrakit.verdicts.compare import compare

    base, head = cost(DEV), cost(PER_AZ)
    result = compare(base, head)
    assert {"base", "head", "monthly_delta_usd", "horizon_delta_usd", "lines"} <= set(result)
    assert result["monthly_delta_usd"] == round(head["monthly_usd"] - base["monthly_usd"], 2)
    assert result["horizon_delta_usd"] == round(head["horizon_usd"] - base["horizon_usd"], 2)
    pct = (head["monthly_usd"] - base["monthly_usd"]) / base["monthly_usd"] * 100
    assert result["monthly_delta_percent"] == pytest.approx(pct, abs=0.01)
    nat = next(item for item in result["lines"] if item["key"] == "nat_gateway_hours")
    assert nat["base_monthly_usd"] == line(base, "nat_gateway_hours")["monthly_usd"]
    assert nat["head_monthly_usd"] == line(head, "nat_gateway_hours")["monthly_usd"]
    assert nat["delta_usd"] == round(nat["head_monthly_usd"] - nat["base_monthly_usd"], 2) and nat["change"] == "changed"
    assert (nat["base_resource"], nat["head_resource"]) == ("1 NAT gateway(s)", "3 NAT gateway(s)")
    for item in result["lines"]:
        assert {"component", "resource", "usage_type", "base_monthly_usd", "head_monthly_usd", "delta_usd"} <= set(item)
    # The shared NAT's cross-AZ traffic exists only in the base: removed, $0 in the head.
    removed = [item for item in result["lines"] if item["change"] == "removed"]
    assert removed and all(item["head_monthly_usd"] == 0.0 and item["delta_usd"] == -item["base_monthly_usd"]
                           for item in removed)
    assert sum(item["delta_usd"] for item in result["lines"]) == pytest.approx(result["monthly_delta_usd"],
                                                                             abs=0.01 * len(result["lines"]))


def test_labels_never_match_lines():
    """Rename every label of the base: the same lines still pair up (key + usage type)."""
    from infrakit.verdicts.compare import compare

    base, head = cost(DEV), cost(PER_AZ)
    relabelled = copy.deepcopy(base)
    for item in relabelled["lines"]:
        item["component"], item["resource"] = "renamed " + item["component"], "renamed"
    plain, renamed = compare(base, head), compare(relabelled, head)
    assert [(i["key"], i["usage_type"], i["delta_usd"]) for i in plain["lines"]] == \
        [(i["key"], i["usage_type"], i["delta_usd"]) for i in renamed["lines"]]


def test_a_new_instance_class_is_one_line_removed_and_one_added():
    from infrakit.verdicts.compare import compare

    base, head = cost(DEV), cost({**DEV, "instance_class": "db.r6g.large"})
    changes = {(i["usage_type"], i["change"]) for i in compare(base, head)["lines"] if i["key"] == "aurora_instance_hours"}
    assert changes == {("InstanceUsage:db.t4g.medium", "removed"), ("InstanceUsage:db.r6g.large", "added")}


def test_a_missing_price_makes_the_difference_unknown_never_zero():
    from infrakit.verdicts.compare import compare

    head = cost(DEV)
    head["monthly_usd"] = head["horizon_usd"] = None
    line(head, "nat_gateway_hours")["monthly_usd"] = None
    head["problems"] = ["price missing: no price in the catalog for region us-east-1 and usage type(s) NatGateway-Hours"]
    result = compare(cost(DEV), head)
    assert result["monthly_delta_usd"] is None and result["monthly_delta_percent"] is None
    nat = next(i for i in result["lines"] if i["key"] == "nat_gateway_hours")
    assert nat["head_monthly_usd"] is None and nat["delta_usd"] is None and nat["change"] == "price missing"
    assert any("head: the monthly total is unknown" in note for note in result["notes"])


def test_lines_sharing_key_and_usage_type_are_summed():
    from infrakit.verdicts.compare import compare

    base = cost(DEV)
    doubled = copy.deepcopy(base)
    doubled["lines"].append(dict(line(base, "secrets")))
    result = compare(base, doubled)
    secrets = [i for i in result["lines"] if i["key"] == "secrets"]
    assert len(secrets) == 1 and secrets[0]["head_monthly_usd"] == round(2 * line(base, "secrets")["monthly_usd"], 2)


# --- gates -----------------------------------------------------------------------------------

def _gates(**values):
    from infrakit.verdicts.gates import parse_gates

    gates, problems = parse_gates(values, has_base=True)
    assert problems == []
    return gates


def test_each_gate_passes_within_and_fails_over_its_limit_naming_limit_and_figure():
    from infrakit.core.text import money
    from infrakit.verdicts.gates import evaluate

    base, head = cost(DEV), cost(PER_AZ)
    delta = round(head["monthly_usd"] - base["monthly_usd"], 2)
    pct = delta / base["monthly_usd"] * 100
    within = evaluate(_gates(max_monthly_usd=str(head["monthly_usd"]), max_increase_usd=str(delta),
                             max_increase_percent=str(pct + 0.01)), head, base)
    assert [g["passed"] for g in within] == [True, True, True]
    over = evaluate(_gates(max_monthly_usd=str(head["monthly_usd"] - 0.01), max_increase_usd=str(delta - 0.01),
                           max_increase_percent=str(pct - 0.1)), head, base)
    assert [g["passed"] for g in over] == [False, False, False]
    monthly, usd, percent = (g["message"] for g in over)
    assert monthly.startswith("--max-monthly-usd ") and f"{money(head['monthly_usd'])}/month is over the limit" in monthly
    assert f"changes by +{money(delta)}" in usd and f"over the limit of {money(delta - 0.01)}" in usd
    assert f"changes by +{pct:.1f}%" in percent and "over the limit of" in percent
    assert [g["value"] for g in over][:2] == [head["monthly_usd"], delta]


def test_a_gate_on_a_missing_price_fails():
    from infrakit.verdicts.gates import evaluate

    base, head = cost(DEV), cost({**DEV, "region": unpriced_region()})
    assert head["monthly_usd"] is None
    results = evaluate(_gates(max_monthly_usd="100000", max_increase_usd="100000", max_increase_percent="1000"),
                       head, base)
    assert [g["passed"] for g in results] == [False, False, False]
    assert all("unknown because a price is missing" in g["message"] for g in results)
    assert evaluate(_gates(max_increase_usd="100000"), base, head)[0]["passed"] is False  # missing on the base side


def test_an_increase_from_nothing_has_no_finite_percentage():
    from infrakit.verdicts.gates import evaluate

    head = cost(DEV)
    empty = {**head, "monthly_usd": 0.0, "lines": []}
    result = evaluate(_gates(max_increase_percent="1000"), head, empty)[0]
    assert result["passed"] is False and "no finite percentage" in result["message"]
    assert evaluate(_gates(max_increase_percent="0"), empty, empty)[0]["passed"] is True


def test_gate_values_are_checked_together():
    from infrakit.verdicts.gates import parse_gates

    _, problems = parse_gates({"max_monthly_usd": "-5", "max_increase_usd": "ten", "max_increase_percent": "inf"},
                              has_base=True)
    assert len(problems) == 3
    assert "negative" in problems[0] and "'ten' is not a number" in problems[1] and "not a finite" in problems[2]
    _, problems = parse_gates({"max_increase_percent": "5"}, has_base=False)
    assert problems and "add --compare-to BASE" in problems[0]


# --- Markdown and the table ------------------------------------------------------------------

def test_markdown_shows_every_line_the_totals_percentage_and_gates():
    from infrakit.core.text import money, signed_money
    from infrakit.verdicts.compare import compare
    from infrakit.verdicts.gates import evaluate
    from infrakit.verdicts.render import MARKER, comparison_markdown

    base, head = cost(DEV), cost(PER_AZ)
    result = compare(base, head)
    gates = evaluate(_gates(max_increase_percent="20", max_monthly_usd="100000"), head, base)
    verdict = {"status": "failed" if not all(g["passed"] for g in gates) else "ok",
               "reasons": [g["message"] for g in gates if not g["passed"]]}
    text = comparison_markdown(result, verdict, gates)
    assert text.startswith(MARKER)
    rows = [r for r in text.splitlines() if r.startswith("| ") and "`" in r]
    assert len(rows) == len(result["lines"])
    for item, row in zip(result["lines"], rows, strict=True):
        assert f"`{item['usage_type']}`" in row and row.rstrip(" |").endswith(signed_money(item["delta_usd"])
                                                                            if item["change"] not in ("added", "removed")
                                                                            else f"({item['change']})")
    pct = (head["monthly_usd"] - base["monthly_usd"]) / base["monthly_usd"] * 100
    assert f"| **Total** |  |  | **{money(base['monthly_usd'])}** | **{money(head['monthly_usd'])}** |" in text
    assert f"**{signed_money(result['monthly_delta_usd'])} (+{pct:.1f}%)**" in text
    assert ("❌ --max-increase-percent 20" in text) == (pct > 20) and "✅ --max-monthly-usd 100000" in text


def test_markdown_cells_escape_pipes():
    from infrakit.verdicts.compare import compare
    from infrakit.verdicts.render import comparison_markdown

    base = cost(DEV)
    odd = copy.deepcopy(base)
    line(odd, "secrets")["resource"] = "a | b"
    text = comparison_markdown(compare(base, odd), {"status": "ok", "reasons": []})
    assert "a \\| b" in text


def test_the_table_names_both_sides_and_the_status():
    from infrakit.verdicts.compare import compare
    from infrakit.verdicts.render import comparison_table

    text = comparison_table(compare(cost(DEV), cost(PER_AZ)), {"status": "ok", "reasons": []})
    assert "1 NAT gateway(s) -> 3 NAT gateway(s)" in text and "Monthly, first month:" in text
    assert text.rstrip().endswith("Status: OK")


def test_on_a_narrow_terminal_the_table_fits(monkeypatch):
    from infrakit.verdicts.compare import compare
    from infrakit.verdicts.render import comparison_table

    result = compare(cost(DEV), cost(PER_AZ))
    full = comparison_table(result, {"status": "ok", "reasons": []})
    assert max(len(row) for row in full.splitlines()) > 100  # piped: the full table, whatever its width
    narrow = comparison_table(result, {"status": "ok", "reasons": []}, width=72)
    assert max(len(row) for row in narrow.splitlines()) <= 72
    assert "1 NAT gateway(s) -> 3 NAT gateway(s) (NatGateway-Hours)" in narrow
    assert narrow.rstrip().endswith("Status: OK")


# --- identifying inputs ---------------------------------------------------------------------

def test_inputs_are_identified_by_their_content(tmp_path):
    from infrakit.verdicts.sources import identify

    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\n")
    saved = tmp_path / "base.json"
    saved.write_text(json.dumps(cost(DEV)))
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Nat:\n    Type: AWS::EC2::NatGateway\n    Properties:\n"
                        "      SubnetId: !Ref Subnet\n")
    assert identify(str(scenario), flag="HEAD").kind == "scenario"
    assert identify(str(saved), flag="--compare-to").kind == "cost_json"
    found = identify(str(template), flag="--compare-to")
    assert found.kind == "template" and found.template["Resources"]["Nat"]["Properties"]["SubnetId"] == {"Ref": "Subnet"}


@pytest.mark.parametrize("content,fragment", [
    ('{"a": 1}', "neither a CloudFormation template (no 'Resources') nor a saved cost JSON"),
    ('{"monthly_usd": 1.0, "lines": [{"component": "x"}]}', "needs the key 'scenario'"),
    ('{"scenario": "s", "monthly_usd": 1, "horizon_usd": 1, "lines": [{"component": "x", "resource": "y", '
     '"usage_type": "u", "monthly_usd": 1}]}', "line 1 lacks key"),
    ('{"base": {}, "head": {}, "lines": []}', "is a saved comparison"),
    ("{broken", "is not valid JSON (line 1"),
    ("bogus_key: 1\n", "read as a scenario file; expected a scenario file"),
    ("hello world\n", "expected a mapping of 'key: value' lines"),
    ("\n", "is empty; expected a scenario file"),
])
def test_an_input_that_is_none_of_them_names_the_file_and_what_was_expected(tmp_path, content, fragment):
    from infrakit.verdicts.sources import identify

    path = tmp_path / ("x.json" if content.startswith("{") else "x.yaml")
    path.write_text(content)
    with pytest.raises(InputError) as info:
        identify(str(path), flag="--compare-to", allow_empty=False)
    text = str(info.value)
    assert fragment in text and f"--compare-to: {path}" in text


def test_a_directory_that_is_not_an_assembly_is_named_with_the_flag(tmp_path):
    from infrakit.verdicts.sources import identify

    with pytest.raises(InputError) as info:
        identify(str(tmp_path), flag="--compare-to")
    assert f"--compare-to: {tmp_path} has no manifest.json" in str(info.value)


def test_a_scenario_files_problems_say_what_it_was_read_as_once(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\naz_count: 9\nnat_strategy: bogus\nfoo: 1\n")
    from infrakit.cli import main

    assert main(["cost", str(bad)]) == 2
    problems = [line for line in capsys.readouterr().err.splitlines() if line.startswith("  - ")]
    assert len(problems) == 3 and all(f"HEAD: {bad}: " in p or f"HEAD: {bad} (" in p for p in problems)
    assert sum("read as a scenario file" in p for p in problems) == 1
    assert any("az_count: 9" in p for p in problems) and any("'bogus'" in p for p in problems)
