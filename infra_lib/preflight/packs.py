"""Severity policy, apart from the rules (as cfn-lint and cdk-nag keep it).

Keys are ``RULE-ID/check``; a key ``RULE-ID`` sets the default for that rule's checks. A
finding whose check is in no pack is a warning, so a new check is seen before it is ranked.
"""

from __future__ import annotations

from typing import Mapping

DEFAULT_PACK: Mapping[str, str] = {
    "RDS-ENGINE-VERSION/deprecated": "error",
    "RDS-ENGINE-VERSION/unknown": "error",
    "RDS-ENGINE-VERSION/past-extended-support": "error",
    "RDS-ENGINE-VERSION/instance-class": "error",
    "RDS-ENGINE-VERSION/serverless-v2-minimum": "error",
    "RDS-ENGINE-VERSION/io-optimized-minimum": "error",
    "RDS-ENGINE-VERSION/past-standard-support": "warning",
    "RDS-ENGINE-VERSION/not-pinned": "warning",
    "RDS-ENGINE-VERSION/standard-support-ending": "info",
    "RDS-ENGINE-VERSION/unverified": "warning",  # not checked: the seed's first failure could hide here
    "RDS-ENGINE-VERSION/numeric-version": "warning",
    "RDS-ENGINE-VERSION/engine-not-in-catalog": "warning",
    "RDS-ENGINE-VERSION/serverless-v1-end-of-life": "error",
    "RDS-ENGINE-VERSION/serverless-v1-ending": "warning",
    "ACM-CERTIFICATE-DOMAIN/reserved-domain": "error",
    "ACM-CERTIFICATE-DOMAIN/no-hosted-zone": "error",
    "ACM-CERTIFICATE-DOMAIN/zone-mismatch": "error",
    "ACM-CERTIFICATE-DOMAIN/no-validation-zone": "warning",
    "ACM-CERTIFICATE-DOMAIN/new-zone": "warning",
    "ACM-CERTIFICATE-DOMAIN/email-validation": "warning",
    "ACM-CERTIFICATE-DOMAIN/not-verified": "warning",
    "ACM-CERTIFICATE-DOMAIN/delegation-not-verified": "info",
    "ACM-CERTIFICATE-DOMAIN/unverified": "warning",  # a domain not checked may never validate
    "EC2-EIP-QUOTA/over-quota": "error",
    "EC2-EIP-QUOTA/near-quota": "warning",
    "EC2-EIP-QUOTA/within-quota": "info",
    "EC2-EIP-QUOTA/not-verified": "warning",
    "SG-LISTENER-PORTS/listener-not-admitted": "error",
    "SG-LISTENER-PORTS/port-without-listener": "error",
    "SG-LISTENER-PORTS/port-range-wider-than-listeners": "warning",
    "SG-LISTENER-PORTS/unresolved-port": "info",
    "SG-LISTENER-PORTS/unverified": "warning",  # ports not checked (an imported group) are not a pass
    "SG-LISTENER-PORTS/shared-group": "info",
    "SG-TARGET-PORTS/target-not-admitted": "error",
    "SG-TARGET-PORTS/target-open-to-cidr": "warning",
    "SG-TARGET-PORTS/unverified": "warning",
    "SG-DATABASE-SOURCES/open-to-internet": "error",
    "SG-DATABASE-SOURCES/cidr-source": "warning",
    "SG-DATABASE-SOURCES/non-application-source": "warning",
    "SG-DATABASE-SOURCES/all-ports": "warning",
    "NAT-GATEWAY-LAYOUT/single-nat-in-prod": "warning",
    "NAT-GATEWAY-LAYOUT/nat-per-az-in-non-prod": "warning",
    "NAT-GATEWAY-LAYOUT/single-nat-environment-unknown": "info",
    "ALB-HTTPS-CERTIFICATE/missing-certificate": "error",
    "RDS-PUBLIC-ACCESS/publicly-accessible": "error",
    "STORAGE-ENCRYPTION/unencrypted": "error",
    "STORAGE-ENCRYPTION/unverified": "warning",
    "LAMBDA-CUSTOM-RESOURCE/custom-resource": "warning",
    "LAMBDA-CUSTOM-RESOURCE/lambda-function": "info",
    "CFN-TEMPLATE-LIMITS": "error",
    "PREFLIGHT/rule-failed": "error",
    "PREFLIGHT/bad-suppression": "error",
    "PREFLIGHT/nested-stack-not-checked": "warning",
    "PREFLIGHT/cfn-lint-failed": "warning",
    "PREFLIGHT/cfn-lint-skipped": "warning",
    "PREFLIGHT/cfn-lint-timeout": "warning",
    "PREFLIGHT/conditional-resources": "info",
}


def severity(pack: Mapping[str, str], rule_id: str, check: str) -> str:
    return pack.get(f"{rule_id}/{check}") or pack.get(rule_id) or "warning"
