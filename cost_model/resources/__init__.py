"""One module per priced resource. Each exposes ``components(bill) -> list[CostComponent]``
and holds quantities and usage types only, never a price. ``ALL`` fixes the line order.

What a template holds beyond these (``infrakit cost --template`` lists each in ``not_priced``):
``FREE_RESOURCE_TYPES`` AWS does not charge for, ``USAGE_BASED_RESOURCE_TYPES`` whose cost is all
usage the template does not state (as Infracost's "usage-based" resources); any other type is
"not modelled".
"""

from cost_model.resources import (
    aurora,
    cloudwatch_logs,
    data_transfer,
    elastic_ip,
    extended_support,
    fargate,
    internal_load_balancer,
    load_balancer,
    nat_gateway,
    public_ipv4,
    secrets_manager,
    vpc_endpoint,
)

ALL = (
    nat_gateway,
    public_ipv4,
    elastic_ip,
    data_transfer,
    vpc_endpoint,
    load_balancer,
    internal_load_balancer,
    fargate,
    aurora,
    extended_support,
    secrets_manager,
    cloudwatch_logs,
)

# Resources AWS does not charge for, listed so a reviewer can see they were considered rather
# than forgotten. The kit's stack: VPC, subnets, route tables, internet gateway, security
# groups, the S3 gateway endpoint, target groups, listeners, IAM roles, ECS cluster. Other
# templates add network ACLs, DHCP options, parameter groups, policies, permissions, versions,
# API Gateway's parts (the API itself is usage-based), auto-scaling targets and the CDK's
# metadata. What they cost to use shows elsewhere (data through an egress-only gateway is data
# transfer; a Lambda permission's invocations are the function's).
FREE_RESOURCE_TYPES = (
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::Route", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
    "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ElasticLoadBalancingV2::Listener", "AWS::IAM::Role",
    "AWS::IAM::Policy", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition", "AWS::RDS::DBSubnetGroup",
    "AWS::SecretsManager::SecretTargetAttachment",
    # beyond the kit's stack
    "AWS::CDK::Metadata", "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::DHCPOptions", "AWS::EC2::VPCDHCPOptionsAssociation", "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::VPCCidrBlock", "AWS::EC2::SubnetCidrBlock", "AWS::EC2::EIPAssociation", "AWS::EC2::LaunchTemplate",
    "AWS::EC2::PrefixList", "AWS::EC2::KeyPair", "AWS::EC2::PlacementGroup",
    "AWS::EC2::GatewayRouteTableAssociation", "AWS::EC2::VPCEndpointService",
    "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::ListenerCertificate",
    "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile", "AWS::IAM::ServiceLinkedRole", "AWS::IAM::Group",
    "AWS::IAM::User", "AWS::IAM::UserToGroupAddition", "AWS::IAM::RolePolicy", "AWS::IAM::OIDCProvider",
    "AWS::ECS::ClusterCapacityProviderAssociations", "AWS::ECS::PrimaryTaskSet",
    "AWS::RDS::DBClusterParameterGroup", "AWS::RDS::DBParameterGroup", "AWS::RDS::OptionGroup",
    "AWS::RDS::DBSecurityGroup", "AWS::SecretsManager::ResourcePolicy", "AWS::SecretsManager::RotationSchedule",
    "AWS::Lambda::Permission", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::LayerVersion", "AWS::Lambda::LayerVersionPermission",
    "AWS::S3::BucketPolicy", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
    "AWS::Logs::ResourcePolicy", "AWS::Logs::SubscriptionFilter",
    "AWS::ApiGateway::Account", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method", "AWS::ApiGateway::Model", "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey", "AWS::ApiGateway::ApiKey", "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Deployment", "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::AutoScaling::ScalingPolicy",
    "AWS::AutoScaling::LifecycleHook", "AWS::AutoScaling::ScheduledAction", "AWS::CertificateManager::Certificate",
    "AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle",
    "AWS::KMS::Alias", "AWS::SSM::Document", "AWS::Events::EventBus",
    "AWS::Scheduler::ScheduleGroup", "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::CloudFrontOriginAccessIdentity", "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginRequestPolicy", "AWS::CloudFront::ResponseHeadersPolicy",
)

# Resources whose cost is all usage the template does not state (requests, storage, transfer,
# invocations), with what that usage is. Infracost lists the same as "usage-based".
USAGE_BASED_RESOURCE_TYPES = {
    "AWS::S3::Bucket": "storage, requests and data transfer (not stated by the template)",
    "AWS::Lambda::Function": "requests and GB-seconds of duration (not stated by the template)",
    "AWS::SQS::Queue": "requests (not stated by the template)",
    "AWS::SNS::Topic": "publishes and deliveries (not stated by the template)",
    "AWS::ApiGateway::RestApi": "API calls and data transfer (not stated by the template)",
    "AWS::ApiGatewayV2::Api": "API calls or messages and connection minutes (not stated by the template)",
    "AWS::StepFunctions::StateMachine": "state transitions or executions (not stated by the template)",
    "AWS::Events::Rule": "events published (not stated by the template)",
    "AWS::Scheduler::Schedule": "invocations (not stated by the template)",
    "AWS::ECR::Repository": "image storage and transfer (not stated by the template)",
    "AWS::EFS::FileSystem": "storage and throughput (not stated by the template)",
    "AWS::CloudFront::Distribution": "requests and data transfer out (not stated by the template)",
    "AWS::Cognito::UserPool": "monthly active users (not stated by the template)",
    "AWS::CloudTrail::Trail": "events delivered beyond the first trail's management events (not stated)",
    "AWS::KinesisFirehose::DeliveryStream": "data ingested (not stated by the template)",
    "AWS::CodeBuild::Project": "build minutes (not stated by the template)",
    "AWS::Athena::WorkGroup": "data scanned (not stated by the template)",
    "AWS::Glue::Job": "DPU-hours (not stated by the template)",
    "AWS::SES::ConfigurationSet": "emails sent (not stated by the template)",
    "AWS::XRay::SamplingRule": "traces recorded (not stated by the template)",
    "AWS::Lambda::Url": "the function's requests (not stated by the template)",
    "AWS::Route53::RecordSet": "DNS queries (alias queries to AWS resources are free; not stated by the template)",
    "AWS::Route53::RecordSetGroup": "DNS queries (alias queries to AWS resources are free; not stated)",
}
