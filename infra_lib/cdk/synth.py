"""In-process synthesis of the payment API stack, with an on-disk template cache.

jsii start-up dominates (about 3 s for the first stack of a process, about 0.16 s for each
further one), so ``synth_many`` synthesizes many scenarios in one process, and templates
are cached (``infra_lib.cdk.cache``: the key covers every input of synthesis, so a change
never serves a stale template).

No AWS calls and no credentials: AZ names come from the region catalog, the hosted zone from
the scenario.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from infra_lib.cdk.assembly_out import check_out_dir, copy_assembly
from infra_lib.cdk.cache import cache_key, cdk_context, default_cache_dir, read_entry, write_entry
from infrakit.core.cfn import TemplateIndex
from infrakit.core.errors import InputError
from infrakit.core.schema import INFRA_KEYS, RULES, load_scenario, validate_scenario

__all__ = ["INFRA_KEYS", "SynthResult", "add_stack", "app_from_context", "cache_key", "cdk_context",
           "default_cache_dir", "deployable_scenario", "stack_name", "synth", "synth_many"]


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
        return TemplateIndex(self.template).counts_by_type()


def deployable_scenario(scenario: Mapping[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """The scenario, checked for everything AWS would refuse, before any synthesis starts."""
    return validate_scenario(dict(scenario), source=source, rule_kinds=("input", "deployable"))


def add_stack(app, scenario: Mapping[str, Any]):
    """Add the payment API stack for ``scenario`` to a CDK ``app``."""
    import aws_cdk as cdk

    from infra_lib.cdk.nag import acknowledge
    from infra_lib.cdk.stack import PaymentApiStack

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
    if out_dir is not None and (problem := _out_dir_problem(Path(out_dir), checked)):
        problems.append(problem)
    if problems:
        raise InputError(problems)
    if cache and cache_dir is None:
        cache_dir = default_cache_dir()
    results = []
    for scenario in checked:
        result = _synth_one(scenario, cache_dir if cache else None)
        if out_dir is not None:
            target = Path(out_dir) if len(checked) == 1 else Path(out_dir) / result.stack_name
            copy_assembly(result.assembly_dir, target)
            if not cache:  # the uncached assembly's temporary folder: copied, so done with
                shutil.rmtree(result.assembly_dir, ignore_errors=True)
            result = SynthResult(result.stack_name, result.template, target / result.template_path.name, target,
                                 cached=result.cached)
        results.append(result)
    return results


def synth(scenario: Mapping[str, Any], *, cache: bool = True, cache_dir: Path | None = None,
          out_dir: Path | None = None, check_deployable: bool = True) -> SynthResult:
    """Synthesize one scenario: the template dict and its cloud assembly directory."""
    return synth_many([scenario], cache=cache, cache_dir=cache_dir, out_dir=out_dir,
                      check_deployable=check_deployable)[0]


def _out_dir_problem(out_dir: Path, scenarios: list) -> str | None:
    if len(scenarios) == 1:
        return _problem_of(check_out_dir, out_dir)
    return next((p for s in scenarios if (p := _problem_of(check_out_dir, out_dir / stack_name(s)))), None)


def _problem_of(check, path: Path) -> str | None:
    try:
        check(path)
    except InputError as exc:
        return exc.problems[0]
    return None


def _synth_one(scenario: Mapping[str, Any], cache_dir: Path | None) -> SynthResult:
    name = stack_name(scenario)
    if cache_dir is None:
        outdir = Path(tempfile.mkdtemp(prefix="infrakit-synth-"))
        try:
            name, template = _synth_into(scenario, outdir)
        except BaseException:  # a construct's error or Ctrl-C: the kit's own empty folder goes
            shutil.rmtree(outdir, ignore_errors=True)
            raise
        return SynthResult(name, template, outdir / f"{name}.template.json", outdir, cached=False)
    key = cache_key(scenario)
    entry = Path(cache_dir) / key
    template = read_entry(entry, name)
    if template is not None:
        return SynthResult(name, template, entry / f"{name}.template.json", entry, cached=True)
    entry, name, template = write_entry(Path(cache_dir), key, lambda staging: _synth_into(scenario, staging))
    return SynthResult(name, template, entry / f"{name}.template.json", entry, cached=False)


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
