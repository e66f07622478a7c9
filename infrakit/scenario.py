"""Deprecated import path: the scenario schema lives in ``infrakit.core.schema``."""

from infrakit.core.schema import *  # noqa: F401,F403
from infrakit.core.schema import __all__  # noqa: F401
from infrakit.core.schema.values import check_value  # noqa: F401
