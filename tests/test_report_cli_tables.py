"""CLI tables fit the terminal: the narrow layout on a terminal under 100 columns (or narrower
than the full table), the full layout byte for byte when piped (what the golden files hold)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from cost_model import cost_scenario, sweep
from cost_model.tables import NARROW_BELOW, cost_table, sweep_table, terminal_width
from infrakit.core.schema import load_grid, load_scenario
from infrakit.core.text import money
from tests.conftest import ROOT

SCENARIO = ROOT / "notebooks" / "params" / "seed_model.yaml"
GRID = ROOT / "notebooks" / "grids" / "default.yaml"


def run_on_terminal(args: list[str], columns: int) -> str:
    """The CLI on a pseudo-terminal ``columns`` wide; what it printed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.Popen([sys.executable, "-m", "infrakit.cli", *args], stdout=follower, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the follower closed: the CLI is done
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.mark.parametrize("width", [60, 80, 99])
def test_cost_table_fits_a_narrow_terminal_and_keeps_every_figure(width):
    result = cost_scenario(load_scenario(SCENARIO))
    narrow = cost_table(result, width=width)
    assert max(len(line) for line in narrow.splitlines()) <= width
    for line in result.lines():
        assert money(round(line["monthly_usd"], 2)) in narrow and line["component"][:20] in narrow
    assert f"Total, first month ({result.lines()[0]['month']}): {money(result.monthly_usd)}" in narrow
    assert narrow != cost_table(result, width=None)


def test_a_wide_terminal_gets_the_full_table_when_it_fits():
    result = cost_scenario(load_scenario(SCENARIO))
    full = cost_table(result, width=None)
    table_width = len(full.splitlines()[2])  # the rule above the header
    wide = cost_table(result, width=table_width + 5)
    header = next(line for line in full.splitlines() if line.startswith("Component"))
    assert header in wide.splitlines()  # the full table's own header row
    assert max(len(line) for line in wide.splitlines()) <= table_width + 5
    assert max(NARROW_BELOW, table_width) <= table_width + 5


@pytest.mark.parametrize("width", [70, 99])
def test_sweep_table_fits_a_narrow_terminal(width):
    result = sweep(load_grid(GRID))
    narrow = sweep_table(result, width=width)
    assert max(len(line) for line in narrow.splitlines()) <= width
    rec = result.table.loc[result.recommended]
    assert money(round(rec["monthly_usd"], 2)) in narrow and "<==" in narrow
    assert result.table.index[result.table["recommended"]][0] in [
        int(line.split()[0]) for line in narrow.splitlines() if line.rstrip().endswith("<==")]


def test_piped_output_is_the_full_layout_byte_for_byte(tmp_path):
    done = subprocess.run([sys.executable, "-m", "infrakit.cli", "cost", str(SCENARIO)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    # The table, unchanged (the CLI may print its verdict after it).
    assert done.stdout.startswith(cost_table(cost_scenario(load_scenario(SCENARIO)), width=None))
    assert terminal_width(open(os.devnull, "w")) is None  # noqa: SIM115 - not a terminal


@pytest.mark.slow
def test_the_cli_on_an_80_column_terminal_prints_lines_that_fit():
    for args in (["cost", str(SCENARIO)], ["sweep", str(GRID)]):
        printed = run_on_terminal(args, 80)
        assert "Total, first month" in printed or "configurations" in printed
        table = printed.split("\nStatus:")[0]  # the table's part (cost prints its verdict after it)
        assert max(len(line) for line in table.splitlines()) <= 80, args
