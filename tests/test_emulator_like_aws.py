"""Where the emulator used to differ from AWS for the kit's stack, through boto3 only (no CDK CLI).

Each test failed before its fix: a TemplateURL on 127.0.0.1, a cluster's snapshots when a
stack is deleted and created again within the minute, two live stacks of one name, two stacks
sharing a DB cluster identifier, a storage-type change that was silently ignored.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.emulator_templates import aurora_template, client, create, failed_events, physical_ids

pytest_plugins = ["tests.emulator_fixtures"]

VPC_ONLY = json.dumps({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}}}})


def stacks_named(aws, name: str) -> list[str]:
    """Statuses of every stack called ``name`` that is not DELETE_COMPLETE."""
    summaries = aws("cloudformation").list_stacks()["StackSummaries"]
    return [s["StackStatus"] for s in summaries if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"]


# ------------------------------------------------------------------ TemplateURL on 127.0.0.1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_template_url_on_the_loopback_address_reads_the_bucket_in_the_path(aws, emulator, host):
    """`infrakit emulator start` prints localhost; users export 127.0.0.1 as often. The CDK CLI
    uploads the template to the assets bucket and passes a TemplateURL built from the endpoint."""
    endpoint = f"http://{host}:{emulator.port}"
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="cdk-hnb659fds-assets-123456789012-us-east-1")
    s3.put_object(Bucket="cdk-hnb659fds-assets-123456789012-us-east-1", Key="abc123.json", Body=VPC_ONLY)
    url = f"{endpoint}/cdk-hnb659fds-assets-123456789012-us-east-1/abc123.json"
    cfn = client(endpoint, "cloudformation")
    cfn.create_stack(StackName="by-url", TemplateURL=url)
    assert cfn.describe_stacks(StackName="by-url")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    cfn.create_change_set(StackName="by-change-set", ChangeSetName="cdk-deploy-change-set", TemplateURL=url,
                          ChangeSetType="CREATE")
    cfn.execute_change_set(StackName="by-change-set", ChangeSetName="cdk-deploy-change-set")
    assert cfn.describe_stacks(StackName="by-change-set")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert len(aws("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.9.0.0/16"]}])["Vpcs"]) == 2


# ------------------------------------------------------------------ final snapshots


def aurora_with_policy(policy: str | None) -> dict:
    template = aurora_template()
    if policy is None:
        template["Resources"]["Cluster"].pop("DeletionPolicy", None)
    else:
        template["Resources"]["Cluster"]["DeletionPolicy"] = policy
    return template


def cluster_snapshots(aws) -> list[dict]:
    return aws("rds").describe_db_cluster_snapshots()["DBClusterSnapshots"]


def test_a_stack_deleted_and_created_again_within_the_minute_gets_a_new_final_snapshot(aws):
    """deploy, destroy, deploy within a minute used to fail at the cluster with
    DBClusterSnapshotAlreadyExistsFault: moto kept the deleted cluster's minute-stamped automated
    backup, and the new cluster's first backup took the same name."""
    template = aurora_with_policy("Snapshot")
    cfn = aws("cloudformation")
    started = time.monotonic()
    for _ in range(2):
        assert create(aws, "PaymentApi-dev", template)["StackStatus"] == "CREATE_COMPLETE"
        cfn.delete_stack(StackName="PaymentApi-dev")
    assert time.monotonic() - started < 30  # well within the minute the old names were stamped with
    assert create(aws, "PaymentApi-dev", template)["StackStatus"] == "CREATE_COMPLETE"
    finals = [s for s in cluster_snapshots(aws) if s["SnapshotType"] == "manual"]
    names = [s["DBClusterSnapshotIdentifier"] for s in finals]
    assert len(names) == 2 and len(set(names)) == 2, names
    assert all(n.startswith("paymentapi-dev-cluster-snapshot-") for n in names), names
    assert {s["DBClusterIdentifier"] for s in finals} == {"payment-api-test"}
    automated = [s for s in cluster_snapshots(aws) if s["SnapshotType"] == "automated"]
    assert len(automated) == 1  # the live cluster's own; the deleted clusters' went with them


@pytest.mark.parametrize(("policy", "finals"), [("Delete", 0), ("Snapshot", 1), (None, 1)])
def test_deletion_policy_decides_the_final_snapshot(aws, policy, finals):
    """CloudFormation's default for an AWS::RDS::DBCluster without a DeletionPolicy is Snapshot."""
    create(aws, "db", aurora_with_policy(policy))
    aws("cloudformation").delete_stack(StackName="db")
    assert aws("rds").describe_db_clusters()["DBClusters"] == []
    assert [s["SnapshotType"] for s in cluster_snapshots(aws)] == ["manual"] * finals


# ------------------------------------------------------------------ one live stack per name


def test_create_stack_on_a_live_name_is_refused(aws):
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="dup", TemplateBody=VPC_ONLY)
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName="dup", TemplateBody=VPC_ONLY)
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    assert stacks_named(aws, "dup") == ["CREATE_COMPLETE"]


def test_create_change_set_on_a_live_stack_is_refused(aws):
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="dup", TemplateBody=VPC_ONLY)
    with pytest.raises(ClientError) as err:
        cfn.create_change_set(StackName="dup", ChangeSetName="again", TemplateBody=VPC_ONLY, ChangeSetType="CREATE")
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert err.value.response["Error"]["Message"] == \
        "Stack [dup] already exists and cannot be created again with the changeSet [again]."
    assert stacks_named(aws, "dup") == ["CREATE_COMPLETE"]


def test_a_stack_left_in_review_gets_the_next_create_change_set(aws):
    """Ctrl-C after the CDK CLI created its change set leaves the stack in REVIEW_IN_PROGRESS;
    the next deploy sends another CREATE change set, which AWS attaches to that same stack."""
    cfn = aws("cloudformation")
    first = cfn.create_change_set(StackName="PaymentApi-dev", ChangeSetName="cdk-deploy-change-set",
                                  TemplateBody=VPC_ONLY, ChangeSetType="CREATE")
    assert stacks_named(aws, "PaymentApi-dev") == ["REVIEW_IN_PROGRESS"]
    with pytest.raises(ClientError) as err:  # REVIEW_IN_PROGRESS counts for CreateStack
        cfn.create_stack(StackName="PaymentApi-dev", TemplateBody=VPC_ONLY)
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    with pytest.raises(ClientError) as err:  # and it was never created, so nothing to update
        cfn.create_change_set(StackName="PaymentApi-dev", ChangeSetName="update", TemplateBody=VPC_ONLY,
                              ChangeSetType="UPDATE")
    assert err.value.response["Error"]["Message"] == "Stack [PaymentApi-dev] does not exist"
    cfn.delete_change_set(StackName="PaymentApi-dev", ChangeSetName="cdk-deploy-change-set")
    second = cfn.create_change_set(StackName="PaymentApi-dev", ChangeSetName="cdk-deploy-change-set",
                                   TemplateBody=VPC_ONLY, ChangeSetType="CREATE")
    assert second["StackId"] == first["StackId"]
    assert stacks_named(aws, "PaymentApi-dev") == ["REVIEW_IN_PROGRESS"]
    cfn.execute_change_set(StackName="PaymentApi-dev", ChangeSetName="cdk-deploy-change-set")
    assert stacks_named(aws, "PaymentApi-dev") == ["CREATE_COMPLETE"]
    assert cfn.describe_stacks(StackName="PaymentApi-dev")["Stacks"][0]["StackId"] == first["StackId"]


def test_a_deleted_stack_does_not_hold_its_name(aws):
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="again", TemplateBody=VPC_ONLY)
    cfn.delete_stack(StackName="again")
    cfn.create_change_set(StackName="again", ChangeSetName="cs", TemplateBody=VPC_ONLY, ChangeSetType="CREATE")
    cfn.execute_change_set(StackName="again", ChangeSetName="cs")
    statuses = sorted(s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == "again")
    assert statuses == ["CREATE_COMPLETE", "DELETE_COMPLETE"]


# ------------------------------------------------------------------ DB clusters


def test_a_second_stack_cannot_take_a_cluster_identifier_in_use(aws):
    """moto replaced the first stack's cluster silently; RDS refuses the second."""
    first = create(aws, "first", aurora_template())
    cluster = aurora_template()["Resources"]["Cluster"]
    del cluster["Properties"]["DBSubnetGroupName"]
    cluster["Properties"]["MasterUserPassword"] = "only-a-test-1"
    second = {"Resources": {"Cluster": cluster}}
    assert create(aws, "second", second)["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = failed_events(aws, "second")[0]["ResourceStatusReason"]
    assert "DB Cluster already exists" in reason and "DBClusterAlreadyExistsFault" in reason
    clusters = aws("rds").describe_db_clusters()["DBClusters"]
    endpoint = {o["OutputKey"]: o["OutputValue"] for o in first["Outputs"]}["DbEndpoint"]
    assert [(c["DBClusterIdentifier"], c["Endpoint"], len(c["DBClusterMembers"])) for c in clusters] == \
        [("payment-api-test", endpoint, 1)]


def test_storage_type_changes_in_place(aws):
    """standard -> I/O-Optimized is an in-place update on AWS; the emulator used to ignore it."""
    cfn = aws("cloudformation")
    create(aws, "db", aurora_template())
    io_optimized = aurora_template()
    io_optimized["Resources"]["Cluster"]["Properties"]["StorageType"] = "aurora-iopt1"
    cfn.create_change_set(StackName="db", ChangeSetName="io", TemplateBody=json.dumps(io_optimized),
                          ChangeSetType="UPDATE")
    cfn.execute_change_set(StackName="db", ChangeSetName="io")
    assert cfn.describe_stacks(StackName="db")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert aws("rds").describe_db_clusters()["DBClusters"][0]["StorageType"] == "aurora-iopt1"


def test_a_cluster_names_its_subnet_group_as_ref_does(aws):
    """moto's subnet group had no physical id, so Ref gave the cluster the Python object itself."""
    create(aws, "db", aurora_template())
    group_name = physical_ids(aws, "db")["Subnets"]
    assert group_name and group_name == group_name.lower()
    assert aws("rds").describe_db_clusters()["DBClusters"][0]["DBSubnetGroup"] == group_name
    assert aws("rds").describe_db_subnet_groups(DBSubnetGroupName=group_name)["DBSubnetGroups"]
    aws("cloudformation").delete_stack(StackName="db")
    assert aws("rds").describe_db_subnet_groups()["DBSubnetGroups"] == []
