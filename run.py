#!/usr/bin/env python3
"""Set up mlfund in a local virtual environment, then open the workbook or run the tests.

    python3 run.py lab     # set up, copy the new weeks into workbook/, open JupyterLab
    python3 run.py test    # set up with the test tools, lint, run the whole test suite

Only the standard library is used here, so the script runs on a machine that has nothing
but python3 and pip. The environment lives in ``.venv/`` and is reinstalled only when
``pyproject.toml`` changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".mlfund-install.stamp"


def _venv_python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return VENV / scripts / ("python.exe" if os.name == "nt" else "python")


def _run(cmd: list[str | os.PathLike[str]], **kwargs) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], **kwargs)


def ensure_environment(*, test: bool = False) -> Path:
    """Create ``.venv`` and install mlfund, if anything changed.

    A learner's environment (``lab``) gets mlfund and what its notebooks need; ``test``
    adds the test tools (pytest, ruff, Playwright, ...). The stamp records which.
    """
    if sys.version_info < (3, 10):  # noqa: UP036 (run.py may be started by an older Python)
        sys.exit(f"mlfund needs Python >= 3.10; this is {sys.version.split()[0]}.")
    python = _venv_python()
    if not python.exists():
        print(f"Creating a virtual environment in {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    have = STAMP.read_text().split() if STAMP.exists() else []
    if not have or have[0] != digest or (test and "test" not in have[1:]):
        what = "mlfund, its dependencies and the test tools" if test else "mlfund"
        print(f"Installing {what} (first run only) ...", flush=True)
        quiet = ["--quiet"] if os.environ.get("CI") else []
        target = f"{ROOT}[test]" if test else str(ROOT)
        code = _run([python, "-m", "pip", "install", *quiet, "--editable", target])
        if code != 0:
            sys.exit(f"pip install failed with exit code {code}.")
        kept = test or (have[:1] == [digest] and "test" in have[1:])
        STAMP.write_text(" ".join([digest, *(["test"] if kept else [])]))
    return python


def cmd_lab(args: argparse.Namespace) -> int:
    python = ensure_environment()
    code = _run([python, "-m", "mlfund", "workbook", "update"], cwd=ROOT)
    if code != 0:
        return code
    lab = [python, "-m", "mlfund", "workbook", "open"]
    if args.no_browser:
        lab.append("--no-browser")
    if args.port:
        lab += ["--port", str(args.port)]
    return _run(lab, cwd=ROOT)


def cmd_test(args: argparse.Namespace) -> int:
    python = ensure_environment(test=True)
    code = _run([python, "-m", "ruff", "check", "src", "tests", "autograder", "benchmarks",
                 "run.py"], cwd=ROOT)
    if code != 0:
        return code
    # the browser tests share one graded course and servers: one worker runs them all
    jobs = (["-n", "auto", "--dist", "loadgroup"]
            if not any(a.startswith("-n") for a in args.pytest_args) else [])
    code = _run([python, "-m", "pytest", *jobs, *args.pytest_args], cwd=ROOT)
    if code == 5:
        print("pytest collected no tests.", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    lab = sub.add_parser("lab", help="set up and open the workbook in JupyterLab")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.add_argument("--port", type=int, default=0, help="port for JupyterLab (default: 8888)")
    lab.set_defaults(func=cmd_lab)
    test = sub.add_parser("test", help="set up, lint and run the whole test suite")
    test.set_defaults(func=cmd_test)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra  # python3 run.py test -k w01 -x: the rest goes to pytest
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
