"""``AWS::CertificateManager::Certificate``: issued at once when every domain validates through a
hosted zone the emulator has; otherwise fails at once with what AWS would eventually say (no hang)."""

from __future__ import annotations

from moto.acm.models import acm_backends
from moto.route53.models import route53_backends
from moto.utilities.utils import get_partition

from infra_lib.emulator.models.base import KitModel


def _covers(zone_name: str, domain: str) -> bool:
    zone, name = zone_name.rstrip("."), domain.rstrip(".")
    return name == zone or name.endswith("." + zone)


class KitCertificate(KitModel):
    cfn_type = "AWS::CertificateManager::Certificate"

    def __init__(self, arn: str):
        super().__init__(arn)
        self.arn = arn

    @staticmethod
    def validation_problem(props: dict, account_id: str, region_name: str) -> str | None:
        domain = props["DomainName"]
        method = props.get("ValidationMethod", "EMAIL")
        if method != "DNS":
            return (f"Certificate for {domain} uses {method} validation, which needs someone to approve an "
                    f"email; the emulator cannot, and AWS would wait up to 72 hours before failing. "
                    f"Use DNS validation with a hosted zone, or an existing certificate_arn.")
        zones = route53_backends[account_id][get_partition(region_name)]
        options = {o.get("DomainName"): o for o in props.get("DomainValidationOptions", [])}
        for name in [domain, *props.get("SubjectAlternativeNames", [])]:
            zone_id = (options.get(name) or {}).get("HostedZoneId")
            zone = zones.zones.get(str(zone_id).replace("/hostedzone/", "")) if zone_id else None
            if zone is None or zone.private_zone or not _covers(zone.name, name):
                where = f"hosted zone {zone_id}" if zone_id else "no HostedZoneId"
                return (f"Certificate for {name} never validates: DNS validation needs its CNAME record in "
                        f"a public Route 53 hosted zone that covers {name}, and the emulator has no such "
                        f"zone ({where}). On AWS this resource waits up to 72 hours in CREATE_IN_PROGRESS "
                        f"and then fails. Use a domain whose hosted zone you own (create it first), or "
                        f"set certificate_arn to an issued certificate.")
        return None

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = cloudformation_json["Properties"]
        if problem := cls.validation_problem(props, account_id, region_name):
            raise ValueError(problem)
        backend = acm_backends[account_id][region_name]
        arn = backend.request_certificate(props["DomainName"], None, props.get("SubjectAlternativeNames", []),
                                          props.get("Tags", []))
        backend.get_certificate(arn).status = "ISSUED"
        return cls(arn)

    @classmethod
    def delete_resource(cls, physical_id: str, account_id: str, region_name: str) -> None:
        acm_backends[account_id][region_name].delete_certificate(physical_id)
