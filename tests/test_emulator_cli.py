"""`infrakit emulator start` input checks: a busy port, a privileged port, an unknown region are bad input."""

from __future__ import annotations

import socket

from infrakit.cli import main


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
