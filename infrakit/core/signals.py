"""SIGTERM handled like Ctrl-C, and a shield for the clean-up that follows either.

Every command runs inside ``terminate_as_interrupt()`` (``infrakit.cli.main``); deploy also
shields its clean-up.

``terminate_as_interrupt()`` makes SIGTERM raise ``Terminated`` (a ``KeyboardInterrupt``) in
the main thread, so one code path stops the CDK CLI, records the stack's state and writes
``deploy.json`` whichever signal it was. ``shielded()`` holds SIGINT and SIGTERM off while
that clean-up runs: a second Ctrl-C must not leave the CLI running or ``deploy.json`` saying
"running". Off the main thread (a notebook runner's worker) Python cannot install handlers;
both are then no-ops and Ctrl-C keeps its default meaning.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

# The kit's one exit code for an interrupted run (its documented contract: 0, 1, 2, 130), whichever
# signal stopped it; deploy.json's ``interrupted_by`` says which.
SIGNAL_EXIT_CODES = {"SIGINT": 130, "SIGTERM": 130}


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; handled exactly like Ctrl-C."""

    signal_name = "SIGTERM"


def signal_name(exc: BaseException) -> str:
    return getattr(exc, "signal_name", "SIGINT")


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def terminate_as_interrupt():
    """Within the block, SIGTERM raises ``Terminated``."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def shielded(note: str = "infrakit: stopping the CDK CLI and saving the result; one moment"):
    """Within the block, SIGINT and SIGTERM are noted on stderr but do not interrupt."""
    if not _in_main_thread():
        yield
        return

    def hold(signum, frame):
        print(note, file=sys.stderr, flush=True)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
