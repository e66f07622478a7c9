"""Templates, readers and boto3 clients the emulator tests share (the shapes the kit's stack synthesizes)."""

from __future__ import annotations

import json

import boto3

from infra_lib.emulator import DUMMY_CREDENTIALS

REGION = "us-east-1"


def client(endpoint_url: str, service: str, region: str = REGION):
    """A boto3 client on the emulator with the dummy credentials (never real ones)."""
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url,
                        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


def network(cidr: str = "10.0.0.0/16") -> dict:
    return {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}},
        "SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"}},
        "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "us-east-1b"}},
        "Subnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
            "DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
    }


def aurora_template(version: str = "17.7", readers: int = 0) -> dict:
    """The shape our CDK stack synthesizes: a generated secret resolved into the cluster."""
    resources = {
        **network(),
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "Name": "payment-api-test/database",
            "GenerateSecretString": {"ExcludeCharacters": " %+~`#$&*()|[]{}:;<>?!'/@\"\\", "GenerateStringKey":
                                     "password", "PasswordLength": 30,
                                     "SecretStringTemplate": "{\"username\":\"payment_api\"}"}}},
        "Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {
            "DBClusterIdentifier": "payment-api-test", "Engine": "aurora-postgresql", "EngineVersion": version,
            "DatabaseName": "payments", "MasterUsername": "payment_api", "StorageType": "aurora",
            "DBSubnetGroupName": {"Ref": "Subnets"}, "Port": 5432, "StorageEncrypted": True,
            "MasterUserPassword": {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "Secret"},
                                                     ":SecretString:password::}}"]]}}},
        "Attachment": {"Type": "AWS::SecretsManager::SecretTargetAttachment", "Properties": {
            "SecretId": {"Ref": "Secret"}, "TargetId": {"Ref": "Cluster"}, "TargetType": "AWS::RDS::DBCluster"}},
        "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {
            "DBClusterIdentifier": {"Ref": "Cluster"}, "DBInstanceClass": "db.t4g.medium",
            "Engine": "aurora-postgresql", "PromotionTier": 0}},
    }
    for i in range(readers):
        resources[f"Reader{i}"] = {"Type": "AWS::RDS::DBInstance", "Properties": {
            "DBClusterIdentifier": {"Ref": "Cluster"}, "DBInstanceClass": "db.t4g.medium",
            "Engine": "aurora-postgresql", "PromotionTier": 2}}
    return {"Resources": resources, "Outputs": {
        "DbEndpoint": {"Value": {"Fn::GetAtt": ["Cluster", "Endpoint.Address"]}},
        "DbSecretArn": {"Value": {"Ref": "Attachment"}}}}


def create(aws, name: str, template: dict) -> dict:
    """CreateStack (moto creates synchronously), then the stack as DescribeStacks shows it."""
    cfn = aws("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def failed_events(aws, name: str) -> list[dict]:
    events = aws("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    return [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]


def physical_ids(aws, name: str) -> dict[str, str]:
    resources = aws("cloudformation").describe_stack_resources(StackName=name)["StackResources"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}
