"""`infrakit emulator start` input checks: a busy port, a privileged port, an unknown region are bad input."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from infrakit.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_busy_port_is_bad_input_with_what_to_do(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["emulator", "start", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "in use" in err and "--port" in err and "Traceback" not in err


def test_bad_port_and_region_are_reported_together(capsys):
    assert main(["emulator", "start", "--port", "1", "--region", "mars-1"]) == 2
    err = capsys.readouterr().err
    assert "1024-65535" in err and "'mars-1' is not an AWS region" in err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_emulator_with_exit_130_and_frees_its_port(signum):
    process = subprocess.Popen([sys.executable, "-m", "infrakit.cli", "emulator", "start", "--json"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = json.loads(process.stdout.readline())
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert "stopped" in err and "Traceback" not in err
    with socket.socket() as probe:  # nothing answers on its port any more
        assert probe.connect_ex(("127.0.0.1", started["port"])) != 0
