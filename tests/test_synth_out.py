"""`synth --out DIR` replaces only what the kit wrote: a file added to an earlier assembly's
folder is never deleted with it, and the CDK CLI's lock files are not copied out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra_lib.cdk import synth as synth_module
from infra_lib.cdk.assembly_out import MARKER, copy_assembly, out_dir_problem
from infrakit.cli import main


def fake_assembly(folder, stack="PaymentApi-outtest", *, lock=False):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text('{"version": "1", "artifacts": {}}')
    (folder / f"{stack}.template.json").write_text('{"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}')
    (folder / "asset.abc").mkdir(exist_ok=True)
    (folder / "asset.abc" / "index.js").write_text("exports.handler = 1;\n")
    if lock:
        (folder / "read.16436.1.lock").write_text("")
    return folder


def test_replacing_an_earlier_assembly_refuses_files_added_since_and_deletes_nothing(tmp_path):
    source = fake_assembly(tmp_path / "cache" / "entry")
    out = tmp_path / "cdk.out"
    copy_assembly(source, out)
    listed = json.loads((out / MARKER).read_text())["files"]
    assert "manifest.json" in listed and "asset.abc/index.js" in listed
    (out / "notes.txt").write_text("mine")
    (out / "mine").mkdir()
    (out / "mine" / "keep.md").write_text("also mine")
    problem = out_dir_problem(out)
    assert problem and "notes.txt" in problem and "mine/" in problem and "never deletes" in problem
    with pytest.raises(Exception, match="notes.txt"):
        copy_assembly(source, out)
    assert (out / "notes.txt").read_text() == "mine" and (out / "mine" / "keep.md").read_text() == "also mine"
    (out / "notes.txt").unlink()
    (out / "mine" / "keep.md").unlink()
    (out / "mine").rmdir()
    (out / "manifest.json").write_text("{}")  # the kit's own file, edited: still the kit's to replace
    copy_assembly(source, out)
    assert (out / "manifest.json").read_text() == '{"version": "1", "artifacts": {}}'


def test_a_symbolic_link_in_an_earlier_assembly_is_not_the_kits(tmp_path):
    source = fake_assembly(tmp_path / "entry")
    out = tmp_path / "cdk.out"
    copy_assembly(source, out)
    (tmp_path / "elsewhere.txt").write_text("x")
    (out / "link.txt").symlink_to(tmp_path / "elsewhere.txt")
    assert "link.txt" in (out_dir_problem(out) or "")


def test_an_older_marker_without_a_list_still_protects_foreign_files(tmp_path):
    out = fake_assembly(tmp_path / "cdk.out")
    (out / MARKER).write_text("written by infrakit synth; the next synth --out may replace this folder\n")
    assert out_dir_problem(out) is None  # only assembly files: replaceable as before
    (out / "README.md").write_text("mine")
    assert "README.md" in (out_dir_problem(out) or "")


def test_the_cdk_clis_lock_files_are_not_copied_out_and_a_stale_one_does_not_block(tmp_path):
    source = fake_assembly(tmp_path / "entry", lock=True)  # a `cdk deploy --app` killed while reading
    out = tmp_path / "cdk.out"
    copy_assembly(source, out)
    assert not list(out.glob("*.lock"))
    (out / "read.999.1.lock").write_text("")
    assert out_dir_problem(out) is None


def test_synth_cli_refuses_an_earlier_assembly_with_added_files_before_synthesis(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    out = tmp_path / "cdk.out"
    copy_assembly(fake_assembly(tmp_path / "entry"), out)
    (out / "notes.txt").write_text("mine")
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("environment_suffix: outtest\n")
    assert main(["synth", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "notes.txt" in err and "Traceback" not in err and (out / "notes.txt").read_text() == "mine"


def test_uncached_synthesis_leaves_no_temporary_folder_behind(tmp_path, monkeypatch):
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    scenario = {"environment_suffix": "outtest"}

    def broken(scenario, outdir):
        (Path(outdir) / "tree.json").write_text("{}")
        raise RuntimeError("a construct refused its props")

    monkeypatch.setattr(synth_module, "_synth_into", broken)
    with pytest.raises(RuntimeError):
        synth_module.synth(scenario, cache=False)
    assert list(temp.iterdir()) == []

    def fake(scenario, outdir):
        fake_assembly(Path(outdir))
        return "PaymentApi-outtest", {"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}

    monkeypatch.setattr(synth_module, "_synth_into", fake)
    result = synth_module.synth(scenario, cache=False, out_dir=tmp_path / "cdk.out")
    assert result.template_path == tmp_path / "cdk.out" / "PaymentApi-outtest.template.json"
    assert result.template_path.is_file() and list(temp.iterdir()) == []  # copied to --out, the temporary gone


def test_a_staging_folder_a_killed_synthesis_left_in_the_cache_is_removed_later(tmp_path):
    import os
    import time

    from infra_lib.cdk import cache

    root = tmp_path / "synth"
    stale, fresh, foreign = root / ".staging-old12345", root / ".staging-new12345", root / "notes-mine"
    for folder in (stale, fresh, foreign):
        fake_assembly(folder)
    two_hours_ago = time.time() - 7200
    for folder in (stale, foreign):
        os.utime(folder, (two_hours_ago, two_hours_ago))

    def build(staging):
        fake_assembly(Path(staging))
        return "PaymentApi-outtest", {"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}

    entry, _, _ = cache.write_entry(root, "k" * 24, build)
    assert entry.is_dir() and not stale.exists()
    assert fresh.is_dir() and foreign.is_dir()  # a synthesis may still be writing; not the kit's: both kept


def test_synth_lists_a_bad_key_and_what_aws_would_refuse_in_one_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text('az_cont: 3\nengine_version: "15.3"\nnat_strategy: none\n')
    assert main(["synth", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'az_count'?" in err and "15.3 is deprecated" in err and "public registry" in err


def test_synth_lists_the_scenarios_problems_and_the_out_folders_together(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text("az_cont: 3\n")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("mine")
    assert main(["synth", str(scenario), "--out", str(taken)]) == 2
    err = capsys.readouterr().err
    assert "2 problems" in err and "az_cont" in err and "not written by infrakit" in err


def test_an_out_folder_below_a_file_is_bad_input_before_synthesis(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    (tmp_path / "notes.txt").write_text("mine")
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("environment_suffix: outtest\n")
    assert main(["synth", str(scenario), "--out", str(tmp_path / "notes.txt" / "cdk.out")]) == 2
    err = capsys.readouterr().err
    assert "notes.txt is a file, not a folder" in err and (tmp_path / "notes.txt").read_text() == "mine"


def test_a_synth_cache_that_cannot_be_written_is_named_not_a_traceback(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("mine")
    monkeypatch.setenv("INFRAKIT_CACHE_DIR", str(tmp_path / "afile"))
    monkeypatch.setattr(synth_module, "_synth_into", lambda *a: pytest.fail("synthesis started without a cache"))
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("environment_suffix: cachetest\n")
    assert main(["synth", str(scenario)]) == 1
    err = capsys.readouterr().err
    assert "cannot write the synth cache" in err and "INFRAKIT_CACHE_DIR" in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "mine"


def test_a_well_formed_scenario_aws_would_refuse_is_a_refusal_exit_1_not_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on a refused scenario"))
    scenario = tmp_path / "s.yaml"
    scenario.write_text('engine_version: "15.3"\n')
    assert main(["synth", str(scenario)]) == 1  # as cost and deploy say of the same configuration
    err = capsys.readouterr().err
    assert "refused" in err and "15.3 is deprecated" in err and "Traceback" not in err
    assert main(["synth", str(scenario), "--out", str(tmp_path / "s.yaml" / "out")]) == 2  # plus bad input: 2
