"""``SanitizeLearnerOutputs``: the autograded notebook keeps no script of the learner's.

Runs in the autograde pipeline right after the trusted step
(:class:`~mlfund.course._trusted.TrustedScoring`). It defends whoever opens the autograded
notebook — the formgrader, JupyterLab, a script that renders it — from what the learner's
kernel printed: in every code cell that is *not* a graded test cell, ``application/javascript``,
widget views, SVG and unknown output types are dropped, ``text/html`` is cleaned by the
allow-list of :mod:`mlfund.course._sanitize` and ``text/markdown`` becomes cleaned HTML;
the notebook's widget state is dropped.

Graded test cells (``grade`` and not ``solution``) are left exactly as the trusted step
wrote them: their outputs, including the ``application/vnd.mlfund.result+json`` result and
its HTML, come from the grader's own code, never from the learner's kernel.
``tests/course/test_html_safety.py`` shows both.
"""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from mlfund.course._sanitize import SAFE_OUTPUT_TYPES, safe_outputs


class SanitizeLearnerOutputs(NbGraderPreprocessor):
    """Clean the outputs of the learner's cells; leave the trusted step's outputs alone."""

    output_types = List(
        Unicode(), default_value=list(SAFE_OUTPUT_TYPES),
        help="Output types kept in the learner's cells of an autograded notebook; text/html "
             "is cleaned, text/markdown rendered and cleaned; anything else is dropped.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.metadata.pop("widgets", None)
        cleaned = 0
        for cell in nb.cells:
            if cell.get("cell_type") != "code" or is_trusted_cell(cell):
                continue
            cell.outputs = safe_outputs(cell.get("outputs", []), keep=self.output_types)
            cleaned += 1
        self.log.debug("Cleaned the outputs of %d learner cell(s)", cleaned)
        return nb, resources


def is_trusted_cell(cell: NotebookNode) -> bool:
    """A graded test cell: its outputs were written by the trusted step."""
    return (cell.get("cell_type") == "code" and utils.is_grade(cell)
            and not utils.is_solution(cell))
