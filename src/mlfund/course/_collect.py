"""Importing submissions from a folder or an LMS download zip into the course.

Accepted layouts, inside the folder or the zip:

- ``STUDENT/NOTEBOOK.ipynb`` or ``STUDENT/WEEK/NOTEBOOK.ipynb`` — one folder per student;
- ``STUDENT_anything_NOTEBOOK.ipynb`` — flat files as LMS downloads name them, the student
  id first, the notebook's name last (``alice_attempt_2027-01-10_w01-gradients.ipynb``).

Submissions land in ``submitted/STUDENT/WEEK/`` with a ``timestamp.txt`` (the file's
modification time, or the zip entry's), which nbgrader uses for late penalties. When a
student has several files for one notebook, the newest wins and the others are reported.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from mlfund.course._nbgrader import notebooks_dir

_STUDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class CollectError(ValueError):
    """The source of submissions cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Candidate:
    student: str
    notebook: str
    timestamp: datetime
    origin: str
    data: bytes


@dataclass
class CollectReport:
    imported: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    new_students: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Imported {len(self.imported)} notebook(s) from "
                 f"{len({s for s, _ in self.imported})} student(s)."]
        if self.new_students:
            lines.append("New students: " + ", ".join(sorted(self.new_students)))
        for text in self.duplicates:
            lines.append("Duplicate: " + text)
        for text in self.skipped:
            lines.append("Skipped: " + text)
        return "\n".join(lines)


def expected_notebooks(assignment: str) -> list[str]:
    return sorted(p.stem for p in (notebooks_dir() / assignment).glob("*.ipynb"))


def _match(parts: list[str], assignment: str, names: list[str]) -> tuple[str, str] | None:
    """(student, notebook) for a path inside the source, or None if it is not a submission."""
    filename = parts[-1]
    if not filename.endswith(".ipynb") or filename.startswith("."):
        return None
    stem = filename[:-6]
    if len(parts) >= 2 and _STUDENT.match(parts[0]):
        if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
            return parts[0], stem
    if len(parts) == 1:
        for name in sorted(names, key=len, reverse=True):
            if stem.endswith(name) and stem != name:
                student = re.split(r"[_\s]", stem[: -len(name)].strip("_ -"), maxsplit=1)[0]
                if _STUDENT.match(student):
                    return student, name
    return None


def _candidates(source: Path, assignment: str, report: CollectReport) -> list[Candidate]:
    names = expected_notebooks(assignment)
    found: list[Candidate] = []
    if source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            parts = list(path.relative_to(source).parts)
            if ".ipynb_checkpoints" in parts:
                continue
            match = _match(parts, assignment, names)
            if match is None:
                report.skipped.append(f"{'/'.join(parts)} (not STUDENT/NOTEBOOK.ipynb)")
                continue
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                report.skipped.append(f"{'/'.join(parts)} (larger than 50 MB)")
                continue
            stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
            found.append(Candidate(*match, stamp, "/".join(parts), path.read_bytes()))
        return found
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                parts = [p for p in info.filename.split("/") if p]
                if not parts or ".." in parts or "__MACOSX" in parts:
                    continue
                match = _match(parts, assignment, names)
                if match is None:
                    if info.filename.endswith(".ipynb"):
                        report.skipped.append(f"{info.filename} (not STUDENT/NOTEBOOK.ipynb)")
                    continue
                if info.file_size > MAX_NOTEBOOK_BYTES:
                    report.skipped.append(f"{info.filename} (larger than 50 MB)")
                    continue
                stamp = datetime(*info.date_time, tzinfo=timezone.utc)
                found.append(Candidate(*match, stamp, info.filename, archive.read(info)))
        return found
    if source.exists():
        raise CollectError(f"--from ({str(source)!r}) must be a folder or a .zip file.")
    raise CollectError(f"--from ({str(source)!r}) does not exist.")


def collect(assignment: str, source: str | Path, *, course_dir: Path) -> CollectReport:
    """Import submissions of ``assignment`` from ``source`` into ``course_dir/submitted``."""
    source = Path(source)
    if not expected_notebooks(assignment):
        raise CollectError(f"assignment ({assignment!r}) has no notebook in notebooks/.")
    report = CollectReport()
    chosen: dict[tuple[str, str], Candidate] = {}
    for candidate in _candidates(source, assignment, report):
        key = (candidate.student, candidate.notebook)
        other = chosen.get(key)
        if other is None:
            chosen[key] = candidate
            continue
        newer, older = (candidate, other) if candidate.timestamp > other.timestamp else (
            other, candidate)
        chosen[key] = newer
        report.duplicates.append(f"{candidate.student}: kept {newer.origin} "
                                 f"({newer.timestamp:%Y-%m-%d %H:%M:%S}), ignored {older.origin}")
    submitted = course_dir / "submitted"
    for (student, notebook), candidate in sorted(chosen.items()):
        folder = submitted / student / assignment
        if not (submitted / student).exists():
            report.new_students.append(student)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{notebook}.ipynb").write_bytes(candidate.data)
        stamp_file = folder / "timestamp.txt"
        stamps = [candidate.timestamp]
        if stamp_file.exists():
            try:
                stamps.append(datetime.fromisoformat(stamp_file.read_text().strip()))
            except ValueError:
                pass
        stamp_file.write_text(max(stamps).isoformat())
        report.imported.append((student, notebook))
    return report
