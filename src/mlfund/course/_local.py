"""Grading a learner's own notebook on their machine, with the autograder's pipeline."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils

from mlfund.check import INVALID, CheckResult
from mlfund.course._trusted import exercise_id_of, score_test_cells, trusted_outputs
from mlfund.grading import MEMORY_BYTES, SECONDS_PER_ITEM


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One line of a grade table."""

    grade_id: str
    points: float
    earned: float
    verdict: str
    feedback: str
    mistake: str | None


def execute_for_grading(nb: nbformat.NotebookNode, *, cwd: Path, timeout: int = 60
                        ) -> str:
    """Run every cell as the autograder does: a forked, confined one-shot kernel.

    Returns how strong the isolation was (full as root, partial otherwise).
    """
    from mlfund.course._fastexec import ForkExecute

    executor = ForkExecute(timeout=timeout)
    resources = {"metadata": {"path": str(cwd)}}
    os.environ.setdefault("NBGRADER_EXECUTION", "autograde")
    try:
        executor.preprocess(nb, resources)
    finally:
        if os.environ.get("NBGRADER_EXECUTION") == "autograde":
            del os.environ["NBGRADER_EXECUTION"]
    return executor.confinement_for(nb).describe()


def score_notebook(nb: nbformat.NotebookNode, *, seconds_per_item: float = SECONDS_PER_ITEM,
                   memory_bytes: int = MEMORY_BYTES) -> list[ItemRow]:
    """Score each test cell from its captured answer; points come from the catalogue.

    Answers are read and scored as the autograder does, in a child process within
    ``seconds_per_item`` and ``memory_bytes`` (see :func:`mlfund.grading.score_in_child`).
    """
    from mlfund import exercises

    tests = [cell for cell in nb.cells if cell.cell_type == "code" and utils.is_grade(cell)
             and not utils.is_solution(cell)]
    pairs = [(cell, exercise_id_of(cell.metadata["nbgrader"]["grade_id"])) for cell in tests]
    known = [(cell, exercise_id) for cell, exercise_id in pairs if exercises.find(exercise_id)]
    scored = score_test_cells(nb, known, seconds_per_item=seconds_per_item,
                              memory_bytes=memory_bytes)
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
                   memory_bytes: int = MEMORY_BYTES) -> tuple[list[ItemRow], str]:
    """Execute ``path`` in a fresh kernel and score it as the autograder would.

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
    isolation = execute_for_grading(nb, cwd=path.parent.resolve(), timeout=timeout)
    return score_notebook(nb, seconds_per_item=seconds_per_item,
                          memory_bytes=memory_bytes), isolation


def format_table(rows: list[ItemRow]) -> str:
    """A plain-text table of items, points and feedback."""
    if not rows:
        return "No autograded items found in this notebook."
    width = max(len(r.grade_id) for r in rows)
    lines = [f"{'item':<{width}}  {'points':>9}  verdict     feedback"]
    for r in rows:
        feedback = r.feedback.replace("\n", " ")
        if len(feedback) > 90:
            feedback = feedback[:87] + "..."
        lines.append(f"{r.grade_id:<{width}}  {r.earned:>4g}/{r.points:<4g}  {r.verdict:<10}  "
                     f"{feedback}")
    total = sum(r.earned for r in rows)
    possible = sum(r.points for r in rows)
    lines.append(f"{'total':<{width}}  {total:>4g}/{possible:<4g}")
    return "\n".join(lines)
