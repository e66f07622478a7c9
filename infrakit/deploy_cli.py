"""`infrakit deploy | destroy | diff | emulator start` (wired into infrakit.cli.build_parser).

Exit codes: 0 ok (deployed, no changes, destroyed, nothing to destroy, no diff), 1 failed or
refused (and `diff` when there are changes; and when the result could not be written), 2 bad
input, 130 interrupted (Ctrl-C or SIGTERM: both stop the CDK CLI, print the stack's state and
the clean-up, and record `interrupted` in deploy.json with `interrupted_by` naming the signal;
`emulator start` runs until one of them stops it, so it ends with 130 too).
"""

from __future__ import annotations

import json
import sys
import time

from infrakit.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK  # noqa: F401


def _target_args(parser, *, out_help: str | None = None, json_help: str = "print the result as JSON",
                 yes_help: str | None = None) -> None:
    """The flags deploy, destroy and diff share."""
    parser.add_argument("scenario", metavar="SCENARIO.yaml")
    parser.add_argument("--target", choices=("local", "aws"), default="local",
                        help="local: the kit's AWS emulator (default, no account needed); aws: your AWS profile and "
                             "region")
    if yes_help:
        parser.add_argument("--yes", action="store_true", help=yes_help)
    if out_help:
        parser.add_argument("--out", metavar="DIR", help=out_help)
    parser.add_argument("--json", action="store_true", help=json_help)


def add_parsers(sub) -> None:
    """Adds this module's subcommands to the `infrakit` parser."""
    deploy = sub.add_parser(
        "deploy", help="synthesize, preflight and deploy a scenario with the pinned CDK CLI, then verify it",
        description="Preflight gates the deploy (any error refuses it unless --override-preflight REASON); the "
                    "CDK CLI deploys the synthesized assembly and its progress is streamed; afterwards NAT "
                    "gateways, the Aurora engine version and instance count and the ALB listeners are checked "
                    "against the template. One deploy or destroy of a stack on a target runs at a time. Exit 0 "
                    "deployed/no changes, 1 failed or refused, 2 bad input, 130 interrupted (Ctrl-C or SIGTERM).")
    _target_args(deploy, yes_help="do not ask before deploying to AWS",
                 out_help="where deploy.json, outputs.json and the CLI log go (default: reports/deploy/<stack>-<target>/)",
                 json_help='print {"stack", "target", "status", "outputs", "verified", "duration_s", ...}')
    deploy.add_argument("--override-preflight", metavar="REASON",
                        help="deploy despite preflight errors; the reason is recorded in the result")
    deploy.set_defaults(func=cmd_deploy)

    destroy = sub.add_parser("destroy", help="delete a scenario's stack with the CDK CLI",
                             description="Exit 0 destroyed or nothing to destroy, 1 failed or refused, 2 bad input, "
                                         "130 interrupted (Ctrl-C or SIGTERM).")
    _target_args(destroy, yes_help="do not ask before deleting on AWS", out_help="where destroy.json goes")
    destroy.set_defaults(func=cmd_destroy)

    diff = sub.add_parser("diff", help="what a deploy would change (the CDK CLI's diff against the target)",
                          description="Exit 0 no differences, 1 differences, 2 bad input.")
    _target_args(diff, json_help='print {"stack", "target", "has_changes", "diff"}')
    diff.set_defaults(func=cmd_diff)

    emulator = sub.add_parser("emulator", help="run the local AWS emulator on its own")
    emulator_sub = emulator.add_subparsers(dest="emulator_command", required=True, parser_class=sub._parser_class)
    start = emulator_sub.add_parser(
        "start", help="start the emulator and print its endpoint (Ctrl-C stops it)",
        description="Runs moto's server on 127.0.0.1 with the kit's CloudFormation models. Point boto3, the "
                    "AWS CLI, a notebook or `infrakit deploy --target local` at it with the printed exports.")
    start.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    start.add_argument("--region", default="us-east-1", help="region for the printed exports (default us-east-1)")
    start.add_argument("--json", action="store_true", help='print {"endpoint_url", "port", "env"} on one line')
    start.set_defaults(func=cmd_emulator_start)


def _load(path: str):
    from infrakit.core.schema import load_scenario

    return load_scenario(path)


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _print_result(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json(), indent=2, default=str))
        return
    print(f"{result.stack} on {result.target}: {result.status}")
    if result.message:
        print(f"  {result.message}")
    for key, value in result.outputs.items():
        print(f"  {key}: {value}")
    for check in (result.verified or {}).get("checks", []):
        mark = "ok" if check["ok"] else "MISMATCH"
        print(f"  verify {check['check']}: expected {check['expected']}, found {check['actual']} ({mark})")
    if result.failure and result.failure.get("resource"):
        print(f"  failed resource: {result.failure['resource']} ({result.failure['type']}): "
              f"{result.failure['reason']}")
    if result.cleanup:
        print(f"  {result.cleanup}")
    if result.phases_s:
        print("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.phases_s.items())
              + f", total {result.duration_s:.1f} s")


def _progress(as_json: bool):
    # Progress always goes to stderr, so --json's stdout stays one JSON document.
    return lambda line: print(line, file=sys.stderr, flush=True)


def _run(command: str, run, as_json: bool, ok: frozenset[str], target: str) -> int:
    """Run a deploy or destroy and turn every ending into its message and exit code (SIGTERM is
    an interrupt already: infrakit.cli.main)."""
    from infrakit.core.signals import signal_name
    from infrakit.deploy import INTERRUPTED, DeployInterrupted, DeployOutputError, DeployResult

    try:
        result = run()
    except DeployInterrupted as exc:
        if as_json:  # --json always prints the result: status interrupted, the stack's state, the clean-up
            _print_result(exc.result, as_json)
        print(f"infrakit {command}: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except DeployOutputError as exc:  # the run ended; its files could not all be written
        _print_result(exc.result, as_json)
        print(f"infrakit {command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt as exc:  # before the run started (loading, checks): nothing changed
        nothing = "deployed or changed" if command == "deploy" else "deleted"
        message = f"interrupted before the CDK CLI started; nothing was {nothing}."
        if as_json:  # the same keys as every other ending; the stack is not known yet
            _print_result(DeployResult(stack="", target=target, status=INTERRUPTED, interrupted_by=signal_name(exc),
                                       message=message), as_json)
        print(f"infrakit {command}: {message}", file=sys.stderr)
        return EXIT_INTERRUPTED
    _print_result(result, as_json)
    return EXIT_OK if result.status in ok else EXIT_FAILURE


def cmd_deploy(args) -> int:
    from infrakit.deploy import DEPLOYED, NO_CHANGES, deploy_scenario

    return _run("deploy", lambda: deploy_scenario(
        _load(args.scenario), target=args.target, yes=args.yes, override_preflight=args.override_preflight,
        out_dir=args.out, progress=_progress(args.json), confirm=_ask), args.json, frozenset({DEPLOYED, NO_CHANGES}),
        args.target)


def cmd_destroy(args) -> int:
    from infrakit.deploy import DESTROYED, NOT_FOUND, destroy_scenario

    return _run("destroy", lambda: destroy_scenario(
        _load(args.scenario), target=args.target, yes=args.yes, out_dir=args.out, progress=_progress(args.json),
        confirm=_ask), args.json, frozenset({DESTROYED, NOT_FOUND}), args.target)


def cmd_diff(args) -> int:
    from infrakit.deploy import diff_scenario

    result = diff_scenario(_load(args.scenario), target=args.target)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(result.diff)
    return EXIT_FAILURE if result.has_changes else EXIT_OK


def cmd_emulator_start(args) -> int:
    from infra_lib.emulator import PortInUseError, start_emulator
    from infrakit.aws_env import check_region
    from infrakit.core.errors import InputError

    problems = []
    if args.port != 0 and not 1024 <= args.port <= 65535:
        problems.append(f"--port: {args.port} is not a usable TCP port; use 1024-65535, or omit it for a free one.")
    try:
        check_region(args.region)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    try:
        emulator = start_emulator(port=args.port)
    except PortInUseError as exc:  # the caller's choice: bad input, exit 2 (a moto mismatch is a failure, exit 1)
        raise InputError([f"--port: {exc}"]) from None
    env = emulator.env(args.region)
    if args.json:
        print(json.dumps({"endpoint_url": emulator.endpoint_url, "port": emulator.port, "env": env}), flush=True)
    else:
        print(f"infrakit emulator: listening at {emulator.endpoint_url} (moto with the kit's CloudFormation "
              f"models). In another shell:")
        for key, value in env.items():
            print(f"  export {key}={value}")
        print("Then `infrakit deploy SCENARIO.yaml --target local` deploys here and keeps the stack between "
              "commands. Ctrl-C stops the emulator and forgets everything in it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (raised as an interrupt by infrakit.cli.main)
        print("infrakit emulator: stopped; its resources are gone.", file=sys.stderr)
        return EXIT_INTERRUPTED  # it runs until a signal ends it: exit 130, like every interrupted command
    finally:
        emulator.stop()
