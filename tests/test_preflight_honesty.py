"""A preflight pass says what it covers: when cfn-lint could not run (not installed, stopped at
its deadline) or part of the template went unchecked, the report is marked incomplete (JSON
``complete: false`` and ``not_checked``; the text verdict says INCOMPLETE), never a bare PASSED,
and nothing crashes."""

from __future__ import annotations

import json
from importlib import metadata

import pytest

from infra_lib.preflight import cfn_lint_stage
from infrakit.cli import main

TEMPLATE = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def write_template(tmp_path, template=TEMPLATE):
    path = tmp_path / "t.template.json"
    path.write_text(json.dumps(template))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def without_cfn_lint(monkeypatch):
    real = metadata.version

    def version(name):
        if name == "cfn-lint":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(cfn_lint_stage.metadata, "version", version)
    monkeypatch.setattr(cfn_lint_stage, "WORKER", cfn_lint_stage.WORKER.with_name("no_such_worker.py"))


def test_cfn_lint_not_installed_is_a_finding_and_an_incomplete_pass_not_a_traceback(tmp_path, capsys, monkeypatch):
    without_cfn_lint(monkeypatch)
    path = write_template(tmp_path)
    code, out, err = run(capsys, "preflight", "--template", path, "--offline", "--json")
    assert code == 0 and "Traceback" not in err, err
    data = json.loads(out)
    assert data["passed"] is True and data["complete"] is False and data["not_checked"] == ["cfn-lint-failed"]
    assert data["data_source"]["cfn_lint_status"] == "failed" and data["data_source"]["cfn_lint"] is None
    missing = next(f for f in data["findings"] if f["check"] == "cfn-lint-failed")
    assert "not installed" in missing["message"] and "make setup" in missing["fix"]
    code, out, err = run(capsys, "preflight", "--template", path, "--offline")
    assert code == 0 and "PASSED WHAT RAN (INCOMPLETE)" in out and "Not everything was checked (cfn-lint-failed)" in out
    assert "\nPASSED:" not in out


def test_a_cfn_lint_timeout_marks_the_pass_incomplete_with_its_real_deadline(tmp_path, capsys):
    path = write_template(tmp_path)
    code, out, err = run(capsys, "preflight", "--template", path, "--offline", "--cfn-lint-timeout", "0.01")
    assert code == 0 and "PASSED WHAT RAN (INCOMPLETE)" in out and "cfn-lint-timeout" in out
    assert "stopped after 0.01 s" in out  # not "after 0 s"


def test_a_complete_pass_says_passed_and_complete(tmp_path, capsys):
    path = write_template(tmp_path)
    code, out, err = run(capsys, "preflight", "--template", path, "--offline", "--json")
    data = json.loads(out)
    assert code == 0 and data["passed"] is True and data["complete"] is True and data["not_checked"] == []
    code, out, _ = run(capsys, "preflight", "--template", path, "--offline")
    assert "\nPASSED: 0 error(s)" in out and "INCOMPLETE" not in out


def test_a_nested_stack_not_at_hand_makes_the_report_incomplete(tmp_path, capsys, monkeypatch):
    without_cfn_lint(monkeypatch)
    nested = {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack",
                                      "Properties": {"TemplateURL": "https://example.invalid/child.json"}}}}
    code, out, _ = run(capsys, "preflight", "--template", write_template(tmp_path, nested), "--offline", "--json")
    data = json.loads(out)
    assert "nested-stack-not-checked" in data["not_checked"] and data["complete"] is False


def test_live_account_data_that_could_not_be_read_is_a_warning_not_within_quota(tmp_path, capsys, monkeypatch):
    import socket

    with socket.socket() as probe:  # a port nothing listens on: every live call fails at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    path = write_template(tmp_path, {"Resources": {"Eip": {"Type": "AWS::EC2::EIP"}}})
    code, out, _ = run(capsys, "preflight", "--template", path, "--live", "--no-cfn-lint", "--json")
    eip = [f for f in json.loads(out)["findings"] if f["rule_id"] == "EC2-EIP-QUOTA"]
    assert [(f["check"], f["severity"]) for f in eip] == [("not-verified", "warning")]
    assert "was not verified" in eip[0]["message"] and "ec2:DescribeAddresses" in eip[0]["fix"]


def test_an_engine_version_or_domain_preflight_could_not_check_is_a_warning(tmp_path, capsys, monkeypatch):
    without_cfn_lint(monkeypatch)
    template = {"Parameters": {"Version": {"Type": "String"}, "Domain": {"Type": "String"}},
                "Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {
                    "Engine": "aurora-postgresql", "EngineVersion": {"Ref": "Version"}, "StorageEncrypted": True}},
                    "Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {
                        "DomainName": {"Ref": "Domain"}, "ValidationMethod": "DNS"}}}}
    code, out, _ = run(capsys, "preflight", "--template", write_template(tmp_path, template), "--offline", "--json")
    unverified = {(f["rule_id"], f["severity"]) for f in json.loads(out)["findings"] if f["check"] == "unverified"}
    assert unverified == {("RDS-ENGINE-VERSION", "warning"), ("ACM-CERTIFICATE-DOMAIN", "warning")}


def test_the_cdk_plugins_report_says_when_a_stack_was_not_fully_checked():
    from infra_lib.preflight import plugin
    from infra_lib.preflight.findings import Finding, PreflightReport

    timeout = Finding("PREFLIGHT", "cfn-lint-timeout", "", "cfn-lint was stopped after 60 s", "Run longer.",
                      "cfn-lint", "warning")
    report = PreflightReport(findings=[timeout], data_source={"mode": "offline", "engine_catalog_snapshot": "x"})
    described = plugin._describe(report, "us-east-1", "default")
    assert "INCOMPLETE, not everything was checked (cfn-lint-timeout)" in described
    assert "INCOMPLETE" not in plugin._describe(PreflightReport(findings=[], data_source={}), "us-east-1", "default")


def test_a_live_endpoint_that_never_answers_is_bounded_and_said(tmp_path, capsys, monkeypatch):
    import socket
    import threading
    import time

    from infra_lib.preflight import facts

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept_and_say_nothing():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    monkeypatch.setattr(facts, "LIVE_READ_TIMEOUT_S", 1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    template = {"Resources": {
        "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql", "EngineVersion": "16.8",
                                                             "StorageEncrypted": True}},
        "Cert": {"Type": "AWS::CertificateManager::Certificate",
                 "Properties": {"DomainName": "api.acme.io", "ValidationMethod": "DNS"}},
        "Eip": {"Type": "AWS::EC2::EIP"}}}
    try:
        started = time.monotonic()
        code, out, _ = run(capsys, "preflight", "--template", write_template(tmp_path, template), "--live",
                           "--no-cfn-lint", "--json")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        server.close()
    assert elapsed < 20, elapsed  # botocore's defaults: minutes
    messages = " ".join(f["message"] for f in json.loads(out)["findings"])
    assert "not tried: an earlier call to its endpoint timed out (ReadTimeoutError" in messages


def test_a_timeout_skips_only_the_calls_to_the_endpoint_that_timed_out():
    from types import SimpleNamespace

    from botocore.exceptions import ReadTimeoutError

    from infra_lib.preflight import facts

    hosts = {"route53": "https://route53.amazonaws.com", "rds": "https://rds.us-east-1.amazonaws.com"}
    session = SimpleNamespace(client=lambda service, **_: SimpleNamespace(meta=SimpleNamespace(
        endpoint_url=hosts[service])))
    live = facts.LiveFacts("us-east-1", session=session)
    live._failed(ReadTimeoutError(endpoint_url="https://route53.amazonaws.com/2013-04-01/hostedzone"))
    assert live.client("rds").meta.endpoint_url == hosts["rds"]  # another endpoint is still asked
    with pytest.raises(facts._Unreachable, match="earlier call to its endpoint timed out"):
        live.client("route53")
