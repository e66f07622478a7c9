"""`infrakit synth` and `infrakit keys`: the scenario's CDK stack, and the scenario keys."""

from __future__ import annotations

from pathlib import Path

from infrakit.cli.common import EXIT_OK
from infrakit.core.errors import InfrakitError


def add_parsers(sub) -> None:
    synth = sub.add_parser("synth", help="synthesize the scenario's CDK stack (no AWS calls)")
    synth.add_argument("scenario", metavar="SCENARIO.yaml")
    synth.add_argument("--out", metavar="DIR", help="write the cloud assembly here: a new or empty folder, or one "
                                                    "an earlier synth --out wrote (default: the synth cache)")
    synth.set_defaults(func=cmd_synth)

    keys = sub.add_parser("keys", help="list the scenario keys with defaults and meanings")
    keys.add_argument("--markdown", action="store_true")
    keys.set_defaults(func=cmd_keys)


class ConfigurationRefused(InfrakitError):
    """A well-formed scenario AWS would refuse: nothing is synthesized, exit 1 (as cost and deploy)."""

    def __init__(self, problems: list[str], *, source: str | None = None):
        self.problems = problems
        where = f"{source}: " if source else ""
        super().__init__(f"{where}refused, AWS would not create this configuration, so nothing was synthesized:\n"
                         + "\n".join(f"  - {p}" for p in problems))


def cmd_synth(args) -> int:
    from infra_lib.cdk.assembly_out import out_dir_problem
    from infrakit.core.errors import InputError
    from infrakit.core.schema import load_scenario

    # What AWS would refuse is checked with the keys themselves, and --out beside them, so one
    # run lists every problem.
    problems: list[str] = []
    source = None
    refused_only = False
    try:
        scenario = load_scenario(args.scenario, rule_kinds=("input", "deployable"))
    except InputError as exc:
        problems.extend(exc.problems)
        source = exc.source
        try:  # the file is good input and only AWS would refuse it: a refusal (exit 1), not bad input
            load_scenario(args.scenario, rule_kinds=("input",))
            refused_only = True
        except InputError:
            pass
    if args.out and (problem := out_dir_problem(Path(args.out))):
        problems.append(problem)
        refused_only = False
    if problems and refused_only:
        raise ConfigurationRefused(problems, source=source)
    if problems:
        raise InputError(problems, source=source)
    from infra_lib.cdk.synth import synth  # after validation: jsii starts only for good input

    result = synth(scenario, out_dir=Path(args.out) if args.out else None)
    print(f"stack: {result.stack_name}{' (from cache)' if result.cached else ''}")
    print(f"template: {result.template_path}")
    print(f"assembly: {result.assembly_dir}")
    counts = result.resource_counts()
    print(f"resources: {sum(counts.values())}")
    for resource_type, count in counts.items():
        print(f"  {count:>3}  {resource_type}")
    return EXIT_OK


def cmd_keys(args) -> int:
    from infrakit.core.schema import FIELDS

    if args.markdown:
        print("| key | default | meaning |\n|---|---|---|")
        for f in FIELDS:
            print(f"| `{f.name}` | `{f.default!r}` | {f.help} |")
        return EXIT_OK
    group = None
    for f in FIELDS:
        if f.group != group:
            group = f.group
            print(f"# {group}")
        print(f"{f.name:40} default {f.default!r:14}  {f.help}")
    return EXIT_OK


