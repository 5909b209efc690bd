"""Grading a learner's own notebook on their machine, with the autograder's pipeline."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils

from mlfund.check import INVALID, CheckResult
from mlfund.course._trusted import exercise_id_of, score_test_cells, trusted_outputs
from mlfund.grading import MEMORY_BYTES, SECONDS_PER_ITEM, GraderFault


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One line of a grade table."""

    grade_id: str
    points: float
    earned: float
    verdict: str
    feedback: str
    mistake: str | None


@dataclass(frozen=True, slots=True)
class WrittenItem:
    """A written answer: graded by a person, never by ``mlfund grade``."""

    grade_id: str
    points: float
    answered: bool


#: What the student version of a written answer holds until the learner writes in it.
UNANSWERED = "YOUR ANSWER HERE"


def written_items(path: str | os.PathLike[str]) -> list[WrittenItem]:
    """The written (hand-graded) items of the notebook at ``path``, with their points.

    Points come from the week's source notebook, as autograde restores them.
    """
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    found = source_of(nb, path.resolve())
    restore_as_autograde(nb, found[1] if found else None)
    items = []
    for cell in nb.cells:
        if utils.is_grade(cell) and utils.is_solution(cell):
            meta = cell.metadata["nbgrader"]
            text = cell.source.strip()
            items.append(WrittenItem(str(meta.get("grade_id", "")),
                                     float(meta.get("points", 0) or 0),
                                     bool(text) and text != UNANSWERED))
    return items


def execute_for_grading(nb: nbformat.NotebookNode, *, cwd: Path, timeout: int = 60
                        ) -> str:
    """Run every cell as the autograder does: a confined one-shot kernel.

    Returns how strong the isolation was (see :func:`mlfund.grading.describe`).
    """
    from mlfund.course._fastexec import ForkExecute
    from mlfund.grading import describe

    executor = ForkExecute(timeout=timeout)
    resources = {"metadata": {"path": str(cwd)}}
    executor.preprocess(nb, resources)
    return describe(resources["mlfund"]["execution"]["isolation"])


def source_of(nb: nbformat.NotebookNode, path: Path) -> tuple[str, Path] | None:
    """The week and source notebook (with solutions) that ``nb`` was released from."""
    from mlfund.course._nbgrader import notebooks_dir

    candidate = notebooks_dir() / path.parent.name / path.name
    if candidate.is_file():
        return path.parent.name, candidate
    for cell in nb.cells:
        grade_id = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
        week = grade_id[:3]
        if len(week) == 3 and week[0] == "w" and week[1:].isdigit():
            candidate = notebooks_dir() / week / path.name
            if candidate.is_file():
                return week, candidate
    return None


def restore_as_autograde(nb: nbformat.NotebookNode, source: Path | None) -> None:
    """Put the source's nbgrader metadata back and drop duplicated ids, as autograde does."""
    from nbgrader.preprocessors import DeduplicateIds

    from mlfund.course._restore import RestoreCellMetadata

    if source is not None:
        RestoreCellMetadata().restore(nb, nbformat.read(str(source), as_version=4))
    DeduplicateIds().preprocess(nb, {})


def score_notebook(nb: nbformat.NotebookNode, *, seconds_per_item: float = SECONDS_PER_ITEM,
                   memory_bytes: int = MEMORY_BYTES, values_of=None) -> list[ItemRow]:
    """Score each test cell from its captured answer; points come from the catalogue.

    ``values_of`` (exercise id -> numbers or ``None``) scores items that vary per student
    against those numbers (:mod:`mlfund.course._variants`); by default the workbook's.

    Answers are read and scored as the autograder does, in a child process within
    ``seconds_per_item`` and ``memory_bytes`` (see :func:`mlfund.grading.score_in_child`).
    """
    from mlfund import exercises

    tests = [cell for cell in nb.cells if cell.cell_type == "code" and utils.is_grade(cell)
             and not utils.is_solution(cell)]
    pairs = [(cell, exercise_id_of(cell.metadata["nbgrader"]["grade_id"])) for cell in tests]
    known = [(cell, exercise_id) for cell, exercise_id in pairs if exercises.find(exercise_id)]
    scored = score_test_cells(nb, known, seconds_per_item=seconds_per_item,
                              memory_bytes=memory_bytes, values_of=values_of)
    verdicts = {id(cell): result for (cell, _), result in zip(known, scored, strict=True)}
    rows = []
    for cell in tests:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        exercise_id = exercise_id_of(grade_id)
        try:
            points = float(exercises.get(exercise_id).points)
        except KeyError:
            result = CheckResult(INVALID, 0.0, "This check cell names no known exercise.",
                                 exercise=exercise_id)
            points = float(cell.metadata["nbgrader"].get("points", 0) or 0)
        else:
            result = verdicts[id(cell)]
        cell.outputs = trusted_outputs(result, points)
        rows.append(ItemRow(grade_id, points, min(points, round(result.score * points, 6)),
                            result.verdict, result.feedback, result.mistake))
    return rows


def grade_notebook(path: str | os.PathLike[str], *, timeout: int = 60,
                   seconds_per_item: float = SECONDS_PER_ITEM,
                   memory_bytes: int = MEMORY_BYTES, canary: bool = True
                   ) -> tuple[list[ItemRow], str]:
    """Execute ``path`` in a fresh kernel and score it as the autograder would.

    As autograde does, the nbgrader metadata of the week's source notebook is put back and
    duplicated cells count once. Unless ``canary`` is false, the week's solution is first
    graded here once per installation: if it does not reach full marks, a
    :class:`~mlfund.grading.GraderFault` says which items fail and why.

    ``seconds_per_item`` and ``memory_bytes`` bound the reading and scoring of each answer
    (see :func:`score_notebook`). Returns the rows of the grade table and a sentence on the
    isolation that applied.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook {str(path)!r} does not exist.")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:
        raise ValueError(f"{path} is not a readable notebook: {exc}") from None
    numbers = own_numbers(nb)
    found = source_of(nb, path.resolve())
    restore_as_autograde(nb, found[1] if found else None)
    if found is not None and canary:
        from mlfund.course._canary import cached_canary

        failure = cached_canary(found[0], timeout=timeout)
        if failure is not None:
            raise GraderFault(failure)
    isolation = execute_for_grading(nb, cwd=path.parent.resolve(), timeout=timeout)
    return score_notebook(nb, seconds_per_item=seconds_per_item, memory_bytes=memory_bytes,
                          values_of=numbers.get), isolation


def own_numbers(nb: nbformat.NotebookNode) -> dict[str, dict[str, float]]:
    """The numbers of a student's own copy (a course with variants), for ``mlfund grade``.

    The learner's own check of their copy uses them; the course's grader never does (it
    draws each student's numbers again). Anything but plain numbers is ignored.
    """
    from mlfund import exercises

    mark = nb.metadata.get("mlfund", {}) if isinstance(nb.metadata, dict) else {}
    numbers = mark.get("numbers") if isinstance(mark, dict) else None
    found = {}
    for exercise_id, values in (numbers.items() if isinstance(numbers, dict) else ()):
        spec = exercises.find(exercise_id)
        if spec is None or not spec.varies or not isinstance(values, dict) \
                or set(values) != set(spec.parameters) \
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in values.values()):
            continue
        found[exercise_id] = dict(values)
    return found


def format_table(rows: list[ItemRow], *, written: list[WrittenItem] | tuple = ()) -> str:
    """A plain-text table of items, points and feedback, then the total.

    Written items are graded by a person: they show as awaiting hand grading, and the
    total says so (``13/13 autograded + 3 to be graded by hand``).
    """
    if not rows and not written:
        return "No autograded items found in this notebook."
    width = max(len(r.grade_id) for r in [*rows, *written])
    lines = [f"{'item':<{width}}  {'points':>9}  verdict     feedback"]
    for r in rows:
        feedback = r.feedback.replace("\n", " ")
        if len(feedback) > 90:
            feedback = feedback[:87] + "..."
        lines.append(f"{r.grade_id:<{width}}  {r.earned:>4g}/{r.points:<4g}  {r.verdict:<10}  "
                     f"{feedback}")
    for w in written:
        status = (f"awaiting hand grading ({w.points:g} point{'s' if w.points != 1 else ''})"
                  if w.answered else f"no answer yet ({w.points:g} points, graded by hand)")
        lines.append(f"{w.grade_id:<{width}}  {'':>9}  {'written':<10}  {status}")
    lines.append(f"{'total':<{width}}  {total_line(rows, written)}")
    return "\n".join(lines)


def total_line(rows: list[ItemRow], written: list[WrittenItem] | tuple = ()) -> str:
    """``13/13 autograded + 3 to be graded by hand``, as the feedback page says it.

    Examples
    --------
    >>> total_line([ItemRow("a", 2.0, 1.0, "incorrect", "", None)],
    ...            [WrittenItem("w", 3.0, True)])
    '1/2 autograded + 3 to be graded by hand'
    """
    total = sum(r.earned for r in rows)
    possible = sum(r.points for r in rows)
    text = f"{total:g}/{possible:g} autograded"
    pending = sum(w.points for w in written)
    if pending:
        text += f" + {pending:g} to be graded by hand"
    return text
