"""The kit's emulator models and AWS-like failures, through moto's server and boto3 (no CDK CLI).

These rely on moto internals (pinned moto 5.2.5); each test pins one behaviour a deploy needs.
"""

from __future__ import annotations

import json
import socket

import pytest
from botocore.exceptions import ClientError

from infra_lib.emulator import (
    Emulator,
    EmulatorError,
    engine_version_problem,
    unsupported_types,
)
from tests.emulator_templates import REGION, aurora_template, create, failed_events
from tests.emulator_templates import network as _network

pytest_plugins = ["tests.emulator_fixtures"]


# ------------------------------------------------------------------ server


def test_port_in_use_fails_fast_with_what_to_do():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(EmulatorError) as err:
            Emulator(port=port).start()
    assert f"127.0.0.1:{port}" in str(err.value) and "--port" in str(err.value)


def test_endpoint_and_env_point_clients_at_the_emulator(emulator):
    env = emulator.env("eu-west-1")
    assert env["AWS_ENDPOINT_URL"] == f"http://localhost:{emulator.port}"
    assert env["AWS_REGION"] == "eu-west-1" and env["AWS_ACCESS_KEY_ID"] == "testing"


def test_another_process_reaches_the_emulator_through_aws_endpoint_url(aws, emulator):
    """What a papermill kernel or the CDK CLI does: no in-process mock, only the environment."""
    import os
    import subprocess
    import sys

    create(aws, "db", aurora_template("17.7"))
    probe = ("import boto3; c = boto3.client('rds').describe_db_clusters()['DBClusters'][0]; "
             "print(c['DBClusterIdentifier'], c['EngineVersion'])")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run([sys.executable, "-c", probe], env={**env, **emulator.env(REGION)}, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out.split() == ["payment-api-test", "17.7"]


# ------------------------------------------------------------------ Aurora + secrets


def test_aurora_cluster_instances_and_secret_are_real_emulator_state(aws):
    stack = create(aws, "db", aurora_template("17.7", readers=1))
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    cluster = aws("rds").describe_db_clusters(DBClusterIdentifier="payment-api-test")["DBClusters"][0]
    assert cluster["Engine"] == "aurora-postgresql" and cluster["EngineVersion"] == "17.7"
    assert len(cluster["DBClusterMembers"]) == 2
    writers = [m for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]]
    assert len(writers) == 1
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["DbEndpoint"] == cluster["Endpoint"]
    secret = json.loads(aws("secretsmanager").get_secret_value(SecretId=outputs["DbSecretArn"])["SecretString"])
    # Generated per GenerateSecretString, then completed by the attachment as AWS does.
    assert secret["username"] == "payment_api" and len(secret["password"]) == 30
    assert not set(secret["password"]) & set(" %+~`#$&*()|[]{}:;<>?!'/@\"\\")
    assert secret["host"] == cluster["Endpoint"] and secret["port"] == 5432 and secret["engine"] == "postgres"


def test_dynamic_reference_resolves_to_the_generated_password(aws):
    from infra_lib.emulator.dynamic_refs import resolve_secret_refs as _resolve_secret_refs

    create(aws, "db", aurora_template())
    secrets = aws("secretsmanager")
    arn = secrets.describe_secret(SecretId="payment-api-test/database")["ARN"]
    password = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])["password"]
    # What the cluster's MasterUserPassword becomes (moto does not store it to read back).
    assert _resolve_secret_refs(f"{{{{resolve:secretsmanager:{arn}:SecretString:password::}}}}",
                                "123456789012", REGION) == password
    assert _resolve_secret_refs("plain", "123456789012", REGION) == "plain"


@pytest.mark.parametrize("version", ["15.3", "99.1"])
def test_engine_version_the_catalog_refuses_fails_like_aws_and_rolls_back(aws, version):
    stack = create(aws, "seed", aurora_template(version))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = failed_events(aws, "seed")
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [("Cluster", "AWS::RDS::DBCluster")]
    assert f"Cannot find version {version} for aurora-postgresql" in failed[0]["ResourceStatusReason"]
    # Nothing half-created survives the rollback: no cluster, no secret, no VPC of the stack.
    assert aws("rds").describe_db_clusters()["DBClusters"] == []
    assert aws("secretsmanager").list_secrets()["SecretList"] == []
    vpcs = aws("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"]
    assert vpcs == []
    assert aws("cloudformation").describe_stack_resources(StackName="seed")["StackResources"] == []
    assert "Outputs" not in aws("cloudformation").describe_stacks(StackName="seed")["Stacks"][0]


def test_engine_version_problem_follows_the_dated_catalog():
    from infrakit.core.catalogs import engine_catalog

    catalog = engine_catalog()
    available = next(v for v, m in catalog.minors.items() if m.status == "available")
    deprecated = next(v for v, m in catalog.minors.items() if m.status == "deprecated")
    assert engine_version_problem("aurora-postgresql", available) is None
    assert engine_version_problem("aurora-postgresql", deprecated) == \
        f"Cannot find version {deprecated} for aurora-postgresql"
    assert engine_version_problem("aurora-mysql", "3.04.0") is None  # not this catalog's engine


def test_deleting_the_stack_removes_cluster_instances_and_secret(aws):
    create(aws, "db", aurora_template(readers=1))
    aws("cloudformation").delete_stack(StackName="db")
    assert aws("rds").describe_db_clusters()["DBClusters"] == []
    assert aws("rds").describe_db_instances()["DBInstances"] == []
    assert aws("secretsmanager").list_secrets()["SecretList"] == []


# ------------------------------------------------------------------ certificates


def cert_template(zone_id: str) -> dict:
    return {"Resources": {"Cert": {"Type": "AWS::CertificateManager::Certificate", "Properties": {
        "DomainName": "api.payments.acme.io", "ValidationMethod": "DNS",
        "DomainValidationOptions": [{"DomainName": "api.payments.acme.io", "HostedZoneId": zone_id}]}}}}


def test_dns_certificate_without_a_hosted_zone_fails_at_once_not_hangs(aws):
    stack = create(aws, "cert", cert_template("Z0123456789ABC"))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = failed_events(aws, "cert")[0]["ResourceStatusReason"]
    assert "api.payments.acme.io never validates" in reason and "hosted zone Z0123456789ABC" in reason
    assert "72 hours" in reason


def test_dns_certificate_with_its_hosted_zone_is_issued(aws):
    zone = aws("route53").create_hosted_zone(Name="acme.io", CallerReference="t")["HostedZone"]["Id"]
    stack = create(aws, "cert", cert_template(zone.split("/")[-1]))
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    arn = aws("cloudformation").describe_stack_resources(StackName="cert")["StackResources"][0]["PhysicalResourceId"]
    cert = aws("acm").describe_certificate(CertificateArn=arn)["Certificate"]
    assert cert["Status"] == "ISSUED" and cert["DomainName"] == "api.payments.acme.io"


def test_email_validated_certificate_fails_clearly(aws):
    template = {"Resources": {"Cert": {"Type": "AWS::CertificateManager::Certificate",
                                       "Properties": {"DomainName": "payment-api.example.com"}}}}
    create(aws, "cert", template)
    assert "EMAIL validation" in failed_events(aws, "cert")[0]["ResourceStatusReason"]


# ------------------------------------------------------------------ nothing skipped silently


@pytest.mark.parametrize("resource_type", ["AWS::AppRunner::Service", "Custom::VpcRestrictDefaultSG"])
def test_unsupported_type_fails_the_stack_naming_the_type(aws, resource_type):
    template = {"Resources": {**_network(), "Thing": {"Type": resource_type, "Properties": {}}}}
    assert unsupported_types(template) == [resource_type]
    with pytest.raises(ClientError) as err:
        aws("cloudformation").create_stack(StackName="odd", TemplateBody=json.dumps(template))
    assert resource_type in str(err.value) and "--target aws" in str(err.value)
    assert aws("cloudformation").describe_stacks()["Stacks"] == []  # nothing half-created
    assert aws("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"] == []


@pytest.mark.slow
def test_every_type_of_our_stacks_is_supported():
    from infra_lib.cdk.synth import synth
    from infrakit.core.schema import load_scenario

    for name in ("dev", "prod"):
        template = synth(load_scenario(f"notebooks/params/{name}.yaml")).template
        assert unsupported_types(template) == [], name


def test_security_group_egress_rule_is_created(aws):
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Alb": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "alb", "VpcId": {"Ref": "Vpc"},
                                                                  "SecurityGroupEgress": []}},
        "Svc": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "svc", "VpcId": {"Ref": "Vpc"}}},
        "Egress": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
            "GroupId": {"Fn::GetAtt": ["Alb", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
            "DestinationSecurityGroupId": {"Fn::GetAtt": ["Svc", "GroupId"]}}}}}
    create(aws, "sg", template)
    ids = {r["LogicalResourceId"]: r["PhysicalResourceId"]
           for r in aws("cloudformation").describe_stack_resources(StackName="sg")["StackResources"]}
    group = aws("ec2").describe_security_groups(GroupIds=[ids["Alb"]])["SecurityGroups"][0]
    rules = [p for p in group["IpPermissionsEgress"] if p.get("FromPort") == 8080]
    assert [g["GroupId"] for g in rules[0]["UserIdGroupPairs"]] == [ids["Svc"]]


# ------------------------------------------------------------------ change sets (what the CDK CLI does)


def test_change_set_update_moves_a_route_to_a_new_nat_gateway(aws):
    def template(nats: int) -> str:
        resources = {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Public": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"},
                                                                  "CidrBlock": "10.0.1.0/24"}},
            "Private": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"},
                                                                   "CidrBlock": "10.0.2.0/24"}},
            "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        }
        for i in range(nats):
            resources[f"Eip{i}"] = {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}}
            resources[f"Nat{i}"] = {"Type": "AWS::EC2::NatGateway", "Properties": {
                "SubnetId": {"Ref": "Public"}, "AllocationId": {"Fn::GetAtt": [f"Eip{i}", "AllocationId"]}}}
        resources["Default"] = {"Type": "AWS::EC2::Route", "Properties": {
            "RouteTableId": {"Ref": "Table"}, "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Ref": f"Nat{nats - 1}"}}}
        return json.dumps({"Resources": resources})

    cfn = aws("cloudformation")
    for kind, nats in (("CREATE", 1), ("UPDATE", 2)):
        cfn.create_change_set(StackName="net", ChangeSetName=f"cs-{kind.lower()}", TemplateBody=template(nats),
                              ChangeSetType=kind)
        cfn.execute_change_set(ChangeSetName=f"cs-{kind.lower()}", StackName="net")
    assert cfn.describe_stacks(StackName="net")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    ids = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cfn.describe_stack_resources(
        StackName="net")["StackResources"]}
    table = aws("ec2").describe_route_tables(RouteTableIds=[ids["Table"]])["RouteTables"][0]
    default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert [r["NatGatewayId"] for r in default] == [ids["Nat1"]]
    assert len(aws("ec2").describe_nat_gateways()["NatGateways"]) == 2


def test_regional_nat_gateway_routes_private_subnets_and_is_deleted_with_the_stack(aws):
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Igw": {"Type": "AWS::EC2::InternetGateway", "Properties": {}},
        "Attach": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "DependsOn": ["Attach"], "Properties": {
            "AvailabilityMode": "regional", "ConnectivityType": "public", "VpcId": {"Ref": "Vpc"}}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Default": {"Type": "AWS::EC2::Route", "Properties": {
            "RouteTableId": {"Ref": "Table"}, "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Fn::GetAtt": ["Nat", "NatGatewayId"]}}}}}
    assert create(aws, "regional", template)["StackStatus"] == "CREATE_COMPLETE"
    ids = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in aws("cloudformation").describe_stack_resources(
        StackName="regional")["StackResources"]}
    nats = aws("ec2").describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [ids["Vpc"]]}])["NatGateways"]
    assert [n["NatGatewayId"] for n in nats] == [ids["Nat"]]
    table = aws("ec2").describe_route_tables(RouteTableIds=[ids["Table"]])["RouteTables"][0]
    assert [r.get("NatGatewayId") for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"] == \
        [ids["Nat"]]
    aws("cloudformation").delete_stack(StackName="regional")
    assert aws("ec2").describe_nat_gateways()["NatGateways"] == []
    assert aws("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"] == []


def test_failed_update_rolls_back_and_names_the_resource(aws):
    cfn = aws("cloudformation")
    good = json.dumps(aurora_template("17.7"))
    cfn.create_change_set(StackName="db", ChangeSetName="one", TemplateBody=good, ChangeSetType="CREATE")
    cfn.execute_change_set(ChangeSetName="one", StackName="db")
    cfn.create_change_set(StackName="db", ChangeSetName="two", TemplateBody=json.dumps(aurora_template("15.3")),
                          ChangeSetType="UPDATE")
    cfn.execute_change_set(ChangeSetName="two", StackName="db")
    stack = cfn.describe_stacks(StackName="db")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    failed = [e for e in cfn.describe_stack_events(StackName="db")["StackEvents"]
              if e["ResourceStatus"] == "UPDATE_FAILED"]
    assert failed and failed[0]["LogicalResourceId"] == "Cluster"
    assert "Cannot find version 15.3 for aurora-postgresql" in failed[0]["ResourceStatusReason"]
    assert aws("rds").describe_db_clusters()["DBClusters"][0]["EngineVersion"] == "17.7"


def test_change_set_lookups_behave_like_aws(aws):
    cfn = aws("cloudformation")
    create(aws, "db", aurora_template())
    # The CDK CLI deletes its old change set before each deploy and waits for ChangeSetNotFound.
    cfn.delete_change_set(StackName="db", ChangeSetName="cdk-deploy-change-set")
    with pytest.raises(ClientError) as err:
        cfn.describe_change_set(StackName="db", ChangeSetName="cdk-deploy-change-set")
    assert err.value.response["Error"]["Code"] == "ChangeSetNotFound"
    cfn.create_change_set(StackName="db", ChangeSetName="same", TemplateBody=json.dumps(aurora_template()),
                          ChangeSetType="UPDATE")
    described = cfn.describe_change_set(StackName="db", ChangeSetName="same")
    assert described["Status"] == "FAILED" and "didn't contain changes" in described["StatusReason"]


def test_change_sets_of_the_same_name_are_scoped_to_their_stack(aws):
    # The CDK CLI names every change set "cdk-deploy-change-set": with two stacks in one emulator,
    # an unscoped lookup found the other stack's, and the CLI waited forever on an update.
    cfn = aws("cloudformation")
    for name, cidr in (("first", "10.1.0.0/16"), ("second", "10.2.0.0/16")):
        cfn.create_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set", ChangeSetType="CREATE",
                              TemplateBody=json.dumps({"Resources": _network(cidr)}))
    first = cfn.describe_change_set(StackName="first", ChangeSetName="cdk-deploy-change-set")
    second = cfn.describe_change_set(StackName="second", ChangeSetName="cdk-deploy-change-set")
    assert first["StackName"] == "first" and second["StackName"] == "second"
    cfn.delete_change_set(StackName="first", ChangeSetName="cdk-deploy-change-set")
    with pytest.raises(ClientError):
        cfn.describe_change_set(StackName="first", ChangeSetName="cdk-deploy-change-set")
    assert cfn.describe_change_set(StackName="second", ChangeSetName="cdk-deploy-change-set")["StackName"] == "second"
