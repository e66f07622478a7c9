"""`infrakit cost` reads its inputs bounded like every other command: a device without end is
refused at the size limit, a named pipe nobody writes to after PIPE_WAIT_S, and a pipe that
does send (process substitution) is read once and priced like the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "notebooks" / "params" / "dev.yaml"


def cost(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infrakit.cli", "cost", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("flag", [[], ["--template"], ["notebooks/params/dev.yaml", "--compare-to"]])
def test_a_device_without_end_is_refused_not_read_until_memory_runs_out(flag):
    done = cost(*flag, "/dev/zero")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "/dev/zero is larger than" in done.stderr


@pytest.mark.slow
def test_a_named_pipe_nobody_writes_to_is_refused_in_bounded_time(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    done = cost(str(fifo))
    assert done.returncode == 2 and "named pipe" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert time.monotonic() - started < 60


def test_a_pipe_that_sends_is_read_once_and_priced_like_the_file():
    piped = subprocess.run(["bash", "-c", f'"{sys.executable}" -m infrakit.cli cost <(cat "{DEV}") --json'],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    direct = cost(str(DEV), "--json")
    assert piped.returncode == direct.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["monthly_usd"] == json.loads(direct.stdout)["monthly_usd"]
    bad = subprocess.run(["bash", "-c", f'"{sys.executable}" -m infrakit.cli cost <(printf "az_count: 9\\n")'],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "az_count: 9" in bad.stderr and "infrakit-input-" not in bad.stderr


def test_a_usage_file_given_as_a_pipe_keeps_the_assemblys_region():
    # the usage file is read once: a second read of the pipe found it drained and priced us-east-1
    assembly = ROOT / "tests" / "fixtures" / "foreign_templates" / "cdk_app" / "cdk.out"
    piped = subprocess.run(["bash", "-c", f'"{sys.executable}" -m infrakit.cli cost --template "{assembly}" '
                                          f'--scenario <(printf "nat_data_gb_per_month: 10\\n") --json'],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in piped.stderr and json.loads(piped.stdout)["region"] == "eu-west-1", piped.stderr
