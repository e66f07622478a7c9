"""Updates that remove resources and a later update that adds them back (A -> B -> A -> B).

Before: moto's update deleted a removed resource but kept it in the stack's state, so adding
it back later found the stale entry and created nothing. The kit's dev scenario going
nat_strategy single -> per_az -> single -> per_az ended with one NAT gateway where the stack
(and the plan) had two: "nat_gateways: expected 2, found 1".
"""

from __future__ import annotations

import pytest

from tests.emulator_templates import physical_ids
from tests.test_emulator_updates import change

pytest_plugins = ["tests.emulator_fixtures"]

AZS = ("us-east-1a", "us-east-1b")


def network_template(nat_per_az: bool, second_logs: bool = False) -> dict:
    """A VPC with two public subnets and NAT gateways: one (single) or one per AZ (per_az)."""
    resources: dict = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Igw": {"Type": "AWS::EC2::InternetGateway", "Properties": {}},
        "IgwAttach": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Igw"}}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/round-trip/app"}},
    }
    nats = 2 if nat_per_az else 1
    for i, az in enumerate(AZS, start=1):
        resources[f"Public{i}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": f"10.0.{i}.0/24", "AvailabilityZone": az}}
        resources[f"Private{i}"] = {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": f"10.0.1{i}.0/24", "AvailabilityZone": az}}
        resources[f"PrivateTable{i}"] = {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}}
        nat = f"Nat{min(i, nats)}"
        resources[f"PrivateDefault{i}"] = {"Type": "AWS::EC2::Route", "Properties": {
            "RouteTableId": {"Ref": f"PrivateTable{i}"}, "DestinationCidrBlock": "0.0.0.0/0",
            "NatGatewayId": {"Ref": nat}}}
    for i in range(1, nats + 1):
        resources[f"Eip{i}"] = {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"},
                                "DependsOn": "IgwAttach"}
        resources[f"Nat{i}"] = {"Type": "AWS::EC2::NatGateway", "Properties": {
            "SubnetId": {"Ref": f"Public{i}"}, "AllocationId": {"Fn::GetAtt": [f"Eip{i}", "AllocationId"]}}}
    if second_logs:
        resources["AuditLogs"] = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/round-trip/audit"}}
    return {"Resources": resources}


def nat_state(aws) -> tuple[set[str], set[str], dict[str, str]]:
    """(the stack's NAT gateway ids, EC2's live ones, each private table's NAT)."""
    ids = physical_ids(aws, "net")
    ec2 = aws("ec2")
    listed = {v for k, v in ids.items() if k.startswith("Nat")}
    live = {n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"}
    routes = {}
    for table in ec2.describe_route_tables(RouteTableIds=[ids["PrivateTable1"], ids["PrivateTable2"]])["RouteTables"]:
        name = next(k for k, v in ids.items() if v == table["RouteTableId"])
        routes[name] = next(r.get("NatGatewayId") for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
    return listed, live, routes


@pytest.mark.slow
def test_nat_single_per_az_single_per_az_ends_with_two_nat_gateways(aws):
    assert change(aws, "net", network_template(False), "CREATE", "one") == "CREATE_COMPLETE"
    for step, per_az in enumerate([True, False, True], start=2):
        assert change(aws, "net", network_template(per_az), "UPDATE", f"step{step}") == "UPDATE_COMPLETE"
        listed, live, routes = nat_state(aws)
        assert len(listed) == (2 if per_az else 1), step
        assert live == listed, step  # what the stack lists is what EC2 holds, nothing stale
        assert set(routes.values()) == listed, step  # each route points at a NAT that exists
        addresses = aws("ec2").describe_addresses()["Addresses"]
        assert len(addresses) == len(listed), step


def test_a_log_group_removed_and_added_back_exists_again(aws):
    logs = aws("logs")

    def names() -> list[str]:
        return sorted(g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/round-trip")["logGroups"])

    change(aws, "net", network_template(False, second_logs=True), "CREATE", "one")
    assert names() == ["/round-trip/app", "/round-trip/audit"]
    change(aws, "net", network_template(False), "UPDATE", "two")
    assert names() == ["/round-trip/app"]
    assert change(aws, "net", network_template(False, second_logs=True), "UPDATE", "three") == "UPDATE_COMPLETE"
    assert names() == ["/round-trip/app", "/round-trip/audit"]
    assert physical_ids(aws, "net")["AuditLogs"] == "/round-trip/audit"


def test_an_update_that_removes_a_log_group_and_then_fails_rolls_it_back_into_existence(aws):
    """moto deletes removed resources first; when a later resource fails, the rollback (the
    previous template again) must create the deleted one anew, not find its stale entry."""
    template = network_template(False, second_logs=True)
    template["Resources"]["Group"] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": "app", "VpcId": {"Ref": "Vpc"}}}
    template["Resources"]["Egress"] = {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
        "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
        "CidrIp": "10.0.0.0/16"}}
    change(aws, "net", template, "CREATE", "one")
    failing = {"Resources": {k: v for k, v in template["Resources"].items() if k != "AuditLogs"}}
    failing["Resources"]["Egress"] = {**template["Resources"]["Egress"], "Properties": {
        **template["Resources"]["Egress"]["Properties"], "FromPort": 8080, "ToPort": 8080}}
    assert change(aws, "net", failing, "UPDATE", "two") == "UPDATE_ROLLBACK_COMPLETE"
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/round-trip/audit")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/round-trip/audit"]
    assert physical_ids(aws, "net")["AuditLogs"] == "/round-trip/audit"


def test_an_ingress_rule_renamed_by_a_port_change_is_revoked_and_can_come_back(aws):
    """The CDK names an ingress rule after its port, so a new container port removes one rule and
    adds another: the removed rule must be revoked, or going back fails (InvalidPermission.Duplicate)."""
    def template(port: int) -> dict:
        return {"Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Alb": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "alb", "VpcId": {"Ref": "Vpc"}}},
            "Service": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "service", "VpcId": {"Ref": "Vpc"}}},
            f"ServiceFromAlb{port}": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "GroupId": {"Fn::GetAtt": ["Service", "GroupId"]}, "IpProtocol": "tcp", "FromPort": port,
                "ToPort": port, "SourceSecurityGroupId": {"Fn::GetAtt": ["Alb", "GroupId"]}}}}}

    def ports() -> list[int]:
        group_id = physical_ids(aws, "net")["Service"]
        group = aws("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        return sorted(p["FromPort"] for p in group["IpPermissions"])

    change(aws, "net", template(80), "CREATE", "one")
    assert ports() == [80]
    for step, port in enumerate([8080, 80, 8080], start=2):
        assert change(aws, "net", template(port), "UPDATE", f"step{step}") == "UPDATE_COMPLETE", step
        assert ports() == [port], step
