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


def _stack(resources: dict) -> dict:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _service(count=None) -> dict:
    props = {"LaunchType": "FARGATE", "TaskDefinition": {"Ref": "Task"}}
    if count is not None:
        props["DesiredCount"] = count
    return {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "256", "Memory": "512"}},
            "Service": {"Type": "AWS::ECS::Service", "Properties": props}}


def test_zonal_and_regional_nat_gateways_share_the_traffic_instead_of_both_charging_it():
    subnets = {f"Subnet{z}": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": f"us-east-1{z}"}}
               for z in "ab"}
    template = _stack({**subnets,
                       "Eip": {"Type": "AWS::EC2::EIP"},
                       "Zonal": {"Type": "AWS::EC2::NatGateway", "Properties": {
                           "SubnetId": {"Ref": "Subneta"}, "AllocationId": {"Fn::GetAtt": ["Eip", "AllocationId"]}}},
                       "Regional": {"Type": "AWS::EC2::NatGateway", "Properties": {"AvailabilityMode": "regional"}}})
    scenario = validate_scenario({"name": "t", "nat_data_gb_per_month": 300, **START})
    result = cost_template(template, scenario)
    data = {line["key"]: line["quantity"] for line in result.lines()}
    assert data["nat_gateway_data"] + data["regional_nat_gateway_data"] == pytest.approx(300)
    assert data["nat_gateway_data"] == pytest.approx(100) and data["regional_nat_gateway_data"] == pytest.approx(200)
    assert any("NAT traffic split between 1 zonal NAT gateway(s) and a regional NAT gateway in 2 AZ(s)" in n
               for n in result.notes())
    only_regional = cost_template(_stack({**subnets, "Regional": template["Resources"]["Regional"]}), scenario)
    assert {line["key"]: line["quantity"] for line in only_regional.lines()}["regional_nat_gateway_data"] == 300


def test_a_fargate_service_of_zero_tasks_carries_no_cross_az_traffic():
    scenario = validate_scenario({"name": "t", "cross_az_gb_per_month": 20, **START})
    idle = cost_template(_stack(_service(0)), scenario)
    assert idle.monthly_usd == 0.0 and "cross_az_gb_per_month" in idle.template["usage_not_applied"]
    assert "DesiredCount 0" in idle.template["usage_not_applied"]["cross_az_gb_per_month"]
    running = cost_template(_stack(_service(2)), scenario)
    assert running.monthly_usd > 0 and "cross_az_gb_per_month" not in running.template["usage_not_applied"]


def test_a_negative_desired_count_is_refused_not_unresolved(capsys, tmp_path):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(_stack(_service(-2))), encoding="utf-8")
    code = main(["cost", "--template", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert "Service (AWS::ECS::Service): DesiredCount -2 is negative" in err
