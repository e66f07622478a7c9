"""`infrakit preflight` end to end: the seed's CDK apps, our scenarios, the JSON contract and bad input."""

from __future__ import annotations

import json

import pytest

from infrakit.cli import main
from infrakit.core.catalogs import engine_catalog

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def seed_assemblies(tmp_path_factory):
    """MODEL and IDEAL synthesized from the fixture CDK apps (plain aws_cdk, not infra_lib)."""
    from tests.fixtures.seed_apps.payment_stack import synth

    root = tmp_path_factory.mktemp("seed")
    return {which: (root / which, synth(which, str(root / which))) for which in ("model", "ideal")}


def preflight_json(capsys, *args):
    code = main(["preflight", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def errors(data):
    return [f for f in data["findings"] if f["severity"] == "error" and not f.get("suppressed")]


def test_model_response_reports_the_seeds_four_failures(seed_assemblies, capsys):
    assembly, stack = seed_assemblies["model"]
    code, data = preflight_json(capsys, "--assembly", str(assembly), "--offline")
    assert code == 1 and data["passed"] is False
    by_rule = {(f["rule_id"], f["check"]): f for f in errors(data)}
    engine = by_rule[("RDS-ENGINE-VERSION", "deprecated")]
    assert "15.3" in engine["message"] and "15.10" in engine["fix"]
    assert "payment-api.example.com" in by_rule[("ACM-CERTIFICATE-DOMAIN", "reserved-domain")]["message"]
    assert ("SG-LISTENER-PORTS", "port-without-listener") in by_rule  # 443 open, nothing listens
    assert ("SG-LISTENER-PORTS", "listener-not-admitted") in by_rule  # HTTP:80 not admitted
    nat = [f for f in data["findings"] if f["rule_id"] in ("NAT-GATEWAY-LAYOUT", "EC2-EIP-QUOTA")]
    assert {f["rule_id"] for f in nat} == {"NAT-GATEWAY-LAYOUT", "EC2-EIP-QUOTA"}
    assert any("3 NAT gateways in a dev environment" in f["message"] for f in nat)
    assert data["data_source"]["region"] == "us-east-1" and data["stack"] == stack
    assert data["data_source"]["engine_catalog_snapshot"] == engine_catalog().snapshot_date.isoformat()


def test_ideal_response_has_no_error_but_what_the_dated_catalog_says_about_15_8(seed_assemblies, capsys):
    assembly, _ = seed_assemblies["ideal"]
    code, data = preflight_json(capsys, "--assembly", str(assembly), "--offline")
    status = engine_catalog().status("15.8")
    found = errors(data)
    if status == "available":
        assert code == 0 and not found
    else:  # reported honestly: the IDEAL of its day is past its day now
        assert code == 1
        assert [(f["rule_id"], f["check"]) for f in found] == [("RDS-ENGINE-VERSION", status)]
        assert engine_catalog().snapshot_date.isoformat() in found[0]["source"]
    assert not [f for f in data["findings"] if f["rule_id"].startswith("SG-") and f["severity"] != "info"]
    assert not [f for f in data["findings"] if f["rule_id"] == "ACM-CERTIFICATE-DOMAIN"]


def test_seed_model_scenario_fails_and_dev_passes(capsys):
    code, data = preflight_json(capsys, "notebooks/params/seed_model.yaml")
    assert code == 1 and ("RDS-ENGINE-VERSION", "deprecated") in {(f["rule_id"], f["check"]) for f in errors(data)}
    # Our stack's by-design cfn-lint findings are suppressed with their reasons, not hidden.
    suppressed = [f for f in data["findings"] if f.get("suppressed")]
    assert suppressed and all(len(f["suppression_reason"]) >= 10 for f in suppressed)
    code, data = preflight_json(capsys, "notebooks/params/dev.yaml")
    assert code == 0 and data["passed"] is True and not errors(data)


def test_text_output_names_the_verdict_and_the_data_source(seed_assemblies, capsys):
    assembly, _ = seed_assemblies["model"]
    assert main(["preflight", "--assembly", str(assembly), "--offline"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: 4 error(s)" in out and "offline catalogs" in out and "fix:" in out


def test_template_file_and_region_from_the_assembly(seed_assemblies, capsys):
    assembly, stack = seed_assemblies["model"]
    code, data = preflight_json(capsys, "--template", str(assembly / f"{stack}.template.json"), "--no-cfn-lint")
    assert code == 1 and data["data_source"]["region_from"] == "the cloud assembly's manifest"
    assert data["rules_run"][-1] != "cfn-lint"


def test_several_stacks_need_a_choice(seed_assemblies, tmp_path, capsys):
    import aws_cdk as cdk

    from tests.fixtures.seed_apps.payment_stack import CONTEXT, build_ideal, build_model

    app = cdk.App(outdir=str(tmp_path / "both"), context=CONTEXT)
    build_model(app)
    build_ideal(app)
    app.synth()
    assert main(["preflight", "--assembly", str(tmp_path / "both")]) == 2
    err = capsys.readouterr().err
    assert "TapStackModel-dev" in err and "TapStackIdeal-dev" in err and "--stack" in err
    assert main(["preflight", "--assembly", str(tmp_path / "both"), "--stack", "TapStackModel-dev",
                 "--offline", "--no-cfn-lint"]) == 1
    assert main(["preflight", "--assembly", str(tmp_path / "both"), "--stack", "Nope"]) == 2
    assert "TapStackIdeal-dev" in capsys.readouterr().err


def test_yaml_template_with_short_form_tags(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text("""
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  AlbSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: alb
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: "443", ToPort: "443", CidrIp: 0.0.0.0/0}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {SecurityGroups: [!GetAtt AlbSg.GroupId], Subnets: [subnet-1, subnet-2]}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Port: "80"
      Protocol: HTTP
      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "200"}}]
""")
    code, data = preflight_json(capsys, "--template", str(path), "--region", "eu-west-1", "--no-cfn-lint")
    assert code == 1
    assert {f["check"] for f in errors(data)} == {"listener-not-admitted", "port-without-listener"}
    assert data["data_source"]["region"] == "eu-west-1"


@pytest.mark.parametrize("args, needle", [
    (["--template", "missing.json"], "does not exist"),
    (["--template", "tests"], "is a directory"),
    (["--assembly", "tests"], "no manifest.json"),
    (["--template", "pyproject.toml"], "is not JSON"),
    (["--template", "Makefile"], "not"),
    (["notebooks/params/dev.yaml", "--template", "x.json"], "exactly one of"),
    ([], "exactly one of"),
    (["--assembly", "x", "--region", "us-mars-1"], "'us-mars-1' is not an AWS region"),
    (["notebooks/params/dev.yaml", "--suppress", "RDS-ENGINE-VERSION=too short"], "shorter than 10"),
    (["notebooks/params/nope.yaml"], "nope.yaml"),
])
def test_bad_input_is_exit_2_with_a_clear_message(args, needle, capsys):
    assert main(["preflight", *args]) == 2
    captured = capsys.readouterr()
    assert needle in captured.err and "Traceback" not in captured.err


def test_not_a_template_json(tmp_path, capsys):
    (tmp_path / "a.json").write_text('{"Parameters": {}}')
    (tmp_path / "b.json").write_text("[1, 2]")
    (tmp_path / "c.yaml").write_text("just: a mapping\n")
    for name in ("a.json", "b.json", "c.yaml"):
        assert main(["preflight", "--template", str(tmp_path / name)]) == 2
        assert "not a CloudFormation template" in capsys.readouterr().err


def test_live_without_credentials_is_bad_input(monkeypatch, tmp_path, capsys):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main(["preflight", "notebooks/params/dev.yaml", "--live"]) == 2
    assert "--offline" in capsys.readouterr().err


def test_rules_listing(capsys):
    assert main(["preflight", "--rules", "--json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert {"RDS-ENGINE-VERSION", "ACM-CERTIFICATE-DOMAIN", "EC2-EIP-QUOTA", "SG-LISTENER-PORTS"} <= \
        {r["id"] for r in rules}
