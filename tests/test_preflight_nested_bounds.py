"""Nested stacks cannot make preflight run for ever: each nested template file is read and
linted once however many stacks use it, --cfn-lint-timeout bounds cfn-lint over the whole run,
and at most MAX_NESTED_STACKS nested stacks are checked (CloudFormation's default stack quota);
what is left unchecked is said and marks the report incomplete."""

from __future__ import annotations

import json
import time

from infra_lib.preflight import runner
from infrakit.cli import main

LEAF = {"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {
    "Engine": "aurora-postgresql", "EngineVersion": "15.3", "StorageEncrypted": True}}}}


def nesting(folder, child, count, name):
    template = {"Resources": {f"N{i}": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": child}}
                              for i in range(count)}}
    (folder / name).write_text(json.dumps(template))
    return folder / name


def preflight_json(capsys, *argv):
    code = main(["preflight", *argv, "--offline", "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_one_nested_template_used_by_many_stacks_is_linted_once(tmp_path, capsys, monkeypatch):
    (tmp_path / "leaf.json").write_text(json.dumps(LEAF))
    nesting(tmp_path, "leaf.json", 6, "mid.json")
    top = nesting(tmp_path, "mid.json", 6, "top.json")
    started = []
    real_start = runner.cfn_lint_stage.start
    monkeypatch.setattr(runner.cfn_lint_stage, "start", lambda *a, **k: started.append(1) or real_start(*a, **k))
    code, data, _ = preflight_json(capsys, "--template", str(top))
    assert len(started) == 3  # top, mid, leaf: not 1 + 6 + 36 (about a second each)
    deprecated = [f for f in data["findings"] if f["check"] == "deprecated"]
    assert code == 1 and len(deprecated) == 36 and data["complete"] is True
    assert {f["resource"] for f in deprecated} == {f"N{i}/N{j}/Db" for i in range(6) for j in range(6)}


def test_cfn_lint_time_is_for_the_whole_run(tmp_path, capsys):
    children = []
    for i in range(3):
        (tmp_path / f"leaf{i}.json").write_text(json.dumps(LEAF))
        children.append(f"leaf{i}.json")
    top = {"Resources": {f"N{i}": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": child}}
                         for i, child in enumerate(children)}}
    (tmp_path / "top.json").write_text(json.dumps(top))
    started = time.monotonic()
    code, data, _ = preflight_json(capsys, "--template", str(tmp_path / "top.json"), "--cfn-lint-timeout", "0.5")
    assert time.monotonic() - started < 10
    assert "cfn-lint-timeout" in data["not_checked"] and data["complete"] is False
    # the top template's lint spent the run's time: the nested ones are not each given 0.5 s more
    assert any("its time for the whole run (--cfn-lint-timeout) was used up" in f["message"]
               for f in data["findings"])
    assert sum(f["check"] == "deprecated" for f in data["findings"]) == 3  # the kit's own rules ran on all


def test_fan_out_stops_at_the_stack_quota_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "MAX_NESTED_STACKS", 50)
    (tmp_path / "leaf.json").write_text(json.dumps(LEAF))
    nesting(tmp_path, "leaf.json", 10, "mid.json")
    top = nesting(tmp_path, "mid.json", 10, "top.json")
    code, data, _ = preflight_json(capsys, "--template", str(top), "--no-cfn-lint")
    unchecked = [f for f in data["findings"] if f["check"] == "nested-stack-not-checked"]
    assert unchecked and "this run had already checked 50 nested stacks" in unchecked[0]["message"]
    assert data["complete"] is False
    assert sum(f["check"] == "deprecated" for f in data["findings"]) < 50
