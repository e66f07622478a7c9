"""What every part of the emulator shares: constants, errors, failure reasons, names.

Imports neither moto nor boto3: ``import infra_lib.emulator`` stays cheap.
"""

from __future__ import annotations

import re

from infrakit.core.errors import InfrakitError

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# CliCredentialsStackSynthesizer still publishes the template to the bootstrap bucket; on the
# emulator the kit creates that bucket instead of running `cdk bootstrap`.
CDK_ASSETS_BUCKET = "cdk-hnb659fds-assets-{account}-{region}"
# Types that are metadata only: nothing to create.
NO_OP_TYPES = ("AWS::CDK::Metadata",)


class EmulatorError(InfrakitError):
    """The emulator could not start (port in use, wrong moto, ...); the message says what to do."""


class PortInUseError(EmulatorError):
    """The port asked for is taken: the caller's choice, so bad input for a CLI."""


class MotoVersionError(EmulatorError):
    """The installed moto is not the one the emulator's patches were written against."""


class ResourceFailed(Exception):
    """A resource of a stack failed; carries what the stack event reports."""

    def __init__(self, logical_id: str, resource_type: str, reason: str):
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason
        super().__init__(f"{logical_id} ({resource_type}): {reason}")


def reason(exc: BaseException) -> str:
    """What a stack event says about ``exc``: the service's message and error code, on one line."""
    if isinstance(exc, ResourceFailed):
        return exc.reason
    message = getattr(exc, "message", None) or getattr(exc, "description", None) or str(exc)
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    if isinstance(exc, KeyError):
        message = f"missing {exc}"
    text = re.sub(r"\s+", " ", str(message)).strip()
    return f"{text} ({code})" if isinstance(code, str) and code and code not in text else text


def is_not_found(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {getattr(exc, 'code', '')} {reason(exc)}".lower()
    return "notfound" in text.replace(" ", "") or "does not exist" in text or "not found" in text


def physical_name(resource_name: str, max_len: int = 63) -> str:
    """A lowercase identifier RDS accepts, from moto's generated ``stack-logical-suffix`` name."""
    name = re.sub(r"[^a-z0-9-]", "", resource_name.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:max_len].rstrip("-")
    return name if name[:1].isalpha() else f"r{name}"[:max_len]


def engine_version_problem(engine: str, version: str | None) -> str | None:
    """AWS's message when RDS cannot create ``engine`` at ``version``, judged by the dated catalog."""
    from infrakit.core.catalogs import engine_catalog

    catalog = engine_catalog()
    if engine != catalog.engine or version is None:
        return None
    if catalog.is_creatable(str(version)):
        return None
    return f"Cannot find version {version} for {engine}"


def unsupported_message(types: list[str], moto_version: str) -> str:
    return (f"Template error: the local emulator cannot create resource type(s) {', '.join(types)} "
            f"(no model in moto {moto_version} or infra_lib.emulator; Custom:: resources need a Lambda "
            f"runtime the emulator does not have). Deploy with --target aws, or add a model in "
            f"infra_lib/emulator/models/.")
