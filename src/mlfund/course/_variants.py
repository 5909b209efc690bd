"""A course's graded mode and its per-student numbers.

*Graded mode* (``[course] mode = "graded"`` in ``COURSE/schedule.toml``, and always for a
course's own assignments): the released notebook's first cell tells ``check(...)`` that the
course grades its exercises (:func:`mlfund.check.graded_course`, with the exercises' public
facts only), so a learner sees how an answer was read and whether it uses the allowed
names, never a verdict, until feedback is released.

*Variants* (``[course] variants = true``): an exercise made by
:func:`mlfund.exercises.variant` has parameters drawn per student from the course's secret
``COURSE/.mlfund/variant-key`` (mode 600), the student id and the exercise id. ``mlfund
course release`` writes each student's own copy of the week under
``COURSE/personal/WEEK/STUDENT/``, with their numbers in the cells the source marks as
templates (``metadata.mlfund.template``); the trusted step of autograding computes the
reference from the numbers of the student whose folder it grades, never from what the
notebook says. A copied submission therefore scores 0 on variant items, and the item
analysis lists identical answers to a variant item across students. (tests:
tests/course/test_private_week.py)
"""

from __future__ import annotations

import copy
import os
import re
import string
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat

VARIANT_KEY = Path(".mlfund") / "variant-key"
PERSONAL = "personal"
#: The student id of a personal copy, in its notebook's metadata (for the learner's tools
#: only: the grader takes the id from the submission's folder).
STUDENT_FIELD = "student"
_STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")   # used with fullmatch


class VariantError(ValueError):
    """A template or a roster is wrong; the message names the cell or the entry."""


def variant_key(course: str | os.PathLike[str], *, create: bool = False) -> bytes | None:
    """The course's variants key, made (mode 600) on first use when ``create``."""
    from mlfund.course._signature import read_key

    return read_key(Path(course) / VARIANT_KEY, create=create)


def variants_on(course: str | os.PathLike[str] | None = None) -> bool:
    """Whether the course draws per-student numbers (``[course] variants = true``)."""
    from mlfund.course._schedule import ScheduleError, load_schedule

    try:
        return load_schedule(course=course).variants
    except ScheduleError:
        return False


def graded_mode(assignment: str) -> bool:
    """Whether ``check(...)`` in the released week reveals no verdict.

    Always for a course's own assignment (its references exist only in the course folder),
    and for the workbook's weeks in a course whose schedule says ``mode = "graded"``.
    """
    from mlfund import exercises
    from mlfund.course._schedule import ScheduleError, load_schedule

    if assignment in exercises.private_assignments():
        return True
    try:
        return load_schedule().graded
    except ScheduleError:
        return False


def values_for(course: str | os.PathLike[str] | None, student: str | None
               ) -> Callable[[str], dict[str, Any] | None]:
    """For one student of the course: exercise id -> their numbers (``None``: the workbook's).

    Without variants in the course, without a student or without a course folder, every
    item keeps the workbook's numbers.
    """
    from mlfund import exercises

    if course is None or not student or not variants_on(course):
        return lambda exercise_id: None
    key = variant_key(course, create=True)

    def values(exercise_id: str) -> dict[str, Any] | None:
        spec = exercises.find(exercise_id)
        if spec is None or not spec.varies:
            return None
        return spec.draw(key, str(student))

    return values


def template_fields(template: str) -> list[str]:
    """The names a template fills in (``{n_a}``, ``{rate:.1%}``)."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise VariantError(f"the template {template[:60]!r} cannot be read: {exc}") from None


def render(nb: nbformat.NotebookNode, values_of: Callable[[str], Mapping[str, Any] | None]
           ) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose template cells show the numbers ``values_of`` gives.

    A cell marked ``metadata.mlfund = {"variant": EXERCISE_ID, "template": TEXT}`` gets
    ``TEXT.format(**values)`` as its source; cells of items that do not vary are kept.
    """
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        mark = cell.get("metadata", {}).get("mlfund", {})
        if not isinstance(mark, Mapping) or "template" not in mark:
            continue
        values = values_of(str(mark.get("variant", "")))
        if values is None:
            continue
        try:
            cell.source = str(mark["template"]).format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise VariantError(f"cell {index + 1} ({mark.get('variant')}): its template "
                               f"cannot be filled in ({type(exc).__name__}: {exc}).") from None
    return nb


class _Placeholder:
    """What a template shows in the copy for everyone: where each student's number goes."""

    def __init__(self, name: str, code: bool) -> None:
        self.name, self.code = name, code

    def __format__(self, spec: str) -> str:
        return "None" if self.code else f"⟨{self.name}⟩"


def render_placeholders(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The copy for everyone in a course with variants: each number a placeholder.

    Markdown shows ``⟨n_a⟩``, code ``None``: no one answers with numbers that are not theirs.
    """
    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells):
        mark = cell.get("metadata", {}).get("mlfund", {})
        if not isinstance(mark, Mapping) or "template" not in mark:
            continue
        template = str(mark["template"])
        fields = {name.split(".")[0].split("[")[0]: _Placeholder(name, cell.cell_type == "code")
                  for name in template_fields(template)}
        try:
            text = template.format(**fields)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise VariantError(f"cell {index + 1} ({mark.get('variant')}): its template "
                               f"cannot be filled in ({exc}).") from None
        note = ("# Your numbers are in your own copy of this notebook.\n" if cell.cell_type
                == "code" else "*(Your numbers are in your own copy of this notebook.)*\n\n")
        cell.source = note + text
    return nb


def public_facts(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    """The public facts of the exercises ``nb`` checks, for a learner's notebook.

    What :func:`mlfund.check.graded_course` needs to read answers: kind, symbols,
    functions. No reference, no mistakes, and no probe inputs.
    """
    from mlfund.course._fastexec import public_entries

    return {k: {**v, "probes": None} for k, v in public_entries(nb).items()}


GRADED_LINE = "from mlfund.check import graded_course; graded_course({facts})"
GRADED_NOTE = ("# This course grades these exercises: check() says how an answer was read, "
               "and the verdict comes with your feedback.")


def mark_graded(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with its set-up cell telling ``check(...)`` that the course grades it.

    The line goes first in the locked set-up cell (:func:`_first_in_setup`).
    """
    facts = repr(dict(sorted(public_facts(nb).items())))   # a Python literal: None, not null
    return _first_in_setup(copy.deepcopy(nb),
                           f"{GRADED_NOTE}\n{GRADED_LINE.format(facts=facts)}\n")


def _first_in_setup(nb: nbformat.NotebookNode, line: str) -> nbformat.NotebookNode:
    """``nb`` with ``line`` first in its locked set-up cell (a new first cell if none).

    The cell's checksum is updated so that ``nbgrader validate`` accepts it; autograding
    restores the set-up cell from the source, so a graded kernel never runs the line.
    """
    from nbgrader.utils import compute_checksum

    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and str(meta.get("grade_id", "")).endswith("-setup"):
            cell.source = line + cell.source
            if "checksum" in meta:
                meta["checksum"] = compute_checksum(cell)
            return nb
    nb.cells.insert(0, nbformat.v4.new_code_cell(line.rstrip("\n")))
    return nb


#: The student's numbers in their copy's metadata, for the learner's own ``mlfund grade``.
NUMBERS_FIELD = "numbers"


def _numbers_of(nb: nbformat.NotebookNode, values_of: Callable[[str], Any]) -> dict:
    from mlfund.course._fastexec import public_entries

    numbers = {i: values_of(i) for i in sorted(public_entries(nb))}
    return {i: v for i, v in numbers.items() if v is not None}


NUMBERS_LINE = "from mlfund.check import student_numbers; student_numbers({values})"


def _with_numbers(nb: nbformat.NotebookNode, values_of: Callable[[str], Any]
                  ) -> nbformat.NotebookNode:
    """A student's copy whose ``check(...)`` compares with the references of their numbers.

    In a week that shows verdicts (not graded mode), the set-up cell gets the student's
    numbers of each item that varies (:func:`mlfund.check.student_numbers`).
    """

    numbers = _numbers_of(nb, values_of)
    if not numbers:
        return nb
    return _first_in_setup(nb, "# Your numbers, so that check() compares with the answers "
                               "for them.\n" + NUMBERS_LINE.format(values=repr(numbers)) + "\n")


def read_roster(text: str | None) -> list[str]:
    """Student ids from ``--students``: a comma-separated list, or a file with one per line
    (a CSV's first column; a header ``id``/``student`` is skipped)."""
    if not text:
        return []
    path = Path(text)
    if path.is_file():
        ids = []
        for line in path.read_text(encoding="utf-8").splitlines():
            first = line.split(",")[0].strip()
            if first and first.lower() not in ("id", "student", "student_id"):
                ids.append(first)
    else:
        ids = [part.strip() for part in text.split(",") if part.strip()]
    for ident in ids:
        if not _STUDENT.fullmatch(ident):
            raise VariantError(f"student id ({ident[:60]!r}) must be letters, digits and "
                               "'_', '.', '@', '+', '-' (at most 100).")
    return sorted(set(ids))


def write_personal(week: str, course: Path, release_folder: Path,
                   students: Iterable[str]) -> list[Path]:
    """Each student's own copy of the released week, with their numbers.

    ``COURSE/personal/WEEK/STUDENT/`` holds every file of the release, its notebooks
    rendered for that student (:func:`render`). Hand them out through the LMS or copy each
    into the student's home; the course folder itself stays closed.
    """
    import shutil

    graded = graded_mode(week)
    written = []
    for student in students:
        target = course / PERSONAL / week / student
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(release_folder, target)
        values = values_for(course, student)
        for path in sorted(target.glob("*.ipynb")):
            nb = nbformat.read(str(path), as_version=4)
            nb = render(nb, values)
            if not graded:
                nb = _with_numbers(nb, values)
            mark = nb.metadata.setdefault("mlfund", {})
            mark[STUDENT_FIELD] = student
            mark[NUMBERS_FIELD] = _numbers_of(nb, values)
            nbformat.write(nb, str(path))
        written.append(target)
    return written


def deliver(week: str, course: Path, template: str, students: Iterable[str]) -> list[Path]:
    """Copy each student's own copy to ``template`` with ``{student}`` filled in.

    For a shared hub: ``--personal-to '/home/{student}/risk1'``. A copy already there is
    kept (the student may have started); run as root, the copy is given to the user of
    that name when there is one, folder mode 700, files 600.
    """
    import pwd
    import shutil

    if "{student}" not in template:
        raise VariantError(f"--personal-to ({template!r}) must contain {{student}}, as in "
                           "'/home/{student}/risk1'.")
    done = []
    for student in students:
        source = course / PERSONAL / week / student
        target = Path(template.replace("{student}", student))
        if not source.is_dir() or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target)
        owner = None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(student)
                owner = (entry.pw_uid, entry.pw_gid)
            except KeyError:
                owner = None
        for path in [target, *target.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)
            if owner is not None:
                os.chown(path, *owner)
        done.append(target)
    return done
