"""Fault injection against a real `infrakit report` process (a LocalCluster of worker processes,
real kernels and emulators, the fake notebooks of test_report_runner): Ctrl-C, SIGTERM,
repeated signals, a kernel or a worker killed mid-batch, the client killed, two reports into
one folder. Each asserts the exit code, what is on disk afterwards (an index of what finished,
the rest marked interrupted, no half-written scenario folder, no lock left) and, by process
id, that nothing the batch started is still running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_report_runner import fake_notebooks, marks_of, param_files

pytestmark = pytest.mark.slow

# The CLI with the fake notebooks: the client reads the notebooks and ships them to the workers.
WRAPPER = ("import sys\nfrom pathlib import Path\nimport infrakit.report.runner as runner\n"
           "runner.NOTEBOOK_DIR = Path(sys.argv[1])\nfrom infrakit.cli import main\nsys.exit(main(sys.argv[2:]))")


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rpartition(")")[2].split()[1]), []).append(int(entry))
    return children


def tree(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc, independently of the kit's own helper)."""
    children, out, todo = _proc_children(), set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return {p for p in out if alive(p)}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:160]
    except OSError:
        return "?"


def wait_for(predicate, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def assert_all_gone(pids: set[int], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    left = {p: command_of(p) for p in pids if alive(p)}
    for pid in left:  # never leave them to the next test
        with_kill(pid)
    assert left == {}, f"processes left running: {left}"


def with_kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Report:
    """`infrakit report` in its own session (so that a Ctrl-C can be sent to its group, as a
    terminal does), stopped and checked by the test."""

    def __init__(self, tmp: Path, names, *, behaviour: dict, jobs: int = 1, deploy_target: str = "local",
                 out: Path | None = None, tag: str = "run"):
        self.tmp = tmp
        self.out = out or tmp / "out"
        self.marks = tmp / "marks"
        notebooks = fake_notebooks(tmp / "notebooks")
        files = param_files(tmp / f"params-{tag}", names, deploy_target=deploy_target)
        env = dict(os.environ, IK_TEST_MARKS=str(self.marks), IK_TEST_BEHAVIOUR=json.dumps(behaviour),
                   PYTHONPATH=str(ROOT))
        self.stdout = open(tmp / f"{tag}.out", "w+")  # noqa: SIM115 - closed in finish()
        self.stderr = open(tmp / f"{tag}.err", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, str(notebooks), "report", *map(str, files), "--out", str(self.out),
             "--jobs", str(jobs)], cwd=ROOT, env=env, stdout=self.stdout, stderr=self.stderr,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.seen: set[int] = set()

    def watch(self) -> set[int]:
        """Remember every process below the report now (workers, kernels, emulators)."""
        self.seen |= tree(self.process.pid)
        return self.seen

    def mark(self, key: str, timeout: float = 120.0) -> dict:
        return wait_for(lambda: (marks_of(self.marks).get(key) or [None])[-1], timeout, f"the mark {key}")

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise
        finally:
            for stream in (self.stdout, self.stderr):
                stream.flush()
        self.stdout.seek(0)
        self.stderr.seek(0)
        out, err = self.stdout.read(), self.stderr.read()
        self.stdout.close()
        self.stderr.close()
        return code, out, err

    def index(self) -> dict:
        return json.loads((self.out / "index.json").read_text())


def statuses(index: dict) -> dict[str, str]:
    return {run["name"]: run["status"] for run in index["runs"]}


def assert_no_half_written_folders(out: Path, unfinished) -> None:
    """An unfinished scenario's folder holds no result of this run: only its short interrupted
    page (and the kit's list of its files), which the index links to."""
    index = json.loads((out / "index.json").read_text())
    hrefs = {run["name"]: run["href"] for run in index["runs"]}
    for name in unfinished:
        folder = out / name
        held = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
        assert held == [".infrakit-files.json", "interrupted.html"], f"{folder} holds {held}"
        assert hrefs[name] == f"{name}/interrupted.html" and "interrupted" in (folder / "interrupted.html").read_text()
    assert not (out / ".infrakit.lock").exists()


def watched_stop(report: Report, send) -> tuple[int, str, str, float]:
    """Snapshot the process tree, ``send`` the signal(s), then wait; returns (code, out, err, s)."""
    report.watch()
    start = time.monotonic()
    send()
    code, out, err = report.finish(timeout=90)
    return code, out, err, time.monotonic() - start


def test_ctrl_c_stops_the_batch_and_writes_the_index_of_what_finished(tmp_path):
    report = Report(tmp_path, ["first", "slow", "queued"], behaviour={"slow": {"trade_sleep": 300}})
    wait_for(lambda: (report.out / "first" / "report.html").exists(), 180, "the first scenario's page")
    kernel = report.mark("slow.trade_offs")["kernel"]
    report.watch()
    assert alive(kernel)
    code, out, err, seconds = watched_stop(report, lambda: os.killpg(report.process.pid, signal.SIGINT))
    assert code == 130, err
    assert seconds < 45, f"took {seconds:.0f} s to stop"
    assert "interrupted (SIGINT); 1 of 3 scenario(s) finished" in err and "Traceback" not in err
    index = report.index()
    assert index["interrupted"] == "SIGINT"
    assert statuses(index) == {"first": "ok", "slow": "interrupted", "queued": "interrupted"}
    assert (report.out / "first" / "trade_offs.json").exists() and (report.out / "summary.md").exists()
    assert "interrupted" in (report.out / "index.html").read_text()
    assert_no_half_written_folders(report.out, ["slow", "queued"])
    assert kernel in report.seen
    assert_all_gone(report.seen | {kernel})


def test_sigterm_and_repeated_signals_stop_it_the_same_way(tmp_path):
    report = Report(tmp_path, ["slow", "queued"], behaviour={"slow": {"trade_sleep": 300}})
    kernel = report.mark("slow.trade_offs")["kernel"]
    emulators = wait_for(lambda: [p for p in tree(report.process.pid) if "emulator_process" in command_of(p)],
                         60, "the scenario's emulator")

    def storm():
        os.kill(report.process.pid, signal.SIGTERM)
        for _ in range(3):
            time.sleep(0.3)
            os.killpg(report.process.pid, signal.SIGINT)

    code, out, err, seconds = watched_stop(report, storm)
    assert code == 130, err
    assert "Traceback" not in err and "already stopping" in err
    index = report.index()
    assert index["interrupted"] == "SIGTERM" and set(statuses(index).values()) == {"interrupted"}
    assert_no_half_written_folders(report.out, ["slow", "queued"])
    assert_all_gone(report.seen | {kernel, *emulators})


def test_a_killed_kernel_fails_its_scenario_and_the_batch_goes_on(tmp_path):
    report = Report(tmp_path, ["victim", "after"], behaviour={"victim": {"trade_sleep": 300}})
    kernel = report.mark("victim.trade_offs")["kernel"]
    report.watch()
    os.kill(kernel, signal.SIGKILL)
    code, out, err = report.finish(timeout=240)
    assert code == 1, err
    index = report.index()
    assert statuses(index) == {"victim": "failed", "after": "ok"}
    victim = index["runs"][0]
    assert victim["failure"]["notebook"] == "trade_offs" and "DeadKernelError" in victim["error"]
    assert "DeadKernelError" in (report.out / "victim" / "report.html").read_text()
    assert (report.out / "victim" / "trade_offs.ipynb").exists()  # kept for debugging
    assert_all_gone(report.watch())


def test_a_worker_killed_mid_batch_is_replaced_and_its_scenario_runs_elsewhere(tmp_path):
    report = Report(tmp_path, ["victim", "other"], jobs=2, behaviour={"victim": {"sleep_once": 300}})
    first = report.mark("victim.trade_offs")
    worker, kernel = first["worker"], first["kernel"]
    emulators = wait_for(lambda: [p for p in tree(worker) if "emulator_process" in command_of(p)], 60,
                         "the killed worker's emulator")
    report.watch()
    os.kill(worker, signal.SIGKILL)
    code, out, err = report.finish(timeout=300)
    assert code == 0, err + out
    index = report.index()
    assert statuses(index) == {"victim": "ok", "other": "ok"}
    runs = marks_of(report.marks)["victim.trade_offs"]
    assert len(runs) == 2 and runs[1]["worker"] != worker  # run again, on another worker process
    assert all(run["worker"] for run in index["runs"])
    # The dead worker's kernel and emulator did not outlive it; nothing outlived the batch.
    assert_all_gone({kernel, *emulators} | report.seen)


def test_a_killed_client_leaves_no_worker_kernel_or_emulator(tmp_path):
    report = Report(tmp_path, ["slow"], behaviour={"slow": {"trade_sleep": 300}})
    kernel = report.mark("slow.trade_offs")["kernel"]
    wait_for(lambda: [p for p in tree(report.process.pid) if "emulator_process" in command_of(p)], 60,
             "the emulator")
    seen = report.watch()
    os.kill(report.process.pid, signal.SIGKILL)
    report.finish(timeout=30)
    assert_all_gone(seen | {kernel}, timeout=30)


def test_a_second_report_into_the_same_folder_is_refused_and_the_first_finishes(tmp_path):
    first = Report(tmp_path, ["one"], behaviour={"one": {"trade_sleep": 8}}, deploy_target="none", tag="first")
    wait_for(lambda: (first.out / ".infrakit.lock").exists(), 120, "the first report's lock")
    start = time.monotonic()
    second = Report(tmp_path, ["two"], behaviour={}, deploy_target="none", out=first.out, tag="second")
    code, out, err = second.finish(timeout=60)
    assert code == 1 and time.monotonic() - start < 30
    assert f"is already running (process {first.process.pid} holds" in err and "Traceback" not in err
    code, out, err = first.finish(timeout=240)
    assert code == 0, err
    assert statuses(first.index()) == {"one": "ok"} and not (first.out / "two").exists()
    assert not (first.out / ".infrakit.lock").exists()
