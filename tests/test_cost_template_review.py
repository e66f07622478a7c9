"""`infrakit cost --template` findings from review: what the template deploys is checked by the
scenario path's rules (an engine version that cannot be created is refused), quantities that
are zero or negative are handled as AWS would, and the region comes from the right place."""

from __future__ import annotations

import json

import pytest

from cost_model import cost_template
from infrakit.cli import main
from infrakit.core.schema import validate_scenario
from tests.conftest import ROOT

START = {"start_date": "2027-01-01"}


def aurora(version: str | None, *, storage: str | None = None, classes=("db.r6g.large",)) -> dict:
    props = {"Engine": "aurora-postgresql"}
    if version is not None:
        props["EngineVersion"] = version
    if storage:
        props["StorageType"] = storage
    resources = {"Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": props}}
    for i, cls in enumerate(classes):
        resources[f"Db{i}"] = {"Type": "AWS::RDS::DBInstance",
                               "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"}, "DBInstanceClass": cls}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def run_json(capsys, tmp_path, template: dict, *extra):
    path = tmp_path / "stack.template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    code = main(["cost", "--template", str(path), "--json", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out), err


def test_a_template_with_an_aurora_version_that_does_not_exist_is_refused_like_a_scenario(capsys, tmp_path):
    code, data, err = run_json(capsys, tmp_path, aurora("15.3"))
    assert code == 1 and data["valid"] is False
    assert any("Aurora PostgreSQL 15.3 is deprecated" in p for p in data["problems"]), data["problems"]
    assert "15.3 is deprecated" in err and data["verdict"]["status"] == "failed"
    assert data["monthly_usd"] is not None  # still priced, as a scenario is


def test_an_unknown_major_is_refused_never_silently_without_extended_support(capsys, tmp_path):
    code, data, _ = run_json(capsys, tmp_path, aurora("99.1"))
    assert code == 1 and data["valid"] is False
    assert any("major 99 is not in the catalog" in p for p in data["problems"]), data["problems"]
    result = cost_template(aurora("99.1"), validate_scenario({"name": "t", **START}))
    assert any("Extended Support" in note and "99" in note for note in result.notes()), result.notes()


def test_a_current_version_passes_and_old_io_optimized_is_refused(capsys, tmp_path):
    code, data, err = run_json(capsys, tmp_path, aurora("17.7"))
    assert code == 0 and data["valid"] is True and data["problems"] == [], err
    result = cost_template(aurora("13.9", storage="aurora-iopt1"), validate_scenario({"name": "t", **START}))
    assert not result.valid and any("io_optimized needs Aurora PostgreSQL" in p for p in result.problems)


def test_each_problem_is_said_once_for_several_instances(capsys, tmp_path):
    _, data, _ = run_json(capsys, tmp_path, aurora("15.3", classes=("db.r6g.large", "db.r6g.large", "db.r6g.xlarge")))
    deprecated = [p for p in data["problems"] if "15.3 is deprecated" in p]
    assert len(deprecated) == 1


@pytest.mark.parametrize("version", ["15.3", "99.1"])
def test_the_scenario_path_refuses_the_same_versions(version):
    from cost_model import cost_scenario

    result = cost_scenario(validate_scenario({"engine_version": version, **START}))
    assert not result.valid


CDK_OUT = ROOT / "tests" / "fixtures" / "foreign_templates" / "cdk_app" / "cdk.out"


@pytest.mark.parametrize("usage_text, extra, region", [
    ("name: ingest\nnat_data_gb_per_month: 50\n", [], "eu-west-1"),  # the assembly's region is kept
    ("name: ingest\nregion: us-west-2\n", [], "us-west-2"),  # the scenario names its region
    ("name: ingest\n", ["--region", "eu-central-1"], "eu-central-1"),  # --region wins
])
def test_a_usage_scenario_without_a_region_keeps_the_assemblys_region(capsys, tmp_path, usage_text, extra, region):
    usage = tmp_path / "usage.yaml"
    usage.write_text(usage_text, encoding="utf-8")
    main(["cost", "--template", str(CDK_OUT), "--scenario", str(usage), "--json", *extra])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["region"] == region and data["template"]["region"] == region, err
