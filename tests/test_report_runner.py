"""The report runner on Dask (infrakit.report.runner, task, artefacts, kernels, emulator_process):
a scenario's files come back from its worker and are written whole; kernel starts are retried
once; one page that cannot be rendered costs the batch nothing; the output folder is locked.

The fake notebooks here (``fake_notebooks``) stand in for the real ones where a test is about
the runner, not the study: they write the same results files through the report's own API in
a second or two, record their kernel's and worker's process ids in ``$IK_TEST_MARKS``, and
sleep or fail on cue (``$IK_TEST_BEHAVIOUR``: per scenario name, ``trade_sleep``,
``decision_sleep``, ``sleep_once``, ``fail``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from infrakit.core.files import LockedError
from infrakit.report import artefacts, kernels, runner, task

PRELUDE = '''import json, os, pathlib, time
marks = pathlib.Path(os.environ["IK_TEST_MARKS"])
marks.mkdir(parents=True, exist_ok=True)
behaviour = json.loads(os.environ.get("IK_TEST_BEHAVIOUR", "{}")).get(name, {})
(marks / f"{name}.{STEM}.{os.getpid()}").write_text(json.dumps({"kernel": os.getpid(), "worker": os.getppid()}))
if behaviour.get("sleep_once") and STEM == "trade_offs":
    once = marks / f"{name}.slept"
    if not once.exists():
        once.write_text("")
        time.sleep(behaviour["sleep_once"])
time.sleep(behaviour.get(STEM[:5] + "_sleep", 0) if STEM == "trade_offs" else behaviour.get("decision_sleep", 0))
if behaviour.get("fail") == STEM:
    raise RuntimeError(f"{name} fails on purpose")
'''
STUDY = '''from infrakit.core.schema import validate_scenario
from infrakit.report import decision, params, results, trade_offs
scenario = validate_scenario({"name": name, "horizon_months": 12})
study = trade_offs.study(scenario)
'''
WRITE = {
    "trade_offs": 'results.write_results(pathlib.Path(results_dir), "trade_offs", results.trade_offs_summary('
                  'study, trade_offs.traffic_curves(study.config(study.base_id)), {"sweep": 0.01}))',
    "decision": 'chosen = decision.choose(study, params.ReportOptions(deploy_target="none"))\n'
                'results.write_results(pathlib.Path(results_dir), "decision", results.decision_summary(chosen, [], '
                '{"synth": 0.01}))',
}


def fake_notebooks(folder: Path) -> Path:
    """Two small notebooks with the real ones' names, kernel and results files."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem in runner.NOTEBOOKS:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": runner.KERNEL_NAME, "display_name": "infrakit", "language": "python"}
        parameters = nbformat.v4.new_code_cell('name = "fake"\nresults_dir = ""')
        parameters.metadata["tags"] = ["parameters"]
        nb.cells = [parameters, nbformat.v4.new_code_cell(f"STEM = {stem!r}\n" + PRELUDE),
                    nbformat.v4.new_code_cell(STUDY + WRITE[stem])]
        nbformat.write(nb, folder / f"{stem}.ipynb")
    return folder


def param_files(folder: Path, names, deploy_target: str = "none") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name in names:
        path = folder / f"{name}.yaml"
        path.write_text(f"name: {name}\nhorizon_months: 12\ndeploy_target: {deploy_target}\n", encoding="utf-8")
        files.append(path)
    return files


def marks_of(marks: Path) -> dict[str, list[dict]]:
    """Per ``name.stem``, what each kernel that ran it recorded."""
    out: dict[str, list[dict]] = {}
    for path in sorted(marks.glob("*.*.*")):
        name, stem, _ = path.name.rsplit(".", 2)
        out.setdefault(f"{name}.{stem}", []).append(json.loads(path.read_text()))
    return out


@pytest.fixture
def fakes(tmp_path, monkeypatch):
    """Fake notebooks in use (the client reads and ships them), marks in tmp_path/marks."""
    monkeypatch.setattr(runner, "NOTEBOOK_DIR", fake_notebooks(tmp_path / "notebooks"))
    monkeypatch.setenv("IK_TEST_MARKS", str(tmp_path / "marks"))
    monkeypatch.setenv("IK_TEST_BEHAVIOUR", "{}")
    return tmp_path


def notebooks_text() -> dict[str, str]:
    return {stem: (runner.NOTEBOOK_DIR / f"{stem}.ipynb").read_text() for stem in runner.NOTEBOOKS}


def provenance() -> dict:
    return {"generated_at": "now", "git": {"commit": "abc", "dirty": False}, "versions": {}}


# --- one scenario's task, in this process ---------------------------------------------------

@pytest.mark.slow
def test_a_task_returns_its_folder_and_leaves_nothing_on_the_worker(fakes):
    import tempfile

    from infrakit.report.params import load_run_specs

    [spec] = load_run_specs(param_files(fakes / "p", ["alpha"]))
    before = set(os.listdir(tempfile.gettempdir()))
    outcome = task.run_scenario_task(spec, notebooks=notebooks_text(), provenance=provenance())
    assert outcome.status == "ok", (outcome.reasons, outcome.failure)
    assert {"report.html", "trade_offs.ipynb", "decision.ipynb", "trade_offs.json", "decision.json",
            "kernel.log"} <= set(outcome.files)
    assert outcome.worker == "local" and outcome.kernel_starts == 2
    assert json.loads(outcome.files["trade_offs.json"])["scenario"] == "alpha"
    leftovers = {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith(task.TEMP_PREFIX)}
    assert leftovers == set()
    assert kernels.live_kernel_pids() == []


@pytest.mark.slow
def test_a_kernel_that_fails_to_start_is_started_once_more(fakes, monkeypatch):
    from infrakit.report.params import load_run_specs

    calls = []
    original = kernels.IsolatedKernelManager._async_pre_start_kernel

    async def flaky(self, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return await original(self, **kw)

    monkeypatch.setattr(kernels.IsolatedKernelManager, "_async_pre_start_kernel", flaky)
    [spec] = load_run_specs(param_files(fakes / "p", ["flaky"]))
    outcome = task.run_scenario_task(spec, notebooks=notebooks_text(), provenance=provenance())
    assert outcome.status == "ok", outcome.failure
    assert outcome.kernel_starts == 3 and outcome.timings_s["kernel_retries"] == 1
    # A kernel that never starts fails the scenario after the second attempt, saying so.
    monkeypatch.setattr(kernels.IsolatedKernelManager, "_async_pre_start_kernel", _never)
    outcome = task.run_scenario_task(spec, notebooks=notebooks_text(), provenance=provenance())
    assert outcome.status == "failed" and outcome.kernel_starts == 2
    assert "the kernel did not start (2 attempts)" in outcome.failure["evalue"]
    assert b"the kernel did not start" in outcome.files["report.html"]


async def _never(self, **kw):
    raise RuntimeError("no kernel today")


def test_a_cell_failure_is_not_retried(fakes, monkeypatch):
    from infrakit.report.params import load_run_specs

    monkeypatch.setenv("IK_TEST_BEHAVIOUR", json.dumps({"broken": {"fail": "trade_offs"}}))
    [spec] = load_run_specs(param_files(fakes / "p", ["broken"]))
    outcome = task.run_scenario_task(spec, notebooks=notebooks_text(), provenance=provenance())
    assert outcome.status == "failed" and outcome.kernel_starts == 1
    assert outcome.failure["ename"] == "RuntimeError" and "fails on purpose" in outcome.failure["source"]
    assert "decision.ipynb" not in outcome.files and "trade_offs.ipynb" in outcome.files


# --- the client's side ---------------------------------------------------------------------------

def test_scenario_files_replace_the_kits_own_and_nothing_else(tmp_path):
    folder = tmp_path / "out" / "alpha"
    folder.mkdir(parents=True)
    for name in ("decision.ipynb", "decision.json", "notes.md"):
        (folder / name).write_text("old")
    page = artefacts.write_scenario_files(tmp_path / "out", "alpha", {"trade_offs.json": b"{}",
                                                                      "report.html": b"<p>new</p>",
                                                                      "deploy/deploy.json": b"{}"})
    assert page.read_bytes() == b"<p>new</p>" and (folder / "deploy" / "deploy.json").exists()
    assert not (folder / "decision.ipynb").exists() and not (folder / "decision.json").exists()  # an earlier run's
    assert (folder / "notes.md").read_text() == "old"  # not the kit's: untouched
    artefacts.write_scenario_files(tmp_path / "out", "alpha", {
        "deploy/deploy.json": b'{"outputs_file": "/tmp/infrakit-report-1-alpha-x/alpha/deploy/outputs.json"}',
        "trade_offs.parquet": b"PAR1 /tmp/infrakit-report-1-alpha-x/alpha PAR1", "report.html": b"<p>new</p>"},
        worker_folder="/tmp/infrakit-report-1-alpha-x/alpha")
    assert json.loads((folder / "deploy" / "deploy.json").read_text())["outputs_file"] == \
        str(folder / "deploy" / "outputs.json")  # paths name where the files are now
    assert (folder / "trade_offs.parquet").read_bytes().count(b"/tmp/infrakit-report-1") == 1  # binary: as is
    with pytest.raises(Exception, match="outside its scenario folder"):
        artefacts.write_scenario_files(tmp_path / "out", "alpha", {"../escape.html": b"x"})
    assert not (tmp_path / "out" / "escape.html").exists()


def test_index_entries_name_the_worker_and_the_duration(tmp_path):
    from infrakit.report.params import load_run_specs

    [spec] = load_run_specs(param_files(tmp_path, ["alpha"]))
    record = runner.RunRecord(spec, timings_s={"trade_offs_s": 1.0, "decision_s": 2.5, "kernel_retries": 1},
                              worker="tcp://10.0.0.7:40001", wall_s=4.0)
    entry = record.index_entry(tmp_path)
    assert entry["worker"] == "tcp://10.0.0.7:40001" and entry["duration_s"] == 3.5 and entry["wall_s"] == 4.0
    assert {"name", "source", "status", "reasons", "href", "duration_s", "timings_s", "compare"} <= set(entry)


def test_a_second_report_into_the_same_folder_is_refused_at_once(tmp_path):
    from infrakit.core.files import FolderLock

    out = tmp_path / "out"
    files = param_files(tmp_path, ["alpha"])
    with FolderLock(out, what="a report"):
        start = time.perf_counter()
        with pytest.raises(LockedError, match=f"process {os.getpid()} holds"):
            runner.run_batch(files, out_dir=out)
        assert time.perf_counter() - start < 5
    assert sorted(p.name for p in out.iterdir()) == []  # nothing written by the refused run


def test_stopping_a_batch_leaves_other_batches_kernels_alone():
    with kernels.batch_scope("a"):
        mine = kernels.IsolatedKernelManager(kernel_name=runner.KERNEL_NAME)
    with kernels.batch_scope("b"):
        theirs = kernels.IsolatedKernelManager(kernel_name=runner.KERNEL_NAME)
    try:
        assert (mine.batch, theirs.batch) == ("a", "b")
        assert task.stop_batch("a") == {"kernels": [], "emulators": []}  # none started: nothing to kill
        with pytest.raises(task.Stopped):
            task._check_stopped("a")
        task._check_stopped("b")
    finally:
        mine._forget()
        theirs._forget()


def test_orphaned_temporary_folders_of_dead_workers_are_removed(tmp_path):
    dead = tmp_path / f"{task.TEMP_PREFIX}999999999-alpha-x1"
    alive = tmp_path / f"{task.TEMP_PREFIX}{os.getpid()}-beta-x2"
    other = tmp_path / "someone-elses"
    for folder in (dead, alive, other):
        folder.mkdir()
    assert task.remove_orphan_folders(str(tmp_path)) == [dead.name]
    assert alive.exists() and other.exists() and not dead.exists()


# --- whole batches on an in-process cluster -------------------------------------------------------

@pytest.fixture
def threads_cluster():
    """A LocalCluster of threads in this process: monkeypatches reach the tasks."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        yield client


@pytest.mark.slow
def test_a_page_that_cannot_be_rendered_fails_its_scenario_not_the_batch(fakes, threads_cluster, monkeypatch):
    from infrakit.report import html as pages

    real = pages.report_page

    def report_page(**kw):
        if kw["name"] == "unlucky":
            raise KeyError("a bug in one page")
        return real(**kw)

    monkeypatch.setattr(pages, "report_page", report_page)
    files = param_files(fakes / "p", ["unlucky", "fine"])
    result = runner.run_batch(files, out_dir=fakes / "out", client=threads_cluster)
    index = json.loads((fakes / "out" / "index.json").read_text())
    unlucky, fine = index["runs"]
    assert (unlucky["status"], fine["status"]) == ("failed", "ok"), (unlucky, fine)
    assert unlucky["failure"]["notebook"] == "render" and "a bug in one page" in unlucky["failure"]["evalue"]
    assert "a bug in one page" in (fakes / "out" / "unlucky" / "report.html").read_text()
    assert (fakes / "out" / "unlucky" / "decision.ipynb").exists()  # its notebooks are kept
    assert (fakes / "out" / "summary.md").exists() and (fakes / "out" / "index.html").exists()
    assert [r.status for r in result.runs] == ["failed", "ok"] and result.interrupted is None
    assert fine["worker"].startswith("inproc://") or fine["worker"].startswith("tcp://")


def test_a_rerun_clears_the_kits_own_deploy_folder_and_nothing_foreign(tmp_path):
    """A run that deployed, then one that did not: the page must not show the old deploy.json."""
    out = tmp_path / "out"
    artefacts.write_scenario_files(out, "alpha", {"report.html": b"<p>1</p>", "deploy/deploy.json": b"{}",
                                                  "deploy/outputs.json": b"{}",
                                                  "deploy/assembly/manifest.json": b"{}"})
    (out / "alpha" / "deploy" / "mine.txt").write_text("the user's")
    artefacts.write_scenario_files(out, "alpha", {"report.html": b"<p>2</p>", "decision.json": b"{}"})
    folder = out / "alpha"
    assert not (folder / "deploy" / "deploy.json").exists() and not (folder / "deploy" / "outputs.json").exists()
    assert not (folder / "deploy" / "assembly").exists()  # emptied by the kit: gone
    assert (folder / "deploy" / "mine.txt").read_text() == "the user's"  # foreign: kept, so its folder too
    assert artefacts.kit_files(folder) == ["decision.json", "report.html"]


def test_a_folder_an_older_kit_wrote_loses_its_deploy_record_but_not_a_foreign_assembly(tmp_path):
    folder = tmp_path / "out" / "alpha"
    (folder / "deploy" / "assembly").mkdir(parents=True)
    (folder / "deploy" / "deploy.json").write_text("{}")  # no manifest: an older kit's folder
    (folder / "deploy" / "assembly" / "template.json").write_text("{}")  # no assembly marker: not the kit's
    artefacts.write_scenario_files(tmp_path / "out", "alpha", {"report.html": b"<p>2</p>"})
    assert not (folder / "deploy" / "deploy.json").exists()
    assert (folder / "deploy" / "assembly" / "template.json").exists()
    other = tmp_path / "out" / "beta" / "deploy" / "assembly"  # the kit's assembly, plus a file added by hand
    other.mkdir(parents=True)
    (other / ".infrakit-assembly").write_text("written by infrakit synth")
    (other / "manifest.json").write_text("{}")
    (other / "notes.md").write_text("mine")
    artefacts.write_scenario_files(tmp_path / "out", "beta", {"report.html": b"<p>2</p>"})
    assert not (other / "manifest.json").exists() and (other / "notes.md").read_text() == "mine"


def _outcome(spec, **kw):
    return task.ScenarioOutcome(slug=spec.slug, status="ok", files={"report.html": b"<p>ok</p>"}, **kw)


def test_a_scenario_whose_files_cannot_be_written_is_failed_and_the_batch_goes_on(tmp_path, monkeypatch):
    from infrakit.core.files import OutputError
    from infrakit.report.params import load_run_specs

    broken, fine = load_run_specs(param_files(tmp_path / "p", ["broken", "fine"]))
    real = runner.write_scenario_files
    calls = []

    def write(out_dir, slug, files, **kw):
        calls.append((slug, sorted(files)))
        if slug == "broken" and len(calls) == 1:
            raise OutputError("no space left on device: /out/broken/report.html")
        return real(out_dir, slug, files, **kw)

    monkeypatch.setattr(runner, "write_scenario_files", write)
    out = tmp_path / "out"
    bad = runner._guarded_record(broken, _outcome(broken), out, provenance())
    good = runner._guarded_record(fine, _outcome(fine), out, provenance())
    assert bad.status == "failed" and "no space left" in bad.reasons[0] and bad.failure["ename"] == "OutputError"
    assert "no space left" in (out / "broken" / "report.html").read_text()  # its failure page
    assert good.status == "ok" and (out / "fine" / "report.html").read_text() == "<p>ok</p>"
    index = json.loads(runner._write_index(out, [bad, good], provenance(), {}, {}).with_name("index.json").read_text())
    assert [r["status"] for r in index["runs"]] == ["failed", "ok"]


def test_an_interrupted_run_links_to_its_own_short_page_not_a_stale_one(tmp_path):
    from infrakit.report.params import load_run_specs

    earlier, never = load_run_specs(param_files(tmp_path / "p", ["earlier", "never"]))
    out = tmp_path / "out"
    artefacts.write_scenario_files(out, "earlier", {"report.html": b"<p>last week's run</p>"})
    records = [runner._interrupted(spec, "SIGINT", out, provenance()) for spec in (earlier, never)]
    entries = [r.index_entry(out) for r in records]
    assert [e["href"] for e in entries] == ["earlier/interrupted.html", "never/interrupted.html"]
    text = (out / "earlier" / "interrupted.html").read_text()
    assert "interrupted by SIGINT" in text and 'href="report.html"' in text and "not this run" in text
    assert "No earlier run" in (out / "never" / "interrupted.html").read_text()
    assert (out / "earlier" / "report.html").read_text() == "<p>last week's run</p>"  # kept, as it was
    artefacts.write_scenario_files(out, "earlier", {"report.html": b"<p>new</p>"})
    assert not (out / "earlier" / "interrupted.html").exists()  # the next whole run removes the note


def test_a_folder_the_kit_did_not_write_is_refused_before_anything_runs(tmp_path):
    import subprocess
    import sys

    foreign = tmp_path / "site"
    foreign.mkdir()
    (foreign / "index.html").write_text("<p>my own site</p>")
    files = param_files(tmp_path / "p", ["alpha"])
    done = subprocess.run([sys.executable, "-m", "infrakit.cli", "report", str(files[0]), "--out", str(foreign)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert str(foreign) in done.stderr and "index.html" in done.stderr and "new or empty folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["index.html"]  # untouched, no lock or marker left
    assert (foreign / "index.html").read_text() == "<p>my own site</p>"


def test_new_empty_gitkeep_marked_and_legacy_report_folders_are_accepted(tmp_path):
    assert artefacts.out_dir_problem(tmp_path / "new") is None
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / ".gitkeep").write_text("")
    assert artefacts.out_dir_problem(kept) is None  # a fresh clone's reports/
    legacy = tmp_path / "legacy"
    (legacy / "dev").mkdir(parents=True)
    (legacy / "index.json").write_text(json.dumps({"runs": [], "provenance": {}}))
    assert artefacts.out_dir_problem(legacy) is None  # an earlier kit's report, before the marker
    (legacy / "index.json").write_text(json.dumps({"something": "else"}))
    assert "did not write" in artefacts.out_dir_problem(legacy)
    artefacts.claim_out_dir(legacy)
    assert artefacts.out_dir_problem(legacy) is None  # marked as the kit's from now on
    assert "is a file" in artefacts.out_dir_problem(legacy / "index.json")


def test_the_repositorys_reports_folder_may_hold_what_deploy_and_the_notebooks_write(tmp_path, monkeypatch):
    from infrakit.core import paths

    reports = tmp_path / "reports"
    for name in ("deploy", "interactive", "screenshots"):  # infrakit deploy, the notebooks, make test
        (reports / name).mkdir(parents=True)
    (reports / ".gitkeep").write_text("")
    monkeypatch.setattr(paths, "REPORTS_DIR", reports)
    monkeypatch.setattr(paths, "DEPLOY_RUNS_DIR", reports / "deploy")
    monkeypatch.setattr(paths, "INTERACTIVE_RESULTS_DIR", reports / "interactive")
    assert artefacts.out_dir_problem(reports) is None
    other = tmp_path / "elsewhere"
    (other / "deploy").mkdir(parents=True)
    assert "did not write ('deploy')" in artefacts.out_dir_problem(other)
