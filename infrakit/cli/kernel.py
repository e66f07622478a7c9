"""`infrakit kernel install [--user | --prefix PATH]`: register the notebooks' Jupyter kernel
``infrakit`` (this Python, with the kit installed) for a Jupyter the user already has.

- default: inside this environment (``sys.prefix``, what ``make setup`` does), for the
  Jupyter installed here (``make lab``);
- ``--user``: in the user's Jupyter data folder (``jupyter --data-dir``, honouring
  ``JUPYTER_DATA_DIR``), so a JupyterLab or VS Code installed anywhere else lists it;
- ``--prefix PATH``: in another environment's prefix (a conda env that has Jupyter).

The kernel runs this interpreter by its absolute path, so the notebooks import this checkout
whichever Jupyter starts them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from infrakit.cli.common import EXIT_OK
from infrakit.core.errors import InfrakitError, InputError
from infrakit.core.text import shown

KERNEL_NAME = "infrakit"  # the notebooks' kernelspec name (infrakit.report.runner.KERNEL_NAME)
DISPLAY_NAME = "infrakit (.venv)"
MAX_DISPLAY_NAME = 100


def add_parsers(sub) -> None:
    kernel = sub.add_parser("kernel", help="register the notebooks' Jupyter kernel for your own Jupyter")
    actions = kernel.add_subparsers(dest="kernel_command", required=True)
    install = actions.add_parser("install", help="register the kernel 'infrakit' (this Python, with the kit)")
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true",
                       help="in your Jupyter data folder (`jupyter --data-dir`), for a Jupyter installed anywhere")
    where.add_argument("--prefix", metavar="PATH", help="in this environment prefix instead (a conda env's Jupyter)")
    install.add_argument("--display-name", default=DISPLAY_NAME, help=f"the name Jupyter shows (default {DISPLAY_NAME!r})")
    install.set_defaults(func=cmd_install)


def install_kernel(*, user: bool = False, prefix: str | None = None, display_name: str = DISPLAY_NAME) -> Path:
    """Write the kernelspec; returns its folder."""
    from ipykernel.kernelspec import install

    problems = []
    try:
        prefix_ok = prefix is None or Path(prefix).is_dir()
    except OSError:  # a name too long for the file system
        prefix_ok = False
    if not prefix_ok:
        problems.append(f"--prefix: {shown(prefix)} is not a folder; give an environment's prefix (for a conda env: "
                        "`conda info --base`/envs/NAME).")
    if not display_name.strip() or len(display_name) > MAX_DISPLAY_NAME or not display_name.isprintable():
        # ipykernel writes "Python 3 (ipykernel)" for an empty name: the kernel would not be found by its name
        problems.append(f"--display-name: {shown(display_name)} is not allowed; give 1-{MAX_DISPLAY_NAME} printable "
                        f"characters, such as {DISPLAY_NAME!r}.")
    if problems:
        raise InputError(problems)
    try:
        path = install(user=user, prefix=None if user else (prefix or sys.prefix), kernel_name=KERNEL_NAME,
                       display_name=display_name)
    except OSError as exc:
        raise InfrakitError(f"could not write the kernelspec: {exc}. Try --user, or a --prefix you can write to.") \
            from None
    return Path(path)


def cmd_install(args) -> int:
    path = install_kernel(user=args.user, prefix=args.prefix, display_name=args.display_name)
    print(f"Installed the Jupyter kernel {KERNEL_NAME!r} ({args.display_name}) in {path}")
    print(f"  it runs {sys.executable}")
    print("  check with `jupyter kernelspec list`; in Jupyter pick the kernel "
          f"{args.display_name!r} for notebooks/trade_offs.ipynb and notebooks/decision.ipynb")
    return EXIT_OK
