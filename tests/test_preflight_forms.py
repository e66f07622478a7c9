"""Preflight on template forms found in the wild (review findings): YAML dates, numbers as
versions, parameter defaults, Fn::Sub, Fn::GetAZs, UDP listeners, nested stacks; and input
checks reported all at once."""

from __future__ import annotations

import datetime as dt
import json

from infra_lib.preflight import preflight
from infrakit.cli import main
from infrakit.preflight import ModelCosts
from tests.preflight_templates import aurora, eips, group_id, ref, resource, template, web

TODAY = dt.date(2026, 11, 28)


def run(tpl, **kwargs):
    return preflight(tpl, region="us-east-1", today=TODAY, cfn_lint=kwargs.pop("cfn_lint", False),
                     costs=ModelCosts(), **kwargs)


def checks(report, rule_id):
    return {f.check: f for f in report.findings if f.rule_id == rule_id}


def test_yaml_template_with_an_unquoted_format_version_date_runs_cfn_lint(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Bucket: {Type: AWS::S3::Bucket}\n")
    assert main(["preflight", "--template", str(path), "--offline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["data_source"]["cfn_lint"] and not [f for f in data["findings"] if f["rule_id"] == "PREFLIGHT"]


def test_numeric_engine_version_is_checked_and_flagged():
    found = checks(run(template(**aurora(version=15.3))), "RDS-ENGINE-VERSION")
    assert found["deprecated"].severity == "error"
    assert found["numeric-version"].severity == "warning" and "15.10 arrives as 15.1" in found["numeric-version"].message


def test_parameter_defaults_are_what_a_deploy_without_overrides_uses():
    tpl = template(**aurora(version=ref("PgVersion")), **web(alb_ports=(443,), listener_port=ref("ListenerPort")))
    tpl["Parameters"] = {"PgVersion": {"Type": "String", "Default": "15.3"},
                         "ListenerPort": {"Type": "Number", "Default": 80}}
    report = run(tpl)
    assert "deprecated" in checks(report, "RDS-ENGINE-VERSION")
    assert {"listener-not-admitted", "port-without-listener"} <= set(checks(report, "SG-LISTENER-PORTS"))


def test_reserved_domain_inside_fn_sub_is_caught():
    tpl = template(Cert=resource("AWS::CertificateManager::Certificate",
                                 DomainName={"Fn::Sub": "${AWS::StackName}.example.com"}, ValidationMethod="DNS"))
    assert checks(run(tpl), "ACM-CERTIFICATE-DOMAIN")["reserved-domain"].severity == "error"


def test_subject_alternative_names_as_a_list_parameter_are_not_read_as_a_domain():
    tpl = template(Cert=resource("AWS::CertificateManager::Certificate", DomainName="api.payments.io",
                                 SubjectAlternativeNames=ref("Sans"), ValidationMethod="DNS"))
    tpl["Parameters"] = {"Sans": {"Type": "CommaDelimitedList"}}
    found = [f for f in run(tpl).findings if f.rule_id == "ACM-CERTIFICATE-DOMAIN"]
    assert not [f for f in found if "Ref" in f.message and f.check != "unverified"]
    assert any(f.check == "unverified" for f in found)


def test_az_count_from_fn_select_over_fn_getazs():
    resources = {"Vpc": resource("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"), **eips(1)}
    for i in range(3):
        resources[f"Subnet{i}"] = resource("AWS::EC2::Subnet", VpcId=ref("Vpc"), CidrBlock=f"10.0.{i}.0/24",
                                           AvailabilityZone={"Fn::Select": [i, {"Fn::GetAZs": ""}]})
    resources["Nat"] = resource("AWS::EC2::NatGateway", SubnetId=ref("Subnet0"),
                                AllocationId={"Fn::GetAtt": ["Eip0", "AllocationId"]})
    finding = checks(run(template(**resources), environment="production"), "NAT-GATEWAY-LAYOUT")["single-nat-in-prod"]
    assert "serves 3 AZs" in finding.message


def test_udp_listener_admitted_by_a_udp_rule_passes_and_tcp_only_fails():
    def nlb(protocol_rule):
        return template(
            Sg=resource("AWS::EC2::SecurityGroup", GroupDescription="dns", SecurityGroupIngress=[
                {"IpProtocol": protocol_rule, "FromPort": 53, "ToPort": 53, "CidrIp": "0.0.0.0/0"}]),
            Nlb=resource("AWS::ElasticLoadBalancingV2::LoadBalancer", Type="network", SecurityGroups=[group_id("Sg")],
                         Subnets=["subnet-1"]),
            Listener=resource("AWS::ElasticLoadBalancingV2::Listener", LoadBalancerArn=ref("Nlb"), Port=53,
                              Protocol="UDP", DefaultActions=[{"Type": "forward", "TargetGroupArn": "arn:tg"}]))
    assert not checks(run(nlb("udp")), "SG-LISTENER-PORTS")
    found = checks(run(nlb("tcp")), "SG-LISTENER-PORTS")
    assert {"listener-not-admitted", "port-without-listener"} <= set(found)


def test_nested_stacks_are_checked_from_the_assembly_or_reported_as_not_checked(tmp_path):
    nested = template(**aurora(version="15.3"))
    (tmp_path / "ParentDb.nested.template.json").write_text(json.dumps(nested))
    parent = template(Db={"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://x"},
                          "Metadata": {"aws:asset:path": "ParentDb.nested.template.json"}})
    found = checks(run(parent, template_dir=tmp_path), "RDS-ENGINE-VERSION")
    assert found["deprecated"].resource == "Db/Cluster"
    alone = run(parent)
    assert checks(alone, "PREFLIGHT")["nested-stack-not-checked"].severity == "warning"


def test_given_environment_names_are_normalised():
    assert run(template(**eips(1)), environment="Production").data_source["environment"] == "prod"


def test_every_input_problem_at_once(capsys, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile-here")
    assert main(["preflight", "--template", "/nonexistent/t.json", "--region", "mars-1",
                 "--suppress", "X=short", "--live"]) == 2
    err = capsys.readouterr().err
    for needle in ("shorter than 10", "'mars-1' is not an AWS region", "no-such-profile-here", "does not exist"):
        assert needle in err
    assert "Traceback" not in err


def test_https_scenario_without_a_certificate_source_is_bad_input_not_a_crash(tmp_path, capsys):
    path = tmp_path / "https.yaml"
    path.write_text("name: h\nlistener_protocol: HTTPS\ndomain_name: api.payments.io\n")
    assert main(["preflight", str(path)]) == 2
    err = capsys.readouterr().err
    assert "certificate_arn" in err and "Traceback" not in err


def test_missing_profile_for_deploy_to_aws_is_bad_input(capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile-here")
    assert main(["deploy", "notebooks/params/dev.yaml", "--target", "aws", "--yes"]) == 2
    assert "no-such-profile-here" in capsys.readouterr().err
