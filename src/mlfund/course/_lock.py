"""One ``autograde`` of a course at a time: the second one refuses, naming the lock.

What this defends: two runs grading the same submissions at once would each write the
gradebook and the journal, so a grade could be recorded twice or overwritten by a run that
started from an older submission. A run holds two locks while it grades:

- the course folder's lock file, ``COURSE/.mlfund/autograde.lock`` (``flock``: released by
  the kernel when the run ends, even by ``kill -9``), which says who holds it;
- with a PostgreSQL gradebook, the gradebook's advisory lock
  ``mlfund-autograde:COURSE_ID``, held on a connection of its own, so that runs from two
  machines that share the gradebook but not the course folder exclude each other too.

The second run stops before it grades anything, with :class:`CourseLocked`.
(tests/course/test_gradebook_db.py)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path


class CourseLocked(RuntimeError):
    """Another ``autograde`` of the course holds its lock."""


def lock_path(course_dir: Path) -> Path:
    return Path(course_dir) / ".mlfund" / "autograde.lock"


def advisory_key(course_id: str) -> int:
    """The PostgreSQL advisory lock of a course: a signed 64-bit number from its name."""
    digest = hashlib.sha256(f"mlfund-autograde:{course_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096) or b"{}")
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info["since"])))
        return f"pid {int(info['pid'])} on {info['host']}, since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"


@contextlib.contextmanager
def autograde_lock(course_dir: Path, *, db_url: str, course_id: str) -> Iterator[None]:
    """Hold the course's autograde locks for the ``with`` block, or raise CourseLocked."""
    path = lock_path(course_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CourseLocked(
                f"another autograde of this course is running ({_holder(fd)}): it holds the "
                f"lock {path}. Run again when it has finished.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                  "since": time.time()}).encode(), 0)
        with _gradebook_lock(db_url, course_id):
            yield
    finally:
        os.close(fd)  # releases the flock


@contextlib.contextmanager
def _gradebook_lock(db_url: str, course_id: str) -> Iterator[None]:
    if not db_url.startswith(("postgresql", "postgres")):
        yield
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url, poolclass=None)
    key = advisory_key(course_id)
    try:
        with engine.connect() as connection:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                       {"key": key}).scalar()
            connection.commit()
            if not taken:
                raise CourseLocked(
                    "another autograde of this course is running: it holds the gradebook's "
                    f"PostgreSQL advisory lock mlfund-autograde:{course_id} (key {key}). "
                    "Run again when it has finished.")
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
    finally:
        engine.dispose()
