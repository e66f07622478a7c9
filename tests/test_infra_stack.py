"""The payment API stack synthesized from scenarios: structure, security, and the invariant
that the cost read back from the template equals the scenario's cost, line by line."""

import json

import pytest

from cost_model import cost_scenario, cost_template
from infrakit.core.errors import InputError
from infrakit.core.schema import validate_scenario
from tests.conftest import HTTPS

pytestmark = pytest.mark.slow

def find(results, **keys):
    return next(r for s, r in results if all(s[k] == v for k, v in keys.items()))


def resources(template, resource_type):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_cost_from_template_equals_cost_from_scenario_line_by_line(grid_results):
    assert len(grid_results) == 64
    for scenario, result in grid_results:
        from_scenario = cost_scenario(scenario).lines()
        from_template = cost_template(result.template, scenario).lines()
        assert from_template == from_scenario, result.stack_name


@pytest.mark.parametrize("nat,azs,nat_gateways,eips", [
    ("per_az", 3, 3, 3), ("per_az", 2, 2, 2), ("single", 3, 1, 1), ("regional", 3, 1, 0), ("none", 2, 0, 0)])
def test_nat_gateways_eips_and_subnets(grid_results, nat, azs, nat_gateways, eips):
    from aws_cdk.assertions import Template

    template = find(grid_results, nat_strategy=nat, az_count=azs).template
    assertions = Template.from_json(template)
    assertions.resource_count_is("AWS::EC2::NatGateway", nat_gateways)
    assertions.resource_count_is("AWS::EC2::EIP", eips)
    assertions.resource_count_is("AWS::EC2::Subnet", 2 * azs)
    subnets = resources(template, "AWS::EC2::Subnet").values()
    assert len(subnets) == 2 * azs
    zones = sorted({s["Properties"]["AvailabilityZone"] for s in subnets})
    assert zones == [f"us-east-1{c}" for c in "abc"[:azs]]  # real names, never dummy1a


def test_regional_nat_and_no_nat_endpoints(grid_results):
    regional = find(grid_results, nat_strategy="regional").template
    (nat,) = resources(regional, "AWS::EC2::NatGateway").values()
    assert nat["Properties"]["AvailabilityMode"] == "regional"
    isolated = find(grid_results, nat_strategy="none", az_count=3).template
    endpoints = resources(isolated, "AWS::EC2::VPCEndpoint").values()
    services = sorted(json.dumps(e["Properties"]["ServiceName"]) for e in endpoints)
    assert len(endpoints) == 5 and any("s3" in s for s in services)
    interface = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Interface"]
    assert len(interface) == 4 and all(len(e["Properties"]["SubnetIds"]) == 3 for e in interface)
    assert not resources(isolated, "AWS::EC2::NatGateway")


def test_db_instances_spread_over_distinct_azs(grid_results):
    template = find(grid_results, reader_count=2, az_count=3).template
    instances = resources(template, "AWS::RDS::DBInstance").values()
    assert sorted(i["Properties"]["AvailabilityZone"] for i in instances) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert all(i["Properties"]["PubliclyAccessible"] is False for i in instances)
    (cluster,) = resources(template, "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["StorageEncrypted"] is True
    assert cluster["Properties"]["EngineVersion"] == "16.8"
    io = find(grid_results, storage_type="io_optimized").template
    (io_cluster,) = resources(io, "AWS::RDS::DBCluster").values()
    assert io_cluster["Properties"]["StorageType"] == "aurora-iopt1"


def _ingress(template, group_id):
    """Every ingress rule of a security group, inline or as separate resources."""
    group = template["Resources"][group_id]["Properties"]
    rules = [dict(r, Source="inline") for r in group.get("SecurityGroupIngress", [])]
    for resource in resources(template, "AWS::EC2::SecurityGroupIngress").values():
        props = resource["Properties"]
        if props["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}:
            rules.append(props)
    return rules


def _group_id(template, description_fragment):
    return next(k for k, v in resources(template, "AWS::EC2::SecurityGroup").items()
                if description_fragment in v["Properties"]["GroupDescription"])


@pytest.mark.parametrize("protocol,ports", [("HTTP", [80]), ("HTTPS", [80, 443])])
def test_alb_ingress_is_exactly_the_listener_ports(grid_results, protocol, ports):
    template = find(grid_results, listener_protocol=protocol).template
    listeners = resources(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    listener_ports = sorted(l["Properties"]["Port"] for l in listeners)
    assert listener_ports == ports
    protocols = {l["Properties"]["Port"]: l["Properties"]["Protocol"] for l in listeners}
    assert protocols[ports[-1]] == protocol
    alb_rules = _ingress(template, _group_id(template, "ALB:"))
    assert sorted(r["FromPort"] for r in alb_rules) == ports
    assert all(r["CidrIp"] == "0.0.0.0/0" and r["FromPort"] == r["ToPort"] for r in alb_rules)
    if protocol == "HTTPS":
        (certificate,) = resources(template, "AWS::CertificateManager::Certificate").values()
        assert certificate["Properties"]["DomainName"] == "api.payments.acme.io"
        assert certificate["Properties"]["DomainValidationOptions"][0]["HostedZoneId"] == "Z0123456789ABC"
        redirect = next(l for l in listeners if l["Properties"]["Port"] == 80)
        assert redirect["Properties"]["DefaultActions"][0]["Type"] == "redirect"


def test_service_admits_only_the_alb_and_database_only_the_service(grid_results):
    template = find(grid_results, listener_protocol="HTTP").template
    alb, service, database = (_group_id(template, d) for d in ("ALB:", "service:", "database:"))
    (service_rule,) = _ingress(template, service)
    assert service_rule["SourceSecurityGroupId"] == {"Fn::GetAtt": [alb, "GroupId"]}
    assert service_rule["FromPort"] == service_rule["ToPort"] == 80
    (db_rule,) = _ingress(template, database)
    assert db_rule["SourceSecurityGroupId"] == {"Fn::GetAtt": [service, "GroupId"]}
    assert db_rule["FromPort"] == db_rule["ToPort"] == 5432


def test_no_custom_resources_or_lambdas(grid_results):
    for _, result in grid_results:
        types = set(result.resource_counts())
        assert not any(t.startswith("Custom::") or t in ("AWS::CloudFormation::CustomResource",
                                                           "AWS::Lambda::Function") for t in types)


def test_names_carry_environment_suffix(grid_results):
    scenario, result = grid_results[5]
    (cluster,) = resources(result.template, "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DBClusterIdentifier"] == f"payment-api-{scenario['environment_suffix']}"


def test_deletion_policy_by_environment(tmp_path):
    from infra_lib.cdk.synth import synth_many

    dev, prod = synth_many([validate_scenario({"environment": "dev", "environment_suffix": "dpdev"}),
                            validate_scenario({"environment": "prod", "environment_suffix": "dpprod"})],
                           cache_dir=tmp_path)
    from aws_cdk.assertions import Match, Template

    Template.from_json(prod.template).has_resource("AWS::RDS::DBCluster", {
        "DeletionPolicy": "Snapshot", "Properties": Match.object_like({"DeletionProtection": True,
                                                                       "StorageEncrypted": True})})
    Template.from_json(dev.template).has_resource("AWS::RDS::DBCluster", {"DeletionPolicy": "Delete"})
    (dev_cluster,) = resources(dev.template, "AWS::RDS::DBCluster").values()
    (prod_cluster,) = resources(prod.template, "AWS::RDS::DBCluster").values()
    assert dev_cluster["DeletionPolicy"] == "Delete" and not dev_cluster["Properties"].get("DeletionProtection")
    assert prod_cluster["DeletionPolicy"] == "Snapshot" and prod_cluster["Properties"]["DeletionProtection"] is True
    assert prod_cluster["Properties"]["BackupRetentionPeriod"] == 30


def test_cache_hit_returns_same_template(tmp_path):
    from infra_lib.cdk.synth import cache_key, synth

    scenario = validate_scenario({"environment_suffix": "cache"})
    first = synth(scenario, cache_dir=tmp_path)
    second = synth(scenario, cache_dir=tmp_path)
    assert not first.cached and second.cached and first.template == second.template
    usage_changed = validate_scenario({"environment_suffix": "cache", "nat_data_gb_per_month": 999})
    assert cache_key(usage_changed) == cache_key(scenario)  # usage does not change the template
    assert cache_key(validate_scenario({"environment_suffix": "cache", "az_count": 3})) != cache_key(scenario)


@pytest.mark.parametrize("raw,fragment", [
    ({"listener_protocol": "HTTPS"}, "HTTPS needs domain_name"),
    ({**HTTPS, "domain_name": "payment-api.example.com", "hosted_zone_name": "example.com"}, "reserved domain"),
    ({**HTTPS, "hosted_zone_name": "other.io"}, "does not cover domain_name"),
    ({"engine_version": "15.3"}, "15.3 is deprecated"),
    ({"engine_version": "15.9"}, "not a version the catalog"),
    ({"nat_strategy": "none"}, "public registry"),
    ({"region": "eu-west-1", "az_count": 4}, "more than the 3 Availability Zones"),
])
def test_bad_input_fails_before_synth(raw, fragment, monkeypatch):
    from infra_lib.cdk import synth as synth_module

    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    with pytest.raises(InputError) as info:
        synth_module.synth(raw, cache=False)
    assert fragment in str(info.value)


def test_cache_hit_does_not_start_jsii(tmp_path):
    """A cached template is served without importing aws_cdk (no Node start-up)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys\nfrom infra_lib.cdk.synth import synth\nfrom infrakit.core.schema import validate_scenario\n"
            "r = synth(validate_scenario({'environment_suffix': 'warm'}), cache_dir=sys.argv[1])\n"
            "print(r.cached, 'aws_cdk' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    second = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert first.stdout.split() == ["False", "True"], first.stderr
    assert second.stdout.split() == ["True", "False"], second.stderr
