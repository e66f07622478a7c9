"""What the user's AWS environment offers, probed without the network: known regions,
whether credentials are configured, whether ``AWS_PROFILE`` names a profile, and a boto3
session on real AWS that never follows an exported emulator endpoint.

Deploy and preflight use these (``infrakit.preflight`` re-exports the first four under its
older names).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from infrakit.core.errors import InputError
from infrakit.core.text import shown


def known_regions() -> set[str]:
    """Every region of every partition, from botocore's bundled endpoint data (no profile, no network)."""
    from botocore.loaders import create_loader

    endpoints = create_loader().load_data("endpoints")
    return {region for partition in endpoints["partitions"] for region in partition.get("regions", {})}


def check_region(region: str, flag: str = "--region") -> str:
    regions = known_regions()
    if region not in regions:
        # A region code is short: only a short value is worth a close match (and difflib on a
        # megabyte of text takes seconds); the value is quoted cut, as every message quotes input.
        close = difflib.get_close_matches(region, sorted(regions), n=1) if len(region) <= 64 else []
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InputError([f"{flag}: {shown(region)} is not an AWS region.{hint} Use a region code such as "
                          f"us-east-1."])
    return region


def credentials_available() -> bool:
    """Whether the user has configured AWS credentials, without probing the instance metadata
    service (that costs seconds where there is none)."""
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE") or env.get("AWS_WEB_IDENTITY_TOKEN_FILE") \
            or env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    home = Path(env.get("HOME", "~")).expanduser()
    files = [Path(env.get("AWS_SHARED_CREDENTIALS_FILE", home / ".aws" / "credentials")),
             Path(env.get("AWS_CONFIG_FILE", home / ".aws" / "config"))]
    return any(f.is_file() and f.stat().st_size > 0 for f in files)


def profile_problem() -> str | None:
    """Why ``AWS_PROFILE`` cannot be used (it names no profile), or None."""
    profile = os.environ.get("AWS_PROFILE")
    if not profile:
        return None
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        boto3.session.Session(profile_name=profile)
    except ProfileNotFound:
        return (f"AWS_PROFILE={profile!r} names no profile in ~/.aws/config or ~/.aws/credentials; set it to a "
                f"configured profile (`aws configure list-profiles`), or unset it.")
    return None


def aws_session(region: str):
    """A boto3 session on real AWS: the user's profile and credentials, and never an emulator's
    endpoint even when AWS_ENDPOINT_URL is exported (the CDK CLI's environment drops it too)."""
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=os.environ.get("AWS_PROFILE") or None)
    core.set_config_variable("ignore_configured_endpoint_urls", True)
    return boto3.session.Session(botocore_session=core, region_name=region)
