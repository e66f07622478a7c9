"""A DNS-validated ACM certificate needs a public hosted zone in the account that covers the
domain, and CloudFormation needs to be told which zone; reserved example domains never validate.

Seed failure #2: a certificate for payment-api.example.com with DNS validation. Nobody can own
example.com (RFC 2606), so validation never completes and the stack waits until it times out.
"""

from __future__ import annotations

from typing import Any, Iterator

from infra_lib.preflight.context import Context
from infra_lib.preflight.findings import Finding
from infrakit.core.cfn import as_list, cut, describe
from infrakit.core.schema import reserved_domain_problem

ID = "ACM-CERTIFICATE-DOMAIN"
TITLE = "DNS-validated certificates have a public hosted zone in the account that covers the domain"
RATIONALE = ("ACM issues a DNS-validated certificate only after the validation CNAME resolves publicly; "
             "CloudFormation creates it only in the hosted zone named in DomainValidationOptions. Without a zone "
             "the account owns, the stack waits and then fails.")
SOURCE_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-certificatemanager-certificate.html"


def _domains(context: Context, props: dict[str, Any]) -> list[Any]:
    index = context.index
    names = [index.literal(props.get("DomainName"))]
    sans = index.literal(props.get("SubjectAlternativeNames"))
    if isinstance(sans, list):
        names.extend(index.literal(n) for n in sans)
    elif isinstance(sans, str):  # a CommaDelimitedList parameter's default
        names.extend(n.strip() for n in sans.split(",") if n.strip())
    elif sans is not None:
        names.append(sans)  # a Ref to a list: reported as not a literal
    return [n for n in names if n is not None]


def _literal_tail(value: Any) -> str | None:
    """The literal text after the last substitution of an Fn::Sub: "${Env}.example.com" -> "example.com"."""
    if isinstance(value, dict) and len(value) == 1 and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        text = text[0] if isinstance(text, list) and text else text
        if isinstance(text, str) and "}" in text:
            tail = text.rsplit("}", 1)[1].lstrip(".")
            return tail or None
    return None


def _options(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    options = {}
    for option in as_list(props.get("DomainValidationOptions")):
        if isinstance(option, dict) and isinstance(option.get("DomainName"), str):
            options[option["DomainName"].lower().rstrip(".")] = option
    return options


def check(context: Context) -> Iterator[Finding]:
    index = context.index
    for resource, props in index.of_type("AWS::CertificateManager::Certificate"):
        method = str(context.index.literal(props.get("ValidationMethod")) or "EMAIL").upper()
        options = _options(props)
        for value in _domains(context, props):
            tail = _literal_tail(value)
            if tail and reserved_domain_problem(tail):
                yield Finding(ID, "reserved-domain", resource,
                              f"{resource} requests a certificate for {describe(value)}: whatever the substitution, "
                              f"{reserved_domain_problem(tail)} No account can own it, so validation never completes.",
                              "Use a domain in a public hosted zone you own.", "RFC 2606 / RFC 6761")
                continue
            if not isinstance(value, str):
                yield Finding(ID, "unverified", resource,
                              f"{resource}'s domain {describe(value)} is not a literal; ownership not checked.",
                              "Pass the domain as a literal so preflight can check it.", "template")
                continue
            domain = value.lower().rstrip(".")
            lookup = domain[2:] if domain.startswith("*.") else domain
            value = cut(value, 120)
            reserved = reserved_domain_problem(lookup)
            if reserved:
                yield Finding(ID, "reserved-domain", resource,
                              f"{resource} requests a certificate for {value}: {reserved} No account can own it, so "
                              f"{'DNS' if method == 'DNS' else 'email'} validation never completes and the deploy "
                              f"waits, then fails.",
                              "Use a domain in a public hosted zone you own, or drop the certificate and use an HTTP "
                              "listener for the environment (the seed's fix).", "RFC 2606 / RFC 6761")
                continue
            if method == "EMAIL":
                yield Finding(ID, "email-validation", resource,
                              f"{resource} validates {value} by email: someone must click the approval link while "
                              f"the deploy waits.", "Use ValidationMethod DNS with a hosted zone you own.", "template")
                continue
            yield from _dns(context, resource, value, lookup, options.get(domain) or options.get(lookup))


def _dns(context: Context, resource: str, value: str, lookup: str, option: dict[str, Any] | None) -> Iterator[Finding]:
    index = context.index
    zone_ref = index.literal(option.get("HostedZoneId")) if option else None
    template_zone = index.target(zone_ref, "AWS::Route53::HostedZone") if zone_ref is not None else None
    if template_zone:
        yield Finding(ID, "new-zone", resource,
                      f"{resource} validates {value} in hosted zone {template_zone}, which this stack creates: a new "
                      f"zone is not delegated from its parent, so validation waits until someone adds its NS records "
                      f"at the registrar.", "Validate in an existing, delegated public hosted zone.", "template")
        return
    answer = context.facts.hosted_zones_covering(lookup)
    if answer.value is None:
        yield Finding(ID, "not-verified", resource,
                      f"Whether the account holds a public hosted zone covering {value} was not verified: "
                      f"{answer.detail}.", "Run preflight --live with credentials that may call "
                      "route53:ListHostedZonesByName.", answer.source)
        if zone_ref is None:
            yield _no_zone_named(resource, value)
        return
    public = [z for z in answer.value if not z.private]
    if not public:
        private = [z for z in answer.value if z.private]
        extra = (f" (only private zones: {', '.join(z.name for z in private)}; ACM cannot validate in a private zone)"
                 if private else "")
        yield Finding(ID, "no-hosted-zone", resource,
                      f"No public Route 53 hosted zone in the account covers {value}{extra}: DNS validation never "
                      f"completes and the deploy waits, then fails.",
                      f"Create or delegate a public hosted zone for {lookup} (or a parent) in this account, or use a "
                      f"certificate ARN issued elsewhere.", answer.source)
        return
    if zone_ref is None:
        yield _no_zone_named(resource, value)
    else:
        zone_id = zone_ref if isinstance(zone_ref, str) else None
        if zone_id is not None and zone_id.rsplit("/", 1)[-1] not in {z.zone_id for z in public}:
            yield Finding(ID, "zone-mismatch", resource,
                          f"{resource} names hosted zone {zone_id} for {value}, but the zones covering it are "
                          f"{', '.join(f'{z.zone_id} ({z.name})' for z in public)}.",
                          "Set DomainValidationOptions' HostedZoneId to one of those zones.", answer.source)
            return
    covering = max(public, key=lambda z: len(z.name))
    yield Finding(ID, "delegation-not-verified", resource,
                  f"Hosted zone {covering.zone_id} ({covering.name}) covers {value}; delegation not verified: "
                  f"no DNS resolver for NS queries here, so whether the public delegation points at this zone "
                  f"is unknown.", f"Check `dig NS {covering.name}` against the zone's name servers.", answer.source)


def _no_zone_named(resource: str, value: str) -> Finding:
    return Finding(ID, "no-validation-zone", resource,
                   f"{resource} validates {value} by DNS but DomainValidationOptions names no HostedZoneId: "
                   f"CloudFormation will not create the validation record, and the deploy waits for someone to "
                   f"add it by hand.", "Add DomainValidationOptions with the HostedZoneId (CDK: "
                   "CertificateValidation.from_dns(hosted_zone)).", "template")
