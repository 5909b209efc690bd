"""A learner's progress through the workbook: items answered, checked and correct, per week.

``progress()`` in a notebook (its week folder's parent is taken as the workbook) and
``mlfund progress [WORKBOOK]`` in a terminal read the saved notebooks; nothing is run. An
answer counts as *answered* once its cell differs from the student version (nbgrader's
checksum of the cell), as *checked* once its check cell was run and saved with a verdict, and
as *correct* when that verdict gave full marks. Written answers are counted apart: they are
graded by a person.

Examples
--------
>>> import tempfile
>>> print(progress(tempfile.mkdtemp()))
No weeks in this workbook yet.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader import utils

__all__ = ["Progress", "WeekProgress", "progress"]

_POINTS = re.compile(r"— ([0-9.]+)/([0-9.]+) point")
_WEEK = re.compile(r"w(0[1-9]|1[0-9])")


@dataclass(frozen=True, slots=True)
class WeekProgress:
    """One week's counts."""

    week: str
    items: int
    answered: int
    checked: int
    correct: int
    written: int
    written_answered: int


@dataclass(frozen=True, slots=True)
class Progress:
    """Every week of a workbook; shows as a table in a notebook and a terminal."""

    weeks: tuple[WeekProgress, ...]

    def table(self) -> str:
        if not self.weeks:
            return "No weeks in this workbook yet."
        lines = [f"{'week':<6}{'answered':>10}{'checked':>9}{'correct':>9}{'written':>9}"]
        for w in self.weeks:
            lines.append(f"{w.week:<6}{w.answered:>6}/{w.items:<3}{w.checked:>5}/{w.items:<3}"
                         f"{w.correct:>5}/{w.items:<3}{w.written_answered:>5}/{w.written:<3}")
        total = (sum(w.correct for w in self.weeks), sum(w.items for w in self.weeks))
        lines.append(f"{total[0]} of {total[1]} autograded items correct; written answers "
                     "are graded by a person.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if not self.weeks:
            return "<p>No weeks in this workbook yet.</p>"
        rows = "".join(
            f"<tr><td>{html.escape(w.week)}</td><td>{w.answered}/{w.items}</td>"
            f"<td>{w.checked}/{w.items}</td><td>{w.correct}/{w.items}</td>"
            f"<td>{w.written_answered}/{w.written}</td></tr>" for w in self.weeks)
        return ('<table class="mlfund-progress"><tr><th>week</th><th>answered</th>'
                "<th>checked</th><th>correct</th><th>written</th></tr>" + rows + "</table>")


def progress(workbook: str | os.PathLike[str] | None = None) -> Progress:
    """Items answered, checked and correct in each week of ``workbook``.

    ``workbook`` defaults to the folder above the current one when that is a week folder
    (``workbook/w01``, where a notebook's kernel starts), else the current folder.
    """
    root = Path(workbook) if workbook is not None else _default_root()
    weeks = []
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir()
                             and _WEEK.fullmatch(p.name)):
            counts = [week_counts(path) for path in sorted(folder.glob("*.ipynb"))]
            if counts:
                weeks.append(WeekProgress(folder.name, *(sum(c[i] for c in counts)
                                                         for i in range(6))))
    return Progress(tuple(weeks))


def _default_root() -> Path:
    here = Path.cwd()
    return here.parent if _WEEK.fullmatch(here.name) else here


def week_counts(path: Path) -> tuple[int, int, int, int, int, int]:
    """(items, answered, checked, correct, written, written answered) of one notebook."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return (0, 0, 0, 0, 0, 0)
    answers = {}
    items = checked = correct = written = written_answered = 0
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            continue
        if meta.get("solution") and meta.get("grade"):
            written += 1
            written_answered += _changed(cell)
        elif meta.get("solution"):
            answers[meta["grade_id"]] = _changed(cell)
        elif meta.get("grade") and cell.cell_type == "code":
            items += 1
            earned = _earned(cell)
            if earned is not None:
                checked += 1
                correct += earned[0] >= earned[1] > 0
    answered = sum(answers.values())
    return (items, min(answered, items), checked, correct, written, written_answered)


def _changed(cell) -> bool:
    """Whether the learner changed this cell of the student version."""
    meta = cell.metadata.get("nbgrader", {})
    if "checksum" in meta:
        return utils.compute_checksum(cell) != meta["checksum"]
    text = cell.source.strip()
    return bool(text) and "YOUR ANSWER HERE" not in text and "= None" not in text


def _earned(cell) -> tuple[float, float] | None:
    """(earned, points) of the verdict saved in a check cell's outputs, if it was run."""
    for output in cell.get("outputs", []):
        text = output.get("data", {}).get("text/plain", "") if isinstance(output, dict) else ""
        found = _POINTS.search(str(text))
        if found:
            return float(found.group(1)), float(found.group(2))
    return None
