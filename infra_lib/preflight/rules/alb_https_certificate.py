"""HTTPS and TLS listeners carry a certificate."""

from __future__ import annotations

from typing import Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding

ID = "ALB-HTTPS-CERTIFICATE"
TITLE = "HTTPS/TLS listeners have a certificate"
RATIONALE = "CloudFormation rejects an HTTPS or TLS listener without a certificate, after creating the load balancer."
SOURCE_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-listener.html"


def check(context: Context) -> Iterator[Finding]:
    for name, props in context.index.of_type("AWS::ElasticLoadBalancingV2::Listener"):
        protocol = str(props.get("Protocol", "")).upper()
        if protocol in ("HTTPS", "TLS") and not props.get("Certificates"):
            yield Finding(ID, "missing-certificate", name,
                          f"Listener {name} uses {protocol} but has no certificate.",
                          "Attach an ACM certificate ARN (Certificates), or use HTTP until a domain you own is "
                          "available.", "template")
