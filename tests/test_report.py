"""The report's library and runner: parameter checks before any kernel, the trade-off study's
numbers against the cost model, charts, self-contained pages, failure pages, parallel kernels."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cost_model import cost_scenario
from infrakit.core.errors import InputError
from infrakit.core.schema import load_scenario, validate_scenario
from infrakit.report import charts, params, runner, trade_offs
from infrakit.report import html as pages

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "notebooks" / "params"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- parameter files: every problem, before any kernel -------------------------------------

def test_every_problem_of_every_file_at_once(tmp_path):
    bad = write(tmp_path / "bad.yaml", 'name: bad\nnat_stratgy: single\naz_count: "three"\ndeploy_target: cloud\n')
    also_bad = write(tmp_path / "also.yaml", 'name: also\nengine_version: 15.10\n')
    missing = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as caught:
        params.load_run_specs([bad, also_bad, missing])
    problems = caught.value.problems
    text = "\n".join(problems)
    assert any("nat_stratgy" in p and "Did you mean 'nat_strategy'" in p and str(bad) in p for p in problems)
    assert any("az_count" in p and "'three'" in p and "whole number" in p for p in problems)
    assert any("deploy_target" in p and "'cloud'" in p and "'local', 'aws', 'none'" in p for p in problems)
    assert any(str(also_bad) in p and "engine_version" in p and "Quote the version" in p for p in problems)
    assert "file not found" in text and "nope.yaml" in text
    assert len(problems) == 5


def test_report_keys_and_parameters_are_what_the_file_sets(tmp_path):
    path = write(tmp_path / "p.yaml", 'name: pinned\nnat_strategy: per_az\ndecide: as_given\ndeploy_target: none\n')
    [spec] = params.load_run_specs([path])
    assert spec.options == params.ReportOptions(deploy_target="none", decide="as_given")
    assert spec.parameters == {"name": "pinned", "nat_strategy": "per_az", "decide": "as_given", "deploy_target": "none"}
    assert spec.scenario["az_count"] == 2 and spec.slug == "pinned"


def test_two_files_with_one_name_would_overwrite_each_other(tmp_path):
    a = write(tmp_path / "a.yaml", "name: Same Name\n")
    b = write(tmp_path / "b.yaml", "name: same-name\n")
    with pytest.raises(InputError, match="same report folder"):
        params.load_run_specs([a, b])


def test_default_parameter_files_are_valid_scenarios_too():
    specs = params.load_run_specs(runner.default_param_files())
    assert [s.slug for s in specs] == ["dev", "prod", "seed-model", "seed-ideal"]
    for spec in specs:  # still plain scenario files: infrakit cost/synth/preflight read them
        assert load_scenario(spec.source) == spec.scenario


def test_notebook_namespace_refuses_a_misspelt_parameter():
    namespace = {"name": "x", "nat_stratgy": "single", "In": [], "report": sys, "PAPERMILL_OUTPUT_PATH": "o.ipynb"}
    with pytest.raises(InputError, match="nat_stratgy: not a scenario or report key. Did you mean 'nat_strategy'"):
        params.parameters_from_namespace(namespace)
    scenario, options = params.parameters_from_namespace({"name": "x", "results_dir": "", "In": []})
    assert scenario["name"] == "x" and options.decide == "recommended"


@pytest.mark.parametrize("content, expected", [
    ("name: bad\nunknown_key: 1\n", "unknown_key: not a scenario or report key"),
    ("name: bad\nreader_count: lots\n", "reader_count: got 'lots'"),
])
def test_cli_bad_input_exits_2_before_any_kernel(tmp_path, content, expected):
    path = write(tmp_path / "bad.yaml", content)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "infrakit.cli", "report", str(path), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()  # nothing ran: not even the output folder


def test_cli_missing_file_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "infrakit.cli", "report", str(tmp_path / "absent.yaml"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "file not found" in done.stderr and "absent.yaml" in done.stderr


def test_runner_validates_before_starting_kernels(tmp_path, monkeypatch):
    import papermill

    started = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: started.append(a))
    good = write(tmp_path / "good.yaml", "name: good\n")
    bad = write(tmp_path / "bad.yaml", "name: bad\naz_count: 9\n")
    with pytest.raises(InputError, match="az_count"):
        runner.run_batch([good, bad], out_dir=tmp_path / "out")
    assert started == []


# --- the study: numbers from the cost model -------------------------------------------------

@pytest.fixture(scope="module")
def seed_model_study():
    return trade_offs.study(load_scenario(PARAMS / "seed_model.yaml"))


def test_study_varies_around_the_scenario(seed_model_study):
    study = seed_model_study
    assert study.axes["nat_strategy"] == ["per_az", "single", "regional", "none"]
    assert "15.3" in study.axes["engine_version"] and "17.7" in study.axes["engine_version"]
    assert study.axes["reader_count"] == [1, 2]  # the file's readers are a floor
    given = study.row(study.as_given)
    assert (given["nat_strategy"], given["az_count"], given["engine_version"]) == ("per_az", 3, "15.3")
    assert not given["valid"] and any("15.3 is deprecated" in r for r in given["reasons"])
    # The as-given row costs what cost_scenario says for the file itself.
    assert given["monthly_usd"] == pytest.approx(cost_scenario(study.scenario).monthly_usd, abs=0.005)


def test_recommendation_is_the_cheapest_valid_configuration(seed_model_study):
    table = seed_model_study.table
    eligible = table[table["meets_constraints"]]
    assert seed_model_study.recommended in eligible.index
    assert table.loc[seed_model_study.recommended, "monthly_usd"] == pytest.approx(eligible["monthly_usd"].min())


def test_component_groups_add_up_to_the_bill(seed_model_study):
    costs = trade_offs.component_costs(seed_model_study.result.priced)
    monthly = seed_model_study.table["monthly_usd"].to_numpy()
    priced = ~np.isnan(monthly)
    assert np.allclose(costs.sum(axis=1, skipna=False).to_numpy()[priced], monthly[priced])
    assert costs.loc[~priced].isna().any(axis=1).all()  # a missing price stays missing


def test_traffic_crossover_is_where_the_cost_model_says_layouts_cost_the_same():
    base = validate_scenario({"name": "t", "start_date": "2026-12-01", "az_count": 2})
    curves = trade_offs.traffic_curves(base)
    assert len(curves.crossovers) >= 1
    row = curves.crossovers.iloc[0]

    def total(strategy, traffic):
        return cost_scenario(validate_scenario({**base, "nat_strategy": strategy,
                                                "nat_data_gb_per_month": traffic})).monthly_usd

    gb = row["traffic_gb_per_month"]
    # Total bills differ only by the egress layout, so they meet at the crossover...
    assert total(row["cheaper_below"], gb) == pytest.approx(total(row["cheaper_above"], gb), abs=0.02)
    # ...and each layout is cheaper on its own side of it.
    assert total(row["cheaper_below"], gb * 0.5) < total(row["cheaper_above"], gb * 0.5)
    assert total(row["cheaper_above"], gb * 2) < total(row["cheaper_below"], gb * 2)


@pytest.mark.parametrize("az_count", [2, 3])
def test_traffic_range_holds_the_per_az_vs_single_crossover(az_count):
    """A NAT per AZ saves the cross-AZ hops a single NAT needs: above some traffic it is cheaper.
    The chart's range reaches past that point (it used to stop at 2,000 GB, before it)."""
    base = validate_scenario({"name": "t", "start_date": "2026-12-01", "az_count": az_count})
    curves = trade_offs.traffic_curves(base)
    pair = curves.crossovers[(curves.crossovers["cheaper_below"] == "single")
                             & (curves.crossovers["cheaper_above"] == "per_az")]
    assert len(pair) == 1
    gb = float(pair["traffic_gb_per_month"].iloc[0])
    assert gb < curves.traffic_gb.max() and gb > 2000

    def total(strategy, traffic):
        return cost_scenario(validate_scenario({**base, "nat_strategy": strategy,
                                                "nat_data_gb_per_month": traffic})).monthly_usd

    assert total("single", gb) == pytest.approx(total("per_az", gb), abs=0.02)
    assert total("single", gb * 0.9) < total("per_az", gb * 0.9)
    assert total("per_az", gb * 1.1) < total("single", gb * 1.1)
    # Every crossover the coarse probe finds up to 1 PB a month is inside the drawn range.
    probe = trade_offs.traffic_curves(base, max_traffic_gb=trade_offs.CROSSOVER_PROBE_MAX_GB, points=401)
    assert (probe.crossovers["traffic_gb_per_month"] < curves.traffic_gb.max()).all()


def test_engine_timeline_costs_each_version_with_the_recommended_keys(seed_model_study):
    timeline = trade_offs.engine_timeline(seed_model_study)
    rec = seed_model_study.config(seed_model_study.recommended)
    by_version = timeline.set_index("engine_version")
    for version in ("15.10", "17.7"):
        expected = cost_scenario({**rec, "engine_version": version}).horizon_usd
        assert by_version.loc[version, "horizon_usd"] == pytest.approx(expected, abs=0.01)
    # Older majors reach Extended Support within the horizon and cost more over it.
    assert by_version.loc["15.10", "horizon_usd"] > by_version.loc["17.7", "horizon_usd"]
    assert by_version.loc["15.3", "status"] == "deprecated"


# --- charts and pages ------------------------------------------------------------------------

def test_charts_are_png_with_words_for_readers(seed_model_study):
    study = seed_model_study
    made = [charts.stacked_cost_chart(study), charts.cost_risk_chart(study),
            charts.engine_timeline_chart(trade_offs.engine_timeline(study), start_date=study.scenario["start_date"],
                                         horizon_months=study.scenario["horizon_months"]),
            charts.traffic_chart(trade_offs.traffic_curves(study.config(study.recommended)))]
    assert [c.name for c in made] == ["stacked-cost", "cost-risk", "engine-timeline", "nat-traffic"]
    for chart in made:
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n") and 5_000 < len(chart.png) < 300_000
        markup = chart.to_html()
        assert markup.count("<img ") == 1 and 'src="data:image/png;base64,' in markup
    rec = study.row(study.recommended)
    assert f"${rec['monthly_usd']:,.0f}" in made[1].alt  # the recommendation's cost, in words
    for chart in made:  # a reader can read it: no text drawn over another
        assert charts.text_collisions(chart.figure) == [], chart.name


def test_a_missing_price_has_no_bar_and_the_caption_says_which():
    """Whichever prices the catalog lacks (it changes): every bar without a price is named."""
    study = trade_offs.study(validate_scenario({"name": "f", "region": "eu-central-1", "start_date": "2026-12-01"}))
    chart = charts.stacked_cost_chart(study)
    ids = charts.layout_options(study)
    missing = [i for i in ids if np.isnan(study.row(i)["monthly_usd"])]
    assert missing, "eu-central-1 is expected to lack some price"
    for config_id in ids:
        named = trade_offs.describe(study.config(config_id)) in chart.caption
        assert named == (config_id in missing)
    assert "price missing" in chart.alt


def test_report_page_is_self_contained(seed_model_study, tmp_path):
    trade = json.loads(json.dumps({"horizon_months": 36, "region": "us-east-1", "start_date": "2026-12-01",
                                   "reason": "r", "recommended": None,
                                   "as_given": {"description": "x", "monthly_usd": 1.0, "horizon_usd": 36.0,
                                                "egress_outage_hours_per_year": 0.0},
                                   "assumptions": {"assumed_az_outages_per_year": 0.5, "assumed_az_outage_hours": 4},
                                   "catalogs": {"price_catalog": {"path": "p", "effective_from": "a", "effective_to": "b"},
                                                "engine_catalog": {"path": "e", "snapshot_date": "d"}}}))
    chart = charts.cost_risk_chart(seed_model_study)
    prov = {"generated_at": "now", "git": {"commit": "abc", "dirty": False}, "versions": {"python": "3"}}
    text = pages.report_page(name="s", source="s.yaml", parameters={"name": "s"}, trade=trade, decision={},
                             bodies=[chart.to_html(), "<p>decision</p>"], provenance=prov, timings={"render_s": 1.0})
    assert "<script" not in text.lower()
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert text.index('id="summary"') < text.index('id="trade-offs"') < text.index('id="appendix"')


def test_failure_page_names_the_cell_and_the_error():
    prov = {"generated_at": "now", "git": {"commit": "abc", "dirty": True}, "versions": {}}
    failure = {"notebook": "decision", "cell_index": 7, "exec_count": 4, "source": "synth(x)",
               "ename": "ValueError", "evalue": "bad <thing>", "traceback": "\x1b[31mValueError\x1b[0m: bad"}
    text = pages.failure_page(name="s", source="s.yaml", parameters={}, failure=failure,
                              notebooks={"decision.ipynb": "decision.ipynb"}, provenance=prov, timings={})
    assert "cell 7 (In [4])" in text and "ValueError" in text and "bad &lt;thing&gt;" in text
    assert "\x1b[" not in text and 'href="decision.ipynb"' in text


# --- kernels: parallel, isolated, with the batch's environment ------------------------------

@pytest.mark.slow
def test_parallel_kernels_on_ipc_sockets_get_their_own_environment(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import papermill

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": runner.KERNEL_NAME, "display_name": "infrakit", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import os, json\nprint(json.dumps([os.environ.get('AWS_ENDPOINT_URL'), os.environ.get('AWS_PROFILE')]))")]
    source = tmp_path / "env.ipynb"
    nbformat.write(nb, source)

    def run(i):
        manager = runner.kernel_manager_for({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{5000 + i}", "AWS_PROFILE": None})
        out = papermill.execute_notebook(source, tmp_path / f"out{i}.ipynb", kernel_name=runner.KERNEL_NAME,
                                         progress_bar=False, kernel_manager_class=manager)
        return json.loads(out.cells[0].outputs[0]["text"])

    with ThreadPoolExecutor(max_workers=3) as pool:
        seen = list(pool.map(run, range(3)))
    assert seen == [[f"http://127.0.0.1:{5000 + i}", None] for i in range(3)]


def test_kernel_sockets_are_ipc_files_in_a_private_folder():
    manager = runner.IsolatedKernelManager(kernel_name=runner.KERNEL_NAME)
    folder = Path(manager.ip).parent
    try:
        assert manager.transport == "ipc" and folder.name.startswith("ik-") and folder.is_dir()
        assert len(manager.ip) < 90  # AF_UNIX paths are limited to about 100 bytes
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_failing_scenario_gets_a_failure_page_and_the_others_finish(tmp_path, monkeypatch, capsys):
    # A copy of the notebooks in which the decision fails for one scenario only.
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stem in runner.NOTEBOOKS:
        nb = nbformat.read(runner.NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)
        if stem == "decision":
            at = next(i for i, c in enumerate(nb.cells) if "decision.synthesize" in c.source)
            nb.cells.insert(at, nbformat.v4.new_code_cell(
                'if scenario["name"] == "doomed":\n    raise RuntimeError("doomed on purpose")'))
        nbformat.write(nb, notebooks / f"{stem}.ipynb")
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", notebooks)
    files = [write(tmp_path / f"{n}.yaml", f"name: {n}\nhorizon_months: 12\ndeploy_target: none\n")
             for n in ("doomed", "fine")]
    import argparse

    from infrakit import report_cli

    code = report_cli.cmd_report(argparse.Namespace(params=[str(f) for f in files], out=str(tmp_path / "out"), jobs=2))
    assert code == 1  # any failed scenario fails the batch
    printed = capsys.readouterr()
    assert "\r" not in printed.err and "scenario/s" not in printed.err  # no progress bar when not a terminal
    ended = [line for line in printed.err.splitlines() if line.startswith("infrakit report: [")]
    assert sorted(line.split("] ")[1].split()[0] for line in ended) == ["doomed", "fine"]  # a line as each ends
    assert {line.split("]")[0] for line in ended} == {"infrakit report: [1/2", "infrakit report: [2/2"}
    assert printed.out.splitlines()[0].split()[:2] == ["failed", "doomed"] and "RuntimeError: doomed on purpose" in printed.out
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    doomed, fine = index["runs"]
    assert (doomed["status"], fine["status"]) == ("failed", "ok")
    assert doomed["failure"]["notebook"] == "decision" and doomed["failure"]["ename"] == "RuntimeError"
    page = (tmp_path / "out" / "doomed" / "report.html").read_text()
    assert "doomed on purpose" in page and f"cell {doomed['failure']['cell_index']}" in page
    kept = nbformat.read(tmp_path / "out" / "doomed" / "decision.ipynb", as_version=4)  # kept for debugging
    assert any(o.get("ename") == "RuntimeError" for c in kept.cells for o in c.get("outputs", []))
    assert (tmp_path / "out" / "fine" / "decision.json").exists()
    assert 'href="../doomed/report.html"' not in (tmp_path / "out" / "index.html").read_text()
    assert 'href="doomed/report.html"' in (tmp_path / "out" / "index.html").read_text()
    assert (tmp_path / "out" / "fine" / "report.html").read_text().count('data-chart="') == 5


def test_decision_takes_the_recommendation_unless_pinned(seed_model_study):
    from infrakit.report import decision

    recommended = decision.choose(seed_model_study, params.ReportOptions())
    assert recommended.mode == "recommended" and recommended.config_id == seed_model_study.recommended
    assert recommended.scenario["engine_version"] == seed_model_study.row(seed_model_study.recommended)["engine_version"]
    pinned = decision.choose(seed_model_study, params.ReportOptions(decide="as_given"))
    assert pinned.mode == "as_given" and pinned.scenario == seed_model_study.scenario
    assert decision.check_as_given(seed_model_study, pinned) is None  # nothing else to compare with


def test_no_configuration_within_budget_falls_back_to_the_file_with_the_reason():
    from infrakit.report import decision

    scenario = validate_scenario({"name": "tight", "start_date": "2026-12-01", "budget_usd_per_month": 10})
    study = trade_offs.study(scenario)
    chosen = decision.choose(study, params.ReportOptions())
    assert study.recommended is None and chosen.mode == "as_given"
    assert "over budget" in chosen.why and chosen.scenario == scenario


@pytest.mark.parametrize("jobs", ["0", "two", "99"])
def test_cli_refuses_a_bad_jobs_value(jobs, tmp_path):
    done = subprocess.run([sys.executable, "-m", "infrakit.cli", "report", "--jobs", jobs, "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "--jobs" in done.stderr and not (tmp_path / "o").exists()


def test_results_go_beside_the_notebook_or_out_of_the_source_tree(tmp_path, monkeypatch):
    from infrakit.report import results

    assert results.results_dir(str(tmp_path / "given")) == tmp_path / "given"
    injected = {"PAPERMILL_OUTPUT_PATH": str(tmp_path / "runs" / "out.ipynb")}
    assert results.results_dir("", injected) == tmp_path / "runs"
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)  # no output path known: never the working directory
    assert results.results_dir("", {}) == ROOT / "reports" / "interactive"
    monkeypatch.chdir(ROOT)  # run from the repository root: not into the checkout either
    assert results.results_dir("", {}) == ROOT / "reports" / "interactive"
    # Jupyter names the notebook it runs: beside it, unless it is in the checkout.
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "mine" / "copy.ipynb"))
    assert results.results_dir("", {}) == tmp_path / "mine"
    monkeypatch.setenv("JPY_SESSION_NAME", str(ROOT / "notebooks" / "trade_offs.ipynb"))
    assert results.results_dir("", {}) == ROOT / "reports" / "interactive"


def test_results_files_are_written_whole_and_readable(tmp_path):
    import pandas as pd

    from infrakit.report import results

    frame = pd.DataFrame({"reasons": [("a", "b"), ()], "usd": [1.5, float("nan")]})
    paths = results.write_results(tmp_path, "x", {"value": float("nan"), "when": pd.Timestamp("2026-12-01")}, frame)
    assert [p.name for p in paths] == ["x.json", "x.parquet"]
    data = json.loads(paths[0].read_text())
    assert data["value"] is None and data["when"].startswith("2026-12-01") and data["schema_version"] == 1
    assert pd.read_parquet(paths[1])["reasons"].tolist() == ["a; b", ""]
    assert oct(paths[0].stat().st_mode & 0o777) != oct(0o600)  # shareable, not mkstemp's private mode
    assert not list(tmp_path.glob(".x.*"))  # no temporary files left behind


def test_a_missing_part_of_the_kit_fails_the_step_instead_of_saying_not_available(monkeypatch):
    """A requested preflight or deploy that cannot run is a failure (the notebook fails), never
    an "unavailable" step that lets the run pass."""
    from infrakit.report import decision

    scenario = validate_scenario({"name": "partial", "start_date": "2026-12-01"})
    monkeypatch.setitem(sys.modules, "infrakit.preflight", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "infrakit.deploy", None)
    with pytest.raises(ImportError):
        decision.preflight(scenario, synth_result=None)
    with pytest.raises(ImportError):
        decision.deploy(scenario, target="local", preflight_report=None)
    assert decision.deploy(scenario, target="none", preflight_report=None).status == "skipped"


def test_an_aws_deploy_from_the_report_preflights_live_as_infrakit_deploy_does(monkeypatch):
    from infrakit import preflight as preflight_module
    from infrakit.report import decision

    seen = []

    class Passed:
        passed, errors, warnings, findings = True, [], [], []

        def to_json(self):
            return {}

    def fake(scenario, *, synth_result, live, session):
        seen.append((live, session is not None))
        return Passed()

    monkeypatch.setattr(preflight_module, "preflight_scenario", fake)
    scenario = validate_scenario({"name": "live", "start_date": "2026-12-01"})
    for target in ("aws", "local", "none"):
        decision.preflight(scenario, synth_result=None, target=target)
    assert seen == [(None, True), (False, False), (False, False)]  # aws: live when credentials exist


def test_a_preflight_with_errors_stops_the_deploy():
    from infrakit.report import decision

    class Failed:  # the shape of infrakit.preflight's report
        passed = False
        errors = ["RDS-ENGINE-VERSION"]

    scenario = validate_scenario({"name": "refused", "start_date": "2026-12-01"})
    step = decision.deploy(scenario, target="local", preflight_report=Failed())
    assert step.status == "skipped" and "preflight found 1 error" in step.headline
