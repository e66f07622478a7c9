"""One module per priced resource. Each exposes ``components(bill) -> list[CostComponent]``
and holds quantities and usage types only, never a price. ``ALL`` fixes the line order.
"""

from cost_model.resources import (
    aurora,
    cloudwatch_logs,
    data_transfer,
    extended_support,
    fargate,
    load_balancer,
    nat_gateway,
    public_ipv4,
    secrets_manager,
    vpc_endpoint,
)

ALL = (
    nat_gateway,
    public_ipv4,
    data_transfer,
    vpc_endpoint,
    load_balancer,
    fargate,
    aurora,
    extended_support,
    secrets_manager,
    cloudwatch_logs,
)

# Resources in the stack that AWS does not charge for, listed so a reviewer can see they were
# considered rather than forgotten: VPC, subnets, route tables, internet gateway, security
# groups, the S3 gateway endpoint, target groups, listeners, IAM roles, ECS cluster.
FREE_RESOURCE_TYPES = (
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::Route", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
    "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ElasticLoadBalancingV2::Listener", "AWS::IAM::Role",
    "AWS::IAM::Policy", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition", "AWS::RDS::DBSubnetGroup",
    "AWS::SecretsManager::SecretTargetAttachment",
)
