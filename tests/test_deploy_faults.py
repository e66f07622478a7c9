"""Fault injection against a real `infrakit deploy` process: SIGINT and SIGTERM mid-deploy,
the emulator killed mid-deploy and right after the CDK CLI succeeded, a read-only and a full
output folder, two deploys of one stack at once, destroy against a dead emulator.

Each test asserts what is left afterwards: the exit code, a deploy.json that is valid JSON
(or absent) and never an older "deployed", no traceback, and by pid that the CDK CLI and the
emulator processes are gone. Every process a test starts, it stops by pid.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "notebooks" / "params" / "dev.yaml"
STACK = "PaymentApi-dev"

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------ processes, by pid


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))):
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def env_for(endpoint: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


class Run:
    """`python -m infrakit.cli ARGS` with stderr read as it comes; ``when(marker, act)`` acts
    once a line contains the marker, after noting the CLI's process ids."""

    def __init__(self, args: list[str], endpoint: str | None):
        self.process = subprocess.Popen([sys.executable, "-m", "infrakit.cli", *args], cwd=ROOT, env=env_for(endpoint),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.err: list[str] = []
        self.children: set[int] = set()
        self._marker: str | None = None
        self._act: Callable[[], None] | None = None
        self.acted = threading.Event()
        self._out: list[str] = []
        self._readers = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=lambda: self._out.append(self.process.stdout.read()), daemon=True)]
        for reader in self._readers:
            reader.start()

    def when(self, marker: str, act: Callable[[], None]) -> Run:
        self._marker, self._act = marker, act
        return self

    def _read(self) -> None:
        for line in self.process.stderr:
            self.err.append(line)
            if self._marker and self._marker in line and not self.acted.is_set():
                self.children = descendants(self.process.pid)
                try:
                    self._act()
                finally:  # keep draining stderr whatever the act did, or the process blocks on it
                    self.acted.set()

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(self.process)
            raise
        for reader in self._readers:
            reader.join(timeout=10)
        return self.process.returncode, "".join(self._out), "".join(self.err)


class EmulatorProcess:
    """`infrakit emulator start` in a process of its own (the way a user keeps stacks)."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "infrakit.cli", "emulator", "start", "--json"],
                                        cwd=ROOT, env=env_for(None), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True)
        line = self.process.stdout.readline()
        assert line, "the emulator did not start"
        self.url = json.loads(line)["endpoint_url"]

    def reset(self) -> None:
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=30):
            pass

    def stacks(self) -> list[tuple[str, str]]:
        cfn = boto3.client("cloudformation", region_name="us-east-1", endpoint_url=self.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        return [(s["StackName"], s["StackStatus"]) for s in cfn.describe_stacks()["Stacks"]]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def shared_emulator():
    emulator = EmulatorProcess()
    try:
        yield emulator
    finally:
        stop(emulator.process)
    assert not running(emulator.process.pid)


@pytest.fixture
def emulator(shared_emulator):
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def doomed_emulator():
    """An emulator the test kills."""
    emulator = EmulatorProcess()
    try:
        yield emulator
    finally:
        stop(emulator.process)


def record(folder: Path) -> dict | None:
    path = folder / "deploy.json"
    return json.loads(path.read_text()) if path.exists() else None  # valid JSON or nothing


def no_leftovers(folder: Path) -> None:
    assert not [p.name for p in folder.glob(".*.tmp")], "a half-written file was left"
    assert not (folder / ".infrakit.lock").exists()


def assert_gone(pids: set[int]) -> None:
    assert pids, "no CDK CLI process was seen"
    assert not [pid for pid in pids if running(pid)], "a process of the deploy outlived it"


OLD_RESULT = {"stack": STACK, "target": "local", "status": "deployed", "outputs": {"alb_url": "http://old"}}


# ------------------------------------------------------------------ signals


def test_sigint_mid_deploy_stops_the_cli_records_interrupted_and_the_advised_retry_deploys(emulator, tmp_path):
    deploy = Run(["deploy", str(DEV), "--out", str(tmp_path)], emulator.url)
    deploy.when("deploying...", lambda: deploy.process.send_signal(signal.SIGINT))
    code, _, err = deploy.finish()
    assert deploy.acted.is_set() and code == 130, err[-2000:]
    saved = record(tmp_path)
    assert saved["status"] == "interrupted" and saved["interrupted_by"] == "SIGINT"
    assert "infrakit destroy" in saved["cleanup"] and "stack status:" in saved["message"]
    assert "Traceback" not in err and "interrupted (Ctrl-C) during the deploy" in err
    assert_gone(deploy.children)
    no_leftovers(tmp_path)

    again = Run(["deploy", str(DEV), "--out", str(tmp_path), "--json"], emulator.url)
    code, out, err = again.finish()
    assert code == 0, err[-2000:]
    assert json.loads(out)["status"] == "deployed" and json.loads(out)["verified"]["ok"]
    assert emulator.stacks() == [(STACK, "CREATE_COMPLETE")]


def test_sigterm_mid_deploy_is_handled_like_ctrl_c_and_replaces_an_older_deployed(emulator, tmp_path):
    (tmp_path / "deploy.json").write_text(json.dumps(OLD_RESULT))
    deploy = Run(["deploy", str(DEV), "--out", str(tmp_path)], emulator.url)
    deploy.when("creating CloudFormation changeset", lambda: deploy.process.send_signal(signal.SIGTERM))
    code, _, err = deploy.finish()
    assert deploy.acted.is_set() and code == 130, err[-2000:]
    saved = record(tmp_path)
    assert saved["status"] == "interrupted" and saved["interrupted_by"] == "SIGTERM"
    assert "interrupted (SIGTERM)" in saved["message"] and saved["outputs"] == {}
    assert "infrakit deploy: interrupted (SIGTERM)" in err and "Traceback" not in err
    assert_gone(deploy.children)
    no_leftovers(tmp_path)


# ------------------------------------------------------------------ the emulator dies


def test_emulator_killed_mid_deploy_fails_at_once_naming_it(doomed_emulator, tmp_path):
    deploy = Run(["deploy", str(DEV), "--out", str(tmp_path)], doomed_emulator.url)
    deploy.when("deploying...", doomed_emulator.kill)
    started = time.monotonic()
    code, out, err = deploy.finish()
    assert deploy.acted.is_set() and code == 1, err[-2000:]
    assert time.monotonic() - started < 45  # the CLI alone retries for about a minute
    saved = record(tmp_path)
    assert saved["status"] == "failed" and saved["failure"]["type"] == "emulator"
    assert f"AWS_ENDPOINT_URL={doomed_emulator.url} does not answer" in saved["message"]
    assert "infrakit emulator start" in saved["message"] and "Traceback" not in err
    assert_gone(deploy.children | {doomed_emulator.process.pid})
    no_leftovers(tmp_path)


def test_emulator_killed_after_the_cli_succeeded_still_records_the_run(doomed_emulator, tmp_path):
    deploy = Run(["deploy", str(DEV), "--out", str(tmp_path)], doomed_emulator.url)
    deploy.when("Total time", doomed_emulator.kill)
    code, out, err = deploy.finish()
    assert deploy.acted.is_set() and code == 1, err[-2000:]
    saved = record(tmp_path)
    assert saved["status"] == "failed", saved
    assert f"AWS_ENDPOINT_URL={doomed_emulator.url} does not answer" in saved["message"]
    assert "Traceback" not in err and "does not answer" in out
    assert_gone(deploy.children | {doomed_emulator.process.pid})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_destroy_against_a_dead_emulator_says_what_to_do(tmp_path):
    dead = f"http://localhost:{free_port()}"
    destroy = Run(["destroy", str(DEV), "--out", str(tmp_path), "--json"], dead)
    code, out, err = destroy.finish()
    assert code == 1 and "Traceback" not in err
    data = json.loads(out)
    assert data["status"] == "failed" and f"AWS_ENDPOINT_URL={dead} does not answer" in data["message"]
    assert json.loads((tmp_path / "destroy.json").read_text())["status"] == "failed"


# ------------------------------------------------------------------ the output folder


def _mount_tmpfs(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def read_only_folder(tmp_path):
    folder = tmp_path / "read-only"
    if os.geteuid() != 0:
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if not _mount_tmpfs(folder, "size=64k,ro"):  # root ignores chmod: a read-only mount instead
        pytest.skip("running as root (chmod cannot make a folder read-only) and mount -t tmpfs is not permitted")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def small_disk(tmp_path):
    """``small_disk(size)``: a folder on a tmpfs of that size (mount needs root and permission)."""
    mounted: list[Path] = []

    def make(size: str) -> Path:
        folder = tmp_path / f"small-{size}"
        if os.geteuid() != 0 or not _mount_tmpfs(folder, f"size={size}"):
            pytest.skip("a full disk needs a small tmpfs: mount -t tmpfs needs root and permission to mount")
        mounted.append(folder)
        return folder

    yield make
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def full_folder(small_disk):
    return small_disk("64k")  # smaller than the cloud assembly


def test_a_read_only_out_is_bad_input_before_any_slow_work(read_only_folder):
    deploy = Run(["deploy", str(DEV), "--out", str(read_only_folder / "run")], None)
    code, _, err = deploy.finish()
    assert code == 2, err[-2000:]
    assert f"--out: {read_only_folder / 'run'} cannot be written" in err and "Traceback" not in err
    assert "cdk |" not in err and "started the local AWS emulator" not in err


def test_a_full_out_fails_with_the_reason_and_leaves_valid_json_or_nothing(full_folder):
    deploy = Run(["deploy", str(DEV), "--out", str(full_folder)], None)
    code, _, err = deploy.finish()
    assert code == 1, err[-2000:]
    assert "No space left on device" in err and "Traceback" not in err
    saved = record(full_folder)
    assert saved is None or saved["status"] == "failed"
    assert not (full_folder / "assembly").exists()  # no half-copied assembly
    no_leftovers(full_folder)


def fill(folder: Path) -> None:
    """Use up what space the folder's file system has left (a file of the test's own)."""
    try:
        with open(folder / "filler", "wb", buffering=0) as handle:
            while True:
                handle.write(b"x" * 4096)
    except OSError:  # full: that was the point
        pass


def test_a_disk_that_fills_during_the_deploy_still_leaves_the_outcome_on_disk(small_disk):
    """The CLI deploys; outputs.json, the log and deploy.json then meet a full disk. The run
    fails (exit 1) and says the stack was deployed; deploy.json is written after the kit's
    own assembly copy is removed to make room."""
    full_folder = small_disk("1m")
    deploy = Run(["deploy", str(DEV), "--out", str(full_folder)], None)
    deploy.when("deploying...", lambda: fill(full_folder))
    code, out, err = deploy.finish()
    assert deploy.acted.is_set() and code == 1, err[-2000:]
    assert "Traceback" not in err and "No space left on device" in out
    saved = record(full_folder)
    assert saved["status"] == "failed" and saved["failure"]["type"] == "output"
    assert saved["message"].startswith(f"{STACK} was deployed on local, but its results could not be saved")
    assert "removed to make room" in saved["message"]
    no_leftovers(full_folder)


# ------------------------------------------------------------------ two at once


def test_two_deploys_of_one_stack_at_once_one_deploys_the_other_is_refused(emulator, tmp_path):
    runs = [Run(["deploy", str(DEV), "--out", str(tmp_path / name), "--json"], emulator.url) for name in "ab"]
    results = [run.finish() for run in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], [err[-1500:] for _, _, err in results]
    (won, _, _), (lost_code, lost_out, _) = sorted(results, key=lambda r: r[0])
    refused = json.loads(lost_out)
    winner_pid = next(run.process.pid for run, (code, _, _) in zip(runs, results, strict=True) if code == 0)
    assert refused["status"] == "refused" and f"process {winner_pid}" in refused["message"]
    assert emulator.stacks() == [(STACK, "CREATE_COMPLETE")]
