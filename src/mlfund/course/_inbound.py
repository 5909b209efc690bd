"""Collecting a week's submissions from nbgrader's exchange.

``nbgrader submit`` run by a student leaves
``EXCHANGE/COURSE_ID/inbound/STUDENT+WEEK+TIMESTAMP+RANDOM/`` holding the notebooks,
``timestamp.txt`` and ``submission_secret.txt`` (the secret that names the student's
feedback in the exchange). :func:`collect_from_exchange` takes each student's newest
submission of a week into ``submitted/STUDENT/WEEK/`` as a whole: notebooks, the date
and the secret, replacing what an earlier collect left there; a submission collected
before is not copied again.

Defences
--------
Every student may write in ``inbound``, and the instructor collecting may be root. Each
defence is shown by the test named beside it (``tests/course/test_inbound.py``; the round
trip with real Unix users in ``tests/course/test_hub.py``).

- Nothing is followed: ``COURSE_ID``, ``inbound``, each submission folder and each file
  are opened one step at a time with ``O_NOFOLLOW``, as :mod:`mlfund.course._collect`
  does, and read under its size caps. Stock ``nbgrader collect`` copies with
  ``shutil.copytree``, which follows a link a student put in their submission
  (``test_is_a_link_in_a_submission_refused_not_followed``).
- A submission folder named for a student who is a Unix user of this machine but owned by
  another user is refused: a student cannot hand in work in a classmate's name. A file in
  a submission owned by someone else than the folder's owner is refused too
  (``test_is_a_submission_in_another_students_name_refused``,
  ``test_is_a_file_put_in_a_submission_by_another_user_refused``).
- A submission is dated by its name, as nbgrader dates it, unless the folder or one of its
  notebooks changed more than :data:`GRACE` later; then by that change time, which its
  owner cannot set back. A notebook edited in place after the deadline is therefore late
  (``test_is_a_notebook_edited_after_submitting_dated_by_its_change``). An exchange copied
  from a backup loses those times: collect it before copying.
- What lands in ``submitted/`` is the instructor's alone (folders 700); the copy is made
  in a hidden folder first and swapped in, so a refused submission leaves the last good one
  in place (``test_does_a_refused_resubmission_leave_the_last_good_one``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import pwd
import re
import secrets
import shutil
import stat
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mlfund.course._collect import (
    _LINK_ERRNOS,
    MAX_COMPRESSION_RATIO,
    MAX_NOTEBOOK_BYTES,
    MAX_TOTAL_BYTES,
    Candidate,
    CollectError,
    CollectReport,
    EntryError,
    _Budget,
    _check_positive,
    _check_size,
    _Limits,
    _listing,
    _open_beneath,
    _Refused,
    _shown,
    _stream_to_temporary,
    _student,
    expected_notebooks,
)
from mlfund.course._exchange import (
    Exchange,
    ExchangeError,
    check_course_owner,
    check_outside,
    exchange_of,
)
from mlfund.course._private import make_private

GRACE = timedelta(minutes=5)
"""How much later than its name's date a submission may have last changed and keep that date."""

_SECRET = re.compile(r"[0-9a-f]{32,256}")
"""A submission secret as ``nbgrader submit`` writes it (128 hex digits)."""


@dataclass(slots=True)
class _Submission:
    """One folder of ``inbound``: whose, and when its name says it was handed in."""

    folder: str
    student: str
    named: datetime
    changed: datetime
    """The folder's change time, which its owner cannot set back."""
    uid: int


@dataclass(slots=True)
class _Contents:
    notebooks: list[Candidate] = field(default_factory=list)
    secret: str | None = None
    changed: datetime | None = None
    """The latest change time of the notebooks."""


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, tz=timezone.utc)


def _parse_name(name: str) -> tuple[str, str, str] | None:
    """(student, week, date text) of an inbound folder's name, or None if it is not one."""
    parts = name.rsplit("+", 3)
    if len(parts) == 4:
        return parts[0], parts[1], parts[2]
    parts = name.rsplit("+", 2)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return None


def _named_date(text: str) -> datetime:
    from nbgrader.utils import parse_utc

    try:
        stamp = parse_utc(text)
    except (ValueError, OverflowError, TypeError) as exc:
        raise _Refused(f"its date ({_shown(text)!r}) cannot be read") from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _check_owner(student: str, uid: int) -> None:
    try:
        expected = pwd.getpwnam(student).pw_uid
    except KeyError:
        return  # not a Unix user here (a hub whose students share one uid): nothing to check
    if uid != expected:
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = f"uid {uid}"
        raise _Refused(f"handed in by {owner}, not by {student}; refused")


def _judge_inbound(entries: list[os.DirEntry], assignment: str,
                   report: CollectReport) -> tuple[list[_Submission], Counter[str]]:
    """The submissions of ``assignment`` among ``entries``, and a count of other weeks'."""
    found: list[_Submission] = []
    others: Counter[str] = Counter()
    for entry in entries:
        parsed = _parse_name(entry.name)
        if parsed is None:
            continue
        student, week, date_text = parsed
        if week != assignment:
            others[week] += 1
            continue
        try:
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                raise _Refused("not a folder (a link or a file); refused")
            info = entry.stat(follow_symlinks=False)
            _student(student)
            _check_owner(student, info.st_uid)
            found.append(_Submission(entry.name, student, _named_date(date_text),
                                     _utc(info.st_ctime), info.st_uid))
        except _Refused as exc:
            report.errors.append(EntryError(_shown(entry.name), str(exc)))
    return found, others


def _read_secret(exchange: Exchange, parts: tuple[str, ...]) -> str:
    with _open_beneath(exchange.root, parts) as stream:
        data = stream.read(1025)
    text = data.decode("ascii", errors="replace")
    if not _SECRET.fullmatch(text):
        raise _Refused("its submission_secret.txt is not a secret as nbgrader writes it; refused")
    return text


def _contents(exchange: Exchange, sub: _Submission, names: list[str],
              limits: _Limits, report: CollectReport) -> _Contents:
    """The notebooks and secret of one submission, judged on ``lstat`` alone."""
    folder = (exchange.course_id, "inbound", sub.folder)
    found = _Contents()
    try:
        with _listing(exchange.root, folder) as entries:
            listed = [(entry, entry.stat(follow_symlinks=False)) for entry in entries]
    except OSError as exc:
        if exc.errno in _LINK_ERRNOS:
            raise _Refused("a symbolic link on the way; links are never followed") from exc
        raise _Refused(f"cannot be listed ({exc.strerror})") from exc
    for entry, info in listed:
        origin = f"{sub.folder}/{entry.name}"
        wanted = entry.name == "submission_secret.txt" or (
            entry.name.endswith(".ipynb") and entry.name[:-6] in names)
        if not wanted:
            if entry.name.endswith(".ipynb"):
                report.skipped.append(f"{_shown(origin)} (not a notebook of this week)")
            continue
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(f"{_shown(entry.name)} is not a regular file (a link?); refused")
        if info.st_uid != sub.uid:
            raise _Refused(f"{_shown(entry.name)} was put there by another user; refused")
        if entry.name == "submission_secret.txt":
            found.secret = _read_secret(exchange, (*folder, entry.name))
            continue
        _check_size(info.st_size, limits)
        changed = _utc(info.st_ctime)
        found.changed = max(found.changed or changed, changed)
        found.notebooks.append(Candidate(
            sub.student, entry.name[:-6], changed, origin, info.st_size,
            functools.partial(_open_beneath, exchange.root, (*folder, entry.name))))
    if not found.notebooks:
        raise _Refused(f"has no notebook of this week (expected {', '.join(names)})")
    return found


def _date(sub: _Submission, contents: _Contents, report: CollectReport) -> datetime:
    """The submission's date: its name's, unless it changed later than :data:`GRACE` after."""
    changed = max(sub.changed, contents.changed or sub.changed)
    if changed - sub.named <= GRACE:
        return sub.named
    report.notes.append(
        f"{sub.student}: {_shown(sub.folder)} changed at {changed:%Y-%m-%d %H:%M:%S} UTC, "
        f"after the date in its name ({sub.named:%Y-%m-%d %H:%M:%S}); dated by the change.")
    return changed


def _already_collected(target: Path, stamp: datetime, secret: str | None) -> bool:
    try:
        same_date = (target / "timestamp.txt").read_text().strip() == stamp.isoformat()
        if secret is None:
            return same_date
        return same_date and (target / "submission_secret.txt").read_text() == secret
    except OSError:
        return False


def _swap_in(incoming: Path, target: Path) -> None:
    """Put ``incoming`` where ``target`` is, the old one removed only once the new is there."""
    target.parent.mkdir(exist_ok=True)
    if not target.exists():
        os.rename(incoming, target)
        return
    replaced = target.parent.parent / f".replaced-{secrets.token_hex(8)}"
    os.rename(target, replaced)
    os.rename(incoming, target)
    shutil.rmtree(replaced, ignore_errors=True)


def _import(sub: _Submission, contents: _Contents, stamp: datetime, assignment: str,
            submitted: Path, limits: _Limits, budget: _Budget, report: CollectReport) -> None:
    incoming = submitted / f".incoming-{secrets.token_hex(8)}"
    incoming.mkdir(mode=0o700)
    try:
        for candidate in contents.notebooks:
            temporary = _stream_to_temporary(candidate, incoming, limits, budget)
            os.replace(temporary, incoming / f"{candidate.notebook}.ipynb")
        (incoming / "timestamp.txt").write_text(stamp.isoformat())
        if contents.secret is not None:
            (incoming / "submission_secret.txt").write_text(contents.secret)
        for path in incoming.iterdir():
            path.chmod(0o600)
        if not (submitted / sub.student).exists():
            report.new_students.append(sub.student)
        _swap_in(incoming, submitted / sub.student / assignment)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    report.imported.extend((sub.student, c.notebook) for c in contents.notebooks)


def _collect_student(group: list[_Submission], exchange: Exchange, assignment: str,
                     names: list[str], submitted: Path, limits: _Limits, budget: _Budget,
                     report: CollectReport) -> None:
    """Import the newest readable submission of one student; older ones are reported."""
    newest_first = sorted(group, key=lambda sub: sub.named, reverse=True)
    for index, sub in enumerate(newest_first):
        try:
            contents = _contents(exchange, sub, names, limits, report)
            stamp = _date(sub, contents, report)
            target = submitted / sub.student / assignment
            if _already_collected(target, stamp, contents.secret):
                report.unchanged.append(sub.student)
            else:
                _import(sub, contents, stamp, assignment, submitted, limits, budget, report)
        except _Refused as exc:
            report.errors.append(EntryError(_shown(sub.folder), str(exc)))
            continue
        if index + 1 < len(newest_first):
            report.duplicates.append(f"{sub.student}: kept {_shown(sub.folder)}, the newest; "
                                     f"{len(newest_first) - index - 1} older submission(s) "
                                     "ignored")
        return


@contextlib.contextmanager
def _inbound_listing(exchange: Exchange):
    try:
        with _listing(exchange.root, (exchange.course_id, "inbound")) as entries:
            yield entries
    except FileNotFoundError as exc:
        raise CollectError(
            f"the exchange {exchange.root} has no inbound folder for course "
            f"{exchange.course_id!r} ({exchange.inbound}): release a week with `mlfund course "
            "release WEEK --exchange` first, or name the exchange the students use with "
            "`mlfund course init --exchange DIR` (or MLFUND_EXCHANGE).") from exc
    except OSError as exc:
        if exc.errno in _LINK_ERRNOS or exc.errno == errno.ENOTDIR:
            raise CollectError(f"{exchange.inbound} is reached through a symbolic link or is "
                               "not a folder; refused.") from exc
        raise CollectError(f"{exchange.inbound} cannot be read ({exc.strerror}).") from exc


def collect_from_exchange(
    assignment: str,
    *,
    course_dir: Path,
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> CollectReport:
    """Import each student's newest submission of ``assignment`` from the course's exchange.

    Parameters
    ----------
    assignment : str
        The week, such as ``"w01"``; it must have notebooks in ``notebooks/``.
    course_dir : Path
        The course folder: its configuration names the exchange (see
        :mod:`mlfund.course._exchange`) and submissions land in its ``submitted/``.
    max_notebook_bytes : int, optional
        Largest notebook imported.
    max_total_bytes : int, optional
        Most bytes the whole import reads.

    Returns
    -------
    CollectReport
        What was imported; who had nothing newer (``unchanged``); each submission refused
        with its reason; older submissions ignored (``duplicates``); ``notes`` on
        submissions dated by their change time and on other weeks' submissions when this
        week has none.

    Raises
    ------
    CollectError
        When the exchange has no inbound folder for the course or it cannot be read, the
        week has no notebook, or an option is not a positive number.
    """
    _check_positive("max_notebook_bytes", max_notebook_bytes)
    _check_positive("max_total_bytes", max_total_bytes)
    limits = _Limits(max_notebook_bytes, max_total_bytes, MAX_COMPRESSION_RATIO)
    names = expected_notebooks(assignment)
    if not names:
        raise CollectError(f"assignment ({assignment!r}) has no notebook in notebooks/.")
    course_dir = Path(course_dir)
    exchange = exchange_of(course_dir)
    try:
        check_outside(course_dir, exchange.root)
        check_course_owner(exchange)
    except ExchangeError as exc:
        raise CollectError(str(exc)) from exc
    report = CollectReport()
    with _inbound_listing(exchange) as entries:
        found, others = _judge_inbound(entries, assignment, report)
    groups: dict[str, list[_Submission]] = {}
    for sub in found:
        groups.setdefault(sub.student, []).append(sub)
    submitted = course_dir / "submitted"
    submitted.mkdir(parents=True, exist_ok=True)
    budget = _Budget(max_total_bytes)
    for student in sorted(groups):
        _collect_student(groups[student], exchange, assignment, names, submitted, limits,
                         budget, report)
    make_private(submitted)
    if not found and others:
        weeks = ", ".join(f"{week} ({count})" for week, count in sorted(others.items()))
        report.notes.append(f"{exchange.inbound} has no submission of {assignment}, but has "
                            f"some of other weeks: {weeks}.")
    return report
