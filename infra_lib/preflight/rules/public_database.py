"""Databases are not publicly accessible."""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import is_true

ID = "RDS-PUBLIC-ACCESS"
TITLE = "Databases are not publicly accessible"
RATIONALE = ("A publicly accessible instance gets a public DNS name and address; with a permissive security group "
             "the payment database is on the internet.")
SOURCE_URL = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"


def check(context: Context) -> Iterator[Finding]:
    for resource_type in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        for name, props in context.index.of_type(resource_type):
            if is_true(props.get("PubliclyAccessible")):
                yield Finding(ID, "publicly-accessible", name, f"{name} sets PubliclyAccessible: true.",
                              "Set PubliclyAccessible to false and reach the database from inside the VPC.",
                              "template")
