"""The notebooks as users run them: thin (no def/class), a typed parameters cell that is the
scenario schema, committed without outputs and paired with jupytext scripts, and executed
end to end with papermill's Python API and its CLI."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest

from cost_model import cost_scenario
from infrakit.core.schema import FIELDS, REPORT_FIELDS, notebook_cell, validate_scenario
from infrakit.report import params, runner, trade_offs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / "notebooks" / f"{stem}.ipynb" for stem in runner.NOTEBOOKS]
PAPERMILL = Path(sys.executable).parent / "papermill"
# Small parameters: a year's horizon, no deploy, cheap usage.
SMALL = {"name": "small", "horizon_months": 12, "start_date": "2026-12-01", "deploy_target": "none",
         "nat_data_gb_per_month": 10.0, "reader_count": 0, "instance_class": "db.t4g.medium"}


def code_cells(path: Path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_define_no_functions_or_classes(path):
    for cell in code_cells(path):
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                                                ast.Lambda))]
        assert not defined, f"{path.name}: logic belongs in infrakit/report/, not the notebook:\n{cell.source}"


def test_names_the_notebooks_assign_are_known_to_the_parameter_check():
    assigned = set()
    for path in NOTEBOOKS:
        for cell in code_cells(path):
            if "parameters" in cell.metadata.get("tags", []):
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    assigned.add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    assigned |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    assert assigned == params.NOTEBOOK_NAMES
    # Running the cells again in Jupyter (the namespace then holds the notebook's own names) is fine.
    namespace = {"name": "again", "scenario": {"name": "again"}, "given": None, "steps": [None], "results_dir": ""}
    assert params.parameters_from_namespace(namespace)[0]["name"] == "again"


def test_parameters_cells_are_generated_from_the_schema_and_current():
    """`make notebooks` writes the cells from FIELDS and REPORT_FIELDS; a hand edit, or a key
    added without regenerating, fails here."""
    assert notebook_cell.stale_notebooks() == [], "run `make notebooks` to regenerate the parameters cells"


def test_the_generator_notices_a_stale_cell_and_rewrites_it(tmp_path):
    for stem in runner.NOTEBOOKS:
        for suffix in (".ipynb", ".py"):
            (tmp_path / f"{stem}{suffix}").write_text((ROOT / "notebooks" / f"{stem}{suffix}").read_text())
    edited = tmp_path / "decision.py"
    edited.write_text(edited.read_text().replace("# Fargate tasks running.", "# hand-edited help"))
    assert notebook_cell.stale_notebooks(tmp_path) == [edited]
    assert notebook_cell.write_parameters_cells(tmp_path) == [edited]
    assert notebook_cell.stale_notebooks(tmp_path) == []
    assert "# Fargate tasks running." in edited.read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_the_scenario_schema(path):
    inferred = papermill.inspect_notebook(str(path))
    expected = [f.name for f in FIELDS] + [f.name for f in REPORT_FIELDS]
    assert list(inferred) == expected
    for spec in (*FIELDS, *REPORT_FIELDS):
        found = inferred[spec.name]
        assert ast.literal_eval(found["default"]) == spec.default, spec.name
        assert found["help"] == spec.help, spec.name
    assert inferred["engine_version"]["inferred_type_name"] == "str"
    assert inferred["budget_usd_per_month"]["inferred_type_name"] == "Optional[float]"
    # Only literals in the parameters cell: derived values would not follow injected ones.
    cell = next(c for c in code_cells(path) if "parameters" in c.metadata.get("tags", []))
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.AnnAssign)
        ast.literal_eval(node.value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_paired_with_its_script(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == runner.KERNEL_NAME
    assert nb.metadata.jupytext.formats == "ipynb,py:percent"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    script = jupytext.read(path.with_suffix(".py"))
    assert [(c.cell_type, c.source) for c in script.cells] == [(c.cell_type, c.source) for c in nb.cells]
    assert [c.metadata.get("tags") for c in script.cells] == [c.metadata.get("tags") for c in nb.cells]


def _outputs(nb, kind):
    return [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == kind
            or o.get("name") == kind]


@pytest.mark.slow
def test_notebooks_execute_with_papermill_and_write_results_beside_them(tmp_path):
    for path in NOTEBOOKS:
        out = tmp_path / path.name
        nb = papermill.execute_notebook(path, out, parameters={**SMALL, "results_dir": str(tmp_path)},
                                        kernel_name=runner.KERNEL_NAME, progress_bar=False, cwd=str(tmp_path))
        assert not _outputs(nb, "error")
        assert not _outputs(nb, "stderr"), "warnings would end up in the report"
    trade = json.loads((tmp_path / "trade_offs.json").read_text())
    decision = json.loads((tmp_path / "decision.json").read_text())
    scenario = validate_scenario({k: v for k, v in SMALL.items() if k != "deploy_target"})
    study = trade_offs.study(scenario)
    assert trade["recommended"]["config_id"] == study.recommended
    assert trade["as_given"]["monthly_usd"] == pytest.approx(cost_scenario(scenario).monthly_usd, abs=0.005)
    assert trade["horizon_months"] == 12 and trade["catalogs"]["engine_catalog"]["snapshot_date"]
    import pandas as pd

    table = pd.read_parquet(tmp_path / "trade_offs.parquet")
    assert len(table) == trade["configurations"] and table["monthly_usd"].notna().any()
    assert decision["choice"]["mode"] == "recommended"
    assert decision["choice"]["keys"] == trade["recommended"]["keys"]
    assert decision["steps"]["deploy"]["status"] == "skipped"  # deploy_target none
    assert decision["steps"]["synth"]["status"] == "ok" and decision["steps"]["template_cost"]["agree"] is True
    steps = pd.read_parquet(tmp_path / "decision.parquet")["step"].tolist()
    assert steps[-4:] == ["synth", "preflight", "template_cost", "deploy"]
    # The configuration as given is checked too exactly when the decision differs from it.
    assert ("as_given" in steps) == (study.recommended != study.as_given)


@pytest.mark.slow
def test_papermill_cli_with_a_parameter_file_writes_beside_the_output_notebook(tmp_path):
    """papermill run from some other folder, without --inject-output-path: the results go
    beside the executed notebook, and nothing lands in the working directory."""
    params_file = tmp_path / "params.yaml"
    params_file.write_text("name: cli-run\nhorizon_months: 12\naz_count: 3\ndeploy_target: none\n")
    out_dir = tmp_path / "executed"
    out_dir.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([str(PAPERMILL), str(NOTEBOOKS[0]), str(out_dir / "trade_offs.ipynb"), "-f", str(params_file),
                           "-r", "engine_version", "16.8", "--no-progress-bar"],
                          capture_output=True, text=True, cwd=elsewhere, timeout=300)
    assert done.returncode == 0, done.stderr
    # Every key of the file is a notebook parameter.
    assert re.findall(r"Passed unknown parameter: (\S+)", done.stderr) == []
    result = json.loads((out_dir / "trade_offs.json").read_text())  # beside the executed notebook
    assert result["scenario"] == "cli-run" and result["as_given"]["keys"]["engine_version"] == "16.8"
    assert result["as_given"]["keys"]["az_count"] == 3
    assert list(elsewhere.iterdir()) == []
    nb = nbformat.read(out_dir / "trade_offs.ipynb", as_version=4)
    from tests.test_report_summary import dollar_texts

    money = [found for cell in nb.cells for output in cell.get("outputs", [])
             for found in dollar_texts(output.get("data", {}).get("text/html", ""))]
    assert money and all(safe for _, safe in money)  # JupyterLab typesets none of it as maths


@pytest.mark.slow
def test_papermill_refuses_a_numeric_engine_version_and_says_how_to_pass_it(tmp_path):
    done = subprocess.run([str(PAPERMILL), str(NOTEBOOKS[0]), str(tmp_path / "out.ipynb"), "-p", "engine_version",
                           "16.8", "--no-progress-bar"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode != 0
    assert "-r engine_version 16.8" in done.stderr and 'engine_version: "16.8"' in done.stderr
    assert not (tmp_path / "trade_offs.json").exists()


@pytest.mark.slow
def test_papermill_cli_refuses_a_misspelt_parameter(tmp_path):
    done = subprocess.run([str(PAPERMILL), str(NOTEBOOKS[0]), str(tmp_path / "out.ipynb"), "-p", "nat_stratgy",
                           "single", "--no-progress-bar"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode != 0
    assert "nat_stratgy: not a scenario or report key. Did you mean 'nat_strategy'?" in done.stderr


def test_the_trade_offs_details_are_all_about_the_decided_configuration():
    """The engine timeline, the traffic curves and the sensitivity take the configuration the
    decision ships (decide: as_given pins the file's own), never one of their own choosing."""
    source = "\n".join(cell.source for cell in code_cells(ROOT / "notebooks" / "trade_offs.ipynb"))
    calls = {name: re.findall(rf"{name}\(([^\n]*)", source)
             for name in ("trade_offs.engine_timeline", "trade_offs.traffic_curves", "sensitivity.analyse")}
    assert all(calls.values()), calls
    for name, found in calls.items():
        assert all("study.decided_id(options.decide)" in args for args in found), (name, found)


def test_the_decision_rule_is_worked_out_once_per_study(monkeypatch):
    from infrakit.report import explain

    study = trade_offs.study(validate_scenario({"name": "once", "start_date": "2026-12-01"}))
    calls = []
    real = explain.rule_for
    monkeypatch.setattr(explain, "rule_for", lambda s: calls.append(s) or real(s))
    first = explain.decision_rule(study)
    first["winner"] = "changed by a caller"
    assert explain.decision_rule(study)["winner"] != "changed by a caller" and len(calls) == 1
