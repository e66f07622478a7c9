"""The report's summary and tables mean what they say: the rule that decided (tie-breaks
included), the change against the configuration as given key by key and in money, the
cheapest table, the Pareto frontier, the usage and assumptions, unit prices with their digits,
MathJax-safe outputs, the status on the page and the index. Expected values come from
cost_model and the catalogs, never written down (prices change under these tests)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from cost_model import cost_scenario
from cost_model.sweep import PARETO_DIMENSIONS
from infrakit.core.catalogs import engine_catalog
from infrakit.core.schema import FIELDS_BY_NAME, defaults, validate_scenario
from infrakit.core.text import money, signed_money
from infrakit.report import charts, display, explain, page_summary, trade_offs, views
from infrakit.report import html as pages
from infrakit.report.decision import Step
from infrakit.report.status import Verdict
from tests.conftest import ROOT

PARAMS = ROOT / "notebooks" / "params"


def study_of(**keys):
    return trade_offs.study(validate_scenario({"name": "s", "start_date": "2026-12-01", **keys}))


@pytest.fixture(scope="module")
def prod_like():
    """prod's shape: 3 AZs, a NAT per AZ, egress must survive an AZ loss, Aurora 17.7."""
    return study_of(az_count=3, nat_strategy="per_az", engine_version="17.7", egress_must_survive_az_loss=True,
                    environment="prod", environment_suffix="prod")


@pytest.fixture(scope="module")
def dev_like():
    return study_of(az_count=2, nat_strategy="single", engine_version="17.7", reader_count=0,
                    instance_class="db.t4g.medium")


# --- the rule -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["prod_like", "dev_like"])
def test_the_rule_replayed_picks_the_sweeps_recommendation(name, request):
    study = request.getfixturevalue(name)
    rule = explain.decision_rule(study)
    assert rule["winner"]["config_id"] == study.recommended
    assert rule["candidates"] == int(study.table["meets_constraints"].sum())
    # Each stage keeps exactly the candidates that tie with the winner on every criterion so far.
    table = study.table[study.table["meets_constraints"]]
    winner = study.row(study.recommended)
    tied = table["monthly_usd"] == winner["monthly_usd"]
    assert [e["config_id"] for e in rule["stages"][0]["tied"]][0] == study.recommended
    assert len(rule["stages"][0]["tied"]) == int(tied.sum())


def test_a_tie_on_cost_is_explained_by_the_tie_break_that_decided(dev_like):
    """17.7 and 18.3 cost the same here; the sentence says the tie went to the later end of
    standard support and gives both dates from the engine catalog."""
    rule = explain.decision_rule(dev_like)
    text = " ".join(explain.rule_sentences(rule))
    winner = rule["winner"]["engine_version"]
    if rule["decided_by"] != "standard_support":
        pytest.skip(f"the catalog no longer ties these majors (decided by {rule['decided_by']})")
    majors = engine_catalog().majors
    others = {e["engine_version"].split(".")[0] for e in rule["stages"][-1]["tied"]} - {winner.split(".")[0]}
    assert f"until {majors[winner.split('.')[0]].end_of_standard_support.isoformat()}" in text
    previous = {e["engine_version"].split(".")[0] for e in rule["stages"][-2]["tied"]} - {winner.split(".")[0]}
    assert any(f"{m} ends {majors[m].end_of_standard_support.isoformat()}" in text for m in previous | others)
    assert "ties go to the lower expected egress loss, then the lower cost over" in text


def test_changes_and_the_difference_are_the_study_keys_and_the_cost_models_figures(prod_like):
    study = prod_like
    given, decided = study.config(study.as_given), study.config(study.recommended)
    summary_given = {"keys": {k: given[k] for k in trade_offs.VARIED_KEYS}}
    summary_decided = {"keys": {k: decided[k] for k in trade_offs.VARIED_KEYS}}
    changes = explain.changes(summary_given, summary_decided)
    assert [c["key"] for c in changes] == [k for k in trade_offs.VARIED_KEYS if given[k] != decided[k]]
    assert all(c["as_given"] == given[c["key"]] and c["decided"] == decided[c["key"]] for c in changes)
    a, b = cost_scenario(validate_scenario(given)), cost_scenario(validate_scenario(decided))
    sentence = explain.difference_sentence({"monthly_usd": a.monthly_usd, "horizon_usd": a.horizon_usd},
                                           {"monthly_usd": b.monthly_usd, "horizon_usd": b.horizon_usd},
                                           study.scenario["horizon_months"])
    delta = b.monthly_usd - a.monthly_usd
    assert (f"saves {money(-delta)} a month" if delta < 0 else f"costs {money(delta)} more a month") in sentence
    assert money(a.monthly_usd) in sentence


def summary_html(study, decision=None, verdict=None):
    from infrakit.report.results import _config_summary

    trade = {"horizon_months": study.scenario["horizon_months"], "configurations": len(study.table),
             "recommended": None if study.recommended is None else _config_summary(study, study.recommended),
             "as_given": _config_summary(study, study.as_given), "decision_rule": explain.decision_rule(study),
             "assumptions": {k: study.scenario[k] for k in ("assumed_az_outages_per_year", "assumed_az_outage_hours")}}
    return page_summary.summary_section(trade, decision, verdict or Verdict("ok")), trade


def test_the_summary_says_the_decision_the_changes_the_money_the_rule_and_the_risk(prod_like):
    markup, trade = summary_html(prod_like, verdict=Verdict("attention", ("preflight: 1 warning(s) to read",)))
    text = re.sub(r"<[^>]+>", " ", markup)
    assert 'data-status="attention"' in markup and "preflight: 1 warning(s) to read" in text
    assert trade["recommended"]["description"] in text
    for change in explain.changes(trade["as_given"], trade["recommended"]):
        assert re.search(rf'data-key="{change["key"]}">.*?{re.escape(str(change["as_given"]))}.*?'
                         rf'{re.escape(str(change["decided"]))}', markup)
    delta = trade["recommended"]["monthly_usd"] - trade["as_given"]["monthly_usd"]
    assert signed_money(delta) in text  # the card
    assert "Rule: the cheapest first month among" in text
    assert trade["recommended"]["az_loss"]["egress"] in text and "ASSUMED" in text
    assert display.NO_MATH in markup  # "$524.13 ... $18,868.79" is no formula


def test_no_change_is_said_when_the_decision_is_the_configuration_as_given():
    study = study_of(az_count=2, nat_strategy="single", engine_version="18.3", reader_count=0)
    assert study.recommended == study.as_given
    markup, _ = summary_html(study)
    assert "No change: the decision is the configuration as given." in markup
    assert "Against the configuration as given" not in markup


# --- tables ---------------------------------------------------------------------------------

def test_cheapest_lists_only_configurations_that_meet_the_constraints_plus_the_marked_picks(prod_like):
    study = prod_like
    table = trade_offs.cheapest_table(study)
    extras = table[~table.index.isin(study.table.index[study.table["meets_constraints"]])]
    assert set(extras.index) <= {study.as_given, study.recommended}
    assert table.loc[study.recommended, "note"].startswith("recommended")
    assert "as given" in table.loc[study.as_given, "note"]
    ranked = table.drop(index=extras.index)
    assert list(ranked["monthly_usd"]) == sorted(ranked["monthly_usd"])
    assert ranked.index[0] == study.recommended  # ranked the way the recommendation ranks


def test_pareto_frontier_is_over_the_dimensions_the_decision_uses(prod_like):
    table = prod_like.table
    valid = table[table["valid"]]
    points = valid[list(PARETO_DIMENSIONS)].to_numpy()
    for row, point in zip(valid.index, points, strict=True):
        dominated = ((points <= point).all(axis=1) & (points < point).any(axis=1)).any()
        assert table.loc[row, "pareto"] == (not dominated)
    assert not table.loc[~table["valid"], "pareto"].any()
    # Among configurations equal on first month and egress, only the cheapest over the horizon
    # can be on it: the engine dearest over the horizon is not (it used to be).
    rec = table.loc[prod_like.recommended]
    same = valid[(valid["monthly_usd"] == rec["monthly_usd"])
                 & (valid["egress_outage_hours_per_year"] == rec["egress_outage_hours_per_year"])]
    assert not table.loc[same["horizon_usd"].idxmax(), "pareto"] or same["horizon_usd"].nunique() == 1
    assert table.loc[prod_like.recommended, "pareto"]


def test_usage_and_assumptions_show_every_value_and_whether_it_is_the_default(prod_like):
    frame = views.inputs(prod_like).frame
    default = defaults()
    for row in frame.itertuples():
        assert FIELDS_BY_NAME[row.key].role in ("usage", "assumption", "horizon", "constraint") \
            or FIELDS_BY_NAME[row.key].group == "usage"
        assert row.is_default == (prod_like.scenario[row.key] == default[row.key])
    assert {"nat_data_gb_per_month", "aurora_storage_gb", "aurora_io_million_requests_per_month",
            "alb_new_connections_per_second", "assumed_az_outages_per_year"} <= set(frame["key"])
    assert not frame.set_index("key").loc["egress_must_survive_az_loss", "is_default"]


def test_unit_prices_keep_their_digits_and_numbers_align():
    frame = pd.DataFrame({"usage_type": ["a", "b"], "unit_price_usd": [0.0000125, 0.045],
                          "monthly_usd": [0.004, 32.85], "quantity": [1460.0, 2.5]})
    markup = display.Table(frame, name="t")._repr_html_()
    assert "$0.0000125" in markup and "$0.045" in markup and "$0.00<" in markup  # the total rounds, the price not
    assert '<td class="num">1,460</td>' in markup and '<td class="num">2.5</td>' in markup


class _DollarText(HTMLParser):
    """Every text with a '$' and whether an ancestor tells MathJax to skip it."""

    def __init__(self):
        super().__init__()
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("img", "br", "meta", "input", "hr", "wbr"):
            self.stack.append(dict(attrs).get("class") or "")

    def handle_endtag(self, tag):
        if tag not in ("img", "br", "meta", "input", "hr", "wbr") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if "$" in data:
            self.found.append((data, any("mathjax_ignore" in c and "tex2jax_ignore" in c for c in self.stack)))


def dollar_texts(markup: str):
    parser = _DollarText()
    parser.feed(markup)
    return parser.found


def test_every_output_with_money_is_safe_from_mathjax(prod_like):
    curves = trade_offs.traffic_curves(prod_like.config(prod_like.base_id))
    outputs = [views.recommendation(prod_like), views.cheapest(prod_like), views.crossovers(curves),
               charts.cost_risk_chart(prod_like),
               Step("x", "ok", "Template $1.00/month vs model $1.00/month", table=pd.DataFrame({"a_usd": [1.0]}))]
    seen = 0
    for output in outputs:
        markup = output._repr_html_()
        assert markup.startswith(f'<div class="{display.NO_MATH}">'), type(output)
        found = dollar_texts(markup)
        seen += len(found)
        assert all(safe for _, safe in found), [t for t, safe in found if not safe]
    assert seen > 5  # the money is there, and it is all in containers MathJax skips


# --- status on the page and the index -------------------------------------------------------

def test_index_shows_each_runs_status_with_its_reasons():
    prov = {"generated_at": "now", "git": {"commit": "abc", "dirty": False}, "versions": {}}
    runs = [{"name": "a", "href": "a/report.html", "status": "ok", "reasons": [], "monthly_usd": 100.0,
             "as_given_monthly_usd": 120.0, "decision_is_as_given": False, "duration_s": 1.0},
            {"name": "b", "href": "b/report.html", "status": "attention", "reasons": ["preflight: 2 warning(s)"],
             "monthly_usd": 90.0, "as_given_monthly_usd": 90.0, "decision_is_as_given": True, "duration_s": 1.0},
            {"name": "c", "href": "c/report.html", "status": "failed", "reasons": ["deploy failed: boom"],
             "monthly_usd": 80.0, "duration_s": 1.0}]
    text = pages.index_page(runs, prov)
    rows = dict(re.findall(r'data-scenario="(\w)" data-status="(\w+)"', text))
    assert rows == {"a": "ok", "b": "attention", "c": "failed"}
    assert "preflight: 2 warning(s)" in text and "deploy failed: boom" in text
    assert "1 ok, 1 attention, 1 failed" in text
    assert f"{signed_money(-20.0)}/month" in text
    c_row = text[text.index('data-scenario="c"'):text.index("</tr>", text.index('data-scenario="c"'))]
    assert "$80.00" in c_row  # a failed run's cost is shown beside its status and reasons, not hidden


def test_the_appendix_counts_the_suppressed_by_design_findings():
    decision = {"steps": {"preflight": {"status": "ok", "report": {"findings": [
        {"rule_id": "CFN-LINT-W3010", "resource": f"Subnet{i}", "suppressed": True,
         "suppression_reason": "AZ names come from the dated region catalog"} for i in range(3)] + [
        {"rule_id": "EC2-EIP-QUOTA", "resource": "", "suppressed": False}]}}}}
    prov = {"generated_at": "now", "git": {"commit": "abc", "dirty": False}, "versions": {}}
    text = pages.appendix("s.yaml", {}, None, prov, {}, decision)
    assert "3 finding(s) on the kit" in text and "AZ names come from the dated region catalog" in text
    assert "Subnet0, Subnet1, Subnet2" in text and "EC2-EIP-QUOTA" not in text


def test_status_reason_for_a_caught_configuration_is_short_and_specific():
    from infrakit.report.status import run_verdict

    trade = {"recommended": {"config_id": 1, "monthly_usd": 1.0, "reasons": []},
             "as_given": {"config_id": 0, "monthly_usd": 2.0, "reasons": ["x"]}, "scenario_keys": {}}
    given = {"status": "failed", "headline": "As given (long): the whole story",
             "problems": ["Aurora PostgreSQL 15.3 is deprecated as of the catalog snapshot: new clusters cannot"],
             "preflight": {"errors": ["RDS-ENGINE-VERSION"]}}
    verdict = run_verdict(trade, {"choice": {"mode": "recommended"}, "steps": {"as_given": given}})
    assert verdict.status == "attention"
    [reason] = verdict.reasons
    assert "Aurora PostgreSQL 15.3 is deprecated" in reason and "RDS-ENGINE-VERSION" in reason
    assert "the whole story" not in reason  # the step says the rest, once


def test_charts_have_no_text_collisions(prod_like, dev_like):
    for study in (prod_like, dev_like):
        curves = trade_offs.traffic_curves(study.config(study.base_id))
        made = [charts.stacked_cost_chart(study), charts.cost_risk_chart(study), charts.traffic_chart(curves),
                charts.engine_timeline_chart(trade_offs.engine_timeline(study), start_date=study.scenario["start_date"],
                                             horizon_months=study.scenario["horizon_months"])]
        for chart in made:
            assert charts.text_collisions(chart.figure) == [], chart.name
    assert np.isfinite(prod_like.table["monthly_usd"]).any()


def test_a_run_without_a_page_is_listed_without_a_link():
    prov = {"generated_at": "now", "git": {"commit": "abc", "dirty": False}, "versions": {}}
    text = pages.index_page([{"name": "lost", "href": None, "status": "failed", "reasons": ["disk full"],
                              "duration_s": 0.0}], prov)
    assert 'href="None"' not in text and "lost" in text and "disk full" in text
