"""What the grader applies to the learner's code, as configuration, and the static import scan.

The mechanisms live beside this module (the clean grading process, the kernel's namespaces
and view, the import policy); this module holds the configurable limits (:class:`Confinement`,
traitlets, set from ``nbgrader_config.py`` or, on a Dask worker, from the settings the client
ships) and turns them into the request of one run.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from traitlets import Bool, Integer, List, Unicode
from traitlets.config import Configurable

from mlfund.grading._view import ConfinementError


def project_root() -> Path:
    """The mlfund checkout: ``MLFUND_ROOT``, else the folder above ``src/mlfund``."""
    env = os.environ.get("MLFUND_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


def private_exercise_modules() -> list[str]:
    """The course's own exercise modules from installed packages: hidden from every kernel.

    Empty unless the grader knows such a course (entry points of the group
    ``mlfund.exercises``); modules registered from the course folder need no hiding, since
    no kernel sees the course folder.
    """
    from mlfund import exercises

    return exercises.private_modules()


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def static_violations(source: str, forbidden: Iterable[str]) -> list[str]:
    """Forbidden modules that a cell's source imports, by any route a scan can see."""
    import ast
    import re

    banned = tuple(forbidden)
    if not banned:
        return []

    def hit(name: str) -> bool:
        return any(name == b or name.startswith(b + ".") for b in banned)

    found: list[str] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names if hit(a.name)]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found += [node.module] if hit(node.module) else []
                found += [f"{node.module}.{a.name}" for a in node.names
                          if hit(f"{node.module}.{a.name}") and not hit(node.module)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # names in strings: __import__("sklearn.metrics"), exec("import ...")
                for word in re.findall(r"[A-Za-z_][\w.]*", node.value):
                    if hit(word):
                        found.append(word)
    return sorted(set(found))


class Confinement(Configurable):
    """What the grader applies to the learner's code; every limit is configurable."""

    cpu_seconds = Integer(
        120, help="CPU seconds for the whole notebook (RLIMIT_CPU).").tag(config=True)
    memory_bytes = Integer(
        4 * 1024**3, help="Address space of the kernel (RLIMIT_AS).").tag(config=True)
    max_processes = Integer(
        64, help="Processes the kernel's user may have (RLIMIT_NPROC).").tag(config=True)
    file_size_bytes = Integer(
        64 * 1024**2, help="Largest file it may write (RLIMIT_FSIZE).").tag(config=True)
    open_files = Integer(256, help="Open files (RLIMIT_NOFILE).").tag(config=True)
    user = Unicode(
        "", help="Unprivileged user of the kernel when the grader is root; empty (the "
                 "default) means a fresh uid that no account uses, for each run."
    ).tag(config=True)
    hide = List(Unicode(), help="Paths hidden from the kernel even when they lie inside the "
                                "Python installation.")
    forbidden_imports = List(Unicode(), help="Modules the learner's cells may not import.")
    require_isolation = Bool(
        False, help="Refuse to grade when full isolation (namespaces) is not available."
    ).tag(config=True)

    isolation = Unicode(
        "auto", help="Isolation of the kernel: 'auto' (the strongest this machine allows), or "
                     "a weaker one to use anyway: 'uid' (root: own uid and limits, no "
                     "namespaces) or 'none' (an unprivileged grader: limits and the import "
                     "policy only).").tag(config=True)

    def mode(self) -> str:
        """The isolation that applies here (see :func:`mlfund.grading.isolation_mode`)."""
        from mlfund.grading import isolation_mode

        mode = isolation_mode()
        weaker = {"full": ("uid",), "user": ("none",), "uid": (), "none": ()}[mode]
        if self.isolation not in ("auto", mode):
            if self.isolation not in weaker:
                allowed = ", ".join(repr(m) for m in ("auto", mode, *weaker))
                raise ConfinementError(
                    f"isolation ({self.isolation!r}) must be one of {allowed} on this machine.")
            mode = self.isolation
        if self.require_isolation and mode not in ("full", "user"):
            raise ConfinementError(
                "full isolation was required (Confinement.require_isolation) but this "
                "machine cannot make namespaces for the kernel.")
        return mode

    def describe(self) -> str:
        from mlfund.grading import describe, isolation_mode

        return describe(isolation_mode())

    def run_ids(self) -> tuple[int, int]:
        """The (uid, gid) of one run's kernel when the grader is root."""
        from mlfund.grading._client import random_ids

        if not self.user:
            return random_ids()
        try:
            entry = pwd.getpwnam(self.user)
        except KeyError:
            raise ConfinementError(
                f"user ({self.user!r}) does not exist on this machine.") from None
        return entry.pw_uid, entry.pw_gid

    def request(self, cells: list[tuple[int, str]], *, cwd: str, env: dict[str, str],
                mode: str, ids: tuple[int, int] | None, public: dict[str, Any]
                ) -> dict[str, Any]:
        """The request of one run, as the clean grading process reads it."""
        import sys

        import mlfund
        from mlfund.grading._policy import ALWAYS_HIDDEN, source_folders
        from mlfund.grading._view import python_paths

        package = os.path.dirname(os.path.realpath(mlfund.__file__))
        forbidden = sorted(set(self.forbidden_imports))
        private = private_exercise_modules()
        secret = source_folders([*forbidden, *ALWAYS_HIDDEN, *private])
        uid, gid = ids if ids is not None else (os.getuid(), os.getgid())
        return {
            "cells": [[i, source] for i, source in cells],
            "cwd": cwd, "env": env, "mode": mode, "uid": uid, "gid": gid,
            "expose": python_paths(sys.path, package,
                                   exclude=[str(project_root()), *self.hide]),
            "hide": sorted({*self.hide, *secret}),
            "limits": {"cpu_seconds": self.cpu_seconds, "memory_bytes": self.memory_bytes,
                       "max_processes": self.max_processes,
                       "file_size_bytes": self.file_size_bytes,
                       "open_files": self.open_files},
            "forbidden": forbidden,
            "private": private,
            "public": public,
        }
