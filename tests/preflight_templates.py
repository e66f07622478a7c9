"""Small CloudFormation templates for preflight rule tests, written by hand in the forms other
tools and people emit (inline or separate ingress, string ports, Fn::ImportValue, dotted
GetAtt), not only the forms our stack synthesizes."""

from __future__ import annotations

import copy
from typing import Any


def ref(name: str) -> dict:
    return {"Ref": name}


def group_id(name: str, dotted: bool = False) -> dict:
    return {"Fn::GetAtt": f"{name}.GroupId"} if dotted else {"Fn::GetAtt": [name, "GroupId"]}


def template(**resources: dict) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": copy.deepcopy(resources)}


def resource(type_: str, **props) -> dict:
    return {"Type": type_, "Properties": props}


def subnets(*azs: str, public: bool = True) -> dict[str, dict]:
    return {f"{'Public' if public else 'Private'}Subnet{i}": resource("AWS::EC2::Subnet", VpcId=ref("Vpc"),
                                                                        AvailabilityZone=az, CidrBlock=f"10.0.{i}.0/24")
            for i, az in enumerate(azs)}


def web(*, alb_ports=(80,), listener_port: Any = 80, protocol: str = "HTTP", inline: bool = True,
        port_as_string: bool = False, alb_groups: list | None = None, service_ingress: dict | None = None,
        with_service: bool = True) -> dict[str, dict]:
    """An ALB, its security group, one listener, a target group and an ECS service behind it."""
    def port(p):
        return str(p) if port_as_string else p

    rules = [{"IpProtocol": "tcp", "FromPort": port(p), "ToPort": port(p), "CidrIp": "0.0.0.0/0"} for p in alb_ports]
    resources = {
        "Vpc": resource("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"),
        "AlbSg": resource("AWS::EC2::SecurityGroup", GroupDescription="alb", VpcId=ref("Vpc"),
                          **({"SecurityGroupIngress": rules} if inline else {})),
        "Alb": resource("AWS::ElasticLoadBalancingV2::LoadBalancer", Scheme="internet-facing", Type="application",
                        SecurityGroups=alb_groups if alb_groups is not None else [group_id("AlbSg")],
                        Subnets=[ref("PublicSubnet0"), ref("PublicSubnet1")]),
        "Listener": resource("AWS::ElasticLoadBalancingV2::Listener", LoadBalancerArn=ref("Alb"),
                             Port=port(listener_port) if not isinstance(listener_port, dict) else listener_port,
                             Protocol=protocol,
                             DefaultActions=[{"Type": "forward", "TargetGroupArn": ref("Targets")}]),
        "Targets": resource("AWS::ElasticLoadBalancingV2::TargetGroup", Port=8080, Protocol="HTTP", TargetType="ip",
                            VpcId=ref("Vpc")),
        **subnets("us-east-1a", "us-east-1b"),
    }
    if not inline:
        for i, rule in enumerate(rules):
            resources[f"AlbIngress{i}"] = resource("AWS::EC2::SecurityGroupIngress", GroupId=group_id("AlbSg", True),
                                                   **rule)
    if with_service:
        resources["ServiceSg"] = resource("AWS::EC2::SecurityGroup", GroupDescription="service", VpcId=ref("Vpc"))
        resources["ServiceFromAlb"] = resource(
            "AWS::EC2::SecurityGroupIngress", GroupId=group_id("ServiceSg"), IpProtocol="tcp", FromPort=8080,
            ToPort=8080, **(service_ingress if service_ingress is not None else {"SourceSecurityGroupId": group_id("AlbSg")}))
        resources["Service"] = resource(
            "AWS::ECS::Service", LaunchType="FARGATE",
            LoadBalancers=[{"ContainerName": "api", "ContainerPort": 8080, "TargetGroupArn": ref("Targets")}],
            NetworkConfiguration={"AwsvpcConfiguration": {"SecurityGroups": [group_id("ServiceSg")],
                                                          "Subnets": [ref("PublicSubnet0")]}})
    return resources


def aurora(*, version: Any = "17.7", instance_class: str = "db.r6g.large", instances: int = 1,
           encrypted: Any = True, **cluster_props) -> dict[str, dict]:
    props = {"Engine": "aurora-postgresql", **({"StorageEncrypted": encrypted} if encrypted is not None else {}),
             **cluster_props}
    if version is not None:
        props["EngineVersion"] = version
    resources = {"Cluster": resource("AWS::RDS::DBCluster", **props)}
    for i in range(instances):
        resources[f"Instance{i}"] = resource("AWS::RDS::DBInstance", DBClusterIdentifier=ref("Cluster"),
                                             DBInstanceClass=instance_class, Engine="aurora-postgresql")
    return resources


def eips(n: int) -> dict[str, dict]:
    return {f"Eip{i}": resource("AWS::EC2::EIP", Domain="vpc") for i in range(n)}


def many_resources(count: int, *, extra: dict | None = None) -> dict[str, Any]:
    """A template of ``count`` small resources (security groups, buckets, topics in turn) plus
    ``extra``: the shape of the generated templates that made cfn-lint take minutes."""
    kinds = (
        lambda i: resource("AWS::EC2::SecurityGroup", GroupDescription=f"group {i}", VpcId=ref("Vpc"),
                           SecurityGroupIngress=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                  "CidrIp": "10.0.0.0/8"}]),
        lambda i: resource("AWS::S3::Bucket", BucketName=f"bucket-{i}", Tags=[{"Key": "n", "Value": str(i)}]),
        lambda i: resource("AWS::SNS::Topic", TopicName={"Fn::Sub": "${AWS::StackName}-t" + str(i)}),
    )
    resources = {"Vpc": resource("AWS::EC2::VPC", CidrBlock="10.0.0.0/16")}
    for i in range(count - 1):
        resources[f"R{i}"] = kinds[i % len(kinds)](i)
    resources.update(copy.deepcopy(extra or {}))
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def nested_json(depth: int) -> str:
    """A template whose one property nests ``depth`` lists deep, as JSON text."""
    return ('{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": ' + "[" * depth + "1"
            + "]" * depth + "}}}}")
