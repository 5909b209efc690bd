"""Keeping the course folder the instructor's alone.

The course folder holds the source notebooks' grades, every student's submission and
feedback, the gradebook and the result key. On a machine shared with the students, none of
it may be readable or writable by them.

Defences (tests in ``tests/course/test_private.py``; the round trip with real Unix users in
``tests/course/test_hub.py``):

- Every ``mlfund course`` command runs under :data:`PRIVATE_UMASK`, so what it writes is
  mode 600 (folders 700) (``test_does_every_course_command_write_under_the_private_umask``).
- :func:`make_private` gives every folder of the course mode 700 and takes write access
  from everyone but the owner on every file, without following links. Files keep their
  read bits: nbgrader gives feedback pages mode 644 so that ``nbgrader release_feedback``
  copies them readable into the exchange, and behind folders of mode 700 nobody else can
  reach them (``test_is_a_course_made_private_on_init``).
- Stock ``nbgrader collect`` leaves ``submitted/STUDENT/WEEK`` at mode 777; both collect
  commands of mlfund tighten ``submitted/`` when they finish, and every ``mlfund course``
  command tightens the course folder itself
  (``test_is_a_world_writable_submission_tightened_by_the_next_command``).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator

PRIVATE_UMASK = 0o077
"""The umask of every ``mlfund course`` command: nothing it writes is readable by others."""

_OTHERS = stat.S_IRWXG | stat.S_IRWXO
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Run the block under :data:`PRIVATE_UMASK`; the previous umask is restored after."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def _tighten(path: str, info: os.stat_result, untouched: list[str]) -> None:
    mode = stat.S_IMODE(info.st_mode)
    wanted = mode & ~(_OTHERS if stat.S_ISDIR(info.st_mode) else _OTHERS_WRITE)
    if wanted == mode:
        return
    try:
        os.chmod(path, wanted)
    except OSError:  # not ours (made by another user) or a read-only file system
        untouched.append(path)


def make_private(folder: str | os.PathLike[str]) -> list[str]:
    """Make ``folder`` and everything in it reachable by its owner only; the paths left as were.

    Folders lose every permission of the group and others; files lose the group's and
    others' write permission. Links are neither followed nor changed. A path this user
    may not change is listed in the result, not raised.

    Examples
    --------
    A collected submission that stock ``nbgrader collect`` left open to everyone:

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     week = Path(tmp, "submitted", "ada", "w01")
    ...     week.mkdir(parents=True)
    ...     week.chmod(0o777)
    ...     notebook = week / "w01-gradients.ipynb"
    ...     _ = notebook.write_text("{}")
    ...     notebook.chmod(0o666)
    ...     make_private(tmp)
    ...     print(oct(week.stat().st_mode & 0o777), oct(notebook.stat().st_mode & 0o777))
    []
    0o700 0o644
    """
    untouched: list[str] = []
    root = os.fspath(folder)
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return untouched
    if not stat.S_ISDIR(info.st_mode):
        return untouched
    _tighten(root, info, untouched)
    for parent, folders, files in os.walk(root):
        for name in folders + files:
            path = os.path.join(parent, name)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
                _tighten(path, info, untouched)
    return untouched


def is_private(folder: str | os.PathLike[str]) -> bool:
    """Whether nobody but the owner may enter ``folder`` (group and others have no rights)."""
    return not stat.S_IMODE(os.stat(folder).st_mode) & _OTHERS
