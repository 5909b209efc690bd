"""The learner's progress table and a week's solutions, both read from the source notebooks."""

from __future__ import annotations

from datetime import timedelta

import nbformat
import pytest
from nbgrader.utils import compute_checksum

from mlfund import exercises
from mlfund.course._nbgrader import notebooks_dir
from mlfund.course._solutions import (
    SolutionsError,
    due_date,
    release_solutions,
    write_solutions,
)
from mlfund.course.progress import progress

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
ITEM = "w01-sigmoid-derivative"


def _student_version() -> nbformat.NotebookNode:
    """What nbgrader releases: answers replaced by their stub, each with its checksum."""
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            cell.source = "YOUR ANSWER HERE" if cell.cell_type == "markdown" else \
                cell.source.split("### BEGIN SOLUTION")[0] + "# YOUR ANSWER HERE"
            meta["checksum"] = compute_checksum(cell)
    return nb


def _cell(nb, grade_id: str):
    return next(c for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def test_does_progress_count_answered_checked_and_correct_items(tmp_path):
    nb = _student_version()
    _cell(nb, ITEM).source = "sigmoid_derivative = 'sigma(z)*(1 - sigma(z))'"
    _cell(nb, f"{ITEM}-test").outputs = [nbformat.from_dict({
        "output_type": "display_data", "metadata": {},
        "data": {"text/plain": f"[{ITEM}] ✔ Correct — 1/1 point(s)"}})]
    _cell(nb, "w01-sigmoid-derivative-max-test").outputs = [nbformat.from_dict({
        "output_type": "display_data", "metadata": {},
        "data": {"text/plain": "[w01-sigmoid-derivative-max] ✘ Not yet — 0/1 point(s)"}})]
    written = next(c for c in nb.cells if c.cell_type == "markdown"
                   and c.get("metadata", {}).get("nbgrader", {}).get("grade"))
    written.source = "Because each weight is non-negative."
    (tmp_path / WEEK).mkdir()
    nbformat.write(nb, str(tmp_path / WEEK / SOURCE.name))
    (tmp_path / "w02").mkdir()
    nbformat.write(_student_version(), str(tmp_path / "w02" / SOURCE.name))
    shown = progress(tmp_path)
    week = shown.weeks[0]
    items = len(exercises.week(1))
    assert (week.week, week.items, week.answered, week.checked, week.correct) == \
        (WEEK, items, 1, 2, 1)
    assert week.written_answered == 1 and week.written >= 1
    assert shown.weeks[1].answered == 0 == shown.weeks[1].checked
    assert f"1/{items}" in shown.table() and "<table" in shown._repr_html_()


def test_are_a_weeks_solutions_the_source_without_nbgrader(tmp_path):
    done = write_solutions(WEEK, tmp_path)
    nb = nbformat.read(str(done.notebooks[0]), as_version=4)
    assert all("nbgrader" not in c.metadata for c in nb.cells)
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text
    assert "sigmoid_derivative = sigma(z) * (1 - sigma(z))" in text
    assert "Rubric (" in text
    page = done.pages[0].read_text()
    assert "<script" not in page and "mjx-container" in page


def test_are_solutions_held_back_until_the_due_date(tmp_path):
    due = due_date(WEEK)
    assert due is not None
    with pytest.raises(SolutionsError, match="is due"):
        release_solutions(WEEK, tmp_path, now=due - timedelta(hours=1), exchange=False)
    assert not (tmp_path / "solutions").exists()
    text = release_solutions(WEEK, tmp_path, now=due + timedelta(hours=1), exchange=False)
    assert "Wrote the solutions of w01" in text
    assert (tmp_path / "solutions" / WEEK / f"{SOURCE.stem}-solutions.html").is_file()
    early = release_solutions(WEEK, tmp_path / "early", force=True, exchange=False,
                              now=due - timedelta(days=3))
    assert "Wrote" in early
