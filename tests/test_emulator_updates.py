"""Updates the kit's scenario changes cause (one more AZ, a new container port, a longer log
retention), as CloudFormation applies them, and a failed update that rolls back completely.

Before: moto had no update for log groups, DB subnet groups, load balancers and target groups,
so these deploys failed where AWS succeeds, and their rollback failed too (UPDATE_ROLLBACK_FAILED).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.emulator_templates import physical_ids

pytest_plugins = ["tests.emulator_fixtures"]

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")


def app_template(azs: int = 2, port: int = 80, retention: int | None = 30) -> dict:
    """VPC, one subnet per AZ, the database's subnet group, an ALB, its target group and listener, logs."""
    resources = {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
                 "AlbGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                     "GroupDescription": "alb", "VpcId": {"Ref": "Vpc"}}}}
    subnets = []
    for i in range(azs):
        resources[f"Subnet{i}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": f"10.0.{i}.0/24", "AvailabilityZone": AZS[i]}}
        subnets.append({"Ref": f"Subnet{i}"})
    logs = {"LogGroupName": "/payment-api/test"} | ({"RetentionInDays": retention} if retention else {})
    resources |= {
        "DbSubnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
            "DBSubnetGroupDescription": "db", "SubnetIds": subnets}},
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
            "Name": "payment-api-test", "Scheme": "internet-facing", "Type": "application", "Subnets": subnets,
            "SecurityGroups": [{"Fn::GetAtt": ["AlbGroup", "GroupId"]}]}},
        "Targets": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {
            "Port": port, "Protocol": "HTTP", "TargetType": "ip", "VpcId": {"Ref": "Vpc"}, "HealthCheckPath": "/"}},
        "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "Alb"}, "Port": 80, "Protocol": "HTTP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "Targets"}}]}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": logs},
    }
    return {"Resources": resources}


def change(aws, name: str, template: dict, kind: str, change_set: str) -> str:
    cfn = aws("cloudformation")
    cfn.create_change_set(StackName=name, ChangeSetName=change_set, TemplateBody=json.dumps(template),
                          ChangeSetType=kind)
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def test_one_more_az_and_a_new_port_update_in_place_and_back(aws):
    assert change(aws, "app", app_template(), "CREATE", "one") == "CREATE_COMPLETE"
    before = physical_ids(aws, "app")
    assert change(aws, "app", app_template(azs=3, port=8080), "UPDATE", "two") == "UPDATE_COMPLETE"
    ids = physical_ids(aws, "app")
    elbv2, rds = aws("elbv2"), aws("rds")
    alb = elbv2.describe_load_balancers(LoadBalancerArns=[ids["Alb"]])["LoadBalancers"][0]
    assert sorted(z["ZoneName"] for z in alb["AvailabilityZones"]) == list(AZS)
    group = rds.describe_db_subnet_groups(DBSubnetGroupName=ids["DbSubnets"])["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(ids[f"Subnet{i}"] for i in range(3))
    targets = elbv2.describe_target_groups(TargetGroupArns=[ids["Targets"]])["TargetGroups"][0]
    assert targets["Port"] == 8080
    listener = elbv2.describe_listeners(LoadBalancerArn=ids["Alb"])["Listeners"][0]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == ids["Targets"]
    assert ids["Alb"] == before["Alb"] and ids["DbSubnets"] == before["DbSubnets"]  # in place
    assert change(aws, "app", app_template(), "UPDATE", "three") == "UPDATE_COMPLETE"
    alb = elbv2.describe_load_balancers(LoadBalancerArns=[ids["Alb"]])["LoadBalancers"][0]
    assert len(alb["AvailabilityZones"]) == 2
    assert elbv2.describe_target_groups(TargetGroupArns=[ids["Targets"]])["TargetGroups"][0]["Port"] == 80


def test_log_retention_changes_in_place(aws):
    change(aws, "app", app_template(retention=30), "CREATE", "one")
    logs = aws("logs")
    assert change(aws, "app", app_template(retention=60), "UPDATE", "two") == "UPDATE_COMPLETE"
    assert logs.describe_log_groups(logGroupNamePrefix="/payment-api/test")["logGroups"][0]["retentionInDays"] == 60
    assert change(aws, "app", app_template(retention=None), "UPDATE", "three") == "UPDATE_COMPLETE"
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="/payment-api/test")["logGroups"][0]


def test_an_update_the_emulator_cannot_make_rolls_back_completely(aws):
    """The failed resource never changed, so the rollback leaves it as it was: UPDATE_ROLLBACK_COMPLETE,
    not UPDATE_ROLLBACK_FAILED (a stack AWS would leave stuck)."""
    template = app_template()
    template["Resources"]["Egress"] = {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
        "GroupId": {"Fn::GetAtt": ["AlbGroup", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "CidrIp": "10.0.0.0/16"}}
    change(aws, "app", template, "CREATE", "one")
    template["Resources"]["Egress"]["Properties"] |= {"FromPort": 8080, "ToPort": 8080}
    template["Resources"]["Logs"]["Properties"]["RetentionInDays"] = 90
    assert change(aws, "app", template, "UPDATE", "two") == "UPDATE_ROLLBACK_COMPLETE"
    events = aws("cloudformation").describe_stack_events(StackName="app")["StackEvents"]
    failed = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "UPDATE_FAILED"}
    assert failed == {"Egress"}
    group = aws("ec2").describe_security_groups(GroupIds=[physical_ids(aws, "app")["AlbGroup"]])["SecurityGroups"][0]
    assert [(p["FromPort"], p["ToPort"]) for p in group["IpPermissionsEgress"] if "FromPort" in p] == [(80, 80)]
    retention = aws("logs").describe_log_groups(logGroupNamePrefix="/payment-api/test")["logGroups"][0]
    assert retention["retentionInDays"] == 30  # what did change is changed back


@pytest.mark.slow
def test_the_kits_dev_stack_takes_one_more_az_a_new_port_and_longer_logs_and_is_destroyed_whole(aws):
    """The kit's own synthesized stack, through the same change sets the CDK CLI sends."""
    from infra_lib.cdk.synth import synth_many
    from infrakit.core.schema import load_scenario, validate_scenario

    dev = load_scenario(ROOT / "notebooks" / "params" / "dev.yaml")
    changed = validate_scenario({**dev, "az_count": 3, "container_port": 8080, "log_retention_days": 60})
    base, bigger = (json.loads(json.dumps(r.template)) for r in synth_many([dev, changed]))
    assert change(aws, "PaymentApi-dev", base, "CREATE", "one") == "CREATE_COMPLETE"
    assert change(aws, "PaymentApi-dev", bigger, "UPDATE", "two") == "UPDATE_COMPLETE"
    ids = physical_ids(aws, "PaymentApi-dev")
    albs = aws("elbv2").describe_load_balancers()["LoadBalancers"]
    assert [len(a["AvailabilityZones"]) for a in albs] == [3]
    assert [t["Port"] for t in aws("elbv2").describe_target_groups()["TargetGroups"]] == [8080]
    assert aws("logs").describe_log_groups()["logGroups"][0]["retentionInDays"] == 60
    cluster = aws("rds").describe_db_clusters()["DBClusters"][0]
    group = aws("rds").describe_db_subnet_groups(DBSubnetGroupName=cluster["DBSubnetGroup"])["DBSubnetGroups"][0]
    assert len(group["Subnets"]) == 3 and cluster["DBSubnetGroup"] in ids.values()
    assert change(aws, "PaymentApi-dev", base, "UPDATE", "three") == "UPDATE_COMPLETE"
    aws("cloudformation").delete_stack(StackName="PaymentApi-dev")
    ec2, elbv2 = aws("ec2"), aws("elbv2")
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    assert ec2.describe_nat_gateways()["NatGateways"] == [] and ec2.describe_addresses()["Addresses"] == []
    assert elbv2.describe_load_balancers()["LoadBalancers"] == [] and elbv2.describe_target_groups()["TargetGroups"] == []
    assert aws("rds").describe_db_clusters()["DBClusters"] == [] and aws("rds").describe_db_instances()["DBInstances"] == []
    assert aws("rds").describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert aws("secretsmanager").list_secrets()["SecretList"] == [] and aws("logs").describe_log_groups()["logGroups"] == []
