"""Each preflight rule on a good and a bad template, offline (no jsii, no AWS)."""

from __future__ import annotations

import datetime as dt
import pkgutil

import pytest

import infra_lib.preflight.rules as rules_pkg
from infra_lib.preflight import Suppression, parse_suppressions, preflight
from infra_lib.preflight.packs import DEFAULT_PACK
from infra_lib.preflight.rules import ALL_RULES
from infrakit.core.catalogs import engine_catalog, version_key
from infrakit.core.errors import InputError
from infrakit.preflight import ModelCosts
from tests.preflight_templates import aurora, group_id, ref, resource, subnets, template, web

TODAY = dt.date(2026, 11, 28)


def run(tpl, **kwargs):
    kwargs.setdefault("region", "us-east-1")
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("cfn_lint", False)
    kwargs.setdefault("costs", ModelCosts())
    return preflight(tpl, **kwargs)


def found(report, rule_id, check=None):
    return [f for f in report.findings if f.rule_id == rule_id and (check is None or f.check == check)]


def only(report, rule_id, check):
    hits = found(report, rule_id, check)
    assert len(hits) == 1, [(f.rule_id, f.check, f.message) for f in report.findings]
    return hits[0]


# --- rule modules and packs --------------------------------------------------------------------

def test_every_rule_module_is_registered_and_documented():
    modules = {name for _, name, _ in pkgutil.iter_modules(rules_pkg.__path__)}
    registered = {rule.__name__.rsplit(".", 1)[-1] for rule in ALL_RULES}
    assert modules == registered
    ids = [rule.ID for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    for rule in ALL_RULES:
        assert rule.TITLE and len(rule.RATIONALE) > 40 and rule.SOURCE_URL.startswith("https://")


def test_every_pack_key_names_a_real_rule_and_a_known_severity():
    ids = {rule.ID for rule in ALL_RULES} | {"PREFLIGHT"}
    for key, severity in DEFAULT_PACK.items():
        assert key.split("/")[0] in ids, key
        assert severity in ("error", "warning", "info")


# --- 1. engine version -------------------------------------------------------------------------

def test_deprecated_version_is_an_error_naming_creatable_alternatives():
    finding = only(run(template(**aurora(version="15.3"))), "RDS-ENGINE-VERSION", "deprecated")
    assert finding.severity == "error" and finding.resource == "Cluster"
    assert "Cannot find version 15.3 for aurora-postgresql" in finding.message
    catalog = engine_catalog()
    for suggestion in catalog.suggestions("15.3"):
        assert suggestion.split(" ")[0] in finding.fix
    assert "15.10" in finding.fix  # the 15.x LTS
    assert "snapshot " + catalog.snapshot_date.isoformat() in finding.source


def test_unknown_version_is_an_error_too():
    finding = only(run(template(**aurora(version="15.99"))), "RDS-ENGINE-VERSION", "unknown")
    assert finding.severity == "error" and "15.10" in finding.fix


def test_creatable_current_version_passes():
    report = run(template(**aurora(version="17.7")))
    assert not found(report, "RDS-ENGINE-VERSION") and report.passed


def test_past_standard_support_is_a_warning_with_the_projected_extended_support_cost():
    catalog = engine_catalog()
    version = catalog.available_in_major("13")[-1].version
    report = run(template(**aurora(version=version, instance_class="db.r6g.large", instances=2)))
    finding = only(report, "RDS-ENGINE-VERSION", "past-standard-support")
    assert finding.severity == "warning" and report.passed
    # Expected figure from the catalogs: vCPUs x instances x 730 h x the Yr1-Yr2 rate in prices.csv, from the
    # row the finding cites (a rate for every major, or one per major: whichever prices.csv holds).
    import re

    from cost_model.catalog import load_price_catalog

    (usage_type,) = re.findall(r"\((ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL\w*)", finding.message)
    prices = load_price_catalog()
    row = prices.row(int(prices.row_index(["us-east-1"], [usage_type])[0, 0]))
    expected = catalog.instance_vcpus["db.r6g.large"] * 2 * 730 * row["usd_per_unit"]
    assert expected > 0 and f"${expected:,.2f}/month" in finding.message


def test_instance_class_too_old_for_the_version_is_an_error():
    catalog = engine_catalog()
    case = None
    for instance_class, minimums in catalog.instance_min_versions.items():
        for major, minimum in minimums.items():
            older = [m.version for m in catalog.available_in_major(major)
                     if version_key(m.version) < version_key(minimum)]
            if older:
                case = (instance_class, older[-1], minimum)
    assert case, "the catalog has no class whose minimum is above an available minor"
    instance_class, version, minimum = case
    finding = only(run(template(**aurora(version=version, instance_class=instance_class))),
                   "RDS-ENGINE-VERSION", "instance-class")
    assert finding.severity == "error" and finding.resource == "Instance0" and minimum in finding.message


def test_io_optimized_below_its_minimum_minor_is_an_error():
    catalog = engine_catalog()
    major, minimum = next((m.major, m.io_optimized_min_minor) for m in catalog.majors.values()
                          if m.io_optimized_min_minor and any(version_key(v.version) < version_key(m.io_optimized_min_minor)
                                                              for v in catalog.available_in_major(m.major)))
    version = next(v.version for v in catalog.available_in_major(major) if version_key(v.version) < version_key(minimum))
    bad = run(template(**aurora(version=version, StorageType="aurora-iopt1")))
    assert only(bad, "RDS-ENGINE-VERSION", "io-optimized-minimum").severity == "error"
    good = run(template(**aurora(version=version, StorageType="aurora")))
    assert not found(good, "RDS-ENGINE-VERSION", "io-optimized-minimum")


def test_serverless_v2_on_a_current_version_passes_and_an_uncreatable_one_is_reported_first():
    # Every catalog minor below a Serverless v2 minimum is already deprecated, so offline the
    # version error is what shows; the minimum itself is tested live (test_preflight_live.py).
    resources = aurora(version="15.1", instance_class="db.serverless",
                       ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})
    found_checks = {f.check for f in run(template(**resources)).findings if f.rule_id == "RDS-ENGINE-VERSION"}
    assert found_checks & {"deprecated", "unknown"} and "serverless-v2-minimum" not in found_checks
    catalog = engine_catalog()
    ok = run(template(**aurora(version=catalog.available_in_major("17")[-1].version, instance_class="db.serverless")))
    assert not found(ok, "RDS-ENGINE-VERSION")


def test_version_as_a_parameter_or_missing_is_reported_not_crashed():
    report = run(template(**aurora(version={"Ref": "EngineVersionParam"})))
    # not checked is not passed: a warning, so the report asks a reader to look (never a silent info)
    assert only(report, "RDS-ENGINE-VERSION", "unverified").severity == "warning"
    report = run(template(**aurora(version=None)))
    assert only(report, "RDS-ENGINE-VERSION", "not-pinned").severity == "warning"


def test_other_engines_offline_are_unverified_not_passed_silently():
    tpl = template(Db=resource("AWS::RDS::DBInstance", Engine="mysql", EngineVersion="8.0.11",
                               DBInstanceClass="db.t3.micro", StorageEncrypted=True))
    finding = only(run(tpl), "RDS-ENGINE-VERSION", "engine-not-in-catalog")
    assert "aurora-postgresql only" in finding.message and finding.severity == "warning"


# --- 2. certificate domain ----------------------------------------------------------------------

def certificate(domain, method="DNS", options=None, sans=None):
    props = {"DomainName": domain, "ValidationMethod": method}
    if options is not None:
        props["DomainValidationOptions"] = options
    if sans:
        props["SubjectAlternativeNames"] = sans
    return template(Cert=resource("AWS::CertificateManager::Certificate", **props))


@pytest.mark.parametrize("domain", ["payment-api.example.com", "api.example.org", "shop.test", "x.invalid",
                                    "PAYMENTS.EXAMPLE.NET."])
def test_reserved_domains_are_errors_whatever_the_account_holds(domain):
    finding = only(run(certificate(domain)), "ACM-CERTIFICATE-DOMAIN", "reserved-domain")
    assert finding.severity == "error" and finding.resource == "Cert"


def test_reserved_domain_in_a_subject_alternative_name_is_caught():
    report = run(certificate("api.payments.io", sans=["www.example.com"]))
    assert only(report, "ACM-CERTIFICATE-DOMAIN", "reserved-domain").message.count("www.example.com")


def test_email_validation_is_a_warning():
    assert only(run(certificate("api.payments.io", method="EMAIL")), "ACM-CERTIFICATE-DOMAIN",
                "email-validation").severity == "warning"


def test_offline_dns_validation_says_it_could_not_verify_ownership():
    report = run(certificate("api.payments.io"))
    assert only(report, "ACM-CERTIFICATE-DOMAIN", "not-verified").severity == "warning"
    assert only(report, "ACM-CERTIFICATE-DOMAIN", "no-validation-zone").severity == "warning"
    assert report.passed


def test_a_zone_created_by_the_same_stack_is_not_delegated():
    tpl = certificate("api.payments.io", options=[{"DomainName": "api.payments.io", "HostedZoneId": ref("Zone")}])
    tpl["Resources"]["Zone"] = resource("AWS::Route53::HostedZone", Name="payments.io")
    assert only(run(tpl), "ACM-CERTIFICATE-DOMAIN", "new-zone").severity == "warning"


# --- 3. Elastic IP quota ------------------------------------------------------------------------

def eips(n):
    return {f"Eip{i}": resource("AWS::EC2::EIP", Domain="vpc") for i in range(n)}


@pytest.mark.parametrize("count, check, severity", [(3, "within-quota", "info"), (4, "near-quota", "warning"),
                                                    (5, "near-quota", "warning"), (6, "over-quota", "error")])
def test_eip_count_against_the_default_quota_offline(count, check, severity):
    finding = only(run(template(**eips(count))), "EC2-EIP-QUOTA", check)
    assert finding.severity == severity
    assert "assumes none allocated" in finding.message and "default quota" in finding.message


def test_regional_nat_in_automatic_mode_counts_one_address_per_az():
    tpl = template(Nat=resource("AWS::EC2::NatGateway", AvailabilityMode="regional", VpcId=ref("Vpc")),
                   **subnets("us-east-1a", "us-east-1b", "us-east-1c"), **eips(3))
    finding = only(run(tpl), "EC2-EIP-QUOTA", "over-quota")  # 3 explicit + 3 regional = 6 > 5
    assert "3 AWS::EC2::EIP" in finding.message and "one per AZ (3)" in finding.message


def test_no_eips_no_finding():
    assert not found(run(template(**aurora())), "EC2-EIP-QUOTA")


# --- 4. security groups vs listeners, targets, database -----------------------------------------

def test_seed_case_443_open_for_an_http_80_listener_is_two_errors():
    report = run(template(**web(alb_ports=(443,), listener_port=80)))
    listener = only(report, "SG-LISTENER-PORTS", "listener-not-admitted")
    stray = only(report, "SG-LISTENER-PORTS", "port-without-listener")
    assert listener.resource == "Listener" and "HTTP:80" in listener.message and "443" in listener.message
    assert stray.resource == "AlbSg" and stray.severity == "error"
    assert not report.passed


@pytest.mark.parametrize("inline", [True, False])
@pytest.mark.parametrize("port_as_string", [True, False])
def test_matching_ports_pass_in_every_form(inline, port_as_string):
    report = run(template(**web(alb_ports=(80,), listener_port=80, inline=inline, port_as_string=port_as_string)))
    assert not found(report, "SG-LISTENER-PORTS") and not found(report, "SG-TARGET-PORTS")


def test_separate_ingress_resource_with_string_ports_still_catches_the_mismatch():
    report = run(template(**web(alb_ports=(443,), listener_port="80", inline=False, port_as_string=True)))
    assert found(report, "SG-LISTENER-PORTS", "listener-not-admitted")
    stray = only(report, "SG-LISTENER-PORTS", "port-without-listener")
    assert stray.resource == "AlbIngress0"  # the resource that declares the rule


def test_imported_load_balancer_group_is_unverified_a_warning_not_an_error():
    # Ports nobody checked are not a pass (the seed's 443-vs-80), yet not proven wrong either.
    groups = [{"Fn::ImportValue": "shared-alb-sg"}]
    report = run(template(**web(alb_groups=groups, with_service=False)))
    finding = only(report, "SG-LISTENER-PORTS", "unverified")
    assert finding.severity == "warning" and "shared-alb-sg" in finding.message and report.passed


def test_all_ports_open_on_the_alb_is_a_warning():
    tpl = template(**web(alb_ports=(), listener_port=80))
    tpl["Resources"]["AlbSg"]["Properties"]["SecurityGroupIngress"] = [
        {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "CidrIp": "0.0.0.0/0"}]
    assert only(run(tpl), "SG-LISTENER-PORTS", "port-range-wider-than-listeners").severity == "warning"


def test_target_port_not_admitted_from_the_alb_is_an_error():
    tpl = template(**web())
    del tpl["Resources"]["ServiceFromAlb"]
    finding = only(run(tpl), "SG-TARGET-PORTS", "target-not-admitted")
    assert finding.resource == "Service" and "8080" in finding.message


def test_target_admitted_from_the_internet_instead_of_the_alb_is_a_warning():
    report = run(template(**web(service_ingress={"CidrIp": "0.0.0.0/0"})))
    assert only(report, "SG-TARGET-PORTS", "target-open-to-cidr").severity == "warning"


def database_with(ingress):
    resources = {**web(), **aurora()}
    resources["DbSg"] = resource("AWS::EC2::SecurityGroup", GroupDescription="db", VpcId=ref("Vpc"),
                                 SecurityGroupIngress=[ingress])
    resources["Cluster"]["Properties"]["VpcSecurityGroupIds"] = [group_id("DbSg")]
    return template(**resources)


def test_database_open_to_the_internet_is_an_error():
    report = run(database_with({"IpProtocol": "tcp", "FromPort": "5432", "ToPort": "5432", "CidrIp": "0.0.0.0/0"}))
    finding = only(report, "SG-DATABASE-SOURCES", "open-to-internet")
    assert finding.severity == "error" and finding.resource == "DbSg"


def test_database_admitting_the_service_group_passes_and_a_cidr_warns():
    good = run(database_with({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                              "SourceSecurityGroupId": group_id("ServiceSg", dotted=True)}))
    assert not found(good, "SG-DATABASE-SOURCES")
    cidr = run(database_with({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.0.0.0/16"}))
    assert only(cidr, "SG-DATABASE-SOURCES", "cidr-source").severity == "warning"
    alb = run(database_with({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                             "SourceSecurityGroupId": group_id("AlbSg")}))
    assert only(alb, "SG-DATABASE-SOURCES", "non-application-source").severity == "warning"


# --- 5. NAT layout, HTTPS, public database, encryption, custom resources ------------------------

def nat_template(count, azs=("us-east-1a", "us-east-1b", "us-east-1c"), tag=None):
    resources = {**subnets(*azs), **eips(count)}
    for i in range(count):
        resources[f"Nat{i}"] = resource("AWS::EC2::NatGateway", SubnetId=ref(f"PublicSubnet{i}"),
                                        AllocationId={"Fn::GetAtt": [f"Eip{i}", "AllocationId"]},
                                        **({"Tags": [{"Key": "Environment", "Value": tag}]} if tag else {}))
    return template(**resources)


def test_single_nat_in_prod_warns_with_the_per_az_cost_beside_it():
    finding = only(run(nat_template(1), environment="prod"), "NAT-GATEWAY-LAYOUT", "single-nat-in-prod")
    costs = ModelCosts()
    per_az = costs.nat_gateways_monthly_usd(region="us-east-1", nat_gateway_count=3)[0]
    assert finding.severity == "warning" and f"${per_az:,.2f}/month" in finding.message


def test_nat_per_az_in_dev_warns_with_the_saving_and_prod_per_az_passes():
    finding = only(run(nat_template(3, tag="dev")), "NAT-GATEWAY-LAYOUT", "nat-per-az-in-non-prod")
    assert "3 NAT gateways in a dev environment" in finding.message and "saving $" in finding.message
    assert not found(run(nat_template(3), environment="prod"), "NAT-GATEWAY-LAYOUT")


def test_environment_comes_from_tags_or_the_stack_name():
    assert run(nat_template(1, tag="production")).data_source["environment"] == "prod"
    assert run(nat_template(1), stack_name="PaymentApi-prod").data_source["environment"] == "prod"
    unknown = run(nat_template(1))
    assert unknown.data_source["environment"] is None
    assert only(unknown, "NAT-GATEWAY-LAYOUT", "single-nat-environment-unknown").severity == "info"


def test_https_listener_without_certificate_is_an_error():
    report = run(template(**web(alb_ports=(443,), listener_port=443, protocol="HTTPS")))
    assert only(report, "ALB-HTTPS-CERTIFICATE", "missing-certificate").severity == "error"
    tpl = template(**web(alb_ports=(443,), listener_port=443, protocol="HTTPS"))
    tpl["Resources"]["Listener"]["Properties"]["Certificates"] = [{"CertificateArn": "arn:aws:acm:us-east-1:1:x"}]
    assert not found(run(tpl), "ALB-HTTPS-CERTIFICATE")


def test_publicly_accessible_database_is_an_error():
    tpl = template(**aurora())
    tpl["Resources"]["Instance0"]["Properties"]["PubliclyAccessible"] = "true"
    assert only(run(tpl), "RDS-PUBLIC-ACCESS", "publicly-accessible").resource == "Instance0"
    assert not found(run(template(**aurora())), "RDS-PUBLIC-ACCESS")


@pytest.mark.parametrize("encrypted", [None, False, "false"])
def test_unencrypted_aurora_storage_is_an_error(encrypted):
    finding = only(run(template(**aurora(encrypted=encrypted))), "STORAGE-ENCRYPTION", "unencrypted")
    assert finding.severity == "error" and finding.resource == "Cluster"


def test_encrypted_storage_passes_and_volumes_are_checked():
    assert not found(run(template(**aurora(encrypted="true"))), "STORAGE-ENCRYPTION")
    tpl = template(Volume=resource("AWS::EC2::Volume", Size=10, AvailabilityZone="us-east-1a"))
    assert only(run(tpl), "STORAGE-ENCRYPTION", "unencrypted").resource == "Volume"


def test_custom_resources_backed_by_lambda_are_called_out():
    tpl = template(Fn=resource("AWS::Lambda::Function", Runtime="nodejs22.x", Handler="index.handler",
                               Code={"ZipFile": "x"}, Role="arn:aws:iam::1:role/r"),
                   Restrict=resource("Custom::VpcRestrictDefaultSG", ServiceToken={"Fn::GetAtt": ["Fn", "Arn"]}))
    report = run(tpl)
    finding = only(report, "LAMBDA-CUSTOM-RESOURCE", "custom-resource")
    assert finding.severity == "warning" and "AWS::Lambda::Function" in finding.message
    assert only(report, "LAMBDA-CUSTOM-RESOURCE", "lambda-function").severity == "info"


# --- runner: every finding collected, suppressions, cfn-lint -------------------------------------

def test_every_rule_reports_in_one_run():
    resources = {**web(alb_ports=(443,), listener_port=80), **aurora(version="15.3", encrypted=False)}
    report = run(template(**resources, **eips(6)))
    rule_ids = {f.rule_id for f in report.errors}
    assert {"RDS-ENGINE-VERSION", "SG-LISTENER-PORTS", "STORAGE-ENCRYPTION", "EC2-EIP-QUOTA"} <= rule_ids


def test_a_crashing_rule_is_an_error_finding_and_the_others_still_run(monkeypatch):
    from infra_lib.preflight.rules import public_database

    def boom(context):
        raise KeyError("Properties")

    monkeypatch.setattr(public_database, "check", boom)
    report = run(template(**aurora(version="15.3")))
    assert only(report, "PREFLIGHT", "rule-failed").severity == "error"
    assert found(report, "RDS-ENGINE-VERSION", "deprecated")


def test_suppression_keeps_the_finding_with_its_reason_and_unfails_the_run():
    tpl = template(**aurora(version="15.3"))
    assert not run(tpl).passed
    reason = "restoring an old snapshot for an audit"
    report = run(tpl, suppressions=parse_suppressions([f"RDS-ENGINE-VERSION/deprecated:Cluster={reason}"]))
    finding = only(report, "RDS-ENGINE-VERSION", "deprecated")
    assert report.passed and finding.suppressed and finding.suppression_reason == reason
    assert report.to_json()["findings"][0]["suppression_reason"] == reason
    other = run(tpl, suppressions=[Suppression("RDS-ENGINE-VERSION", reason, "OtherResource")])
    assert not other.passed  # scoped to another resource: does not apply


@pytest.mark.parametrize("spec", ["RDS-ENGINE-VERSION=short", "RDS-ENGINE-VERSION", "=a long enough reason"])
def test_suppressions_without_a_real_reason_are_bad_input(spec):
    with pytest.raises(InputError) as error:
        parse_suppressions([spec, "NAT-GATEWAY-LAYOUT=x"])
    assert len(error.value.problems) == 2  # every bad one at once


def test_template_metadata_suppressions_need_a_reason():
    tpl = template(**aurora(version="15.3"))
    tpl["Resources"]["Cluster"]["Metadata"] = {"infrakit": {"preflight_suppressions": [
        {"id": "RDS-ENGINE-VERSION", "reason": "a restore of a pinned audit snapshot"}]}}
    assert run(tpl).passed
    tpl["Resources"]["Cluster"]["Metadata"]["infrakit"]["preflight_suppressions"][0]["reason"] = "legacy"
    report = run(tpl)
    assert not report.passed and only(report, "PREFLIGHT", "bad-suppression")


def test_cfn_lint_findings_join_the_report_labelled_as_its_own():
    tpl = template(**aurora(version="15.3"))
    report = run(tpl, cfn_lint=True)
    linted = [f for f in report.findings if f.rule_id.startswith("CFN-LINT-")]
    assert linted and all(f.source.startswith("cfn-lint ") for f in linted)
    assert any(f.rule_id in ("CFN-LINT-E3690", "CFN-LINT-W3690") for f in linted)
    assert report.data_source["cfn_lint"]


def test_json_contract_keys():
    data = run(template(**aurora(version="15.3"))).to_json()
    assert data["passed"] is False and data["data_source"]["mode"] == "offline"
    for finding in data["findings"]:
        assert {"rule_id", "severity", "resource", "message", "fix", "source"} <= set(finding)
        assert finding["severity"] in ("error", "warning", "info")
