"""Live preflight: the local emulator (moto server on 127.0.0.1) for Route 53 and EC2 addresses,
botocore's Stubber with AWS's response shapes where moto has nothing (RDS engine versions and
orderable options, the EC2 Elastic IP quota). Never real AWS."""

from __future__ import annotations

import datetime as dt
import socket

import boto3
import pytest
from botocore.stub import Stubber

from infra_lib.preflight import preflight
from infrakit.cli import main
from tests.preflight_templates import aurora, resource, template

TODAY = dt.date(2026, 11, 28)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, moto_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    # A fresh emulator state per test.
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    return moto_endpoint


class HybridSession:
    """boto3 clients on the emulator, except the services given as stubbed clients."""

    def __init__(self, stubbed: dict | None = None):
        self.stubbed = stubbed or {}

    def client(self, service, region_name=None):
        return self.stubbed.get(service) or boto3.client(service, region_name=region_name)


def live(tpl, session=None, **kwargs):
    from infrakit.preflight import ModelCosts

    return preflight(tpl, region="us-east-1", live=True, session=session or HybridSession(), today=TODAY,
                     cfn_lint=False, costs=ModelCosts(), **kwargs)


def certificate(domain, zone_id=None):
    props = {"DomainName": domain, "ValidationMethod": "DNS"}
    if zone_id is not None:
        props["DomainValidationOptions"] = [{"DomainName": domain, "HostedZoneId": zone_id}]
    return template(Cert=resource("AWS::CertificateManager::Certificate", **props))


def checks(report, rule_id):
    return {f.check: f for f in report.findings if f.rule_id == rule_id}


def _zone(name, private=False):
    route53 = boto3.client("route53")
    kwargs = {"Name": name, "CallerReference": name + str(private)}
    if private:
        ec2 = boto3.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        kwargs.update(HostedZoneConfig={"PrivateZone": True, "Comment": "x"},
                      VPC={"VPCRegion": "us-east-1", "VPCId": vpc})
    return route53.create_hosted_zone(**kwargs)["HostedZone"]["Id"].rsplit("/", 1)[-1]


# --- certificate domain against the emulator's Route 53 --------------------------------------------

def test_zone_in_the_account_and_named_in_the_template_passes(aws_env):
    zone_id = _zone("payments.io")
    _zone("other.io")
    report = live(certificate("api.eu.payments.io", zone_id))
    found = checks(report, "ACM-CERTIFICATE-DOMAIN")
    assert set(found) == {"delegation-not-verified"} and found["delegation-not-verified"].severity == "info"
    assert zone_id in found["delegation-not-verified"].message
    assert found["delegation-not-verified"].source.startswith("live route53:ListHostedZonesByName in us-east-1")
    assert report.passed


def test_no_zone_covering_the_domain_is_an_error(aws_env):
    _zone("payments.io")
    found = checks(live(certificate("api.shop.io", "Z123")), "ACM-CERTIFICATE-DOMAIN")
    assert found["no-hosted-zone"].severity == "error"


def test_only_a_private_zone_is_an_error_that_says_so(aws_env):
    _zone("payments.io", private=True)
    found = checks(live(certificate("api.payments.io")), "ACM-CERTIFICATE-DOMAIN")
    assert "private" in found["no-hosted-zone"].message


def test_wrong_zone_named_in_the_template_is_an_error(aws_env):
    zone_id = _zone("payments.io")
    found = checks(live(certificate("api.payments.io", "ZWRONGZONE")), "ACM-CERTIFICATE-DOMAIN")
    assert found["zone-mismatch"].severity == "error" and zone_id in found["zone-mismatch"].message


def test_zone_exists_but_not_named_is_a_warning(aws_env):
    _zone("payments.io")
    found = checks(live(certificate("api.payments.io")), "ACM-CERTIFICATE-DOMAIN")
    assert found["no-validation-zone"].severity == "warning"


def test_reserved_domain_is_an_error_even_when_the_emulator_holds_the_zone(aws_env):
    zone_id = _zone("example.com")
    found = checks(live(certificate("payment-api.example.com", zone_id)), "ACM-CERTIFICATE-DOMAIN")
    assert set(found) == {"reserved-domain"}


# --- Elastic IPs: allocated in the emulator, quota stubbed ------------------------------------------

def eips(n):
    return {f"Eip{i}": resource("AWS::EC2::EIP", Domain="vpc") for i in range(n)}


def test_allocated_addresses_count_against_the_quota(aws_env):
    ec2 = boto3.client("ec2")
    for _ in range(3):
        ec2.allocate_address(Domain="vpc")
    found = checks(live(template(**eips(3))), "EC2-EIP-QUOTA")
    over = found["over-quota"]
    assert over.severity == "error" and "3 already allocated" in over.message and "= 6 of the quota 5" in over.message
    assert "live ec2:DescribeAddresses" in over.source
    # moto serves no EC2 quota: the default is assumed, and the finding says so.
    assert "assumed AWS's default 5" in over.message


def test_applied_quota_from_service_quotas(aws_env):
    quotas = boto3.client("service-quotas", region_name="us-east-1")
    stub = Stubber(quotas)
    stub.add_response("get_service_quota", {"Quota": {
        "ServiceCode": "ec2", "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
        "QuotaArn": "arn:aws:servicequotas:us-east-1:123456789012:ec2/L-0263D0A3", "QuotaCode": "L-0263D0A3",
        "QuotaName": "EC2-VPC Elastic IPs", "Value": 10.0, "Unit": "None", "Adjustable": True,
        "GlobalQuota": False}}, {"ServiceCode": "ec2", "QuotaCode": "L-0263D0A3"})
    boto3.client("ec2").allocate_address(Domain="vpc")
    with stub:
        found = checks(live(template(**eips(6)), HybridSession({"service-quotas": quotas})), "EC2-EIP-QUOTA")
    assert set(found) == {"within-quota"} and "= 7 of the quota 10" in found["within-quota"].message
    stub.assert_no_pending_responses()


def test_no_applied_quota_falls_back_to_the_aws_default(aws_env):
    quotas = boto3.client("service-quotas", region_name="us-east-1")
    stub = Stubber(quotas)
    stub.add_client_error("get_service_quota", "NoSuchResourceException", "The request failed because the "
                          "specified service quota does not exist.", 400)
    stub.add_response("get_aws_default_service_quota", {"Quota": {
        "ServiceCode": "ec2", "QuotaCode": "L-0263D0A3", "QuotaName": "EC2-VPC Elastic IPs", "Value": 5.0,
        "Adjustable": True, "GlobalQuota": False}})
    with stub:
        found = checks(live(template(**eips(4)), HybridSession({"service-quotas": quotas})), "EC2-EIP-QUOTA")
    assert found["near-quota"].severity == "warning"
    assert "GetAWSDefaultServiceQuota" in found["near-quota"].source


# --- RDS engine versions through the Stubber ---------------------------------------------------------

def _version(version, status="available"):
    return {"Engine": "aurora-postgresql", "EngineVersion": version, "DBParameterGroupFamily": "aurora-postgresql15",
            "DBEngineDescription": "Aurora (PostgreSQL)", "DBEngineVersionDescription": f"Aurora PostgreSQL {version}",
            "Status": status, "SupportsReadReplica": True, "SupportedEngineModes": ["provisioned"]}


def stubbed_rds(pages, orderable=None):
    rds = boto3.client("rds", region_name="us-east-1")
    stub = Stubber(rds)
    for i, versions in enumerate(pages):
        response = {"DBEngineVersions": versions}
        params = {"Engine": "aurora-postgresql", "IncludeAll": True}
        if i + 1 < len(pages):
            response["Marker"] = f"page{i + 2}"
        if i:
            params["Marker"] = f"page{i + 1}"
        stub.add_response("describe_db_engine_versions", response, params)
    for instance_class, ok in (orderable or {}).items():
        options = [{"Engine": "aurora-postgresql", "EngineVersion": "15.10", "DBInstanceClass": instance_class,
                    "StorageType": "aurora", "AvailabilityZones": [{"Name": "us-east-1a"}]}] if ok else []
        stub.add_response("describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": options})
    return rds, stub


def test_live_engine_versions_paginated_with_include_all(aws_env):
    rds, stub = stubbed_rds([[_version("15.3", "deprecated"), _version("15.10")],
                             [_version("15.12"), _version("16.4", "deprecated")]])
    with stub:
        found = checks(live(template(**aurora(version="15.3")), HybridSession({"rds": rds})), "RDS-ENGINE-VERSION")
    stub.assert_no_pending_responses()  # both pages were read
    deprecated = found["deprecated"]
    assert deprecated.severity == "error" and deprecated.source.startswith("live rds:DescribeDBEngineVersions")
    assert "15.10 (LTS)" in deprecated.fix and "15.12 (latest 15.x)" in deprecated.fix


def test_live_unknown_version_and_orderable_class(aws_env):
    rds, stub = stubbed_rds([[_version("15.10"), _version("15.12")]])
    with stub:
        found = checks(live(template(**aurora(version="15.9")), HybridSession({"rds": rds})), "RDS-ENGINE-VERSION")
    assert found["unknown"].severity == "error"
    rds, stub = stubbed_rds([[_version("15.10")]], orderable={"db.x9.mega": False})
    with stub:
        found = checks(live(template(**aurora(version="15.10", instance_class="db.x9.mega")),
                            HybridSession({"rds": rds})), "RDS-ENGINE-VERSION")
    assert found["instance-class"].severity == "error" and "not orderable" in found["instance-class"].message


def test_serverless_v2_below_the_minimum_minor_on_a_version_the_api_still_offers(aws_env):
    from infrakit.core.catalogs import engine_catalog, version_key

    minimum = engine_catalog().majors["17"].serverless_v2_min_minor
    below = f"17.{int(minimum.split('.')[1]) - 1}"
    assert version_key(below) < version_key(minimum)
    rds, stub = stubbed_rds([[_version(below), _version("17.7")]])
    resources = aurora(version=below, instance_class="db.serverless",
                       ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})
    with stub:
        found = checks(live(template(**resources), HybridSession({"rds": rds})), "RDS-ENGINE-VERSION")
    assert found["serverless-v2-minimum"].severity == "error" and minimum in found["serverless-v2-minimum"].message


def test_access_denied_falls_back_to_the_catalog_and_says_so(aws_env):
    rds = boto3.client("rds", region_name="us-east-1")
    stub = Stubber(rds)
    stub.add_client_error("describe_db_engine_versions", "AccessDenied",
                          "User is not authorized to perform: rds:DescribeDBEngineVersions", 403)
    with stub:
        found = checks(live(template(**aurora(version="15.3")), HybridSession({"rds": rds})), "RDS-ENGINE-VERSION")
    assert set(found) == {"deprecated"} and found["deprecated"].severity == "error"
    assert "AccessDenied" in found["deprecated"].source and "catalog" in found["deprecated"].source


def test_the_emulator_without_rds_versions_still_catches_15_3(aws_env):
    found = checks(live(template(**aurora(version="15.3"))), "RDS-ENGINE-VERSION")
    assert found["deprecated"].severity == "error" and "fallback" in found["deprecated"].source


def test_cli_live_mode_reaches_the_emulator_through_aws_endpoint_url(aws_env, tmp_path, capsys):
    import json

    zone_id = _zone("payments.io")
    path = tmp_path / "t.json"
    path.write_text(json.dumps(certificate("api.payments.io", zone_id)))
    assert main(["preflight", "--template", str(path), "--live", "--no-cfn-lint", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["data_source"]["mode"] == "live" and data["data_source"]["endpoint"].startswith(aws_env)
    assert [f["check"] for f in data["findings"] if f["rule_id"] == "ACM-CERTIFICATE-DOMAIN"] == \
        ["delegation-not-verified"]
