"""Security groups are least privilege in both directions: the service may send HTTPS out and
PostgreSQL to the database alone (no all-traffic egress), each rule its own resource so the
groups form no dependency cycle; with no NAT, HTTPS still reaches the VPC endpoints."""

from __future__ import annotations

import pytest

from infra_lib.cdk.synth import synth_many
from infrakit.core.schema import validate_scenario

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    scenarios = [validate_scenario({"environment_suffix": f"sg{nat.replace('_', '')}", "nat_strategy": nat,
                                    "container_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1"})
                 for nat in ("single", "none")]
    results = synth_many(scenarios, cache_dir=tmp_path_factory.mktemp("synth-cache"))
    return {s["nat_strategy"]: r.template for s, r in zip(scenarios, results, strict=True)}


def group_id(template, description_start):
    return next(k for k, v in template["Resources"].items() if v["Type"] == "AWS::EC2::SecurityGroup"
                and v["Properties"]["GroupDescription"].startswith(description_start))


def egress_of(template, group):
    inline = template["Resources"][group]["Properties"].get("SecurityGroupEgress", [])
    separate = [v["Properties"] for v in template["Resources"].values() if v["Type"] == "AWS::EC2::SecurityGroupEgress"
                and v["Properties"]["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}]
    return inline + separate


@pytest.mark.parametrize("nat", ["single", "none"])
def test_the_service_sends_only_https_out_and_postgresql_to_the_database(templates, nat):
    template = templates[nat]
    service = group_id(template, f"payment-api-sg{nat} service")
    database = group_id(template, f"payment-api-sg{nat} database")
    rules = egress_of(template, service)
    assert all(r.get("IpProtocol") != "-1" for r in rules), rules  # no all-traffic egress
    wide = [(r["FromPort"], r["ToPort"]) for r in rules if r.get("CidrIp") == "0.0.0.0/0"]
    assert wide == [(443, 443)]
    to_database = [r for r in rules if r.get("DestinationSecurityGroupId") == {"Fn::GetAtt": [database, "GroupId"]}]
    assert [(r["FromPort"], r["ToPort"], r["IpProtocol"]) for r in to_database] == [(5432, 5432, "tcp")]
    assert len(rules) == 2
    # the database side admits the service alone, as a rule resource of its own (no inline cross-reference)
    assert "SecurityGroupIngress" not in template["Resources"][database]["Properties"]
    assert "DependsOn" not in template["Resources"][service] and "DependsOn" not in template["Resources"][database]
