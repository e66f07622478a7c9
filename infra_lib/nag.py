"""Deprecated import path: this module lives in ``infra_lib.cdk.nag``."""

from infra_lib.cdk.nag import *  # noqa: F401,F403
from infra_lib.cdk.nag import ACKNOWLEDGEMENTS, RULE_PACKS, acknowledge, add_rule_packs  # noqa: F401
