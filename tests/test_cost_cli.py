"""`infrakit cost` as a pipeline sees it: exit codes that track real failures (not deployable,
over its budget, a price missing, over a gate), --compare-to from every kind of source, the
gates and the Markdown. Figures are computed from cost_model, never hard-coded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from infrakit.cli import main
from infrakit.core.schema import load_scenario
from infrakit.core.text import money
from tests.conftest import ROOT
from tests.test_cost_compare import unpriced_region

DEV = ROOT / "notebooks" / "params" / "dev.yaml"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def head_file(tmp_path):
    """The real change of the issue: dev with a NAT gateway per AZ over three AZs."""
    text = DEV.read_text().replace("nat_strategy: single", "nat_strategy: per_az").replace("az_count: 2", "az_count: 3")
    return write(tmp_path, "head.yaml", text)


def monthly(path) -> float:
    from cost_model import cost_scenario

    return cost_scenario(load_scenario(path)).monthly_usd


def first_month(path) -> str:
    from cost_model import cost_scenario

    return cost_scenario(load_scenario(path)).lines()[0]["month"]


# --- one configuration: the exit code tracks real failures -------------------------------------

def test_a_configuration_aws_would_refuse_exits_1_after_printing_everything(capsys, tmp_path):
    path = write(tmp_path, "seed.yaml", 'name: seed\nengine_version: "15.3"\n')
    code, out, err = run(capsys, "cost", path)
    assert code == 1
    assert "Total, first month" in out and "Prices: cost_model/data/prices.csv" in out  # the whole table first
    assert "Status: FAILED" in out and "INVALID: Aurora PostgreSQL 15.3 is deprecated" in out
    assert "infrakit cost: failed: not deployable (valid: false): Aurora PostgreSQL 15.3 is deprecated" in err
    code, out, err = run(capsys, "cost", path, "--json")
    payload = json.loads(out)
    assert code == 1 and payload["valid"] is False and payload["verdict"]["status"] == "failed"
    assert payload["monthly_usd"] == monthly(path)  # still priced


def test_over_its_own_budget_exits_1_with_both_figures(capsys, tmp_path):
    cost = monthly(DEV)
    path = write(tmp_path, "tight.yaml", DEV.read_text() + f"budget_usd_per_month: {cost - 1}\n")
    code, out, err = run(capsys, "cost", path)
    assert code == 1 and f"Budget: {money(cost - 1)}/month" in out
    assert f"over budget: {money(cost)}/month against budget_usd_per_month {money(cost - 1)}" in err
    roomy = write(tmp_path, "roomy.yaml", DEV.read_text() + f"budget_usd_per_month: {cost}\n")
    code, out, err = run(capsys, "cost", roomy, "--json")
    assert code == 0 and err == "" and json.loads(out)["budget_usd_per_month"] == cost
    assert json.loads(out)["verdict"] == {"status": "ok", "reasons": []}


def test_a_deployable_configuration_within_budget_exits_0(capsys):
    code, out, err = run(capsys, "cost", DEV)
    assert code == 0 and err == "" and out.rstrip().endswith("Status: OK")


def test_max_monthly_usd_without_a_base(capsys):
    cost = monthly(DEV)
    code, out, err = run(capsys, "cost", DEV, "--max-monthly-usd", cost - 0.01)
    assert code == 1 and f"FAIL --max-monthly-usd {cost - 0.01:g}: {money(cost)}/month is over the limit" in out
    assert f"--max-monthly-usd {cost - 0.01:g}" in err
    code, out, _ = run(capsys, "cost", DEV, "--max-monthly-usd", cost, "--markdown")
    assert code == 0 and f"✅ --max-monthly-usd {cost:g}: {money(cost)}/month is within the limit" in out


# --- comparing: every source ----------------------------------------------------------------

def test_compare_two_scenarios_as_json(capsys, tmp_path):
    head = head_file(tmp_path)
    code, out, err = run(capsys, "cost", head, "--compare-to", DEV, "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert {"base", "head", "monthly_delta_usd", "horizon_delta_usd", "lines"} <= set(payload)
    assert payload["base"]["scenario"] == "dev" and payload["base"]["input"] == {"kind": "scenario", "path": str(DEV)}
    assert payload["monthly_delta_usd"] == round(monthly(head) - monthly(DEV), 2)
    for line in payload["lines"]:
        assert {"component", "resource", "usage_type", "base_monthly_usd", "head_monthly_usd", "delta_usd"} <= set(line)
    assert payload["verdict"]["status"] == "ok" and payload["gates"] == []


def test_compare_to_a_saved_cost_json(capsys, tmp_path):
    code, out, _ = run(capsys, "cost", DEV, "--json")
    saved = write(tmp_path, "base-cost.json", out)
    head = head_file(tmp_path)
    code, out, err = run(capsys, "cost", head, "--compare-to", saved, "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["base"]["input"]["kind"] == "cost_json"
    assert payload["monthly_delta_usd"] == round(monthly(head) - monthly(DEV), 2)
    # A saved JSON may be HEAD too (both sides priced earlier).
    code, out, _ = run(capsys, "cost", saved, "--compare-to", saved, "--json")
    assert code == 0 and json.loads(out)["monthly_delta_usd"] == 0.0


@pytest.mark.slow
def test_compare_templates_and_assemblies(capsys, tmp_path):
    scenario = write(tmp_path, "s.yaml", DEV.read_text())
    out_dir = tmp_path / "cdk.out"
    code, _, err = run(capsys, "synth", scenario, "--out", out_dir)
    assert code == 0, err
    template = out_dir / "PaymentApi-dev.template.json"
    head = head_file(tmp_path)
    for base in (template, out_dir):  # a template file, and the cloud assembly it is in
        code, out, err = run(capsys, "cost", head, "--compare-to", base, "--scenario", DEV, "--json")
        assert code == 0, err
        payload = json.loads(out)
        assert payload["base"]["input"]["kind"] == "template"
        assert payload["monthly_delta_usd"] == round(monthly(head) - monthly(DEV), 2)  # template == scenario
    code, out, err = run(capsys, "cost", "--template", out_dir, "--scenario", DEV, "--compare-to", DEV, "--json")
    assert code == 0, err
    assert json.loads(out)["monthly_delta_usd"] == 0.0 and json.loads(out)["head"]["input"]["kind"] == "template"


# --- gates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--max-increase-usd", "--max-increase-percent"])
def test_increase_gates_fail_over_and_pass_within(capsys, tmp_path, flag):
    head = head_file(tmp_path)
    base_usd, head_usd = monthly(DEV), monthly(head)
    delta = round(head_usd - base_usd, 2)
    figure = delta if flag == "--max-increase-usd" else delta / base_usd * 100
    limit = round(figure - 1, 2)
    code, out, err = run(capsys, "cost", head, "--compare-to", DEV, flag, limit)
    assert code == 1
    shown = f"+{money(delta)}" if flag == "--max-increase-usd" else f"+{figure:.1f}%"
    message = f"{flag} {limit:g}: the monthly cost changes by {shown} (from {money(base_usd)} to {money(head_usd)})"
    assert f"FAIL {message}, over the limit of" in out and message in err
    code, out, err = run(capsys, "cost", head, "--compare-to", DEV, flag, round(figure + 1, 2))
    assert code == 0 and err == "" and f"PASS {flag}" in out


def test_a_gate_on_a_missing_price_fails_never_passes(capsys, tmp_path):
    head = write(tmp_path, "unpriced.yaml", f"name: unpriced\nregion: {unpriced_region()}\n")
    code, out, err = run(capsys, "cost", head, "--compare-to", DEV, "--max-increase-usd", 1000000, "--json")
    assert code == 1
    payload = json.loads(out)
    assert payload["monthly_delta_usd"] is None and payload["gates"][0]["passed"] is False
    assert "unknown because a price is missing" in err


# --- Markdown --------------------------------------------------------------------------------

def test_compare_markdown_for_a_pull_request(capsys, tmp_path):
    head = head_file(tmp_path)
    base_usd, head_usd = monthly(DEV), monthly(head)
    delta = round(head_usd - base_usd, 2)
    code, out, err = run(capsys, "cost", head, "--compare-to", DEV, "--markdown", "--max-increase-percent", 20)
    pct = delta / base_usd * 100
    assert code == (1 if pct > 20 else 0)
    assert out.startswith("<!-- infrakit-cost -->\n### infrakit cost: ")
    assert (f"| Monthly ({first_month(head)}) | {money(base_usd)} | {money(head_usd)} | "
            f"**+{money(delta)} (+{pct:.1f}%)** |") in out
    assert "| NAT gateway | 1 NAT gateway(s) → 3 NAT gateway(s) | `NatGateway-Hours` |" in out
    assert "(removed) |" in out  # the shared NAT's cross-AZ traffic goes away


# --- bad input -------------------------------------------------------------------------------

def test_a_base_that_is_none_of_the_three_exits_2_naming_the_file(capsys, tmp_path):
    notes = write(tmp_path, "notes.json", '{"title": "not a cost"}')
    code, out, err = run(capsys, "cost", DEV, "--compare-to", notes)
    assert code == 2 and out == ""
    assert f"--compare-to: {notes} is a JSON dict" in err
    assert "expected a scenario file (YAML), a CloudFormation template (JSON or YAML) or a cloud assembly" in err


def test_every_problem_at_once_and_no_traceback(tmp_path):
    bad_head = write(tmp_path, "head.yaml", "az_count: -2\n")
    proc = subprocess.run([sys.executable, "-m", "infrakit.cli", "cost", str(bad_head), "--compare-to",
                           str(tmp_path / "missing.json"), "--max-increase-usd", "lots", "--max-monthly-usd", "-1"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert "4 problems" in proc.stderr
    for fragment in ("HEAD: ", "az_count: -2", f"--compare-to: file not found: {tmp_path / 'missing.json'}",
                     "--max-increase-usd: 'lots' is not a number", "--max-monthly-usd: '-1' is negative"):
        assert fragment in proc.stderr, fragment


def test_increase_gates_need_a_base_and_outputs_are_exclusive(capsys):
    code, _, err = run(capsys, "cost", DEV, "--max-increase-percent", 5)
    assert code == 2 and "--max-increase-percent compares the head with a base: add --compare-to BASE" in err
    with pytest.raises(SystemExit) as info:
        main(["cost", str(DEV), "--json", "--markdown"])
    assert info.value.code == 2
