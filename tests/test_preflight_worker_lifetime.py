"""The cfn-lint worker never outlives preflight: it dies with a parent killed outright
(SIGKILL, which leaves no chance to stop it by pid), and its CPU time is bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from infra_lib.preflight import cfn_lint_stage
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")


def heavy_template(count=450):
    return {"Resources": {f"T{i}": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"t{i}"}}
                          for i in range(count)}}


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_worker_dies_with_a_preflight_killed_outright(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(
        "import json, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from infra_lib.preflight import cfn_lint_stage\n"
        f"run = cfn_lint_stage.start(json.loads({json.dumps(json.dumps(heavy_template()))}), 'us-east-1')\n"
        "print(run.process.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = None
    try:
        worker = int(parent.stdout.readline())
        assert alive(worker)
        time.sleep(0.5)  # past the worker's start-up, into cfn-lint
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the cfn-lint worker outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if worker is not None and alive(worker):  # the test failed: still stop what it started
            os.kill(worker, signal.SIGKILL)


def test_the_worker_stops_at_its_cpu_bound_on_its_own():
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-I", str(cfn_lint_stage.WORKER), "us-east-1", "0", "1"],
                          input=json.dumps(heavy_template()), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and '{"done": true}' not in done.stdout
    assert time.monotonic() - started < 5
