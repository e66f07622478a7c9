"""Deploy, verify and destroy through the real CDK CLI into the local emulator (never AWS).

The slow tests share one emulator exported through AWS_ENDPOINT_URL, the way the report runner
and `infrakit emulator start` are used, so state carries from one deploy to the next.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

from infra_lib.emulator import start_emulator
from infrakit.cli import main
from infrakit.core.errors import InfrakitError, InputError
from infrakit.core.schema import load_scenario
from infrakit.deploy import (
    DeployInterrupted,
    Target,
    cdk_cli,
    cli_failure,
    deploy_scenario,
    destroy_scenario,
    diff_scenario,
    plan_from_template,
    verify_stack,
)

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "notebooks" / "params" / "dev.yaml"
SEED_MODEL = ROOT / "notebooks" / "params" / "seed_model.yaml"


def quiet(line: str) -> None:
    pass


# ------------------------------------------------------------------ refused before any slow work


def test_unknown_target_is_bad_input():
    with pytest.raises(InputError) as err:
        deploy_scenario(load_scenario(DEV), target="staging", progress=quiet)
    assert "'staging'" in str(err.value) and "local" in str(err.value) and "aws" in str(err.value)


def test_blank_override_reason_is_bad_input():
    with pytest.raises(InputError, match="--override-preflight"):
        deploy_scenario(load_scenario(DEV), override_preflight="  ", progress=quiet)


def test_missing_cdk_cli_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(cdk_cli, "CDK_CLI", tmp_path / "node_modules" / ".bin" / "cdk")
    with pytest.raises(InfrakitError) as err:
        deploy_scenario(load_scenario(DEV), progress=quiet)
    assert "make setup" in str(err.value) and str(tmp_path) in str(err.value)


def test_aws_target_without_credentials_is_refused_before_synthesis(monkeypatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("infra_lib.cdk.synth.synth", lambda *a, **k: pytest.fail("synthesized without credentials"))
    with pytest.raises(InputError) as err:
        deploy_scenario(load_scenario(DEV), target="aws", yes=True, progress=quiet)
    assert "no AWS credentials" in str(err.value) and "--target local" in str(err.value)


class _PassingReport:
    passed = True
    errors: list = []


@pytest.mark.slow
def test_aws_deploy_needs_confirmation_and_touches_nothing_without_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")  # looks configured; never used
    monkeypatch.setattr("infrakit.preflight.preflight_scenario", lambda *a, **k: _PassingReport())
    monkeypatch.setattr("infrakit.deploy.target.open_target", lambda *a, **k: pytest.fail("contacted a target"))
    questions = []
    result = deploy_scenario(load_scenario(DEV), target="aws", out_dir=tmp_path, progress=quiet,
                             confirm=lambda q: questions.append(q) or False)
    assert result.status == "refused" and "--yes" in result.message
    assert "PaymentApi-dev" in questions[0] and "us-east-1" in questions[0]
    assert json.loads((tmp_path / "deploy.json").read_text())["status"] == "refused"


def test_plan_from_template_counts_what_verification_checks():
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}},
        "Nat1": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
        "Nat2": {"Type": "AWS::EC2::NatGateway", "Properties": {}},
        "Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}},
        "Https": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": 443, "Protocol": "HTTPS"}},
        "Http": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": 80, "Protocol": "HTTP"}},
        "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"EngineVersion": "16.8"}},
        "W": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Db"}}},
        "R": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Db"}}},
        "Other": {"Type": "AWS::RDS::DBInstance", "Properties": {}},
    }}
    plan = plan_from_template(template)
    assert plan["nat_gateways"] == 2 and plan["db_instances"] == 2 and plan["engine_version"] == "16.8"
    assert plan["listeners"] == [[80, "HTTP"], [443, "HTTPS"]]


def test_cli_failure_prefers_the_asset_step_reason():
    # Lines the pinned CLI printed when the bootstrap bucket was missing (recorded 2026-11-28).
    lines = ["PaymentApi-dev: start: Publishing PaymentApi-dev Template (current_account-us-east-1-9b27eeb9)",
             "PaymentApi-dev: fail: No bucket named 'cdk-hnb659fds-assets-123456789012-us-east-1'. "
             "Is account 123456789012 bootstrapped?",
             "Failed to publish asset PaymentApi-dev Template (current_account-us-east-1-9b27eeb9)",
             "‣ AggregateError: "]
    assert cli_failure(lines) == ("No bucket named 'cdk-hnb659fds-assets-123456789012-us-east-1'. "
                                          "Is account 123456789012 bootstrapped?")
    assert cli_failure(["✨  Synthesis time: 0.01s", "❌  PaymentApi-dev failed to deploy"]) == \
        "PaymentApi-dev failed to deploy"


# ------------------------------------------------------------------ the real CDK CLI on the emulator


@pytest.fixture(scope="module")
def emulator():
    with start_emulator() as running:
        yield running


@pytest.fixture
def local(emulator, monkeypatch):
    """An emptied emulator that deploys reach through AWS_ENDPOINT_URL, and boto3 clients on it."""
    emulator.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint_url)

    def client(service: str):
        return boto3.client(service, region_name="us-east-1", endpoint_url=emulator.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return client


def check(result, name: str) -> dict:
    return next(c for c in result.verified["checks"] if c["check"] == name)


@pytest.mark.slow
def test_dev_deploys_verifies_redeploys_updates_and_destroys(local, tmp_path):
    dev = load_scenario(DEV)
    first = deploy_scenario(dev, out_dir=tmp_path, progress=quiet)
    assert first.status == "deployed", first.message
    assert first.verified["ok"] and check(first, "nat_gateways")["actual"] == 1
    assert check(first, "db_engine_version")["actual"] == "17.7" and check(first, "db_instances")["actual"] == 1
    assert check(first, "alb_listeners")["actual"] == [[80, "HTTP"]]
    assert set(first.outputs) >= {"alb_url", "db_endpoint", "db_secret_arn"}
    assert first.outputs["alb_url"].startswith("http://")
    cluster = local("rds").describe_db_clusters()["DBClusters"][0]
    assert first.outputs["db_endpoint"] == cluster["Endpoint"]
    written = json.loads((tmp_path / "outputs.json").read_text())
    assert written["outputs"] == first.outputs
    assert json.loads((tmp_path / "deploy.json").read_text())["status"] == "deployed"
    assert "PaymentApi-dev" in (tmp_path / "cdk-deploy.log").read_text()

    again = deploy_scenario(dev, out_dir=tmp_path, progress=quiet)
    assert again.status == "no_changes" and again.verified["ok"]
    assert again.outputs == first.outputs
    assert diff_scenario(dev).has_changes is False

    diff = diff_scenario({**dev, "nat_strategy": "per_az"})
    assert diff.has_changes and "NatGateway" in diff.diff

    per_az = deploy_scenario({**dev, "nat_strategy": "per_az"}, out_dir=tmp_path, progress=quiet)
    assert per_az.status == "deployed", per_az.message
    assert check(per_az, "nat_gateways") == {"check": "nat_gateways", "expected": 2, "actual": 2, "ok": True}
    stacks = local("cloudformation").describe_stacks()["Stacks"]
    assert [(s["StackName"], s["StackStatus"]) for s in stacks] == [("PaymentApi-dev", "UPDATE_COMPLETE")]
    # Updated in place: the same database, not a new one.
    assert local("rds").describe_db_clusters()["DBClusters"][0]["Endpoint"] == cluster["Endpoint"]

    gone = destroy_scenario(dev, out_dir=tmp_path, progress=quiet)
    assert gone.status == "destroyed", gone.message
    assert local("cloudformation").describe_stacks()["Stacks"] == []
    assert local("rds").describe_db_clusters()["DBClusters"] == []
    assert local("ec2").describe_nat_gateways()["NatGateways"] == []
    assert local("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert destroy_scenario(dev, out_dir=tmp_path, progress=quiet).status == "not_found"


@pytest.mark.slow
def test_seed_model_is_refused_by_preflight_then_fails_like_aws_when_overridden(local, tmp_path):
    seed = load_scenario(SEED_MODEL)
    refused = deploy_scenario(seed, out_dir=tmp_path, progress=quiet)
    assert refused.status == "refused"
    assert any("15.3" in e["message"] for e in refused.preflight["errors"])
    assert local("cloudformation").describe_stacks()["Stacks"] == []  # the CLI never ran

    lines: list[str] = []
    failed = deploy_scenario(seed, out_dir=tmp_path, override_preflight="reproduce the seed failure",
                             progress=lines.append)
    assert failed.status == "failed"
    assert failed.preflight["overridden"] == "reproduce the seed failure"
    assert failed.failure["type"] == "AWS::RDS::DBCluster"
    assert failed.failure["resource"].startswith("DatabaseCluster")
    assert "Cannot find version 15.3 for aurora-postgresql" in failed.failure["reason"]
    assert "Cannot find version 15.3 for aurora-postgresql" in failed.message
    assert any("CREATE_FAILED" in line for line in lines)  # the CLI's progress was streamed
    assert failed.stack_status == "ROLLBACK_COMPLETE"
    # Rolled back: nothing half-created is left behind.
    assert local("rds").describe_db_clusters()["DBClusters"] == []
    assert local("ec2").describe_nat_gateways()["NatGateways"] == []
    assert local("secretsmanager").list_secrets()["SecretList"] == []
    assert "infrakit destroy" in failed.cleanup
    saved = json.loads((tmp_path / "deploy.json").read_text())
    assert saved["status"] == "failed" and saved["preflight"]["overridden"] == "reproduce the seed failure"

    # Fixing the version and deploying again replaces the failed stack (same name), as on AWS.
    fixed = deploy_scenario({**seed, "engine_version": "15.10"}, out_dir=tmp_path, progress=quiet)
    assert fixed.status == "deployed", fixed.message
    assert check(fixed, "db_engine_version")["actual"] == "15.10" and check(fixed, "db_instances")["actual"] == 2
    assert check(fixed, "nat_gateways")["actual"] == 3

    assert destroy_scenario(seed, out_dir=tmp_path, progress=quiet).status == "destroyed"
    assert local("cloudformation").describe_stacks()["Stacks"] == []


HTTPS = {"listener_protocol": "HTTPS", "domain_name": "api.payments.acme.io", "hosted_zone_name": "acme.io",
         "hosted_zone_id": "Z0ACMEIO000000000000", "container_image":
         "123456789012.dkr.ecr.us-east-1.amazonaws.com/payment-api:1.4"}


@pytest.mark.slow
def test_https_certificate_fails_without_its_zone_and_deploys_with_it(local, emulator, tmp_path):
    https = {**load_scenario(DEV), **HTTPS}
    no_zone = deploy_scenario(https, out_dir=tmp_path, progress=quiet)
    assert no_zone.status == "failed"
    assert no_zone.failure["type"] == "AWS::CertificateManager::Certificate"
    assert "api.payments.acme.io never validates" in no_zone.failure["reason"]

    emulator.add_hosted_zone("acme.io", "Z0ACMEIO000000000000")
    with_zone = deploy_scenario(https, out_dir=tmp_path, progress=quiet)
    assert with_zone.status == "deployed", with_zone.message
    assert check(with_zone, "alb_listeners")["actual"] == [[80, "HTTP"], [443, "HTTPS"]]
    assert check(with_zone, "alb_ingress_ports")["actual"] == [80, 443]
    certs = local("acm").list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]
    assert [c["DomainName"] for c in certs] == ["api.payments.acme.io"]
    assert destroy_scenario(https, out_dir=tmp_path, progress=quiet).status == "destroyed"


@pytest.mark.slow
def test_verification_reports_a_port_the_alb_opens_without_a_listener(local, tmp_path):
    """The seed's third failure: 443 open while the listener serves 80."""
    dev = load_scenario(DEV)
    assert deploy_scenario(dev, out_dir=tmp_path, progress=quiet).status == "deployed"
    tgt = Target("local", {}, "us-east-1", local("s3").meta.endpoint_url, in_process=False)
    tgt.env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    from infra_lib.cdk.synth import synth

    template = synth(dev).template
    ids = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in local("cloudformation").describe_stack_resources(
        StackName="PaymentApi-dev")["StackResources"]}
    alb_group = next(ids[k] for k, v in template["Resources"].items()
                     if v["Type"] == "AWS::EC2::SecurityGroup" and k.startswith("IngressAlb"))
    local("ec2").authorize_security_group_ingress(GroupId=alb_group, IpProtocol="tcp", FromPort=443, ToPort=443,
                                                 CidrIp="0.0.0.0/0")
    verified = verify_stack(tgt, "PaymentApi-dev", template)
    assert not verified["ok"]
    bad = [c for c in verified["checks"] if not c["ok"]]
    assert bad == [{"check": "alb_ingress_ports", "expected": [80], "actual": [80, 443], "ok": False}]


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["creating CloudFormation changeset", "deploying..."])
def test_ctrl_c_during_deploy_then_the_advised_retry_deploys_and_destroy_says_destroyed(local, tmp_path, marker):
    """The printed advice after Ctrl-C ("run the same deploy again") works from whatever state
    the interruption left (at "deploying..." that is REVIEW_IN_PROGRESS, where a retry used to
    crash in verification and destroy then said "failed: destroyed")."""
    dev = load_scenario(DEV)

    def interrupt_once_deploying(line: str) -> None:
        if marker in line:
            raise KeyboardInterrupt

    with pytest.raises(DeployInterrupted) as err:
        deploy_scenario(dev, out_dir=tmp_path, progress=interrupt_once_deploying)
    result = err.value.result
    assert result.status == "interrupted" and result.interrupted_by == "SIGINT"
    assert "infrakit destroy" in result.cleanup
    assert f"stack status: {result.stack_status or 'not created'}" in result.message  # the state it was left in
    saved = json.loads((tmp_path / "deploy.json").read_text())
    assert saved["status"] == "interrupted" and saved.get("stack_status") == result.stack_status and "pid" not in saved
    assert marker in (tmp_path / "cdk-deploy.log").read_text()  # the log of the interrupted run, not an older one

    again = deploy_scenario(dev, out_dir=tmp_path, progress=quiet)
    assert again.status == "deployed", again.message
    assert again.verified["ok"] and check(again, "nat_gateways")["actual"] == 1
    stacks = local("cloudformation").describe_stacks()["Stacks"]
    assert [(s["StackName"], s["StackStatus"]) for s in stacks] == [("PaymentApi-dev", "CREATE_COMPLETE")]

    gone = destroy_scenario(dev, out_dir=tmp_path, progress=quiet)
    assert gone.status == "destroyed", gone.message
    assert local("cloudformation").describe_stacks()["Stacks"] == []


EMPTY_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def stacks_of(local) -> list[tuple[str, str]]:
    return [(s["StackName"], s["StackStatus"]) for s in local("cloudformation").describe_stacks()["Stacks"]]


@pytest.mark.slow
def test_a_deploy_over_a_review_in_progress_stack_replaces_it_and_says_running_meanwhile(local, tmp_path):
    """What an interrupted create leaves: a change set for a new stack, never executed. Also:
    from its first moment the run's deploy.json says "running", never an older "deployed"."""
    local("cloudformation").create_change_set(StackName="PaymentApi-dev", ChangeSetName="interrupted",
                                              ChangeSetType="CREATE", TemplateBody=EMPTY_TEMPLATE)
    assert stacks_of(local) == [("PaymentApi-dev", "REVIEW_IN_PROGRESS")]
    (tmp_path / "deploy.json").write_text(json.dumps({"stack": "PaymentApi-dev", "status": "deployed"}))
    seen: list[dict] = []

    def look_at_the_record(line: str) -> None:
        if line.startswith("  cdk |") and not seen:
            seen.append(json.loads((tmp_path / "deploy.json").read_text()))

    result = deploy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=look_at_the_record)
    assert result.status == "deployed", result.message
    assert result.verified["ok"] and all(c["ok"] for c in result.verified["checks"])
    assert result.recovered == {"stack_status": "REVIEW_IN_PROGRESS", "action": "deleted the empty stack"}
    assert stacks_of(local) == [("PaymentApi-dev", "CREATE_COMPLETE")]
    assert seen[0]["status"] == "running" and seen[0]["pid"] == os.getpid() and seen[0]["started_at"]
    final = json.loads((tmp_path / "deploy.json").read_text())
    assert final["status"] == "deployed" and "pid" not in final and final["started_at"] == seen[0]["started_at"]


@pytest.mark.slow
def test_destroy_of_a_stack_left_in_review_in_progress_says_destroyed(local, tmp_path):
    local("cloudformation").create_change_set(StackName="PaymentApi-dev", ChangeSetName="interrupted",
                                              ChangeSetType="CREATE", TemplateBody=EMPTY_TEMPLATE)
    gone = destroy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=quiet)
    assert gone.status == "destroyed" and gone.failure is None, gone.message
    assert stacks_of(local) == []
    assert json.loads((tmp_path / "destroy.json").read_text())["status"] == "destroyed"


@pytest.mark.slow
def test_cli_deploy_json_on_an_in_process_emulator(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code = main(["deploy", str(DEV), "--target", "local", "--json", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert code == 0, captured.err[-2000:]
    assert data["status"] == "deployed" and data["target"] == "local" and data["stack"] == "PaymentApi-dev"
    assert data["verified"]["ok"] and data["endpoint_url"].startswith("http://localhost:")
    assert {"alb_url", "db_endpoint", "db_secret_arn"} <= set(data["outputs"])
    assert set(data["phases_s"]) >= {"preflight", "cli_start", "deploy", "verify"}
    assert "cdk |" in captured.err  # progress on stderr, JSON alone on stdout


def test_an_emulator_url_that_does_not_answer_is_a_clear_error(monkeypatch, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://localhost:{port}")
    monkeypatch.setattr("infra_lib.cdk.synth.synth", lambda *a, **k: pytest.fail("synthesized for a dead emulator"))
    result = deploy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=quiet)
    assert result.status == "failed" and result.failure["type"] == "emulator"
    assert f"AWS_ENDPOINT_URL=http://localhost:{port} does not answer" in result.message
    assert "infrakit emulator start" in result.message
    assert json.loads((tmp_path / "deploy.json").read_text())["status"] == "failed"


@pytest.mark.slow
def test_cli_refused_deploy_exits_1_and_bad_target_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("infrakit.preflight.preflight_scenario", lambda *a, **k: type(
        "R", (), {"passed": False, "errors": [type("F", (), {"rule_id": "RDS-ENGINE-VERSION", "resource": "Db",
                                                             "message": "15.3 is deprecated", "fix": "use 15.10"})]})())
    assert main(["deploy", str(SEED_MODEL), "--out", str(tmp_path)]) == 1
    assert "refused" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["deploy", str(DEV), "--target", "staging"])
    assert exit_info.value.code == 2


def test_a_given_preflight_report_is_the_gate_and_preflight_does_not_run_again(monkeypatch, tmp_path):
    import infrakit.preflight
    from infra_lib.preflight import Finding, PreflightReport

    def must_not_run(*args, **kwargs):
        raise AssertionError("preflight ran a second time")

    monkeypatch.setattr(infrakit.preflight, "preflight_scenario", must_not_run)
    failing = PreflightReport(findings=[Finding("RDS-ENGINE-VERSION", "deprecated", "Cluster", "15.3 is gone",
                                                "use 15.10", "catalog", "error")], data_source={})
    result = deploy_scenario(load_scenario(DEV), out_dir=tmp_path, progress=quiet, preflight_report=failing)
    assert result.status == "refused" and result.preflight["errors"][0]["rule_id"] == "RDS-ENGINE-VERSION"


def test_plan_reads_string_and_parameter_ports(tmp_path):
    template = {"Parameters": {"Port": {"Type": "Number", "Default": 80}}, "Resources": {
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}},
        "A": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": "443", "Protocol": "HTTPS",
                                                                              "LoadBalancerArn": {"Ref": "Alb"}}},
        "B": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": {"Ref": "Port"},
                                                                              "Protocol": "HTTP"}}}}
    assert plan_from_template(template)["listeners"] == [[80, "HTTP"], [443, "HTTPS"]]


def test_aws_target_clients_ignore_an_exported_emulator_endpoint(monkeypatch):
    from infrakit.deploy import aws_session

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = aws_session("eu-west-1").client("cloudformation")
    assert client.meta.endpoint_url == "https://cloudformation.eu-west-1.amazonaws.com"
