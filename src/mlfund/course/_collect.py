"""Importing submissions from a folder or an LMS download zip into the course.

Accepted layouts, inside the folder or the zip:

- ``STUDENT/NOTEBOOK.ipynb`` or ``STUDENT/WEEK/NOTEBOOK.ipynb`` — one folder per student;
- ``STUDENT_anything_NOTEBOOK.ipynb`` — flat files as LMS downloads name them, the student
  id first, the notebook's name last (``alice_attempt_2027-01-10_w01-gradients.ipynb``).

Submissions land in ``submitted/STUDENT/WEEK/`` with a ``timestamp.txt`` (the file's
modification time, or the zip entry's), which nbgrader uses for late penalties. When a
student has several files for one notebook, the newest wins and the others are reported.
``submitted/`` is then made the instructor's alone (:func:`mlfund.course._private.make_private`).
Submissions handed in through nbgrader's exchange are collected by :mod:`mlfund.course._inbound`.

Each entry of the source is judged on its own: one that cannot be imported becomes a row
of :attr:`CollectReport.errors` naming the entry and the reason, and the others import.

Defences
--------
Collecting runs with the instructor's rights, often root, over files that students made.
Each defence below is shown by the test named beside it (``tests/course/test_collect.py``).

- Nothing is read before duplicates are settled: entries are judged by their metadata
  (name, size, date), the newest of each student's notebook is chosen, and only that one
  is opened; an older one is opened only if the newer cannot be read
  (``test_are_duplicates_dropped_before_any_entry_is_read``).
- Entries are streamed in chunks to disk under three caps, each a keyword option of
  :func:`collect` defaulting to a module constant: :data:`MAX_NOTEBOOK_BYTES` per entry,
  :data:`MAX_TOTAL_BYTES` over the whole import (counting every byte inflated, kept or
  not) and :data:`MAX_COMPRESSION_RATIO`, checked on the zip header before inflating.
  Only stored and deflated entries are inflated: zipfile's bzip2 and lzma readers inflate
  a chunk with no bound on its output (``test_is_a_zip_bomb_refused_without_being_inflated``,
  ``test_is_a_large_entry_streamed_not_held_in_memory``, ``test_are_the_size_caps_kept``,
  ``test_is_an_entry_refused_before_reading_when_its_header_says_so``).
- A corrupt, encrypted or undated zip entry is an error row, not a traceback; a damaged
  entry never overwrites an earlier import, since bytes go to a temporary file first
  (``test_does_one_bad_zip_entry_leave_the_others_to_import``).
- Symbolic links are never followed. In a folder, a link (to a file or to a folder) is an
  error row; a file is opened one path component at a time, each relative to its parent's
  descriptor with ``O_NOFOLLOW``, so a folder swapped for a link after the scan is refused
  too; only regular files are read, so a named pipe cannot stall the import. In a zip, an
  entry whose mode says link, or any other non-regular kind, is refused
  (``test_is_a_symlink_in_a_folder_refused_not_followed``,
  ``test_is_a_folder_swapped_for_a_link_after_the_scan_not_followed``,
  ``test_is_a_named_pipe_refused_rather_than_waited_on``,
  ``test_are_symlink_and_escaping_zip_entries_refused``).
- Zip names that climb out (``a/../b``) or start at a root (``/x``, ``\\x``, ``C:x``) are
  refused (``test_are_symlink_and_escaping_zip_entries_refused``).
- A student id must match the whole of ``_STUDENT`` (``re.fullmatch``; with ``$`` an id
  ``alice\\n`` would pass) (``test_is_a_student_id_with_a_trailing_newline_refused``,
  ``test_does_no_pattern_in_the_course_package_end_in_a_dollar``); names shown in the
  report have control characters escaped, so a file name cannot forge report lines.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import secrets
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from mlfund.course._nbgrader import week_source
from mlfund.course._private import make_private

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
"""Largest notebook imported, in bytes once uncompressed."""

MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
"""Most bytes one import reads or inflates, over all its entries."""

MAX_COMPRESSION_RATIO = 100
"""Largest uncompressed-to-compressed size of a zip entry (notebooks compress 3 to 10 times)."""

_STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
"""A student id; used with ``fullmatch`` only."""

_CHUNK = 64 * 1024
_IGNORED_FOLDERS = frozenset({".ipynb_checkpoints", "__MACOSX"})
_INFLATABLE = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError)
"""What reading one damaged entry may raise: zipfile's and zlib's errors, a truncated file."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_EXTRA_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_LINK_ERRNOS = frozenset({errno.ELOOP, errno.EMLINK})
"""What opening a link with O_NOFOLLOW gives: ELOOP on Linux, EMLINK on FreeBSD."""


class CollectError(ValueError):
    """The source of submissions cannot be read; the message says why."""


class _Refused(Exception):
    """One entry cannot be imported; the message is the reason shown in the report."""


@dataclass(frozen=True, slots=True)
class EntryError:
    """An entry of the source that was not imported, and why."""

    entry: str
    """The entry's path inside the folder or the zip, control characters escaped."""
    reason: str
    """Why it was not imported, in a phrase."""

    def __str__(self) -> str:
        return f"{self.entry}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A submission known by its metadata only; ``opener`` streams its bytes when chosen."""

    student: str
    notebook: str
    timestamp: datetime
    origin: str
    """The entry's path inside the source, as found."""
    size: int
    """The size its metadata declares; the bytes actually read are counted again."""
    opener: Callable[[], contextlib.AbstractContextManager[BinaryIO]]


@dataclass
class CollectReport:
    imported: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    new_students: list[str] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    """Entries refused or unreadable, each with its reason; the rest were imported."""
    unchanged: list[str] = field(default_factory=list)
    """Students whose newest submission was collected before (from the exchange)."""
    notes: list[str] = field(default_factory=list)
    """What the instructor should know about an import that went through."""

    def summary(self) -> str:
        lines = [f"Imported {len(self.imported)} notebook(s) from "
                 f"{len({s for s, _ in self.imported})} student(s)."]
        if self.unchanged:
            lines.append(f"Already collected, nothing newer: {len(self.unchanged)} student(s) "
                         f"({', '.join(sorted(self.unchanged))}).")
        if self.new_students:
            lines.append("New students: " + ", ".join(sorted(self.new_students)))
        for note in self.notes:
            lines.append("Note: " + note)
        for error in self.errors:
            lines.append(f"Error: {error}")
        for text in self.duplicates:
            lines.append("Duplicate: " + text)
        for text in self.skipped:
            lines.append("Skipped: " + text)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Limits:
    notebook_bytes: int
    total_bytes: int
    compression_ratio: float


@dataclass(slots=True)
class _Budget:
    """Bytes the import may still read or inflate."""

    left: int


def expected_notebooks(assignment: str) -> list[str]:
    return sorted(p.stem for p in week_source(assignment).glob("*.ipynb"))


def _shown(name: str) -> str:
    """``name`` with control characters escaped, so it cannot break or forge report lines."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for ch in name)


def _size(n: float) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:g} bytes"


def _student(text: str) -> str:
    if not _STUDENT.fullmatch(text):
        raise _Refused(f"student id '{_shown(text)}' is not valid (a letter or digit, then up "
                       "to 63 letters, digits or . _ @ + -)")
    return text


def _match(parts: list[str], assignment: str, names: list[str]) -> tuple[str, str] | None:
    """(student, notebook) for a path inside the source, or None if it is not a submission.

    Raises ``_Refused`` when the path has a submission's shape but not a valid student id.
    """
    filename = parts[-1]
    if not filename.endswith(".ipynb") or filename.startswith("."):
        return None
    stem = filename[:-6]
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return _student(parts[0]), stem
    if len(parts) == 1:
        for name in sorted(names, key=len, reverse=True):
            if stem.endswith(name) and stem != name:
                student = re.split(r"[_\s]", stem[: -len(name)].strip("_ -"), maxsplit=1)[0]
                return _student(student), name
    return None


def _skip(report: CollectReport, parts: list[str], origin: str) -> None:
    if parts[-1].endswith(".ipynb"):
        report.skipped.append(f"{_shown(origin)} (not STUDENT/NOTEBOOK.ipynb)")


def _check_size(size: int, limits: _Limits) -> None:
    if size > limits.notebook_bytes:
        raise _Refused(f"larger than the {_size(limits.notebook_bytes)} allowed for a notebook; "
                       "refused")


# --- a folder ------------------------------------------------------------------------------


def _folder_candidates(root: Path, assignment: str, names: list[str], limits: _Limits,
                       report: CollectReport) -> list[Candidate]:
    """Candidates in ``root``, judged on ``lstat`` alone: links and odd files are refused."""
    found: list[Candidate] = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        folder = pending.pop()
        try:
            with _listing(root, folder) as entries:
                subfolders = [tuple(parts) for parts in _judge_folder(
                    root, folder, entries, assignment, names, limits, report, found)]
        except OSError as exc:
            report.errors.append(EntryError(_shown("/".join(folder) or "."),
                                            f"cannot be listed ({exc.strerror})"))
            continue
        pending.extend(reversed(subfolders))
    return found


@contextlib.contextmanager
def _listing(root: Path, folder: tuple[str, ...]) -> Iterator[list[os.DirEntry]]:
    """The entries of ``root/folder``, reached without following a link below ``root``."""
    if not (_can_open_by_steps() and os.scandir in os.supports_fd):
        with os.scandir(root.joinpath(*folder)) as listing:
            yield sorted(listing, key=lambda entry: entry.name)
        return
    fd = _open_folder_by_steps(root, folder)
    try:
        with os.scandir(fd) as listing:
            yield sorted(listing, key=lambda entry: entry.name)
    finally:
        os.close(fd)


def _judge_folder(root: Path, folder: tuple[str, ...], entries: list[os.DirEntry],
                  assignment: str, names: list[str], limits: _Limits, report: CollectReport,
                  found: list[Candidate]) -> Iterator[list[str]]:
    """Add the submissions among ``entries`` to ``found``; yield the subfolders to visit."""
    for entry in entries:
        parts = [*folder, entry.name]
        origin = "/".join(parts)
        try:
            if entry.is_symlink():
                raise _Refused("a symbolic link; links are never followed")
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _IGNORED_FOLDERS:
                    yield parts
                continue
            match = _match(parts, assignment, names)
            if match is None:
                _skip(report, parts, origin)
                continue
            if not entry.is_file(follow_symlinks=False):
                raise _Refused("not a regular file; refused")
            info = entry.stat(follow_symlinks=False)
            _check_size(info.st_size, limits)
            try:
                stamp = datetime.fromtimestamp(info.st_mtime, tz=timezone.utc)
            except (OverflowError, OSError, ValueError) as exc:
                raise _Refused(f"its modification time cannot be read ({exc})") from exc
        except _Refused as exc:
            report.errors.append(EntryError(_shown(origin), str(exc)))
            continue
        except OSError as exc:  # gone or unreadable since the listing
            report.errors.append(EntryError(_shown(origin), f"cannot be read ({exc.strerror})"))
            continue
        found.append(Candidate(*match, stamp, origin, info.st_size,
                               functools.partial(_open_beneath, root, tuple(parts))))


@contextlib.contextmanager
def _open_beneath(root: Path, parts: tuple[str, ...]) -> Iterator[BinaryIO]:
    """Open the regular file ``root/parts`` without following a link anywhere below ``root``.

    Each folder is opened relative to its parent's descriptor with ``O_NOFOLLOW``, so a
    folder replaced by a link between the scan and this call is refused, not followed;
    ``O_NONBLOCK`` keeps a named pipe swapped in from blocking the open.
    """
    try:
        fd = _open_by_steps(root, parts) if _can_open_by_steps() else _open_after_lstat(
            root, parts)
    except OSError as exc:
        if exc.errno in _LINK_ERRNOS:
            raise _Refused("a symbolic link on the way; links are never followed") from exc
        raise _Refused(f"cannot be opened ({exc.strerror})") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Refused("not a regular file; refused")
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with stream:
        yield stream


def _can_open_by_steps() -> bool:
    return bool(_NOFOLLOW and _DIRECTORY) and os.open in os.supports_dir_fd


def _open_folder_by_steps(root: Path, folder: tuple[str, ...]) -> int:
    """A descriptor for ``root/folder``, each step opened relative to the last, no links."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _EXTRA_FLAGS)
    try:
        for part in folder:
            inner = _open_folder_step(part, fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_folder_step(name: str, parent: int) -> int:
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _EXTRA_FLAGS, dir_fd=parent)
    except NotADirectoryError:  # what Linux says for a link opened with O_DIRECTORY|O_NOFOLLOW
        if stat.S_ISLNK(os.lstat(name, dir_fd=parent).st_mode):
            raise OSError(errno.ELOOP, "a symbolic link", name) from None
        raise


def _open_by_steps(root: Path, parts: tuple[str, ...]) -> int:
    folder = _open_folder_by_steps(root, parts[:-1])
    try:
        return os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _EXTRA_FLAGS,
                       dir_fd=folder)
    finally:
        os.close(folder)


def _open_after_lstat(root: Path, parts: tuple[str, ...]) -> int:
    """Where descriptors cannot anchor each step: check each step, then open."""
    path = root
    for part in parts:
        path = path / part
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise OSError(errno.ELOOP, "a symbolic link", str(path))
    return os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _EXTRA_FLAGS)


# --- a zip ---------------------------------------------------------------------------------


def _zip_parts(name: str) -> list[str]:
    """The folders and file of a zip entry's name; ``_Refused`` if the name leaves the zip."""
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        raise _Refused("an absolute path; refused")
    parts = [p for p in re.split(r"[/\\]", name) if p not in ("", ".")]
    if ".." in parts:
        raise _Refused("a path that climbs out with '..'; refused")
    return parts


def _check_zip_kind(info: zipfile.ZipInfo) -> None:
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise _Refused("a symbolic link; links are never followed")
    if kind not in (0, stat.S_IFREG):
        raise _Refused("not a regular file; refused")


def _check_zip_entry(info: zipfile.ZipInfo, limits: _Limits) -> datetime:
    """The entry's date, once its header shows it can be inflated safely."""
    if info.flag_bits & 0x1:
        raise _Refused("encrypted; refused")
    if info.compress_type not in _INFLATABLE:
        raise _Refused(f"compressed with method {info.compress_type}, not stored or deflated; "
                       "refused")
    _check_size(info.file_size, limits)
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.compression_ratio:
        raise _Refused(f"compression ratio {ratio:.0f} is above {limits.compression_ratio:g}; "
                       "refused as a possible zip bomb")
    try:
        return datetime(*info.date_time, tzinfo=timezone.utc)
    except ValueError as exc:
        raise _Refused(f"its date {info.date_time} is not a valid date") from exc


def _zip_candidates(archive: zipfile.ZipFile, assignment: str, names: list[str],
                    limits: _Limits, report: CollectReport) -> list[Candidate]:
    """Candidates in ``archive``, judged on the central directory alone."""
    found: list[Candidate] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        try:
            parts = _zip_parts(info.filename)
            if not parts or _IGNORED_FOLDERS.intersection(parts):
                continue
            _check_zip_kind(info)
            match = _match(parts, assignment, names)
            if match is None:
                _skip(report, parts, info.filename)
                continue
            stamp = _check_zip_entry(info, limits)
        except _Refused as exc:
            report.errors.append(EntryError(_shown(info.filename), str(exc)))
            continue
        found.append(Candidate(*match, stamp, info.filename, info.file_size,
                               functools.partial(archive.open, info)))
    return found


# --- importing -----------------------------------------------------------------------------


@contextlib.contextmanager
def _candidates(source: Path, assignment: str, names: list[str], limits: _Limits,
                report: CollectReport) -> Iterator[list[Candidate]]:
    """The candidates in ``source``, which stays open while the block reads them."""
    if source.is_dir():
        yield _folder_candidates(source, assignment, names, limits, report)
        return
    if source.is_file() and zipfile.is_zipfile(source):
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise CollectError(f"--from ({str(source)!r}) is not a readable zip ({exc}).") from exc
        with archive:
            yield _zip_candidates(archive, assignment, names, limits, report)
        return
    if source.exists():
        raise CollectError(f"--from ({str(source)!r}) must be a folder or a .zip file.")
    raise CollectError(f"--from ({str(source)!r}) does not exist.")


def _chunks(candidate: Candidate) -> Iterator[bytes]:
    """The candidate's bytes; a failure to open or read them raises ``_Refused``."""
    try:
        with candidate.opener() as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except _UNREADABLE as exc:
        raise _Refused(f"cannot be read ({_shown(str(exc)) or type(exc).__name__})") from exc


def _stream_to_temporary(candidate: Candidate, folder: Path, limits: _Limits,
                         budget: _Budget) -> Path:
    """Copy the candidate into a new file in ``folder`` under the caps; its path."""
    if candidate.size > budget.left:
        raise _Refused(f"would take the import past its total of {_size(limits.total_bytes)}; "
                       "refused")
    allowed = min(limits.notebook_bytes, budget.left)
    temporary = folder / f".collect-{secrets.token_hex(8)}.part"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _EXTRA_FLAGS,
                 0o666)
    try:
        copied = 0
        with os.fdopen(fd, "wb") as out, contextlib.closing(_chunks(candidate)) as chunks:
            for chunk in chunks:
                copied += len(chunk)
                budget.left -= len(chunk)
                _check_size(copied, limits)
                if copied > allowed:
                    raise _Refused("would take the import past its total of "
                                   f"{_size(limits.total_bytes)}; refused")
                out.write(chunk)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _import_newest(group: list[Candidate], assignment: str, submitted: Path, limits: _Limits,
                   budget: _Budget, report: CollectReport) -> None:
    """Import the newest readable candidate of one student's notebook; report the others."""
    # sorted() is stable even in reverse, so of two files with one date the first found wins
    newest_first = sorted(group, key=lambda c: c.timestamp, reverse=True)
    for index, candidate in enumerate(newest_first):
        submitted.mkdir(parents=True, exist_ok=True)
        try:
            temporary = _stream_to_temporary(candidate, submitted, limits, budget)
        except _Refused as exc:
            report.errors.append(EntryError(_shown(candidate.origin), str(exc)))
            continue
        _place(candidate, temporary, assignment, submitted, report)
        for older in newest_first[index + 1:]:
            report.duplicates.append(
                f"{candidate.student}: kept {_shown(candidate.origin)} "
                f"({candidate.timestamp:%Y-%m-%d %H:%M:%S}), ignored {_shown(older.origin)}")
        return


def _place(candidate: Candidate, temporary: Path, assignment: str, submitted: Path,
           report: CollectReport) -> None:
    student, notebook = candidate.student, candidate.notebook
    folder = submitted / student / assignment
    if not (submitted / student).exists():
        report.new_students.append(student)
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, folder / f"{notebook}.ipynb")
    stamp_file = folder / "timestamp.txt"
    stamps = [candidate.timestamp]
    if stamp_file.exists():
        try:
            stamps.append(datetime.fromisoformat(stamp_file.read_text().strip()))
        except ValueError:
            pass
    stamp_file.write_text(max(stamps).isoformat())
    report.imported.append((student, notebook))


def _check_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise CollectError(f"{name} ({value!r}) must be a positive number.")


def collect(
    assignment: str,
    source: str | Path,
    *,
    course_dir: Path,
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_compression_ratio: float = MAX_COMPRESSION_RATIO,
) -> CollectReport:
    """Import submissions of ``assignment`` from ``source`` into ``course_dir/submitted``.

    Parameters
    ----------
    assignment : str
        The week, such as ``"w01"``; it must have notebooks in ``notebooks/``.
    source : str or Path
        A folder or an LMS download zip, laid out as the module docstring describes.
    course_dir : Path
        The course folder; submissions land in its ``submitted/``.
    max_notebook_bytes : int, optional
        Largest notebook imported, once uncompressed.
    max_total_bytes : int, optional
        Most bytes the whole import reads or inflates.
    max_compression_ratio : float, optional
        Largest uncompressed-to-compressed size of a zip entry.

    Returns
    -------
    CollectReport
        What was imported, and each entry refused, duplicated or skipped with its reason.

    Raises
    ------
    CollectError
        When the source as a whole cannot be read, the week has no notebook, or an option
        is not a positive number. A bad entry never raises: it is a row of ``errors``.

    Examples
    --------
    Alice hands in a notebook; Bob's "notebook" is a link to hers, which is refused.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     inbox = Path(tmp, "inbox")
    ...     (inbox / "alice").mkdir(parents=True)
    ...     (inbox / "bob").mkdir()
    ...     _ = (inbox / "alice" / "w01-gradients.ipynb").write_text("{}")
    ...     (inbox / "bob" / "w01-gradients.ipynb").symlink_to(
    ...         inbox / "alice" / "w01-gradients.ipynb")
    ...     print(collect("w01", inbox, course_dir=Path(tmp, "course")).summary())
    Imported 1 notebook(s) from 1 student(s).
    New students: alice
    Error: bob/w01-gradients.ipynb: a symbolic link; links are never followed
    """
    _check_positive("max_notebook_bytes", max_notebook_bytes)
    _check_positive("max_total_bytes", max_total_bytes)
    _check_positive("max_compression_ratio", max_compression_ratio)
    limits = _Limits(max_notebook_bytes, max_total_bytes, max_compression_ratio)
    source = Path(source)
    names = expected_notebooks(assignment)
    if not names:
        raise CollectError(f"assignment ({assignment!r}) has no notebook in notebooks/.")
    report = CollectReport()
    with _candidates(source, assignment, names, limits, report) as candidates:
        groups: dict[tuple[str, str], list[Candidate]] = {}
        for candidate in candidates:
            groups.setdefault((candidate.student, candidate.notebook), []).append(candidate)
        budget = _Budget(max_total_bytes)
        submitted = course_dir / "submitted"
        for _, group in sorted(groups.items(), key=lambda item: item[0]):
            _import_newest(group, assignment, submitted, limits, budget, report)
    make_private(submitted)
    return report
