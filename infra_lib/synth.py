"""In-process synthesis of the payment API stack, with an on-disk template cache.

jsii start-up dominates (about 3 s for the first stack of a process, about 0.16 s for each
further one), so ``synth_many`` synthesizes many scenarios in one process, and templates
are cached under ``.infrakit-cache/synth/<key>``. The key hashes the scenario's
infrastructure keys, the kit and aws-cdk-lib versions, cdk.json's context and the source of
infra_lib itself, so a code change never serves a stale template.

No AWS calls and no credentials: AZ names come from the region catalog, the hosted zone from
the scenario.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping, Sequence

import infra_lib  # noqa: F401  (sets JSII_NODE before aws_cdk starts)
import infrakit
from infrakit.core.errors import InputError
from infrakit.core.schema import RULES, load_scenario, validate_scenario

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = PROJECT_ROOT / "cdk.json"


def default_cache_dir() -> Path:
    """``$INFRAKIT_CACHE_DIR/synth`` if set, else ``.infrakit-cache/synth`` in the project."""
    root = os.environ.get("INFRAKIT_CACHE_DIR")
    return (Path(root) if root else PROJECT_ROOT / ".infrakit-cache") / "synth"

# Scenario keys that shape the template; usage, horizon and policy keys do not.
INFRA_KEYS: tuple[str, ...] = (
    "name", "region", "environment", "environment_suffix", "az_count", "nat_strategy", "engine_version",
    "instance_class", "reader_count", "storage_type", "listener_protocol", "domain_name", "hosted_zone_name",
    "hosted_zone_id", "certificate_arn", "service_cpu", "service_memory_mib", "service_desired_count",
    "service_arch", "container_image", "container_port", "log_retention_days",
)


# Deployability rules the constructs themselves depend on: HTTPS needs a certificate source to
# build at all, so even check_deployable=False keeps them.
RULES_NEEDED_TO_BUILD = ("certificate-source",)


def stack_name(scenario: Mapping[str, Any]) -> str:
    return f"PaymentApi-{scenario['environment_suffix']}"


@dataclass(frozen=True)
class SynthResult:
    stack_name: str
    template: dict[str, Any]
    template_path: Path
    assembly_dir: Path
    cached: bool

    def resource_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for resource in self.template.get("Resources", {}).values():
            counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
        return dict(sorted(counts.items()))


@functools.cache
def cdk_context() -> dict[str, Any]:
    """The feature flags and context of cdk.json, so in-process synthesis matches `cdk synth`."""
    if not CDK_JSON.exists():
        return {}
    return json.loads(CDK_JSON.read_text())["context"]


@functools.cache
def _source_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(scenario: Mapping[str, Any]) -> str:
    payload = {
        "scenario": {k: scenario[k] for k in INFRA_KEYS},
        "infrakit": infrakit.__version__,
        "aws-cdk-lib": metadata.version("aws-cdk-lib"),
        "context": cdk_context(),
        "infra_lib": _source_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


def deployable_scenario(scenario: Mapping[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """The scenario, checked for everything AWS would refuse, before any synthesis starts."""
    return validate_scenario(dict(scenario), source=source, rule_kinds=("input", "deployable"))


def add_stack(app, scenario: Mapping[str, Any]):
    """Add the payment API stack for ``scenario`` to a CDK ``app``."""
    import aws_cdk as cdk

    from infra_lib.nag import acknowledge
    from infra_lib.stack import PaymentApiStack

    stack = PaymentApiStack(
        app, stack_name(scenario), scenario=scenario,
        env=cdk.Environment(region=scenario["region"]),
        # No bootstrap roles or version rule: the CLI deploys with the caller's credentials,
        # which is also what the local emulator accepts.
        synthesizer=cdk.CliCredentialsStackSynthesizer(),
    )
    acknowledge(stack, scenario)
    return stack


def _synth_into(scenario: Mapping[str, Any], outdir: Path) -> tuple[str, dict]:
    import aws_cdk as cdk

    app = cdk.App(outdir=str(outdir), context=cdk_context())
    stack = add_stack(app, scenario)
    assembly = app.synth()
    return stack.stack_name, assembly.get_stack_by_name(stack.stack_name).template


def synth_many(scenarios: Sequence[Mapping[str, Any]], *, cache: bool = True, cache_dir: Path | None = None,
               out_dir: Path | None = None, check_deployable: bool = True) -> list[SynthResult]:
    """Synthesize every scenario in this process; cached templates are read, not rebuilt.

    Every scenario is checked first (all problems of all scenarios at once), so nothing slow
    starts on bad input. With ``out_dir`` the cloud assembly of each is also copied there
    (one subfolder per stack when there are several).

    ``check_deployable=False`` still refuses bad input but lets through what only AWS would
    refuse (a deprecated engine version, say): preflight needs that template to report on,
    and a deploy with ``--override-preflight`` needs it to show AWS's own failure.
    """
    kinds = ("input", "deployable") if check_deployable else ("input",)
    checked, problems = [], []
    for scenario in scenarios:
        try:
            valid = validate_scenario(dict(scenario), rule_kinds=kinds)
            if not check_deployable:  # what AWS would refuse may pass; what the stack cannot be built from may not
                build = [p for rule in RULES if rule.id in RULES_NEEDED_TO_BUILD if (p := rule.check(valid))]
                if build:
                    raise InputError(build)
            checked.append(valid)
        except InputError as exc:
            problems.extend(f"{scenario.get('name', '?')}: {p}" for p in exc.problems)
    if problems:
        raise InputError(problems)
    if cache and cache_dir is None:
        cache_dir = default_cache_dir()
    results = []
    for scenario in checked:
        result = _synth_one(scenario, cache_dir if cache else None)
        if out_dir is not None:
            target = Path(out_dir) if len(checked) == 1 else Path(out_dir) / result.stack_name
            result = _copy_assembly(result, target)
        results.append(result)
    return results


def synth(scenario: Mapping[str, Any], *, cache: bool = True, cache_dir: Path | None = None,
          out_dir: Path | None = None, check_deployable: bool = True) -> SynthResult:
    """Synthesize one scenario: the template dict and its cloud assembly directory."""
    return synth_many([scenario], cache=cache, cache_dir=cache_dir, out_dir=out_dir,
                      check_deployable=check_deployable)[0]


def _synth_one(scenario: Mapping[str, Any], cache_dir: Path | None) -> SynthResult:
    name = stack_name(scenario)
    if cache_dir is None:
        outdir = Path(tempfile.mkdtemp(prefix="infrakit-synth-"))
        name, template = _synth_into(scenario, outdir)
        return SynthResult(name, template, outdir / f"{name}.template.json", outdir, cached=False)
    entry = Path(cache_dir) / cache_key(scenario)
    template_path = entry / f"{name}.template.json"
    if template_path.exists():
        return SynthResult(name, json.loads(template_path.read_text()), template_path, entry, cached=True)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache_dir))
    try:
        name, template = _synth_into(scenario, staging)
        try:
            os.replace(staging, entry)  # atomic: readers see a whole entry or none
        except OSError:  # another process wrote the same entry first; theirs is identical
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SynthResult(name, template, entry / f"{name}.template.json", entry, cached=False)


def _copy_assembly(result: SynthResult, target: Path) -> SynthResult:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(result.assembly_dir, target)
    return SynthResult(result.stack_name, result.template, target / result.template_path.name, target,
                       cached=result.cached)


def app_from_context() -> int:
    """Entry point for cdk.json's app: `npx cdk synth -c scenario=PATH.yaml`."""
    import aws_cdk as cdk

    app = cdk.App()
    path = app.node.try_get_context("scenario")
    if not path:
        print("infrakit app: pass a scenario: npx cdk synth -c scenario=notebooks/params/dev.yaml", file=sys.stderr)
        return 2
    try:
        scenario = deployable_scenario(load_scenario(path), source=path)
    except InputError as exc:
        print(f"infrakit app: {exc}", file=sys.stderr)
        return 2
    add_stack(app, scenario)
    app.synth()
    return 0
