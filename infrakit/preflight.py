"""Preflight for users: a scenario, a template file or a cloud assembly in; a report out.

``infra_lib.preflight`` holds the rules and never imports pandas; this module adds what the
kit knows around them: loading and checking inputs (bad input is exit 2 before any slow
work), choosing the region and the data source, and the cost model's dollar figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from infrakit.errors import InputError

# Findings on our own stack that are the design, with the reason (suppressions need one).
KIT_STACK_SUPPRESSIONS = (
    ("CFN-LINT-W3010", "AZ names come from the dated region catalog so that synthesis needs no AWS lookup"),
    ("CFN-LINT-W3005", "CDK emits this DependsOn itself; it is redundant, not wrong"),
)


# --- inputs -------------------------------------------------------------------------------

def load_template_file(path: str | Path) -> dict[str, Any]:
    """A CloudFormation template (JSON, or YAML with short-form tags) or InputError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([f"--template: {path} does not exist; pass a synthesized template such as "
                          f"cdk.out/STACK.template.json"]) from None
    except IsADirectoryError:
        raise InputError([f"--template: {path} is a directory; for a cloud assembly use --assembly {path}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([f"--template: cannot read {path}: {exc}"]) from None
    try:
        template = json.loads(text)
    except json.JSONDecodeError as json_error:
        template = _yaml_template(text, path, json_error)
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict) \
            or not template["Resources"]:
        raise InputError([f"--template: {path} is not a CloudFormation template: it has no Resources mapping "
                          f"(expected a top-level 'Resources' with at least one resource)"])
    bad = [name for name, r in template["Resources"].items()
           if not isinstance(r, dict) or not isinstance(r.get("Type"), str)]
    if bad:
        raise InputError([f"--template: {path}: resource {name!r} has no Type" for name in bad])
    return template


def _yaml_template(text: str, path: Path, json_error: json.JSONDecodeError) -> Any:
    if text.lstrip().startswith(("{", "[")):
        raise InputError([f"--template: {path} is not valid JSON (line {json_error.lineno}, column "
                          f"{json_error.colno}: {json_error.msg})"])
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)
    if matches or template is None:
        detail = matches[0].message if matches else "empty"
        raise InputError([f"--template: {path} is neither JSON nor a YAML CloudFormation template ({detail})"])
    return template


@dataclass(frozen=True)
class AssemblyStack:
    name: str
    template_path: Path
    region: str | None


def assembly_stacks(directory: str | Path) -> list[AssemblyStack]:
    """The CloudFormation stacks a cloud assembly (cdk.out) holds, from its manifest."""
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    if not directory.is_dir():
        raise InputError([f"--assembly: {directory} is not a directory; pass a cloud assembly such as cdk.out "
                          f"(or a template with --template)"])
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        artifacts = manifest["artifacts"]
    except FileNotFoundError:
        raise InputError([f"--assembly: {directory} has no manifest.json: it is not a cloud assembly "
                          f"(run `cdk synth` or `infrakit synth --out DIR`)"]) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError([f"--assembly: {manifest_path} is not a readable cloud assembly manifest: {exc}"]) from None
    stacks = []
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties") or {}
        region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
        stacks.append(AssemblyStack(
            name=props.get("stackName") or artifact_id,
            template_path=directory / props.get("templateFile", f"{artifact_id}.template.json"),
            region=None if not region or region.startswith("unknown") else region))
    if not stacks:
        raise InputError([f"--assembly: {directory} holds no CloudFormation stack"])
    return stacks


def choose_stack(stacks: Sequence[AssemblyStack], wanted: str | None, directory: str | Path) -> AssemblyStack:
    names = [s.name for s in stacks]
    if wanted is not None:
        for stack in stacks:
            if stack.name == wanted:
                return stack
        raise InputError([f"--stack: {wanted!r} is not in {directory}; its stacks are: {', '.join(names)}"])
    if len(stacks) > 1:
        raise InputError([f"--assembly: {directory} holds {len(stacks)} stacks ({', '.join(names)}); choose one "
                          f"with --stack NAME"])
    return stacks[0]


def known_regions() -> set[str]:
    """Every region of every partition, from botocore's bundled endpoint data (no profile, no network)."""
    from botocore.loaders import create_loader

    endpoints = create_loader().load_data("endpoints")
    return {region for partition in endpoints["partitions"] for region in partition.get("regions", {})}


def check_region(region: str, flag: str = "--region") -> str:
    if region not in known_regions():
        import difflib

        close = difflib.get_close_matches(region, sorted(known_regions()), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InputError([f"{flag}: {region!r} is not an AWS region.{hint} Use a region code such as us-east-1."])
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


# --- dollar figures ---------------------------------------------------------------------------

class ModelCosts:
    """``CostHooks`` from the cost model: the same prices.csv rows every other figure uses."""

    def extended_support_monthly_usd(self, *, region: str, engine_version: str, instance_class: str,
                                     instance_count: int, month: dt.date):
        lines = self._lines({"region": region, "engine_version": engine_version, "instance_class": instance_class,
                             "reader_count": max(instance_count - 1, 0), "start_date": month.isoformat()})
        if lines is None:
            return None
        support = [line for line in lines if str(line["usage_type"]).startswith("ExtendedSupport")]
        if not support or any(_missing(line["monthly_usd"]) for line in support):
            return None
        total = sum(line["monthly_usd"] for line in support)
        why = "; ".join(f"{instance_count} x {instance_class}: {line['quantity']:,.0f} {line['unit']} x "
                        f"${line['unit_price_usd']} ({line['usage_type']}, prices.csv {line['price_effective_date']})"
                        for line in support)
        return total, why

    def nat_gateways_monthly_usd(self, *, region: str, nat_gateway_count: int):
        from infrakit.catalogs import region_catalog

        zones = len(region_catalog()[region].availability_zones) if region in region_catalog() else 0
        if nat_gateway_count < 1 or nat_gateway_count > zones:
            return None
        scenario = {"region": region, "az_count": max(nat_gateway_count, 2),
                    "nat_strategy": "single" if nat_gateway_count == 1 else "per_az"}
        if nat_gateway_count > 1:
            scenario["az_count"] = nat_gateway_count
        lines = self._lines(scenario)
        if lines is None:
            return None
        nat = [line for line in lines if line["usage_type"] == "NatGateway-Hours"
               or (str(line["usage_type"]).startswith("PublicIPv4") and "NAT" in str(line["resource"]))]
        if not nat or any(_missing(line["monthly_usd"]) for line in nat):
            return None
        total = sum(line["monthly_usd"] for line in nat)
        why = " + ".join(f"{line['quantity']:,.0f} {line['unit']} x ${line['unit_price_usd']} {line['usage_type']}"
                         for line in nat)
        return total, f"{why}, prices.csv; data processing excluded"

    @staticmethod
    def _lines(raw: dict[str, Any]):
        from cost_model import cost_scenario
        from infrakit.scenario import validate_scenario

        try:
            return cost_scenario(validate_scenario(raw)).lines(0)
        except InputError:
            return None


def _missing(value) -> bool:
    return value is None or value != value  # NaN


# --- entry points ---------------------------------------------------------------------------

def resolve_mode(*, live: bool | None) -> bool:
    """``live=None``: live when credentials or an endpoint are configured, else offline."""
    if live is not None:
        return live
    return credentials_available() or bool(os.environ.get("AWS_ENDPOINT_URL"))


def preflight_template(template: Mapping[str, Any], *, region: str, live: bool | None = False,
                       suppress: Sequence[str] = (), environment: str | None = None, stack_name: str | None = None,
                       session=None, cfn_lint: bool = True, today: dt.date | None = None,
                       extra_suppressions: Sequence = (), template_dir: str | Path | None = None):
    from infra_lib.preflight import parse_suppressions, preflight

    suppressions = [*parse_suppressions(suppress), *extra_suppressions]
    live = resolve_mode(live=live)
    if live and session is None and (problem := profile_problem()):
        raise InputError([problem])
    return preflight(template, region=region, live=live, session=session,
                     suppressions=suppressions, environment=environment, costs=ModelCosts(),
                     stack_name=stack_name, cfn_lint=cfn_lint, today=today, template_dir=template_dir)


def preflight_scenario(scenario: Mapping[str, Any], *, synth_result=None, live: bool | None = False,
                       suppress: Sequence[str] = (), session=None, cfn_lint: bool = True,
                       today: dt.date | None = None):
    """Synthesize the scenario (unless given) and preflight its template. A scenario AWS would
    refuse still synthesizes here: reporting why is preflight's job."""
    from infra_lib.preflight import Suppression
    from infrakit.scenario import validate_scenario

    from infra_lib.preflight import parse_suppressions

    checked = validate_scenario(dict(scenario))
    parse_suppressions(suppress)  # short reasons are bad input, reported before synthesis starts
    if synth_result is None:
        from infra_lib.synth import synth

        synth_result = synth(checked, check_deployable=False)
    kit = [Suppression(rule, reason) for rule, reason in KIT_STACK_SUPPRESSIONS]
    return preflight_template(synth_result.template, region=checked["region"], live=live, suppress=suppress,
                              environment=checked["environment"], stack_name=synth_result.stack_name,
                              session=session, cfn_lint=cfn_lint, today=today, extra_suppressions=kit)
