"""The infrakit CLI contract: commands, JSON keys, exit codes (0 ok, 2 bad input, 1 other)."""

import csv
import io
import json
import subprocess
import sys

import pytest

from infrakit.cli import main
from tests.conftest import ROOT

LINE_KEYS = {"component", "resource", "quantity", "unit", "unit_price_usd", "monthly_usd"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cost_json_contract(capsys, tmp_path):
    path = write(tmp_path, "s.yaml", "name: seed\naz_count: 3\nnat_strategy: per_az\nstart_date: 2026-12-01\n")
    code, out, err = run(capsys, "cost", path, "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert {"scenario", "region", "monthly_usd", "horizon_usd", "lines"} <= set(payload)
    assert payload["scenario"] == "seed" and payload["region"] == "us-east-1"
    assert all(LINE_KEYS <= set(line) for line in payload["lines"])
    total = sum(line["monthly_usd"] for line in payload["lines"])
    assert payload["monthly_usd"] == pytest.approx(total, abs=0.01 * len(payload["lines"]))
    nat = [l for l in payload["lines"] if l["component"] == "NAT gateway"][0]
    assert nat["monthly_usd"] == 98.55 and nat["price_source"]


def test_cost_table_is_readable(capsys, tmp_path):
    path = write(tmp_path, "s.yaml", "name: t\n")
    code, out, _ = run(capsys, "cost", path)
    assert code == 0 and "Total, first month" in out and "NAT gateway" in out


def test_bad_input_exits_2_with_all_problems_and_no_traceback(tmp_path):
    path = write(tmp_path, "bad.yaml", "az_count: -2\nregoin: us-east-1\ninstance_class: db.nope\nengine_version: 15.10\n")
    proc = subprocess.run([sys.executable, "-m", "infrakit.cli", "cost", path], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for fragment in ("4 problems", "az_count: -2", "Did you mean 'region'", "instance_class: 'db.nope'",
                     "engine_version: got the number 15.1"):
        assert fragment in proc.stderr, fragment
    assert proc.stdout == ""


@pytest.mark.parametrize("text,fragment", [
    ("az_count: [2, 3\n", "malformed YAML at line"),
    ("region: eu-west-1\naz_count: 5\n", "az_count: 5 is more than the 3 Availability Zones"),
    ("reader_count: two\n", "reader_count: got 'two'"),
])
def test_cost_bad_input_cases(capsys, tmp_path, text, fragment):
    code, out, err = run(capsys, "cost", write(tmp_path, "s.yaml", text))
    assert code == 2 and fragment in err and out == ""


def test_missing_file_and_usage_errors_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "cost", str(tmp_path / "missing.yaml"))
    assert code == 2 and "file not found" in err
    with pytest.raises(SystemExit) as info:
        main(["sweep", "x.yaml", "--json", "--csv"])
    assert info.value.code == 2


def test_missing_price_exits_1_and_shows_null_not_zero(capsys, tmp_path):
    code, out, err = run(capsys, "cost", write(tmp_path, "s.yaml", "region: eu-central-1\n"), "--json")
    assert code == 1 and "no price in the catalog for region eu-central-1" in err
    payload = json.loads(out)
    assert payload["monthly_usd"] is None and payload["valid"] is False


def test_sweep_json_rows_and_recommendation(capsys, tmp_path):
    path = write(tmp_path, "g.yaml", "nat_strategy: [per_az, single, none]\naz_count: [2, 3]\n"
                                     "engine_version: ['15.3', '17.7']\negress_must_survive_az_loss: true\n")
    code, out, err = run(capsys, "sweep", path, "--json")
    assert code == 0, err
    payload = json.loads(out)
    rows = payload["rows"]
    assert payload["configurations"] == len(rows) == 12
    for row in rows:
        assert {"nat_strategy", "az_count", "engine_version", "monthly_usd", "horizon_usd",
                "egress_outage_hours_per_year", "valid", "reasons", "recommended"} <= set(row)
    recommended = [r for r in rows if r["recommended"]]
    assert len(recommended) == 1 and recommended[0]["config_id"] == payload["recommended"]
    chosen = recommended[0]
    assert chosen["nat_strategy"] == "per_az" and chosen["engine_version"] == "17.7" and chosen["az_count"] == 2
    assert "Recommended" in payload["reason"]
    invalid = [r for r in rows if not r["valid"]]
    assert invalid and all(r["reasons"] for r in invalid)


def test_sweep_csv_has_a_row_per_configuration(capsys, tmp_path):
    code, out, _ = run(capsys, "sweep", write(tmp_path, "g.yaml", "az_count: [2, 3]\nregion: [us-east-1, eu-central-1]\n"),
                       "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 4
    frankfurt = [r for r in rows if r["region"] == "eu-central-1"]
    assert all(r["monthly_usd"] == "" and r["valid"] == "False" and "price missing" in r["reasons"] for r in frankfurt)


def test_sweep_bad_grid_exits_2(capsys, tmp_path):
    code, out, err = run(capsys, "sweep", write(tmp_path, "g.yaml", "az_count: [2, 9]\nnat: [single]\n"))
    assert code == 2 and "az_count: 9 is above the maximum" in err and "nat: not a scenario key" in err


def test_keys_lists_every_key(capsys):
    code, out, _ = run(capsys, "keys")
    assert code == 0 and "nat_strategy" in out and "assumed_az_outages_per_year" in out


def test_console_script_is_installed():
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "infrakit"), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("infrakit ")


@pytest.mark.slow
def test_synth_writes_assembly_and_cost_reads_the_template_back(capsys, tmp_path):
    scenario = write(tmp_path, "s.yaml", "name: cli\nenvironment_suffix: cli\naz_count: 3\nnat_strategy: per_az\n"
                                         "start_date: 2026-12-01\n")
    out_dir = tmp_path / "cdk.out"
    code, out, err = run(capsys, "synth", scenario, "--out", str(out_dir))
    assert code == 0, err
    template = out_dir / "PaymentApi-cli.template.json"
    assert f"template: {template}" in out and "3  AWS::EC2::NatGateway" in out
    assert (out_dir / "manifest.json").exists()
    code, out, err = run(capsys, "cost", "--template", str(template), "--scenario", scenario, "--json")
    assert code == 0, err
    from_template = json.loads(out)
    code, out, _ = run(capsys, "cost", scenario, "--json")
    from_scenario = json.loads(out)
    assert from_template["lines"] == from_scenario["lines"] and from_template["monthly_usd"] == from_scenario["monthly_usd"]
    # Without a scenario: defaults for usage, the assembly's region, and the template's structure.
    code, out, _ = run(capsys, "cost", "--template", str(template), "--json")
    payload = json.loads(out)
    assert code == 0 and payload["region"] == "us-east-1"
    nat = [l for l in payload["lines"] if l["component"] == "NAT gateway"][0]
    assert nat["quantity"] == 3 * 730
    assert payload["availability"]["egress_survives_az_loss"] is True  # per-AZ NAT read from the template


@pytest.mark.parametrize("text,fragment", [
    ("{not json", "is not JSON"),
    ('{"AWSTemplateFormatVersion": "2010-09-09"}', "is not a CloudFormation template"),
])
def test_cost_template_bad_input(capsys, tmp_path, text, fragment):
    code, out, err = run(capsys, "cost", "--template", write(tmp_path, "t.json", text))
    assert code == 2 and fragment in err and out == ""


def test_cost_template_missing_file_and_no_arguments(capsys, tmp_path):
    code, _, err = run(capsys, "cost", "--template", str(tmp_path / "nope.json"))
    assert code == 2 and "template not found" in err
    code, _, err = run(capsys, "cost")
    assert code == 2 and "give a scenario file, or --template" in err


def test_synth_refuses_what_aws_would_refuse_with_exit_1_before_jsii(capsys, tmp_path):
    code, out, err = run(capsys, "synth", write(tmp_path, "s.yaml", 'engine_version: "15.3"\nnat_strategy: none\n'))
    assert code == 1 and "15.3 is deprecated" in err and "public registry" in err and out == ""
