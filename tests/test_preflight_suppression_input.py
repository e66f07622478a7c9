"""Suppressions written wrong are reported once each, with the value cut: a string where a
list belongs is one problem (not one per letter), and a huge entry is not copied whole."""

from __future__ import annotations

import json

from infrakit.cli import main


def preflight_json(tmp_path, capsys, metadata):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"A": {"Type": "AWS::SNS::Topic", "Metadata": {"infrakit": metadata}}}}))
    code = main(["preflight", "--template", str(path), "--offline", "--no-cfn-lint", "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_string_instead_of_a_list_of_suppressions_is_one_problem(tmp_path, capsys):
    code, data, _ = preflight_json(tmp_path, capsys, {"preflight_suppressions": "NAT-GATEWAY-LAYOUT"})
    bad = [f for f in data["findings"] if f["check"] == "bad-suppression"]
    assert code == 1 and len(bad) == 1
    assert "expected a list of {id: RULE, reason: ...} entries" in bad[0]["message"]


def test_a_huge_suppression_entry_is_quoted_cut(tmp_path, capsys):
    code, data, _ = preflight_json(tmp_path, capsys, {"preflight_suppressions": [{"reason": "x" * 100_000},
                                                                                 {"id": "X", "reason": "y" * 5}]})
    bad = [f["message"] for f in data["findings"] if f["check"] == "bad-suppression"]
    assert code == 1 and len(bad) == 2 and all(len(m) < 400 for m in bad), bad
    assert "has no id; give each entry an id" in bad[0] and "(got 'yyyyy')" in bad[1]


def test_a_huge_suppress_flag_is_quoted_cut(tmp_path, capsys):
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}')
    assert main(["preflight", "--template", str(path), "--suppress", "R" * 200_000]) == 2
    err = capsys.readouterr().err
    assert "expected RULE[/check][:LogicalId]=REASON" in err and len(err) < 1_000


def test_a_bad_region_from_the_environment_is_named_as_such_and_reported_with_the_rest(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "mars-1")
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}')
    assert main(["preflight", "--template", str(path), "--no-cfn-lint", "--suppress", "X=short"]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "AWS_REGION: 'mars-1' is not an AWS region" in err and "--region:" not in err


def test_a_scenarios_problems_name_its_file(tmp_path, capsys):
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("az_cont: 3\n")
    assert main(["preflight", str(scenario), "--suppress", "X=short"]) == 2
    err = capsys.readouterr().err
    assert f"{scenario}: az_cont: not a scenario key" in err and "--suppress 'X=short'" in err
