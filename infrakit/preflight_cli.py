"""`infrakit preflight`: the seed's deployment failures, caught before deploy, on any CDK app.

Exit codes: 1 when any unsuppressed error, 0 otherwise, 2 on bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infrakit.cli.common import EXIT_FAILURE, EXIT_OK


def add_parsers(sub) -> None:
    """Adds this module's subcommands to the `infrakit` parser."""
    parser = sub.add_parser(
        "preflight", help="check a scenario, template or cloud assembly for what would fail at deploy",
        description="Checks a synthesized CloudFormation template against the dated catalogs (offline) or "
                    "the AWS APIs (live): engine version, certificate domain, Elastic IP quota, security "
                    "groups vs listeners, NAT layout, encryption, public databases, custom resources; "
                    "cfn-lint runs on the same template. Exit 1 on any error, 2 on bad input.")
    parser.add_argument("scenario", metavar="SCENARIO.yaml", nargs="?", help="synthesize and check this scenario")
    parser.add_argument("--template", metavar="TEMPLATE.json", help="check this template (JSON or YAML)")
    parser.add_argument("--assembly", metavar="CDK_OUT_DIR", help="check a cloud assembly (cdk.out)")
    parser.add_argument("--stack", metavar="NAME", help="with --assembly: the stack to check when it holds several")
    parser.add_argument("--region", help="target region for --template/--assembly (default: the assembly's, "
                                         "else AWS_REGION, else us-east-1)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--live", dest="live", action="store_true", default=None,
                      help="ask the AWS APIs (your credentials, or AWS_ENDPOINT_URL)")
    mode.add_argument("--offline", dest="live", action="store_false",
                      help="use the dated catalogs only (the default when no credentials are configured)")
    parser.add_argument("--environment", help="prod, dev, ... for --template/--assembly (default: from tags or "
                                              "the stack name)")
    parser.add_argument("--suppress", action="append", default=[], metavar="RULE[:LogicalId]=REASON",
                        help="keep a finding but do not fail on it; the reason (10+ characters) is reported")
    parser.add_argument("--no-cfn-lint", dest="cfn_lint", action="store_false", help="skip the cfn-lint stage")
    parser.add_argument("--cfn-lint-timeout", type=float, default=None, metavar="SECONDS",
                        help="stop cfn-lint after this long (default 60) and say so as a finding; the kit's own "
                             "rules always run")
    parser.add_argument("--rules", action="store_true", help="list the rules (id, title, rationale, source)")
    parser.add_argument("--json", action="store_true",
                        help='print {"passed", "complete", "not_checked", "data_source", "findings": [{"rule_id", '
                             '"severity", "resource", "message", "fix", "source"}]}')
    parser.set_defaults(func=cmd_preflight)


def cmd_preflight(args) -> int:
    from infrakit.core.errors import InputError

    if args.rules:
        return _print_rules(args.json)
    from infrakit import preflight as kit
    from infrakit import templates

    problems: list[str] = []

    def collect(check, *a, **kw):
        """Run one input check; keep its problems and go on, so every problem is reported at once."""
        try:
            return check(*a, **kw)
        except InputError as exc:  # a scenario's problems name its file, as synth's header does
            problems.extend(f"{exc.source}: {p}" if exc.source else p for p in exc.problems)
            return None

    given = [name for name, value in (("SCENARIO.yaml", args.scenario), ("--template", args.template),
                                      ("--assembly", args.assembly)) if value]
    if len(given) != 1:
        problems.append(f"give exactly one of SCENARIO.yaml, --template TEMPLATE.json or --assembly CDK_OUT_DIR "
                        f"(got {', '.join(given) if given else 'none'})")
    if args.scenario and (args.region or args.environment):
        problems.append("--region and --environment go with --template/--assembly; for a scenario, set region: "
                        "and environment: in its file.")
    if args.stack and not args.assembly:
        problems.append("--stack goes with --assembly.")
    timeout = args.cfn_lint_timeout
    if timeout is not None and not (timeout == timeout and 0 < timeout <= 3600):
        problems.append(f"--cfn-lint-timeout: {timeout:g} is not allowed; give seconds from more than 0 to 3600.")
    from infra_lib.preflight import parse_suppressions

    collect(parse_suppressions, args.suppress)
    if args.region:
        collect(kit.check_region, args.region)
    live = kit.resolve_mode(live=args.live)
    if live:
        if problem := kit.profile_problem():
            problems.append(problem)
        elif args.live and not (kit.credentials_available() or _endpoint()):
            problems.append("--live: no AWS credentials found (environment, AWS_PROFILE or ~/.aws) and no "
                            "AWS_ENDPOINT_URL; configure credentials, or run with --offline.")
    scenario = template = stack = None
    if len(given) == 1:
        if args.scenario:
            from infrakit.core.schema import load_scenario

            scenario = collect(load_scenario, args.scenario)
        elif args.template:
            template = collect(templates.load_template_file, args.template)
        else:
            stacks = collect(templates.assembly_stacks, args.assembly)
            stack = collect(templates.choose_stack, stacks, args.stack, args.assembly) if stacks else None
            template = collect(templates.load_template_file, stack.template_path, flag="--assembly") if stack else None
    region = region_from = None
    if template is not None:  # the region a template is checked in, from wherever it comes, checked with the rest
        assembly_region = templates.region_from_assembly(args.template) if args.template else stack.region
        region, region_from = _region(args.region, assembly_region)
        if not args.region:
            collect(kit.check_region, region, flag=region_from)
    if problems:
        raise InputError(problems)
    if scenario is not None:
        report = kit.preflight_scenario(scenario, live=live, suppress=args.suppress, cfn_lint=args.cfn_lint,
                                        cfn_lint_timeout_s=timeout, progress=_progress)
        subject = f"scenario {args.scenario} (stack {report.stack})"
    else:
        if args.template:
            stack_name = Path(args.template).name.removesuffix(".json").removesuffix(".template")
            template_dir, template_path = Path(args.template).parent, Path(args.template)
            subject = f"template {args.template}"
        else:
            stack_name = stack.name
            template_dir, template_path = Path(args.assembly), stack.template_path
            subject = f"stack {stack.name} in {args.assembly}"
        report = kit.preflight_template(template, region=region, live=live, suppress=args.suppress,
                                        environment=args.environment, stack_name=stack_name, cfn_lint=args.cfn_lint,
                                        template_dir=template_dir, template_bytes=template_path.stat().st_size,
                                        cfn_lint_timeout_s=timeout, progress=_progress)
        report.data_source["region_from"] = region_from
    if args.json:
        print(json.dumps(report.to_json(), indent=2, default=str))
    else:
        print(render_text(report, subject), end="")
    return EXIT_OK if report.passed else EXIT_FAILURE


def _progress(message: str) -> None:
    """Progress goes to stderr, so that --json on stdout stays one document."""
    print(f"infrakit preflight: {message}", file=sys.stderr, flush=True)


def _endpoint() -> str | None:
    import os

    return os.environ.get("AWS_ENDPOINT_URL")


def _region(flag: str | None, assembly_region: str | None) -> tuple[str, str]:
    import os

    if flag:
        return flag, "--region"
    if assembly_region:
        return assembly_region, "the cloud assembly's manifest"
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(var):
            return os.environ[var], var
    return "us-east-1", "default (no --region, no region in the assembly, no AWS_REGION)"


def render_text(report, subject: str) -> str:
    source = report.data_source
    mode = source.get("mode")
    where = (f"live APIs in {source['region']} at {source.get('at')}" if mode == "live" else
             f"offline catalogs (engine catalog snapshot {source.get('engine_catalog_snapshot')}), region "
             f"{source['region']}")
    lines = [f"Preflight of {subject}", f"Data: {where}; environment: {source.get('environment') or 'unknown'}"]
    if mode == "offline":
        lines.append(f"Note: {source.get('note')}")
    active = [f for f in report.findings if not f.suppressed]
    for severity in ("error", "warning", "info"):
        group = [f for f in active if f.severity == severity]
        if not group:
            continue
        lines.append("")
        lines.append(f"{severity.upper()}S ({len(group)})" if severity != "info" else f"INFO ({len(group)})")
        shown: dict[str, int] = {}
        for finding in group:
            # cfn-lint repeats one rule per resource (W3010 per subnet): show it once, count the rest.
            if finding.check == "cfn-lint":
                shown[finding.rule_id] = shown.get(finding.rule_id, 0) + 1
                if shown[finding.rule_id] > 1:
                    continue
            lines.append(f"  [{finding.rule_id}] {finding.resource or '(template)'}")
            lines.append(f"    {finding.message}")
            lines.append(f"    fix: {finding.fix}")
            lines.append(f"    source: {finding.source}")
            if finding.check == "cfn-lint":
                more = [f.resource for f in group if f.rule_id == finding.rule_id][1:]
                if more:
                    lines.append(f"    and {len(more)} more: {', '.join(more)}")
    suppressed = [f for f in report.findings if f.suppressed]
    if suppressed:
        lines.append("")
        lines.append(f"SUPPRESSED ({len(suppressed)})")
        by_reason: dict[tuple[str, str], int] = {}
        for finding in suppressed:
            key = (finding.rule_id, finding.suppression_reason or "")
            by_reason[key] = by_reason.get(key, 0) + 1
        for (rule_id, reason), count in by_reason.items():
            lines.append(f"  [{rule_id}] x{count}: {reason}")
    counts = {s: sum(1 for f in active if f.severity == s) for s in ("error", "warning", "info")}
    verdict = ("FAILED" if not report.passed else "PASSED" if report.complete else
               "PASSED WHAT RAN (INCOMPLETE)")
    lines.append("")
    lines.append(f"{verdict}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info, "
                 f"{len(suppressed)} suppressed")
    if not report.complete:
        lines.append(f"Not everything was checked ({', '.join(report.not_checked)}): see the PREFLIGHT findings; "
                     f"no error found is not the same as safe to ship until they are dealt with.")
    return "\n".join(lines) + "\n"


def _print_rules(as_json: bool) -> int:
    from infra_lib.preflight import rule_catalogue

    rules = rule_catalogue()
    if as_json:
        print(json.dumps(rules, indent=2))
    else:
        for rule in rules:
            print(f"{rule['id']}: {rule['title']}\n  why: {rule['rationale']}\n  source: {rule['source_url']}")
    sys.stdout.flush()
    return EXIT_OK
