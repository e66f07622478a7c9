"""Issue 14's preflight false positives on published templates, and the condition evaluation
behind their fix: a template is checked as a deploy without parameter overrides creates it.

Each false positive has a test that failed before the fix; each sits beside the true
positive it must keep (a default of false is still unencrypted; a group only the load
balancer uses must still open exactly its listener ports; 15.3 at the default is still caught).
"""

from __future__ import annotations

import datetime as dt

import pytest

from infra_lib.preflight import preflight
from infrakit.core.cfn import NO_VALUE, TemplateIndex
from infrakit.preflight import ModelCosts
from tests.preflight_templates import aurora, eips, group_id, ref, resource, template, web

TODAY = dt.date(2026, 11, 28)


def run(tpl, **kwargs):
    return preflight(tpl, region="us-east-1", today=TODAY, cfn_lint=False, costs=ModelCosts(), **kwargs)


def checks(report, rule_id):
    return {f.check for f in report.findings if f.rule_id == rule_id}


def with_parameters(tpl, conditions=None, **parameters):
    tpl["Parameters"] = {name: ({"Type": "String", "Default": value} if not isinstance(value, dict) else value)
                         for name, value in parameters.items()}
    if conditions:
        tpl["Conditions"] = conditions
    return tpl


# --- encryption set through a parameter whose default is true --------------------------------------

@pytest.mark.parametrize("default,expected", [("true", set()), ("false", {"unencrypted"})])
def test_encryption_through_a_parameter_default(default, expected):
    tpl = with_parameters(template(**aurora(encrypted=ref("Encrypt"))), Encrypt=default)
    assert checks(run(tpl), "STORAGE-ENCRYPTION") == expected


@pytest.mark.parametrize("default,expected", [("true", set()), ("false", {"unencrypted"})])
def test_encryption_through_fn_if_with_no_value_as_the_quick_start_writes_it(default, expected):
    """aws-quickstart/quickstart-amazon-aurora-postgresql: StorageEncrypted: !If [UseDatabaseEncryption,
    !Ref DBAllocatedStorageEncrypted, !Ref AWS::NoValue] with the parameter's default "true"."""
    encrypted = {"Fn::If": ["UseDatabaseEncryption", ref("DBAllocatedStorageEncrypted"), ref("AWS::NoValue")]}
    tpl = with_parameters(template(**aurora(encrypted=encrypted)),
                          {"UseDatabaseEncryption": {"Fn::Equals": [ref("DBAllocatedStorageEncrypted"), "true"]}},
                          DBAllocatedStorageEncrypted=default)
    assert checks(run(tpl), "STORAGE-ENCRYPTION") == expected


def test_encryption_from_a_parameter_without_default_is_unverified_not_unencrypted():
    tpl = with_parameters(template(**aurora(encrypted=ref("Encrypt"))), Encrypt={"Type": "String"})
    assert checks(run(tpl), "STORAGE-ENCRYPTION") == {"unverified"}


def test_yaml_boolean_defaults_and_json_string_defaults_both_count():
    for default in (True, "True", "true"):
        tpl = with_parameters(template(**aurora(encrypted=ref("E"))), E={"Type": "String", "Default": default})
        assert checks(run(tpl), "STORAGE-ENCRYPTION") == set(), default


# --- Aurora Serverless v1 ----------------------------------------------------------------------------

def test_aurora_serverless_v1_is_not_reported_unencrypted_but_is_past_its_end_of_life():
    tpl = template(**aurora(version=None, encrypted=None, instances=0, EngineMode="serverless",
                            ScalingConfiguration={"MinCapacity": 2, "MaxCapacity": 8}))
    report = run(tpl)
    assert checks(report, "STORAGE-ENCRYPTION") == set()
    (finding,) = [f for f in report.findings if f.rule_id == "RDS-ENGINE-VERSION"]
    assert finding.check == "serverless-v1-end-of-life" and finding.severity == "error"
    assert "2025-03-31" in finding.message and "Serverless v2" in finding.fix
    early = preflight(tpl, region="us-east-1", today=dt.date(2024, 6, 1), cfn_lint=False)
    assert {f.check for f in early.findings if f.rule_id == "RDS-ENGINE-VERSION"} == {"serverless-v1-ending"}


def test_engine_mode_from_a_parameter_is_resolved():
    tpl = with_parameters(template(**aurora(encrypted=None, EngineMode=ref("Mode"))), Mode="serverless")
    assert checks(run(tpl), "STORAGE-ENCRYPTION") == set()
    tpl = with_parameters(template(**aurora(encrypted=None, EngineMode=ref("Mode"))), Mode="provisioned")
    assert checks(run(tpl), "STORAGE-ENCRYPTION") == {"unencrypted"}


# --- EIPs whose Condition is false at the parameter defaults --------------------------------------------

@pytest.mark.parametrize("default,counted", [("false", 4), ("true", 6)])
def test_eips_whose_condition_is_false_are_not_counted(default, counted):
    resources = eips(6)
    for name in ("Eip4", "Eip5"):
        resources[name]["Condition"] = "ThirdAndFourthAz"
    tpl = with_parameters(template(**resources), {"ThirdAndFourthAz": {"Fn::Equals": [ref("UseFourAzs"), "true"]}},
                          UseFourAzs=default)
    report = run(tpl)
    (finding,) = [f for f in report.findings if f.rule_id == "EC2-EIP-QUOTA"]
    assert f"{counted} new" in finding.message
    assert finding.check == ("over-quota" if counted > 5 else "near-quota")
    skipped = [f for f in report.findings if f.check == "conditional-resources"]
    assert bool(skipped) == (default == "false") and (not skipped or "Eip4 (ThirdAndFourthAz)" in skipped[0].message)


def test_a_condition_that_cannot_be_known_keeps_the_resource():
    resources = eips(6)
    resources["Eip5"]["Condition"] = "Maybe"
    tpl = with_parameters(template(**resources), {"Maybe": {"Fn::Equals": [ref("Choice"), "yes"]}},
                          Choice={"Type": "String"})
    (finding,) = [f for f in run(tpl).findings if f.rule_id == "EC2-EIP-QUOTA"]
    assert "6 new" in finding.message


# --- read replicas inherit their source's encryption ------------------------------------------------------

def rds(name: str, **props) -> dict:
    return {name: resource("AWS::RDS::DBInstance", Engine="mysql", DBInstanceClass="db.t3.medium", **props)}


def test_read_replicas_are_not_told_to_set_storage_encrypted():
    tpl = template(**rds("Primary", StorageEncrypted=True, AllocatedStorage="20"),
                   **{"Replica": resource("AWS::RDS::DBInstance", SourceDBInstanceIdentifier=ref("Primary"),
                                          DBInstanceClass="db.t3.medium")})
    assert checks(run(tpl), "STORAGE-ENCRYPTION") == set()


def test_an_unencrypted_primary_is_still_reported_once():
    tpl = template(**rds("Primary", AllocatedStorage="20"),
                   Replica=resource("AWS::RDS::DBInstance", SourceDBInstanceIdentifier=ref("Primary")))
    found = [f for f in run(tpl).findings if f.rule_id == "STORAGE-ENCRYPTION"]
    assert [(f.resource, f.check) for f in found] == [("Primary", "unencrypted")]


# --- a security group shared by a load balancer and instances -----------------------------------------

def shared_web(shared: bool) -> dict:
    resources = web(alb_ports=(80, 22), with_service=False)
    if shared:
        resources["Instance"] = resource("AWS::EC2::Instance", ImageId="ami-12345678", InstanceType="t3.micro",
                                         SecurityGroupIds=[group_id("AlbSg")])
    return template(**resources)


def test_a_group_shared_with_instances_is_not_told_to_drop_its_ssh_rule():
    report = run(shared_web(shared=True))
    assert checks(report, "SG-LISTENER-PORTS") == {"shared-group"}
    note = next(f for f in report.findings if f.check == "shared-group")
    assert note.severity == "info" and "Instance" in note.message


def test_a_group_only_the_load_balancer_uses_must_still_match_its_listeners():
    assert "port-without-listener" in checks(run(shared_web(shared=False)), "SG-LISTENER-PORTS")


def test_shared_through_a_launch_template_or_autoscaling_group_too():
    resources = web(alb_ports=(80, 22), with_service=False)
    resources["Launch"] = resource("AWS::EC2::LaunchTemplate", LaunchTemplateData={
        "ImageId": "ami-12345678", "SecurityGroupIds": [ref("AlbSg")]})
    assert checks(run(template(**resources)), "SG-LISTENER-PORTS") == {"shared-group"}


def test_a_shared_group_that_does_not_admit_the_listener_is_still_an_error():
    resources = web(alb_ports=(22,), with_service=False)
    resources["Instance"] = resource("AWS::EC2::Instance", ImageId="ami-1", SecurityGroupIds=[group_id("AlbSg")])
    assert "listener-not-admitted" in checks(run(template(**resources)), "SG-LISTENER-PORTS")


# --- engine versions from defaults, mappings and conditions -------------------------------------------------

def test_a_deprecated_default_engine_version_is_caught_through_every_form():
    forms = {
        "ref": ref("Version"),
        "find-in-map": {"Fn::FindInMap": ["Engines", ref("AWS::Region"), "version"]},
        "if": {"Fn::If": ["IsProd", "17.7", ref("Version")]},
    }
    for form, value in forms.items():
        tpl = with_parameters(template(**aurora(version=value)), {"IsProd": {"Fn::Equals": [ref("Env"), "prod"]}},
                              Version="15.3", Env="dev")
        tpl["Mappings"] = {"Engines": {"us-east-1": {"version": "15.3"}, "eu-west-1": {"version": "17.7"}}}
        assert "deprecated" in checks(run(tpl), "RDS-ENGINE-VERSION"), form


def test_an_ssm_parameter_default_is_not_taken_for_its_value():
    tpl = with_parameters(template(**aurora(version=ref("Version"))),
                          Version={"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/db/version"})
    assert checks(run(tpl), "RDS-ENGINE-VERSION") == {"unverified"}


# --- the evaluator ---------------------------------------------------------------------------------------------

def index(conditions, parameters=None, region="us-east-1", **kwargs):
    tpl = {"Parameters": {k: v if isinstance(v, dict) else {"Type": "String", "Default": v}
                          for k, v in (parameters or {}).items()},
           "Conditions": conditions, "Resources": {"B": resource("AWS::S3::Bucket")}}
    return TemplateIndex(tpl, region=region, **kwargs)


def test_conditions_evaluate_equals_and_or_not_and_references():
    idx = index({
        "IsProd": {"Fn::Equals": [ref("Env"), "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [ref("AWS::Region"), "us-east-1"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["1", 1]}]},
        "Number": {"Fn::Equals": [ref("Port"), 443]},
        "Unknown": {"Fn::Equals": [ref("AWS::AccountId"), "123456789012"]},
        "OrDecided": {"Fn::Or": [{"Condition": "Unknown"}, {"Condition": "IsDev"}]},
        "AndUnknown": {"Fn::And": [{"Condition": "Unknown"}, {"Condition": "IsDev"}]},
        "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
        "Partition": {"Fn::Equals": [ref("AWS::Partition"), "aws-cn"]},
    }, {"Env": "dev", "Port": "443"})
    expected = {"IsProd": False, "IsDev": True, "Both": True, "Either": True, "Number": True, "Unknown": None,
                "OrDecided": True, "AndUnknown": None, "Loop": None, "Partition": False, "Missing": None}
    assert {name: idx.condition(name) for name in expected} == expected
    assert index({"Partition": {"Fn::Equals": [ref("AWS::Partition"), "aws-cn"]}},
                 region="cn-north-1").condition("Partition") is True


def test_fn_if_and_no_value_resolve_inside_lists_and_mappings():
    idx = index({"On": {"Fn::Equals": ["a", "a"]}, "Off": {"Fn::Equals": ["a", "b"]}}, 
                {"Azs": {"Type": "List<AWS::EC2::AvailabilityZone::Name>", "Default": "us-east-1a, us-east-1b"}})
    value = {"Keep": {"Fn::If": ["On", "yes", "no"]}, "Drop": {"Fn::If": ["Off", "x", ref("AWS::NoValue")]},
             "List": ["a", {"Fn::If": ["Off", "b", ref("AWS::NoValue")]}, {"Fn::If": ["Unknown", "c", "d"]}],
             "Az": {"Fn::Select": [1, ref("Azs")]}}
    assert idx.resolve(value) == {"Keep": "yes", "List": ["a", {"Fn::If": ["Unknown", "c", "d"]}], "Az": "us-east-1b"}
    assert idx.resolve(ref("AWS::NoValue")) is NO_VALUE and idx.literal(ref("AWS::NoValue")) is None


def test_values_a_parent_passes_override_defaults():
    idx = index({"IsProd": {"Fn::Equals": [ref("Env"), "prod"]}}, {"Env": "dev"}, parameter_values={"Env": "prod"})
    assert idx.condition("IsProd") is True
