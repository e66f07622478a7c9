"""One preflight rule per module. Each has ID, TITLE, RATIONALE, SOURCE_URL and ``check(context)``;
severity is not here but in ``infra_lib/preflight/packs.py``."""

from infra_lib.preflight.rules import (
    alb_https_certificate,
    certificate_domain,
    custom_resources,
    eip_quota,
    engine_version,
    nat_gateway_layout,
    public_database,
    sg_database_sources,
    sg_listener_ports,
    sg_target_ports,
    storage_encryption,
    template_limits,
)

ALL_RULES = (
    engine_version,
    certificate_domain,
    eip_quota,
    sg_listener_ports,
    sg_target_ports,
    sg_database_sources,
    nat_gateway_layout,
    alb_https_certificate,
    public_database,
    storage_encryption,
    custom_resources,
    template_limits,
)
