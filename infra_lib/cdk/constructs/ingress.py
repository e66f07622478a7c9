"""The internet-facing ALB and its listeners.

Security-group ingress is derived from the listeners (``open=True`` makes each listener
admit its own port), never declared separately: the seed's failure #4 (443 open while the
listener served 80) cannot be written. HTTPS only with a domain, a certificate from
``certificate_arn`` or DNS-validated through the scenario's hosted zone; HTTP then redirects.
"""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from constructs import Construct


class Ingress(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, listener_protocol: str,
                 domain_name: str | None, hosted_zone_name: str | None, hosted_zone_id: str | None,
                 certificate_arn: str | None, environment_suffix: str) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self, "AlbSecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"payment-api-{environment_suffix} ALB: listener ports from the internet")
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self, "Alb", vpc=vpc, internet_facing=True, security_group=self.security_group,
            load_balancer_name=f"payment-api-{environment_suffix}",
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True)
        if listener_protocol == "HTTPS":
            certificate = self._certificate(domain_name, hosted_zone_name, hosted_zone_id, certificate_arn)
            self.listener = self.load_balancer.add_listener(
                "Https", port=443, protocol=elbv2.ApplicationProtocol.HTTPS, certificates=[certificate],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS, open=True)
            self.load_balancer.add_redirect(source_port=80, target_port=443)  # its listener opens 80 too
        else:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=True)

    def _certificate(self, domain_name, hosted_zone_name, hosted_zone_id, certificate_arn) -> acm.ICertificate:
        if certificate_arn:
            return acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=hosted_zone_id, zone_name=hosted_zone_name.rstrip("."))
        return acm.Certificate(self, "Certificate", domain_name=domain_name,
                               validation=acm.CertificateValidation.from_dns(zone))
