"""The synth cache key covers every input of synthesis; damaged entries are rebuilt, never
served; `synth --out` never deletes what the kit did not create."""

from __future__ import annotations

import json
import os
import stat

import pytest

from infra_lib.cdk import cache as cache_module
from infra_lib.cdk import synth as synth_module
from infra_lib.cdk.synth import cache_key
from infrakit.cli import main
from infrakit.core import catalogs
from infrakit.core.catalogs import Region
from infrakit.core.schema import FIELDS, INFRA_KEYS, validate_scenario

BASE = validate_scenario({"environment_suffix": "keytest", "start_date": "2026-12-01"})
# A different valid value for every infrastructure key (each must change the key).
OTHER_VALUES = {
    "name": "other-name", "region": "eu-west-1", "environment": "prod", "environment_suffix": "other",
    "az_count": 3, "nat_strategy": "per_az", "engine_version": "16.8", "instance_class": "db.t4g.medium",
    "reader_count": 2, "storage_type": "io_optimized", "listener_protocol": "HTTPS",
    "domain_name": "api.acme.io", "hosted_zone_name": "acme.io", "hosted_zone_id": "Z0123456789ABC",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123", "service_cpu": 1024,
    "service_memory_mib": 2048, "service_desired_count": 3, "service_arch": "arm64",
    "container_image": "public.ecr.aws/nginx/nginx:mainline", "container_port": 8080, "log_retention_days": 90,
}


def test_infra_keys_are_derived_from_the_declared_roles():
    assert INFRA_KEYS == tuple(f.name for f in FIELDS if f.role == "infra")
    assert set(OTHER_VALUES) == set(INFRA_KEYS), "give every infrastructure key another value here"
    assert "nat_data_gb_per_month" not in INFRA_KEYS and "budget_usd_per_month" not in INFRA_KEYS


@pytest.mark.parametrize("key", sorted(OTHER_VALUES))
def test_every_infrastructure_key_changes_the_cache_key(key):
    changed = {**BASE, key: OTHER_VALUES[key]}
    assert changed[key] != BASE[key]
    assert cache_key(changed) != cache_key(BASE)


def test_usage_horizon_constraints_and_assumptions_do_not_change_the_cache_key():
    for spec in FIELDS:
        if spec.role == "infra":
            continue
        value = {"float": 123.5, "int": 7, "bool": True, "date": "2027-03-01"}.get(spec.kind)
        if value is None:
            continue
        assert cache_key({**BASE, spec.name: value}) == cache_key(BASE), spec.name


def test_editing_the_regions_catalog_changes_the_cache_key(monkeypatch):
    before = cache_key(BASE)
    real = catalogs.region_catalog()
    edited = dict(real)
    old = real["us-east-1"]
    edited["us-east-1"] = Region(code=old.code, name=old.name,
                                 availability_zones=("us-east-1f", *old.availability_zones[1:]))
    monkeypatch.setattr(catalogs, "region_catalog", lambda: edited)
    assert cache_key(BASE) != before


def test_cdk_source_changes_the_key_but_preflight_and_emulator_code_do_not(monkeypatch, tmp_path):
    sources = sorted(p.relative_to(cache_module.CDK_SOURCE_DIR).as_posix()
                     for p in cache_module.CDK_SOURCE_DIR.rglob("*.py"))
    assert "stack.py" in sources and "constructs/database.py" in sources
    assert not any("preflight" in s or "emulator" in s for s in sources)
    copy = tmp_path / "cdk"
    for rel in sources:
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_bytes((cache_module.CDK_SOURCE_DIR / rel).read_bytes())
    monkeypatch.setattr(cache_module, "CDK_SOURCE_DIR", copy)
    cache_module._source_digest.cache_clear()
    try:
        same = cache_key(BASE)
        (copy / "stack.py").write_text((copy / "stack.py").read_text() + "\n# edited\n")
        cache_module._source_digest.cache_clear()
        assert cache_key(BASE) != same
    finally:
        cache_module._source_digest.cache_clear()


@pytest.mark.slow
def test_a_damaged_cache_entry_is_rebuilt_not_served(tmp_path):
    scenario = validate_scenario({"environment_suffix": "damaged"})
    first = synth_module.synth(scenario, cache_dir=tmp_path)
    assert not first.cached
    first.template_path.write_text(first.template_path.read_text()[:200])  # truncated by a crash
    second = synth_module.synth(scenario, cache_dir=tmp_path)
    assert not second.cached and second.template == first.template
    assert json.loads(second.template_path.read_text()) == first.template
    second.template_path.unlink()  # an entry missing its template
    third = synth_module.synth(scenario, cache_dir=tmp_path)
    assert not third.cached and third.template_path.is_file()
    assert synth_module.synth(scenario, cache_dir=tmp_path).cached


def test_synth_out_refuses_a_folder_the_kit_did_not_write_and_deletes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    work = tmp_path / "checkout"
    (work / ".git").mkdir(parents=True)
    (work / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    scenario_file = work / "dev.yaml"
    scenario_file.write_text("environment_suffix: outtest\n")
    monkeypatch.chdir(work)
    assert main(["synth", str(scenario_file), "--out", "."]) == 2
    err = capsys.readouterr().err
    assert "not empty and was not written by infrakit" in err and "Traceback" not in err
    assert (work / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n" and scenario_file.is_file()
    (work / "notes.txt").write_text("mine")
    assert main(["synth", str(scenario_file), "--out", str(work / "notes.txt")]) == 2
    assert "is a file" in capsys.readouterr().err and (work / "notes.txt").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_synth_out_in_a_read_only_folder_is_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    scenario_file = tmp_path / "dev.yaml"
    scenario_file.write_text("environment_suffix: outtest\n")
    try:
        assert main(["synth", str(scenario_file), "--out", str(locked / "cdk.out")]) == 2
        assert "not writable" in capsys.readouterr().err
    finally:
        locked.chmod(stat.S_IRWXU)


@pytest.mark.slow
def test_synth_out_writes_a_new_folder_and_replaces_only_its_own_assembly(tmp_path, capsys):
    scenario_file = tmp_path / "dev.yaml"
    scenario_file.write_text("environment_suffix: outtest\n")
    out = tmp_path / "cdk.out"
    assert main(["synth", str(scenario_file), "--out", str(out)]) == 0
    assert (out / "manifest.json").is_file() and (out / "PaymentApi-outtest.template.json").is_file()
    mode = stat.S_IMODE((out / "manifest.json").stat().st_mode)
    assert mode & stat.S_IRGRP, f"assembly files are for sharing, got {oct(mode)}"
    (out / "PaymentApi-outtest.template.json").write_text("{}")
    assert main(["synth", str(scenario_file), "--out", str(out)]) == 0  # its own earlier assembly: replaced
    assert json.loads((out / "PaymentApi-outtest.template.json").read_text())["Resources"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cdk.out.")]  # no staging left behind
    capsys.readouterr()
