"""Custom resources and the Lambda functions behind them.

CDK adds Lambda-backed custom resources for conveniences (restricting the default security
group, log retention, bucket auto-delete). Each needs an asset bucket (a bootstrapped
environment), IAM for the function, and cannot be created by the local emulator.
"""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding

ID = "LAMBDA-CUSTOM-RESOURCE"
TITLE = "Custom resources that need Lambda are called out"
RATIONALE = ("Lambda-backed custom resources need a bootstrapped asset bucket and their own IAM role, add minutes "
             "to deploys, can hang a stack for an hour when they fail, and cannot run in the local emulator.")
SOURCE_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html"


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    for name, resource in index.resources.items():
        resource_type = str(resource.get("Type", "")) if isinstance(resource, dict) else ""
        if resource_type == "AWS::CloudFormation::CustomResource" or resource_type.startswith("Custom::"):
            token = index.properties(name).get("ServiceToken")
            backing = index.type_of(index.target(token)) if token is not None else None
            yield Finding(ID, "custom-resource", name,
                          f"{name} is a custom resource ({resource_type})"
                          f"{' backed by ' + backing if backing else ''}: it needs Lambda, an asset bucket from "
                          f"`cdk bootstrap`, and cannot be created in the local emulator.",
                          "Prefer a native property (e.g. restrict_default_security_group=False with an explicit "
                          "group, an explicit LogGroup instead of log_retention).", "template")
    for name, _ in index.of_type("AWS::Lambda::Function"):
        yield Finding(ID, "lambda-function", name, f"{name} is a Lambda function: it needs a bootstrapped asset "
                      f"bucket for its code.", "Make sure the target environment is bootstrapped.", "template")
