"""`infrakit cost --template` on templates that are not the kit's: every resource priced or
listed in not_priced with its reason, a header that describes the template, never a traceback.

The fixtures in tests/fixtures/foreign_templates/ are written the way published templates and
CDK apps write them (parameters with defaults, conditions, Fn::If with AWS::NoValue, short-form
YAML tags, a cloud assembly with its manifest)."""

from __future__ import annotations

import json

import pytest

from cost_model import cost_template, load_price_catalog
from cost_model.template_parts import REASONS
from infrakit.cli import main
from infrakit.core.errors import InputError
from infrakit.core.schema import validate_scenario
from infrakit.templates import load_template_file
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "foreign_templates"
NAT_BUCKET_TABLE = FIXTURES / "nat_bucket_table.json"
AURORA_MIXED = FIXTURES / "aurora_mixed_classes.yaml"
FARGATE_TWO_SIZES = FIXTURES / "fargate_two_sizes.json"
RDS_POSTGRES = FIXTURES / "rds_postgres.json"
CDK_OUT = FIXTURES / "cdk_app" / "cdk.out"
START = {"start_date": "2027-01-01"}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cost_json(capsys, *argv):
    code, out, err = run(capsys, "cost", "--template", *argv, "--json")
    assert "Traceback" not in err
    return code, json.loads(out), err


def price(usage_type: str, region: str = "us-east-1") -> float:
    frame = load_price_catalog().frame
    row = frame[(frame["region"] == region) & (frame["usage_type"] == usage_type)]
    assert len(row) == 1, usage_type
    return float(row["usd_per_unit"].iloc[0])


def by_key(payload) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for line in payload["lines"]:
        out.setdefault(line["key"], []).append(line)
    return out


def not_priced(payload) -> dict[str, dict]:
    return {entry["resource"]: entry for entry in payload["not_priced"]}


def priced_ids(payload) -> set[str]:
    return {entry["resource"] for entry in payload["template"]["priced"]}


def assert_every_resource_once(payload, template: dict) -> None:
    """Each resource of the template is priced, listed as not priced, or not created (condition
    false) - exactly one of them."""
    priced, unpriced = priced_ids(payload), set(not_priced(payload))
    skipped = {s["resource"] for s in payload["template"]["skipped"]}
    assert not priced & unpriced and not priced & skipped and not unpriced & skipped
    assert priced | unpriced | skipped == set(template["Resources"])
    assert {entry["reason"] for entry in payload["not_priced"]} <= set(REASONS)
    assert all(entry["type"] == template["Resources"][entry["resource"]]["Type"] for entry in payload["not_priced"])


def assert_totals_are_the_lines(payload) -> None:
    lines = [line["monthly_usd"] for line in payload["lines"]]
    assert None not in lines  # each line rounded to the cent
    assert payload["monthly_usd"] == pytest.approx(sum(lines), abs=0.005 * len(lines) + 0.01)
    months = payload["schedule"]  # each month rounded to the cent
    assert payload["horizon_usd"] == pytest.approx(sum(m["usd"] for m in months), abs=0.005 * len(months) + 0.01)


# --- the acceptance case: NAT + bucket + table, no Aurora (issues 12 and 14) -------------------

def test_foreign_template_without_aurora_is_priced_not_crashed(capsys):
    """Used to crash (KeyError 'none'), then to describe the kit's defaults: now the NAT gateway and
    its address are priced, the bucket and the table are usage-based, the rest free."""
    code, payload, err = cost_json(capsys, NAT_BUCKET_TABLE)
    assert code == 0, err
    keys = by_key(payload)
    assert set(keys) == {"nat_gateway_hours", "nat_gateway_data", "nat_public_ipv4_hours", "cross_az_service_data",
                         "cross_az_nat_data", "internet_egress_data"}
    # One NAT gateway: the second is behind HighAvailability=false (the parameter default).
    (nat,) = keys["nat_gateway_hours"]
    assert nat["quantity"] == 730 and nat["monthly_usd"] == round(730 * price("NatGateway-Hours"), 2)
    (address,) = keys["nat_public_ipv4_hours"]
    assert address["quantity"] == 730
    # One NAT for two AZs: half the NAT traffic (50 GB default) crosses, billed both ways.
    (crossing,) = keys["cross_az_nat_data"]
    assert crossing["quantity"] == 50.0
    # No service or database in the template: the scenario's service-to-database traffic is not applied.
    assert keys["cross_az_service_data"][0]["quantity"] == 0
    assert list(payload["template"]["usage_not_applied"]) == ["cross_az_gb_per_month"]
    unpriced = not_priced(payload)
    assert unpriced["OrdersBucket"]["reason"] == "usage-based" and unpriced["OrdersTable"]["reason"] == "usage-based"
    assert unpriced["S3Endpoint"]["reason"] == "free" and unpriced["Vpc"]["reason"] == "free"
    assert all(unpriced[n]["type"] == "AWS::EC2::Route" for n in ("PublicRoute", "PrivateRoute2"))
    assert_every_resource_once(payload, load_template_file(NAT_BUCKET_TABLE))
    assert_totals_are_the_lines(payload)
    template = payload["template"]
    assert template["aurora_clusters"] == [] and template["fargate_services"] == []
    assert template["nat_gateways"]["zonal"] == ["NatGateway1"] and template["availability_zones"] == 2
    assert {s["resource"] for s in template["skipped"]} == {"NatEip2", "NatGateway2"}
    assert template["stack"] == "nat_bucket_table" and template["path"] == str(NAT_BUCKET_TABLE)
    # Availability: egress from the template's layout (one NAT for two AZs), no database model.
    availability = payload["availability"]
    assert availability["egress_survives_az_loss"] is False and availability["egress_outage_hours_per_year"] > 0
    assert availability["db_outage_hours_per_year"] is None and availability["az_loss_database"] is None
    assert "no priced Aurora" in availability["not_assessed"]["db_outage_hours_per_year"]


def test_foreign_template_table_describes_the_template_not_the_kit(capsys):
    code, out, err = run(capsys, "cost", "--template", NAT_BUCKET_TABLE)
    assert code == 0 and "Traceback" not in err
    header = out.splitlines()[0]
    assert header.startswith("nat_bucket_table (template): us-east-1, 2 AZs, 1 zonal NAT gateway (1 EIP)")
    assert "no Aurora" in header and "no ALB" in header and "no Fargate" in header
    for kit_default in ("db.r6g.large", "17.7", "HTTP listener", "512/1024", "NAT single"):
        assert kit_default not in out.split("Prices:")[0]
    assert "not created (condition false at the parameter defaults): NatEip2 (SecondNat), NatGateway2" in out
    assert "Usage: the scenario defaults" in out
    assert "OrdersBucket AWS::S3::Bucket: usage-based" in out and "OrdersTable AWS::DynamoDB::Table: usage-based" in out
    code, markdown, _ = run(capsys, "cost", "--template", NAT_BUCKET_TABLE, "--markdown")
    assert code == 0 and "**Not priced (20 resources)**:" in markdown and "`OrdersBucket`" in markdown


def test_usage_from_a_scenario_drives_the_foreign_template(capsys, tmp_path):
    usage = tmp_path / "usage.yaml"
    usage.write_text("name: orders\nnat_data_gb_per_month: 400\nregion: eu-west-1\n")
    code, payload, _ = cost_json(capsys, NAT_BUCKET_TABLE, "--scenario", usage)
    assert code == 0 and payload["region"] == "eu-west-1"
    (data,) = by_key(payload)["nat_gateway_data"]
    assert data["quantity"] == 400 and data["unit_price_usd"] == price("NatGateway-Bytes", "eu-west-1")


# --- Aurora of several classes and clusters --------------------------------------------------

def test_mixed_aurora_classes_and_clusters(capsys):
    code, payload, err = cost_json(capsys, AURORA_MIXED)
    assert code == 0, err
    instances = [(line["resource"], line["quantity"], line["usage_type"])
                 for line in by_key(payload)["aurora_instance_hours"]]
    assert instances == [("1 x db.r6g.xlarge (standard)", 730, "InstanceUsage:db.r6g.xlarge"),
                         ("2 x db.r6g.large (standard)", 1460, "InstanceUsage:db.r6g.large"),
                         ("1 x db.r7g.large (io_optimized)", 730, "InstanceUsageIOOptimized:db.r7g.large"),
                         ("1 x db.r6g.large (io_optimized)", 730, "InstanceUsageIOOptimized:db.r6g.large")]
    for line in by_key(payload)["aurora_instance_hours"]:
        assert line["monthly_usd"] == round(line["quantity"] * price(line["usage_type"]), 2)
    keys = by_key(payload)
    # One storage and one backup line per cluster, I/O requests only on the Standard one.
    assert [line["usage_type"] for line in keys["aurora_storage"]] == ["Aurora:StorageUsage",
                                                                       "Aurora:IO-OptimizedStorageUsage"]
    assert len(keys["aurora_backup_storage"]) == 2 and len(keys["aurora_io_requests"]) == 1
    # Engine 13 is past standard support: Extended Support per vCPU of each archive instance (2 vCPUs each).
    support = keys["extended_support_years_1_2"]
    assert [(line["resource"], line["quantity"]) for line in support] == [
        ("1 x db.r7g.large, Aurora PostgreSQL 13.23", 1460), ("1 x db.r6g.large, Aurora PostgreSQL 13.23", 1460)]
    assert "ExtendedSupport:Yr1-Yr2:AuroraPostgreSQL13" == support[0]["usage_type"]
    unpriced = not_priced(payload)
    assert unpriced["LedgerServerlessReader"]["reason"] == "not modelled"
    assert "Serverless v2" in unpriced["LedgerServerlessReader"]["detail"]
    assert unpriced["ReportingCluster"]["reason"] == "not modelled" and "Aurora MySQL" in unpriced["ReportingCluster"][
        "detail"]
    assert unpriced["ReportingWriter"]["reason"] == "not modelled"
    assert_every_resource_once(payload, load_template_file(AURORA_MIXED))
    assert_totals_are_the_lines(payload)
    clusters = {c["resource"]: c for c in payload["template"]["aurora_clusters"]}
    assert clusters["LedgerCluster"]["instances"] == {"db.r6g.xlarge": 1, "db.r6g.large": 2}
    assert clusters["ArchiveCluster"] | {"instance_resources": None} == {
        "resource": "ArchiveCluster", "engine": "aurora-postgresql", "engine_version": "13.23",
        "storage_type": "io_optimized", "instances": {"db.r7g.large": 1, "db.r6g.large": 1},
        "instance_resources": None}
    assert [s["resource"] for s in payload["template"]["skipped"]] == ["LedgerReader3"]
    # The writer fails over to a reader in both clusters.
    assert payload["availability"]["az_loss_database"] == "fails over to a reader in another AZ"


def test_mixed_aurora_table_header(capsys):
    code, out, _ = run(capsys, "cost", "--template", AURORA_MIXED)
    assert code == 0
    header = out.splitlines()[0]
    assert "Aurora PostgreSQL 16.8 on 1 x db.r6g.xlarge + 2 x db.r6g.large (standard)" in header
    assert "Aurora PostgreSQL 13.23 on 1 x db.r7g.large + 1 x db.r6g.large (io_optimized)" in header
    assert "no subnets" in header and "1 secret" in header


def test_a_price_the_catalog_lacks_is_missing_never_zero(capsys):
    """eu-west-1 ships no db.r6g.xlarge or I/O-Optimized r7g row: the total is missing, exit 1."""
    code, payload, err = cost_json(capsys, AURORA_MIXED, "--region", "eu-west-1")
    assert code == 1 and payload["monthly_usd"] is None and payload["valid"] is False
    missing = [line for line in payload["lines"] if line["monthly_usd"] is None]
    assert "InstanceUsage:db.r6g.xlarge" in {line["usage_type"] for line in missing}
    assert any(p.startswith("price missing") and "db.r6g.xlarge" in p for p in payload["problems"])
    assert "price missing" in err


# --- Fargate of two sizes, load balancers, endpoints, log groups ------------------------------

def test_fargate_of_two_sizes_and_the_rest(capsys):
    code, payload, err = cost_json(capsys, FARGATE_TWO_SIZES)
    assert code == 0, err
    keys = by_key(payload)
    assert [(line["resource"], line["quantity"], line["usage_type"]) for line in keys["fargate_vcpu_hours"]] == [
        ("2 task(s) x 0.5 vCPU (x86_64)", 730, "Fargate-vCPU-Hours:perCPU"),
        ("3 task(s) x 2 vCPU (arm64)", 4380, "Fargate-ARM-vCPU-Hours:perCPU")]
    assert [line["quantity"] for line in keys["fargate_memory_gb_hours"]] == [1460, 8760]
    # The regional NAT gateway is billed in each of the two AZs, with an address in each.
    assert keys["regional_nat_gateway_hours"][0]["quantity"] == 1460
    assert keys["nat_public_ipv4_hours"][0]["quantity"] == 1460
    assert keys["elastic_ip_public_ipv4_hours"][0]["quantity"] == 730  # BastionEip: on no NAT gateway
    assert keys["alb_public_ipv4_hours"][0]["quantity"] == 1460  # the internet-facing ALB in 2 AZs
    assert keys["internal_alb_hours"][0]["quantity"] == 730 and "internal_alb_lcu_hours" in keys
    assert [line["quantity"] for line in keys["interface_endpoint_hours"]] == [1460, 730]
    assert len(keys["interface_endpoint_data"]) == 1  # once, not once per row
    # Log ingestion (5 GB default) shared by the two groups; one never expires (priced at 3653 days).
    assert [line["quantity"] for line in keys["log_ingestion"]] == [2.5, 2.5]
    assert [line["resource"] for line in keys["log_storage"]] == ["service log group (14 days retained)",
                                                                  "service log group (3653 days retained)"]
    unpriced = not_priced(payload)
    assert unpriced["Nlb"]["reason"] == "not modelled" and "Network Load Balancer" in unpriced["Nlb"]["detail"]
    assert unpriced["SpotService"]["reason"] == "not modelled" and "Spot" in unpriced["SpotService"]["detail"]
    assert_every_resource_once(payload, load_template_file(FARGATE_TWO_SIZES))
    assert_totals_are_the_lines(payload)
    services = {s["resource"]: s for s in payload["template"]["fargate_services"]}
    assert services["WorkerService"] == {"resource": "WorkerService", "tasks": 3, "vcpu": 2.0, "memory_gb": 4.0,
                                         "arch": "arm64"}
    assert payload["availability"]["az_loss_egress"] == "the regional NAT gateway keeps serving the remaining AZs"


def test_rds_outside_aurora_is_listed_not_priced(capsys):
    code, payload, err = cost_json(capsys, RDS_POSTGRES)
    assert code == 0, err
    database = not_priced(payload)["Database"]
    assert database["reason"] == "not modelled" and "engine postgres" in database["detail"]
    assert "db.t4g.micro" in database["detail"]  # the parameter's default
    assert priced_ids(payload) == {"DbSecret"}
    assert_every_resource_once(payload, load_template_file(RDS_POSTGRES))


def test_a_cdk_apps_cloud_assembly(capsys):
    code, payload, err = cost_json(capsys, CDK_OUT)
    assert code == 0, err
    assert payload["region"] == "eu-west-1"  # from the assembly's manifest
    assert payload["template"]["stack"] == "IngestStack"
    unpriced = not_priced(payload)
    assert unpriced["IngestFunction1E2F3A4B"]["reason"] == "usage-based"
    assert unpriced["IngestQueue6C7D8E9F"]["reason"] == "usage-based"
    assert unpriced["RawEventsBucketAutoDeleteObjectsCustomResource5E6F7A8B"]["reason"] == "free"
    assert unpriced["CDKMetadata"]["reason"] == "free"  # its condition holds in eu-west-1
    assert unpriced["DataKey0F1E2D3C"]["reason"] == "not modelled"
    assert priced_ids(payload) == {"IngestVpcPublicSubnet1NATGateway0A1B2C3D", "IngestVpcPublicSubnet1EIP3B2A1C0D",
                                   "IngestFunctionLogGroup5B6C7D8E"}
    assert by_key(payload)["nat_gateway_hours"][0]["unit_price_usd"] == price("NatGateway-Hours", "eu-west-1")
    assert_every_resource_once(payload, load_template_file(CDK_OUT / "IngestStack.template.json"))


# --- forms that must never become a traceback -------------------------------------------------

def _template(resources: dict, **sections) -> dict:
    return {"AWSTemplateFormatVersion": "2010-09-09", **sections, "Resources": resources}


def _cost(template: dict):
    return cost_template(template, validate_scenario({"name": "forms", **START}))


def test_unresolved_intrinsics_are_listed_as_unresolved():
    template = _template({
        "Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql", "EngineVersion": "16.8"}},
        "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"},
                                                                 "DBInstanceClass": {"Ref": "ClassWithoutDefault"}}},
        "Reader": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"},
                                                                 "DBInstanceClass": {"Fn::Sub": "db.${Size}"}}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"AvailabilityMode": {"Fn::Unknown": "x"}}},
        "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "256", "Memory": "512"}},
        "Service": {"Type": "AWS::ECS::Service", "Properties": {"LaunchType": "FARGATE", "TaskDefinition": {"Ref": "Task"},
                                                               "DesiredCount": {"Ref": "Count"}}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": {"Ref": "Retention"}}},
    }, Parameters={"ClassWithoutDefault": {"Type": "String"}, "Count": {"Type": "Number"},
                   "Retention": {"Type": "Number"}})
    result = _cost(template)
    reasons = {entry["resource"]: entry["reason"] for entry in result.not_priced}
    assert reasons == {"Writer": "unresolved", "Reader": "unresolved", "Nat": "unresolved", "Service": "unresolved",
                       "Logs": "unresolved", "Cluster": "not modelled", "Task": "free"}
    assert result.lines() and all(line["key"] in ("cross_az_service_data", "internet_egress_data")
                                  for line in result.lines())
    assert result.monthly_usd is not None


def test_conditions_and_no_value_at_the_parameter_defaults():
    template = _template({
        "Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": 1024, "Memory": "2048"}},
        "Service": {"Type": "AWS::ECS::Service", "Properties": {
            "LaunchType": {"Fn::If": ["Spot", {"Ref": "AWS::NoValue"}, "FARGATE"]}, "TaskDefinition": {"Ref": "Task"},
            "DesiredCount": {"Fn::If": ["Big", 10, {"Ref": "AWS::NoValue"}]}}},
        "BigSecret": {"Type": "AWS::SecretsManager::Secret", "Condition": "Big"},
    }, Parameters={"Size": {"Type": "String", "Default": "small"}, "UseSpot": {"Type": "String", "Default": "no"}},
        Conditions={"Big": {"Fn::Equals": [{"Ref": "Size"}, "large"]},
                    "Spot": {"Fn::Equals": [{"Ref": "UseSpot"}, "yes"]}})
    result = _cost(template)
    (vcpu,) = [line for line in result.lines() if line["key"] == "fargate_vcpu_hours"]
    assert vcpu["resource"] == "1 task(s) x 1 vCPU (x86_64)"  # DesiredCount removed: CloudFormation's default 1
    assert result.template["skipped"] == [{"resource": "BigSecret", "type": "AWS::SecretsManager::Secret",
                                           "condition": "Big"}]
    assert not any(line["key"] == "secrets" for line in result.lines())


@pytest.mark.parametrize("properties", ['"a string"', '["a", "list"]'])
def test_malformed_resource_is_bad_input_naming_it(capsys, tmp_path, properties):
    path = tmp_path / "bad.json"
    path.write_text('{"Resources": {"Gateway": {"Type": "AWS::EC2::NatGateway", "Properties": %s}}}' % properties)
    code, out, err = run(capsys, "cost", "--template", path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "resource 'Gateway'" in err and "Properties" in err
    with pytest.raises(InputError) as caught:
        _cost(json.loads(path.read_text()))
    assert any("'Gateway'" in problem for problem in caught.value.problems)


def test_comparing_two_foreign_templates(capsys):
    code, out, err = run(capsys, "cost", "--template", FARGATE_TWO_SIZES, "--compare-to", NAT_BUCKET_TABLE)
    assert code == 0, err
    assert "BASE: 20 resource(s) not priced (2 usage-based, 18 free)" in out
    assert "HEAD: 10 resource(s) not priced (8 free, 2 not modelled)" in out


@pytest.mark.slow
def test_mangled_templates_never_raise_anything_but_bad_input():
    """Seeded mutations of every fixture (odd property values, intrinsics nobody resolves, broken
    sections): each is priced or refused as bad input (exit 2), never a traceback."""
    import copy
    import random

    weird = [None, "", "x", 0, -1, 3.5, True, [], [None], ["a", 1], {}, {"Fn::Foo": 1}, {"Ref": "Nope"},
             {"Fn::If": ["NoSuchCondition", 1, 2]}, {"Fn::Sub": "${X}"}, {"Ref": "AWS::NoValue"}, "1 vCPU", "2 GB",
             "regional", "internal", "network", "FARGATE", "aurora-iopt1", "db.serverless", 10**20, float("nan")]
    keys = ["AvailabilityMode", "Scheme", "Type", "LaunchType", "DesiredCount", "SubnetIds", "RetentionInDays",
            "DBInstanceClass", "Engine", "StorageType", "CapacityProviderStrategy", "RuntimePlatform",
            "VpcEndpointType", "BillingMode", "Cpu", "Memory", "TaskDefinition", "DBClusterIdentifier",
            "AllocationId", "SubnetId", "AvailabilityZoneAddresses", "Subnets", "EngineVersion", "AvailabilityZone"]
    templates = [load_template_file(p) for p in (NAT_BUCKET_TABLE, AURORA_MIXED, FARGATE_TWO_SIZES, RDS_POSTGRES,
                                                 CDK_OUT / "IngestStack.template.json")]
    scenario = validate_scenario({"name": "mangled", **START})
    rng = random.Random(20261202)
    outcomes = {"priced": 0, "bad input": 0}
    for _ in range(150):
        template = copy.deepcopy(rng.choice(templates))
        for _ in range(rng.randint(1, 4)):
            resource = template["Resources"][rng.choice(sorted(template["Resources"]))]
            where = rng.random()
            if where < 0.8:
                props = resource.setdefault("Properties", {})
                if isinstance(props, dict):
                    props[rng.choice(sorted(props) + keys)] = rng.choice(weird + [[rng.choice(weird)]])
            elif where < 0.9:
                resource[rng.choice(["Properties", "Condition", "Type"])] = rng.choice(weird)
            else:
                template[rng.choice(["Parameters", "Conditions", "Mappings"])] = rng.choice(weird)
        try:
            cost = cost_template(template, scenario)
            cost.to_json()
            outcomes["priced"] += 1
        except InputError as exc:
            assert exc.problems
            outcomes["bad input"] += 1
    assert outcomes["priced"] > 50 and outcomes["bad input"] > 5, outcomes


@pytest.mark.parametrize("resources", [
    {"Bucket": {"Type": "AWS::S3::Bucket"}},
    {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}},
    {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12"}},
     "Topic": {"Type": "AWS::SNS::Topic"}, "Thing": {"Type": "AWS::IoT::Thing"}},
])
def test_templates_without_aurora_price_without_a_traceback(capsys, tmp_path, resources):
    """Issue 14: `cost --template` crashed (KeyError 'none') on any template without an Aurora cluster."""
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": resources}))
    code, payload, err = cost_json(capsys, path)
    assert code == 0, err
    assert {entry["resource"] for entry in payload["not_priced"]} == set(resources)
    assert payload["monthly_usd"] is not None and payload["template"]["aurora_clusters"] == []
    assert {line["key"] for line in payload["lines"]} <= {"cross_az_service_data", "internet_egress_data"}
    # Nothing in these templates carries the scenario's cross-AZ or internet traffic.
    assert all(line["quantity"] == 0 for line in payload["lines"]) and payload["monthly_usd"] == 0
    assert set(payload["template"]["usage_not_applied"]) == {"cross_az_gb_per_month", "internet_egress_gb_per_month"}
    code, out, err = run(capsys, "cost", "--template", path)
    assert code == 0 and "Traceback" not in err and "no Aurora" in out.splitlines()[0]
