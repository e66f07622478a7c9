"""A refreshed engine snapshot that is malformed anywhere (a bad date, no source) is a clear
error naming the file and the way out (exit 1), never a traceback."""

from __future__ import annotations

import json

import pytest

from infrakit.cli import main
from infrakit.core import catalogs


@pytest.mark.parametrize("snapshot", [
    {"minors": [], "refreshed_at": "garbage-date", "source": "rds api"},
    {"minors": [], "refreshed_at": 20260101, "source": "rds api"},
    {"minors": [{"version": "17.7", "status": "available"}], "refreshed_at": "2026-01-01"},
])
def test_a_malformed_engine_snapshot_is_named_not_a_traceback(tmp_path, capsys, monkeypatch, snapshot):
    folder = tmp_path / "engines" / "us-east-1"
    folder.mkdir(parents=True)
    (folder / "20260101T000000Z.json").write_text(json.dumps(snapshot))
    monkeypatch.setenv("INFRAKIT_CATALOG_DIR", str(tmp_path))
    catalogs._overlaid.cache_clear()
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: snap\n")
    try:
        code = main(["cost", str(scenario)])
    finally:
        catalogs._overlaid.cache_clear()
    err = capsys.readouterr().err
    assert code == 1 and "engine snapshot" in err and "is malformed" in err and "engines refresh" in err
