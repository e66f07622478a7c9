"""`infrakit kernel install` refuses what it cannot honour, every problem at once, exit 2, no
traceback: a --prefix too long for the file system, a display name Jupyter would replace."""

from __future__ import annotations

from infrakit.cli import main


def test_an_overlong_prefix_and_an_empty_display_name_are_bad_input_together(tmp_path, capsys):
    code = main(["kernel", "install", "--prefix", "a" * 5_000, "--display-name", ""])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "2 problems" in err
    assert "--prefix:" in err and "(5,000 characters)" in err and len(err) < 1_000
    assert "--display-name: '' is not allowed; give 1-100 printable characters" in err


def test_a_display_name_with_a_line_break_is_refused_and_nothing_is_written(tmp_path, capsys):
    code = main(["kernel", "install", "--prefix", str(tmp_path), "--display-name", "infrakit\nsecond line"])
    assert code == 2 and "--display-name" in capsys.readouterr().err
    assert not (tmp_path / "share").exists()
