"""The ``infrakit`` console script: one module per command family, each exposing
``add_parsers(sub)`` (which adds its subcommands with ``set_defaults(func=...)``).

Exit codes (scripts rely on them): 0 ok, 1 failed (including a gate or a refused
configuration), 2 bad input (every problem listed at once, never a traceback), 130
interrupted.
"""

from __future__ import annotations

import argparse
import errno
import sys

from infrakit import __version__
from infrakit.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, Parser
from infrakit.core.errors import InfrakitError, InputError
from infrakit.core.signals import terminate_as_interrupt
from infrakit.core.text import shown

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "build_parser", "main"]


def _command_modules():
    from infrakit import deploy_cli, preflight_cli, prices_cli, report_cli
    from infrakit.cli import cost, kernel, sweep, synth

    return (cost, sweep, synth, preflight_cli, deploy_cli, report_cli, prices_cli, kernel)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="infrakit", description="Choose, prove and ship the AWS layout of a payment API.")
    parser.add_argument("--version", action="version", version=f"infrakit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in _command_modules():
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with terminate_as_interrupt():  # SIGTERM exits 130 like Ctrl-C, never a bare 143
            return args.func(args)
    except InputError as exc:
        print(f"infrakit {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfrakitError as exc:
        print(f"infrakit {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        # a path argument longer than the file system allows fails in whichever check touches it first
        problem = InputError([f"{shown(str(exc.filename or ''), limit=120)}: the path is longer than the file "
                              f"system allows (255 bytes a name); give a shorter one."])
        print(f"infrakit {args.command}: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:  # commands with something to clean up say so themselves, before this
        print(f"infrakit {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

