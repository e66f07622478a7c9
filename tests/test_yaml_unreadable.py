"""An input that cannot be read as text says what it is and what to do, in words (no
exception class names, no quoted codec messages), exit 2."""

from __future__ import annotations

import pytest

from infrakit.cli import main


@pytest.mark.parametrize("argv_of", [
    lambda p: ["synth", p],
    lambda p: ["preflight", "--template", p],
    lambda p: ["sweep", p],
])
def test_a_file_that_is_not_utf8_names_the_byte_and_the_fix(tmp_path, capsys, argv_of):
    path = tmp_path / "s.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("utf-16"))  # what some editors save
    assert main(argv_of(str(path))) == 2
    err = capsys.readouterr().err
    assert "is not UTF-8 text (byte 0xff at offset 0)" in err and "save it as UTF-8" in err
    assert "UnicodeDecodeError" not in err and "codec" not in err and "Traceback" not in err


def test_a_folder_given_as_a_scenario_says_it_is_a_folder(tmp_path, capsys):
    folder = tmp_path / "dev.yaml"
    folder.mkdir()
    assert main(["synth", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "is a folder, not a file; give the path of a YAML file" in err
    assert "IsADirectoryError" not in err and "Errno" not in err


def test_a_named_pipe_nobody_writes_to_is_refused_in_bounded_time(tmp_path, capsys, monkeypatch):
    import os
    import time

    from infrakit.core import yamlio

    monkeypatch.setattr(yamlio, "PIPE_WAIT_S", 0.5)
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert main(["synth", str(fifo)]) == 2  # hung for ever: open() waited for a writer
    assert time.monotonic() - started < 5
    assert "is a named pipe and nothing arrived on it within 0.5 s" in capsys.readouterr().err


def test_a_named_pipe_with_a_writer_is_read_whole(tmp_path):
    import os
    import threading

    from infrakit.core.yamlio import read_yaml_mapping

    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    text = "name: piped\n" + "".join(f"# comment line {i} to pass one pipe buffer\n" for i in range(3000))

    def write():
        with open(fifo, "w") as handle:
            handle.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert read_yaml_mapping(fifo) == {"name": "piped"}
    finally:
        writer.join(timeout=10)
