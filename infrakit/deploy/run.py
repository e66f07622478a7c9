"""Deploy, destroy and diff a scenario's stack with the pinned CDK CLI, as named steps.

Each entry point reads as its workflow (as papermill's ``execute_notebook`` does): check the
request, then synthesize, gate, open the target, recover what an earlier run left, run the
CLI, read back, verify. A step that decides the outcome ends the run (``Job.finish`` /
``Job.fail``); ``job.run_job`` records every ending in ``deploy.json`` / ``destroy.json``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from infrakit.core import signals
from infrakit.core.errors import InfrakitError
from infrakit.core.files import DIR_MODE, OutputError, output_problem, write_json_atomic
from infrakit.deploy import readback
from infrakit.deploy import target as targets
from infrakit.deploy.cdk_cli import CliRun, bootstrap_advice, cli_failure, run_cdk
from infrakit.deploy.job import Job, prepare_job, run_job
from infrakit.deploy.results import DEPLOYED, DESTROYED, NO_CHANGES, NOT_FOUND, REFUSED, DeployResult, DiffResult
from infrakit.deploy.target import Target, cleanup_hint
from infrakit.deploy.verify import verify_stack

Progress = Callable[[str], None]
# How long a deploy or destroy waits for an operation an earlier run left under way.
SETTLE_TIMEOUT_S = {"local": 30.0, "aws": 1800.0}


def _stderr(line: str) -> None:
    import sys

    print(line, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- entry points

def deploy_scenario(scenario: Mapping[str, Any], *, target: str = "local", yes: bool = False,
                    override_preflight: str | None = None, out_dir: Path | str | None = None,
                    progress: Progress | None = _stderr, confirm: Callable[[str], bool] | None = None,
                    verify: bool = True, preflight_report=None) -> DeployResult:
    """Synthesize, preflight, deploy with the CDK CLI, verify.

    ``preflight_report``: a report the caller already made for this scenario's template (the
    decision notebook shows one), so the gate does not run preflight a second time.

    Raises InputError for bad input (before any slow work), DeployInterrupted on Ctrl-C or
    SIGTERM, DeployOutputError when the result cannot be written; every other outcome is a
    DeployResult (``status`` says which), also in ``<out_dir>/deploy.json`` (status
    ``running`` from the start until the run ends) with the outputs in ``outputs.json``.
    """
    with signals.terminate_as_interrupt():
        job = prepare_job("deploy", scenario, target=target, out_dir=out_dir, progress=progress,
                          override=override_preflight)

        def steps(job: Job) -> None:
            check_emulator_answers(job)
            assembly = synthesize(job)
            gate_with_preflight(job, assembly, preflight_report)
            confirm_on_aws(job, yes, confirm, f"Deploy {job.stack} to AWS region {job.region} with your "
                                             f"credentials? This creates billable resources.")
            tgt = open_job_target(job, assets_bucket=True)
            recover_stack(job, tgt)
            outputs_file = job.work_dir / "cdk-outputs.json"
            run = run_cli_step(job, tgt, "deploy", deploy_args(job, assembly, outputs_file))
            record_deploy(job, tgt, run)
            save_outputs(job, tgt, outputs_file)
            if verify:
                verify_deployed(job, tgt, assembly.template)
            report_success(job, tgt)

        return run_job(job, steps)


def destroy_scenario(scenario: Mapping[str, Any], *, target: str = "local", yes: bool = False,
                     out_dir: Path | str | None = None, progress: Progress | None = _stderr,
                     confirm: Callable[[str], bool] | None = None) -> DeployResult:
    """Delete the scenario's stack with ``cdk destroy``; ``destroyed`` once the target has no
    such stack (``not_found`` when there was none). Written to ``<out_dir>/destroy.json``."""
    with signals.terminate_as_interrupt():
        job = prepare_job("destroy", scenario, target=target, out_dir=out_dir, progress=progress)

        def steps(job: Job) -> None:
            check_emulator_answers(job)
            confirm_on_aws(job, yes, confirm, f"Delete stack {job.stack} and all its resources (database "
                                             f"included) from AWS region {job.region}?")
            assembly = synthesize(job)
            tgt = open_job_target(job, assets_bucket=False)
            recover_stack(job, tgt)
            finish_if_absent(job, tgt)
            run = run_cli_step(job, tgt, "destroy", ["destroy", job.stack, "--app", str(assembly.assembly_dir),
                                                     "--force"])
            record_destroy(job, tgt, run)

        return run_job(job, steps)


def diff_scenario(scenario: Mapping[str, Any], *, target: str = "local", progress: Progress | None = None) -> DiffResult:
    """What a deploy would change: the CDK CLI's diff of the synthesized template against the
    deployed stack (against nothing when there is none)."""
    from infra_lib.cdk.synth import synth

    started = time.perf_counter()
    job = prepare_job("diff", scenario, target=target, out_dir=None, progress=progress, folder=False)
    assembly = synth(job.scenario, check_deployable=False)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="infrakit-diff-") as work:
        tgt = targets.open_target(target, job.region, stack, job.progress)
        if not tgt.alive():
            raise tgt.unreachable()
        run = run_cdk(["diff", job.stack, "--app", str(assembly.assembly_dir), "--method", "template", "--fail"],
                      tgt.env, cwd=Path(work), progress=job.progress, prefix="", alive=_watch(tgt))
    if run.target_lost:
        raise tgt.unreachable("it stopped answering during the diff")
    text = "\n".join(line for line in run.lines if not line.startswith("✨"))
    if run.returncode not in (0, 1) or (run.returncode == 1 and not _looks_like_a_diff(text)):
        raise InfrakitError(f"cdk diff failed: {cli_failure(run.lines)}")
    has_changes = run.returncode == 1 and "There were no differences" not in text
    return DiffResult(job.stack, target, has_changes, text.strip(), time.perf_counter() - started, tgt.endpoint_url)


def _looks_like_a_diff(text: str) -> bool:
    return bool(re.search(r"^(Resources|Outputs|Parameters|Conditions|IAM|Security)", text, re.MULTILINE)) or any(
        mark in text for mark in ("[+]", "[-]", "[~]"))


# --------------------------------------------------------------------------- steps

def check_emulator_answers(job: Job) -> None:
    """An exported AWS_ENDPOINT_URL that nothing answers fails at once, before synthesis."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if job.target == "local" and endpoint and not targets.endpoint_answers(endpoint):
        probe = Target("local", {}, job.region, endpoint, in_process=False)
        job.fail(str(probe.unreachable()), kind="emulator")


def synthesize(job: Job):
    """The cloud assembly, copied into the run folder (``assembly/``) for the CLI."""
    from infra_lib.cdk.synth import synth

    folder = job.run_dir / "assembly"
    with job.phase("synth"):
        try:
            assembly = synth(job.scenario, check_deployable=False, out_dir=folder)
        except (OSError, OutputError) as exc:  # a full disk while copying: no half-copied assembly left
            shutil.rmtree(folder, ignore_errors=True)
            cause = exc if isinstance(exc, OSError) else exc.__context__  # synth may have worded it already
            if not isinstance(cause, OSError):
                raise
            raise output_problem(folder, _first_os_error(cause)) from None
    for path in (folder, *(p for p in folder.rglob("*") if p.is_dir())):
        os.chmod(path, DIR_MODE)  # mkdtemp's 0700 survives copytree; reports are for sharing
    return assembly


def _first_os_error(exc: OSError) -> OSError:
    """``shutil.copytree`` reports every file it could not copy in one ``shutil.Error``; the
    first one's errno says why (a full disk, a read-only folder)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        for *_, why in exc.args[0]:
            if found := re.search(r"\[Errno (\d+)\] ([^:]+)", str(why)):
                return OSError(int(found[1]), found[2].strip())
    return exc


def gate_with_preflight(job: Job, assembly, report=None) -> None:
    """Preflight errors refuse the deploy unless overridden with a reason."""
    from infrakit.aws_env import aws_session
    from infrakit.preflight import preflight_scenario

    with job.phase("preflight"):
        report = report or preflight_scenario(
            job.scenario, synth_result=assembly, live=False if job.target == "local" else None,
            session=aws_session(job.region) if job.target == "aws" else None)
    errors = [{"rule_id": f.rule_id, "resource": f.resource, "message": f.message, "fix": f.fix}
              for f in report.errors]
    job.result.preflight = {"passed": report.passed, "errors": errors, "overridden": job.override}
    if report.passed:
        return
    if job.override is None:
        job.finish(REFUSED, f"preflight found {len(errors)} error(s); not deploying. Fix them, or deploy anyway "
                            f"with --override-preflight REASON. First: {errors[0]['rule_id']}: {errors[0]['message']}")
    job.progress(f"infrakit: preflight found {len(errors)} error(s); deploying anyway (override: {job.override})")


def confirm_on_aws(job: Job, yes: bool, confirm: Callable[[str], bool] | None, question: str) -> None:
    if job.target != "aws" or yes or (confirm and confirm(question)):
        return
    verb = "deploying to" if job.action == "deploy" else "destroying on"
    job.finish(REFUSED, f"not confirmed: {verb} AWS needs a yes (answer the prompt, or pass --yes)")


def open_job_target(job: Job, *, assets_bucket: bool) -> Target:
    with job.phase("emulator_start" if job.target == "local" else "target_setup"):
        tgt = job.tgt = targets.open_target(job.target, job.region, job.exits, job.progress)
        job.result.endpoint_url = tgt.endpoint_url
        if assets_bucket and job.target == "local":
            targets.ensure_assets_bucket(tgt)
    return tgt


def recover_stack(job: Job, tgt: Target) -> None:
    """Deal with what an earlier run left: an emulator's empty REVIEW_IN_PROGRESS record (an
    interrupted create; moto 5.2.5 unpatched added a second stack beside it), an operation still
    under way (waited for), or a state CloudFormation cannot deploy over (reported, with what
    to do)."""
    records = readback.stacks_named(tgt, job.stack)
    empty = [r for r in records if r["StackStatus"] == readback.REVIEW_IN_PROGRESS and tgt.name == "local"]
    if empty:
        job.progress(f"infrakit: {job.stack} was left in REVIEW_IN_PROGRESS by an interrupted run (a change set, "
                     f"no resources); deleting that empty record first")
        with job.phase("recover"):
            readback.delete_stack_records(tgt, [r["StackId"] for r in empty])
        job.result.recovered = {"stack_status": readback.REVIEW_IN_PROGRESS, "action": "deleted the empty stack"}
        records = [r for r in records if r not in empty]
    status = records[0]["StackStatus"] if records else None
    if readback.is_in_progress(status):
        with job.phase("recover"):
            status = readback.wait_until_settled(tgt, job.stack, timeout_s=SETTLE_TIMEOUT_S[tgt.name],
                                                 progress=job.progress)
        job.result.recovered = {"stack_status": records[0]["StackStatus"], "action": f"waited; now {status}"}
        if readback.is_in_progress(status):
            job.result.stack_status = status
            job.fail(f"{job.stack} is still {status} after {SETTLE_TIMEOUT_S[tgt.name]:.0f} s: an operation started "
                     f"earlier (an interrupted run's, which CloudFormation finishes on its own) is under way. Wait "
                     f"until it ends, then run the command again.", kind="stack_state")
    if job.action == "deploy" and status in readback.STUCK_STATES:
        job.result.stack_status = status
        job.result.cleanup = cleanup_hint(tgt, scenario_name=job.scenario["name"])
        job.fail(f"{job.stack} is {status}: {readback.STUCK_STATES[status]}; CloudFormation cannot deploy over it. "
                 f"Destroy it first (`infrakit destroy`), then deploy again.", kind="stack_state")
    if job.action == "deploy" and status == "ROLLBACK_COMPLETE":
        job.progress(f"infrakit: {job.stack} is ROLLBACK_COMPLETE (an earlier create failed); the CDK CLI "
                     f"replaces it")


def deploy_args(job: Job, assembly, outputs_file: Path) -> list[str]:
    return ["deploy", job.stack, "--app", str(assembly.assembly_dir), "--require-approval", "never",
            "--outputs-file", str(outputs_file), "--progress", "events"]


def run_cli_step(job: Job, tgt: Target, phase: str, args: list[str]) -> CliRun:
    """Run the CDK CLI for deploy or destroy: its output kept for the log, its start-up timed
    apart, a target that stops answering reported as such, and a failure explained by the
    stack's events (else the CLI's own error line). Ctrl-C and SIGTERM go to ``run_job``."""
    before = readback.now_utc()
    start = time.perf_counter()
    job.cli_started = True
    try:
        run = run_cdk(args, tgt.env, cwd=job.work_dir, progress=job.progress, alive=_watch(tgt),
                      lines=job.cli_lines)
    finally:
        job.result.phases_s[phase] = time.perf_counter() - start
    job.result.phases_s["cli_start"] = run.first_output_s
    job.result.phases_s[phase] -= run.first_output_s
    if run.target_lost:
        raise tgt.unreachable(f"it stopped answering during `cdk {phase}`; the CDK CLI was stopped")
    if run.returncode == 0:
        return run
    result = job.result
    result.stack_status = readback.stack_status(tgt, job.stack)
    result.failure = readback.failure_from_events(tgt, job.stack, since=before) or {
        "resource": None, "type": None, "status": result.stack_status, "reason": cli_failure(run.lines)}
    result.failure["reason"] += bootstrap_advice(result.failure["reason"], job.region)
    where = (f"{result.failure['resource']} ({result.failure['type']})" if result.failure.get("resource")
             else "the CDK CLI")
    if result.stack_status:
        result.cleanup = cleanup_hint(tgt, scenario_name=job.scenario["name"])
    job.fail(f"{job.action} of {job.stack} failed at {where}: {result.failure['reason']}")


def _watch(tgt: Target) -> Callable[[], bool] | None:
    """Probe an emulator of another process while the CLI runs (it can die under us)."""
    return tgt.alive if tgt.name == "local" and not tgt.in_process else None


def record_deploy(job: Job, tgt: Target, run: CliRun) -> None:
    job.result.status = NO_CHANGES if run.no_changes else DEPLOYED
    job.result.stack_status = readback.stack_status(tgt, job.stack)


def save_outputs(job: Job, tgt: Target, outputs_file: Path) -> None:
    result = job.result
    result.outputs = readback.read_outputs(outputs_file, job.stack, tgt)
    path = job.run_dir / "outputs.json"
    write_json_atomic(path, {"stack": job.stack, "target": job.target, "outputs": result.outputs}, sort_keys=True)
    result.outputs_path = str(path)


def verify_deployed(job: Job, tgt: Target, template: Mapping[str, Any]) -> None:
    result = job.result
    with job.phase("verify"):
        result.verified = verify_stack(tgt, job.stack, template)
    if result.verified["ok"]:
        return
    bad = [c for c in result.verified["checks"] if not c["ok"]]
    reason = "; ".join(f"{c['check']}: expected {c['expected']}, found {c['actual']}" for c in bad) or \
        "nothing to check in the template"
    result.failure = {"resource": None, "type": "verification", "status": result.stack_status, "reason": reason}
    job.fail(f"{job.stack} deployed but does not match the plan: {reason}")


def report_success(job: Job, tgt: Target) -> None:
    result = job.result
    message = ("nothing to change; " if result.status == NO_CHANGES else "") + (
        f"verified: {len(result.verified['checks'])} checks match the plan" if result.verified.get("ok")
        else "not verified")
    if tgt.in_process:
        message += ("; the in-process emulator stops with this command; run `infrakit emulator start` and export "
                    "AWS_ENDPOINT_URL to keep the stack between commands")
    job.finish(result.status, message)


def finish_if_absent(job: Job, tgt: Target) -> None:
    if readback.stack_status(tgt, job.stack) is not None:
        return
    if job.result.recovered:  # the only record was the empty one recover_stack deleted
        job.finish(DESTROYED, f"{job.stack} deleted from {job.target} (it was an empty REVIEW_IN_PROGRESS record)")
    job.finish(NOT_FOUND, f"no stack {job.stack} on {job.target}" + (
        f" ({tgt.endpoint_url}, an emulator started for this command: it holds nothing yet)"
        if tgt.in_process else f" ({tgt.endpoint_url or job.region})"))


def record_destroy(job: Job, tgt: Target, run: CliRun) -> None:
    """Destroyed once the target holds no stack of that name (the CLI's own words are not enough)."""
    job.result.stack_status = readback.stack_status(tgt, job.stack)
    if job.result.stack_status is None:
        job.finish(DESTROYED, f"{job.stack} deleted from {job.target}")
    job.fail(f"the CDK CLI finished, but {job.stack} is still on {tgt.where} in status {job.result.stack_status}; "
             f"run the destroy again, or look at the stack's events.", kind="stack_state")
