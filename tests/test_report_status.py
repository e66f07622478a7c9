"""One status per run (ok / attention / failed), from the results the notebooks write: every
failure that used to show OK is failed here, and summary.md says so."""

from __future__ import annotations

import copy

import pytest

from infrakit.report.status import (
    ATTENTION,
    FAILED,
    OK,
    DecisionFailed,
    Verdict,
    raise_for_status,
    run_verdict,
)
from infrakit.report.summary import summary_markdown

CONFIG = {"config_id": 3, "description": "single NAT, 2 AZs, Aurora 17.7 standard, 1 reader",
          "monthly_usd": 487.23, "horizon_usd": 17540.39, "valid": True, "reasons": [], "meets_constraints": True}
TRADE = {"recommended": CONFIG, "as_given": CONFIG, "scenario_keys": {"budget_usd_per_month": None}}
DECISION = {"choice": {"mode": "recommended"}, "steps": {
    "preflight": {"status": "ok", "headline": "Passed", "passed": True, "errors": [],
                  "report": {"counts": {"error": 0, "warning": 0, "info": 2}}},
    "template_cost": {"status": "ok", "headline": "they agree to the cent."},
    "deploy": {"status": "ok", "headline": "deployed", "result": {"status": "deployed", "message": "verified"}},
}}


def variant(trade_changes=None, decision_changes=None):
    trade, decision = copy.deepcopy(TRADE), copy.deepcopy(DECISION)
    for path, value in (trade_changes or {}).items():
        _set(trade, path, value)
    for path, value in (decision_changes or {}).items():
        _set(decision, path, value)
    return trade, decision


def _set(data, path, value):
    *head, last = path.split(".")
    for part in head:
        data = data[part]
    data[last] = value


def test_a_clean_run_is_ok():
    verdict = run_verdict(TRADE, DECISION)
    assert verdict == Verdict(OK) and verdict.headline.startswith("OK")


@pytest.mark.parametrize("trade_changes,decision_changes,fragment", [
    # nothing could be priced
    ({"recommended.monthly_usd": None,
      "recommended.reasons": ["price missing: no price in the catalog for region eu-west-1 ..."]}, {},
     "price missing"),
    # the AWS deploy failed for lack of credentials
    ({}, {"steps.deploy": {"status": "failed", "headline": "Deploy to aws failed: no AWS credentials found",
                           "target": "aws"}}, "no AWS credentials"),
    # a refused deploy
    ({}, {"steps.deploy": {"status": "failed", "headline": "refused",
                           "result": {"status": "refused", "message": "preflight found 2 error(s)"}}}, "refused"),
    # the pinned configuration is over budget
    ({"scenario_keys.budget_usd_per_month": 400.0}, {"choice.mode": "as_given"}, "over budget: $487.23/month"),
    # preflight fails and the deploy is skipped
    ({}, {"steps.preflight": {"status": "failed", "headline": "Failed", "errors": ["RDS-ENGINE-VERSION"]},
          "steps.deploy": {"status": "skipped", "headline": "Not deployed: preflight found 1 error(s)"}},
     "preflight errors on what would be deployed: RDS-ENGINE-VERSION"),
    # the template's cost disagrees with the model
    ({}, {"steps.template_cost": {"status": "failed", "headline": "Template $1.00/month vs model $2.00/month"}},
     "differs from the model"),
    # the decided configuration is refused by the kit's rules (pinned as given)
    ({"as_given.reasons": ["Aurora PostgreSQL 15.3 is deprecated"], "as_given.valid": False},
     {"choice.mode": "as_given"}, "15.3 is deprecated"),
])
def test_each_failure_that_used_to_show_ok_is_failed(trade_changes, decision_changes, fragment):
    verdict = run_verdict(*variant(trade_changes, decision_changes))
    assert verdict.status == FAILED
    assert any(fragment in reason for reason in verdict.reasons), verdict.reasons


def test_a_requested_deploy_or_preflight_that_did_not_run_is_failed_not_attention():
    """An older kit's "unavailable" steps (no deploy module): what was asked for did not happen."""
    for step, fragment in (("deploy", "the deploy did not happen"), ("preflight", "preflight did not run")):
        verdict = run_verdict(*variant({}, {f"steps.{step}": {"status": "unavailable",
                                                              "headline": f"{step} is not available yet"}}))
        assert verdict.status == FAILED and any(fragment in r for r in verdict.reasons), verdict.reasons


def test_a_notebook_error_is_failed_and_names_the_cell():
    verdict = run_verdict(None, None, {"notebook": "trade_offs", "cell_index": 4, "ename": "ValueError",
                                       "evalue": "boom"})
    assert verdict.status == FAILED and verdict.reasons == ("trade_offs cell 4 failed: ValueError: boom",)
    assert run_verdict(TRADE, None).status == FAILED  # no decision.json: never ok


@pytest.mark.parametrize("decision_changes,fragment", [
    ({"steps.preflight.report.counts.warning": 2}, "2 warning(s)"),
    ({"steps.as_given": {"status": "failed", "headline": "As given: the kit's rules refuse it"}}, "caught"),
])
def test_warnings_a_reader_must_see_are_attention(decision_changes, fragment):
    verdict = run_verdict(*variant({}, decision_changes))
    assert verdict.status == ATTENTION and any(fragment in r for r in verdict.reasons), verdict.reasons


def test_within_budget_by_the_cent_is_ok():
    assert run_verdict(*variant({"scenario_keys.budget_usd_per_month": 487.23})).status == OK


def test_fail_on_decides_which_statuses_raise():
    failed, attention = Verdict(FAILED, ("over budget",)), Verdict(ATTENTION, ("2 warning(s)",))
    with pytest.raises(DecisionFailed, match="over budget"):
        raise_for_status(failed)
    assert raise_for_status(attention) is attention  # the default fails on failed only
    with pytest.raises(DecisionFailed):
        raise_for_status(attention, "attention")
    assert raise_for_status(failed, "none") is failed


def test_summary_markdown_lists_every_run_with_its_status_and_why():
    entries = [
        {"name": "dev", "status": "ok", "reasons": [], "recommendation": "single NAT, 2 AZs", "monthly_usd": 160.92,
         "changes": [{"key": "az_count", "as_given": 3, "decided": 2}],
         "horizon_usd": 5793.12, "as_given_monthly_usd": 170.0, "preflight": "passed", "deploy": "ok: deployed"},
        {"name": "prod | eu", "status": "failed", "reasons": ["over budget: $900.00/month"], "monthly_usd": 900.0,
         "horizon_usd": None, "as_given_monthly_usd": 900.0, "decision_is_as_given": True,
         "preflight": "failed: RDS-ENGINE-VERSION", "deploy": "skipped"},
    ]
    text = summary_markdown(entries)
    assert "2 scenario(s): 1 ok, 1 failed." in text
    assert ("| dev | ✅ ok | single NAT, 2 AZs | `az_count` 3 → 2 | \\$160.92 | \\$5,793.12 | -\\$9.08/month | passed "
            "| ok: deployed |") in text
    assert "prod \\| eu" in text and "price missing" in text  # no horizon figure: said, never $0
    assert "- **prod \\| eu** (failed): over budget: \\$900.00/month" in text
    assert "$" not in text.replace("\\$", "")  # every dollar escaped: no maths on GitHub


def test_a_caught_configuration_is_named_with_its_problem_whole():
    """The reason quotes the problem up to its first colon outside parentheses, so an inferred
    deprecation's own '(inferred: ...)' stays whole."""
    problem = ("Aurora PostgreSQL 15.8 is deprecated as of the catalog snapshot 2026-08-22 (inferred: left the "
               "release calendar between 2026-06-13 and 2026-08-18): new clusters cannot be created on it.")
    verdict = run_verdict(*variant({}, {"steps.as_given": {"status": "failed", "headline": "As given: refused",
                                                           "problems": [problem]}}))
    (reason,) = [r for r in verdict.reasons if "caught" in r]
    assert reason.count("(") == reason.count(")") and "2026-08-18)" in reason and "new clusters" not in reason


def _results_folder(tmp_path, trade, decision):
    import json

    folder = tmp_path / "results"
    folder.mkdir(exist_ok=True)
    for stem, data in (("trade_offs", trade), ("decision", decision)):
        if data is not None:
            (folder / f"{stem}.json").write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize("fail_on,expected", [("failed", ATTENTION), ("attention", FAILED), ("none", ATTENTION)])
def test_fail_on_is_each_runs_gate_in_the_batch_too(tmp_path, fail_on, expected):
    """fail_on: attention fails the decision notebook on warnings, so the run (and the exit code
    of infrakit report) must be failed too, not a green attention."""
    from infrakit.report import task

    trade, decision = variant({}, {"steps.preflight.report.counts.warning": 2})
    outcome = task.ScenarioOutcome(slug="s", status="failed")
    raised = {"notebook": "decision", "ename": "DecisionFailed", "evalue": "ATTENTION"} if fail_on == "attention" else None
    assert task._verdict(outcome, _results_folder(tmp_path, trade, decision), raised, fail_on) is False
    assert outcome.status == expected and any("warning" in r for r in outcome.reasons)
    if expected == FAILED:
        assert outcome.reasons[0] == "fail_on: attention fails a run whose status is attention"


def test_a_failed_run_fails_the_batch_whatever_fail_on_says(tmp_path):
    from infrakit.report import task

    trade, decision = variant({"scenario_keys.budget_usd_per_month": 400.0})
    outcome = task.ScenarioOutcome(slug="s", status="failed")
    task._verdict(outcome, _results_folder(tmp_path, trade, decision), None, "none")
    assert outcome.status == FAILED


def test_missing_results_after_clean_notebooks_get_a_real_failure_page(tmp_path):
    from infrakit.report import task
    from infrakit.report.params import load_run_specs

    outcome = task.ScenarioOutcome(slug="s", status="failed")
    folder = _results_folder(tmp_path, TRADE, None)  # decision.json never written, no error raised
    assert task._verdict(outcome, folder, None) is True
    assert outcome.status == FAILED and outcome.failure["ename"] == "MissingResults"
    assert "decision.json was not written" in outcome.failure["evalue"]
    params = tmp_path / "s.yaml"
    params.write_text("name: s\n")
    [spec] = load_run_specs([params])
    page = task._render(spec, outcome, folder, True, {"generated_at": "now", "git": {"commit": "abc"}, "versions": {}})
    assert "MissingResults" in page and "decision.json was not written" in page
    assert "could not be rendered" not in page  # the failure page itself, not the plain fallback


def test_the_two_notebooks_must_agree_on_start_date_and_configuration():
    trade, decision = variant({"start_date": "2027-01-01", "recommended.config_id": 3},
                              {"start_date": "2027-02-01", "choice.config_id": 5})
    verdict = run_verdict(trade, decision)
    assert verdict.status == FAILED
    assert any("trade-offs from start_date 2027-01-01, the decision from 2027-02-01" in r for r in verdict.reasons)
    assert any("chose configuration 5 but the trade-offs recommend 3" in r for r in verdict.reasons)
    same = variant({"start_date": "2027-01-01"}, {"start_date": "2027-01-01", "choice.config_id": 3})
    assert run_verdict(*same).status == OK


def test_the_runner_resolves_start_date_once_for_both_notebooks(tmp_path):
    from infrakit.report import runner
    from infrakit.report.params import load_run_specs

    (tmp_path / "a.yaml").write_text("name: a\n")
    (tmp_path / "b.yaml").write_text("name: b\nstart_date: '2027-06-01'\n")
    a, b = runner.with_one_start_date(load_run_specs([tmp_path / "a.yaml", tmp_path / "b.yaml"]), "2031-01-01")
    assert a.parameters["start_date"] == a.scenario["start_date"] == "2031-01-01"  # injected into both kernels
    assert b.parameters["start_date"] == "2027-06-01"  # the file's own stays


def test_the_gate_fails_what_fail_on_names_and_keeps_failed_failed():
    from infrakit.report.status import gate

    attention, failed = Verdict(ATTENTION, ("2 warning(s)",)), Verdict(FAILED, ("over budget",))
    assert gate(attention).status == ATTENTION and gate(attention, "none") is attention
    assert gate(attention, "attention").status == FAILED
    assert gate(attention, "attention").reasons == ("fail_on: attention fails a run whose status is attention",
                                                    "2 warning(s)")
    assert gate(failed, "none") is failed and gate(Verdict(OK), "attention").status == OK
