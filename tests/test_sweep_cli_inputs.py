"""`infrakit sweep` bad input is reported all at once (options, grid file, Parquet target), before
any work; options that would be ignored are refused. `infrakit cost --stack` with a template
file (which has one stack) is refused too."""

from __future__ import annotations

import json

import pytest

from infrakit.cli import main
from tests.conftest import ROOT

DEFAULT_GRID = ROOT / "notebooks" / "grids" / "default.yaml"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_options_grid_and_parquet_target_problems_come_together(capsys, tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("az_count: [2, 9]\nnat_strategie: single\n", encoding="utf-8")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = run(capsys, "sweep", grid, "--summary", "--csv", "--scheduler", "http://127.0.0.1:8786",
                         "--parquet", taken)
    assert code == 2 and out == "" and "Traceback" not in err
    for fragment in ("--csv writes every row", "has the scheme 'http'", "infrakit did not write there",
                     "nat_strategie", str(grid)):
        assert fragment in err, (fragment, err)
    assert (taken / "notes.txt").read_text() == "mine" and sorted(p.name for p in taken.iterdir()) == ["notes.txt"]


def test_a_parquet_url_is_checked_with_the_other_options(capsys):
    code, _, err = run(capsys, "sweep", DEFAULT_GRID, "--parquet", "nope://bucket/rows", "--jobs", "2",
                       "--scheduler", "tcp://127.0.0.1:8786")
    assert code == 2 and "--parquet: cannot open 'nope://bucket/rows'" in err and "Give one or the other" in err


@pytest.mark.parametrize("argv, fragment", [
    (["--top", "3"], "--top 3 picks the best rows of --summary"),
    (["--top", "3", "--json"], "--top 3 picks the best rows of --summary"),
    (["--chunk-rows", "30"], "--chunk-rows 30 bounds memory for --summary, --parquet, --csv and --json"),
])
def test_options_that_would_be_ignored_are_refused(capsys, argv, fragment):
    code, out, err = run(capsys, "sweep", DEFAULT_GRID, *argv)
    assert code == 2 and fragment in err and out == ""


def test_options_that_apply_still_work(capsys):
    code, out, err = run(capsys, "sweep", DEFAULT_GRID, "--json", "--chunk-rows", "50")
    assert code == 0, err
    assert json.loads(out)["configurations"] == 128
    code, out, err = run(capsys, "sweep", DEFAULT_GRID, "--summary", "--json", "--top", "2")
    assert code == 0 and len(json.loads(out)["top"]) == 2, err


def test_a_grid_alone_keeps_its_own_heading(capsys, tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("nat_strategie: single\n", encoding="utf-8")
    code, _, err = run(capsys, "sweep", grid)
    assert code == 2 and f"in {grid}:" in err and "nat_strategie" in err


def test_cost_stack_with_a_template_file_is_refused(capsys):
    template = ROOT / "tests" / "fixtures" / "foreign_templates" / "nat_bucket_table.json"
    code, out, err = run(capsys, "cost", "--template", template, "--stack", "Other")
    assert code == 2 and out == "" and "--stack Other: picks a stack of a cloud assembly" in err
    assert str(template) in err
    assert run(capsys, "cost", "--template", template.parent / "cdk_app" / "cdk.out", "--stack", "IngestStack",
               "--json")[0] == 0


def test_number_options_out_of_range_come_with_the_other_problems(capsys, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = run(capsys, "sweep", DEFAULT_GRID, "--parquet", taken, "--chunk-rows", "0", "--top", "abc")
    assert code == 2 and out == "" and "usage:" not in err  # not argparse stopping at the first
    assert "--chunk-rows must be from 1 to 10,000,000, got 0" in err and "--top takes a whole number" in err
    assert "notes.txt" in err
