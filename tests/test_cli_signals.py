"""Every command answers SIGTERM as the interruption it is: exit 130, a line saying so, no
traceback (commands with clean-up of their own, deploy and report, have their own tests)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_sigterm_during_a_long_sweep_exits_130_without_a_traceback(tmp_path):
    grid = tmp_path / "big.yaml"
    grid.write_text("nat_strategy: [per_az, single, regional, none]\naz_count: [2, 3]\nreader_count: [0, 1, 2]\n"
                    "storage_type: [standard, io_optimized]\n"
                    "nat_data_gb_per_month: [" + ", ".join(str(i) for i in range(2000)) + "]\n"
                    "cross_az_gb_per_month: [" + ", ".join(str(i) for i in range(100)) + "]\n")  # 9.6 M rows
    process = subprocess.Popen([sys.executable, "-m", "infrakit.cli", "sweep", str(grid), "--summary"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err
