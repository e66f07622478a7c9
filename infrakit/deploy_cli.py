"""`infrakit deploy` subcommands (wired into infrakit.cli.build_parser)."""

from __future__ import annotations


def add_parsers(sub) -> None:
    """Adds this module's subcommands to the `infrakit` parser."""
