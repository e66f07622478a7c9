"""cfn-lint's verdict on a template it has linted before comes from the kit's cache, never from
a run that did not finish, and a change to anything it depends on lints again."""

from __future__ import annotations

from infra_lib.preflight import cfn_lint_cache, cfn_lint_stage
from tests.preflight_templates import eips, template


def lint(tpl, region="us-east-1", **bounds):
    run = cfn_lint_stage.start(tpl, region, **bounds)
    return run, run.result()


def shown(findings):
    return sorted((f.rule_id, f.resource, f.message, f.severity) for f in findings)


def test_a_template_linted_before_is_served_from_the_cache_with_the_same_findings(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path))
    tpl = {**template(**eips(2)), "Parameters": {"Unused": {"Type": "String"}}}  # cfn-lint W2001
    first_run, first = lint(tpl)
    again_run, again = lint(tpl)
    assert first_run.process is not None and again_run.process is None  # no worker the second time
    assert shown(again) == shown(first) and "CFN-LINT-W2001" in {f.rule_id for f in first}
    assert len(list((tmp_path / "cfn-lint").glob("lint-*.json"))) == 1


def test_another_region_or_template_lints_again(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path))
    lint(template(**eips(2)))
    assert lint(template(**eips(2)), region="eu-west-1")[0].process is not None
    assert lint(template(**eips(3)))[0].process is not None


def test_a_run_that_did_not_finish_is_never_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path))
    tpl = template(**eips(1))
    crash = tmp_path / "crash.py"
    crash.write_text("import sys\nsys.exit(7)\n")
    monkeypatch.setattr(cfn_lint_stage, "WORKER", crash)
    (failed,) = lint(tpl)[1]
    assert failed.check == "cfn-lint-failed"
    assert not list((tmp_path / "cfn-lint").glob("lint-*.json"))
    monkeypatch.undo()
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path))
    _, starved = lint(tpl, memory_bytes=64 * 2**20)  # out of memory: not stored either
    assert [f.check for f in starved if f.rule_id == "PREFLIGHT"] == ["cfn-lint-failed"]
    run, real = lint(tpl)
    assert run.process is not None and not [f for f in real if f.rule_id == "PREFLIGHT"]


def test_a_damaged_entry_is_linted_again_and_the_cache_stays_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path))
    tpl = template(**eips(2))
    _, first = lint(tpl)
    (entry,) = (tmp_path / "cfn-lint").glob("lint-*.json")
    entry.write_text('{"records": "not a list"')
    run, again = lint(tpl)
    assert run.process is not None and shown(again) == shown(first)
    foreign = tmp_path / "cfn-lint" / "notes.txt"
    foreign.write_text("mine")
    monkeypatch.setattr(cfn_lint_cache, "MAX_ENTRIES", 1)
    lint(template(**eips(3)))
    kept = sorted(p.name for p in (tmp_path / "cfn-lint").iterdir())
    assert len([n for n in kept if n.startswith("lint-")]) == 1 and "notes.txt" in kept
