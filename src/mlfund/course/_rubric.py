"""``ShowRubrics``: the grader sees each written item's rubric beside the learner's answer.

The rubric and model answer of a written item live only in the source notebook
(``notebooks/WEEK/*.ipynb``, in the item's solution cell); the student version never has
them. The formgrader shows the autograded notebook, so without this the grader would have
to keep the source open beside it. This preprocessor, on the formgrader's page only, puts
a markdown cell after each written answer with the source's model answer and rubric.

It is registered on ``HTMLExporter`` (the formgrader's exporter) and not on the feedback's
:class:`~mlfund.course._feedback.FeedbackExporter`, whose preprocessors are configured
apart: the rubric never reaches a learner's page. ``tests/course/test_feedback.py`` and
the browser test of the formgrader show both.
"""

from __future__ import annotations

import functools

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from traitlets import Bool

RUBRIC_HEADING = "For the grader: model answer and rubric (never shown to the student)"


class ShowRubrics(Preprocessor):
    """After each written answer, the model answer and rubric of the source notebook."""

    enabled = Bool(True, help="Whether the formgrader shows the rubric of written items."
                   ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        assignment = str(resources.get("assignment_id") or "")
        notebook = str(resources.get("notebook_id") or "")
        if not assignment or not notebook:
            return nb, resources  # not the formgrader's page of a submission
        rubrics = source_rubrics(assignment, notebook)
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if utils.is_grade(cell) and utils.is_solution(cell) and grade_id in rubrics:
                cells.append(rubric_cell(rubrics[grade_id]))
        nb.cells = cells
        return nb, resources


def rubric_cell(source: str) -> NotebookNode:
    """A markdown cell quoting ``source`` (model answer and rubric) under its heading."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in source.splitlines())
    cell = nbformat.v4.new_markdown_cell(f"> **{RUBRIC_HEADING}**\n>\n{quoted}")
    cell.metadata["mlfund"] = {"rubric": True}
    return cell


@functools.lru_cache(maxsize=64)
def _read_rubrics(path: str, mtime: float) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in nb.cells
            if utils.is_grade(cell) and utils.is_solution(cell)
            and isinstance(cell.metadata["nbgrader"].get("grade_id"), str)}


def source_rubrics(assignment: str, notebook: str) -> dict[str, str]:
    """Written items' source text (model answer and rubric) by ``grade_id``."""
    from mlfund.course._nbgrader import week_source

    if "/" in assignment or "/" in notebook or assignment.startswith(".") \
            or notebook.startswith("."):
        return {}
    path = week_source(assignment) / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    return _read_rubrics(str(path), path.stat().st_mtime)
