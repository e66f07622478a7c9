"""Deprecated import path: this module lives in ``infra_lib.cdk.stack``."""

from infra_lib.cdk.stack import *  # noqa: F401,F403
