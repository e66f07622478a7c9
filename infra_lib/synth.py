"""Deprecated import path: this module lives in ``infra_lib.cdk.synth``."""

from infra_lib.cdk.synth import *  # noqa: F401,F403
from infra_lib.cdk.synth import INFRA_KEYS, add_stack, app_from_context, cache_key, cdk_context  # noqa: F401
