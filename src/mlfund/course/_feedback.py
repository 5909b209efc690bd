"""The feedback page a learner gets: what is graded, what awaits a person, what lateness cost.

``mlfund course feedback`` and stock ``nbgrader generate_feedback`` both read the course's
configuration, which makes the page with :class:`FeedbackExporter` (mlfund's template,
``templates/mlfund_feedback``) after :class:`FeedbackGrades`. Against nbgrader's own page:

- a written answer nobody has graded yet says *awaiting hand grading (3 points)*, not
  *Score: 0.0 / 3.0*, and the total says ``13/13 autograded + 3 to be graded by hand``
  (:class:`~mlfund.course._totals.Totals`);
- a late submission's page says when it came in, the week's policy and the points it took;
- maths is typeset on the server (:mod:`mlfund.course._maths`): the page loads no script,
  no font and nothing from the network, so it reads the same offline, from disk, in an LMS
  or in JupyterLab's sandboxed HTML viewer;
- under a check cell, only the verdict box shows: the number the trusted step writes for
  nbgrader (``Out[n]: 1.0``) is left out of the page (it stays in the autograded notebook).
"""

from __future__ import annotations

import os
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""mlfund's nbconvert templates (``mlfund_feedback``)."""


def _nbgrader_templates() -> tuple[str, str]:
    """nbgrader's template folder and the folder of the Bootstrap CSS its pages inline."""
    import nbgrader

    base = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader"
    return (str(base / "templates"),
            str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css"))


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with mlfund's feedback template (``mlfund_feedback``).

    The template and its folders are given when the exporter is made, so they win over the
    ``HTMLExporter.template_name = 'feedback'`` that nbgrader's API configures.
    """

    def __init__(self, *args, **kwargs) -> None:
        templates, css = _nbgrader_templates()
        kwargs.setdefault("template_name", "mlfund_feedback")
        kwargs.setdefault("extra_template_basedirs", [str(TEMPLATES), templates])
        kwargs.setdefault("extra_template_paths", [css])
        super().__init__(*args, **kwargs)


class FeedbackGrades(GetGrades):
    """nbgrader's ``GetGrades``, plus what the feedback page says beyond one score.

    Each graded cell gets ``awaiting_hand_grading`` in its nbgrader metadata; the resources
    get ``resources["mlfund"]["totals"]`` (:class:`~mlfund.course._totals.Totals` of this
    notebook); graded test cells lose their ``execute_result`` (the points for nbgrader).
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        from mlfund.course._totals import submission_totals

        nb, resources = super().preprocess(nb, resources)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            totals = submission_totals(gb, info["assignment"], info["student"],
                                       notebook=info["notebook"])
        resources.setdefault("mlfund", {})["totals"] = totals
        for cell in nb.cells:
            if (cell.cell_type == "code" and utils.is_grade(cell)
                    and not utils.is_solution(cell)):
                cell.outputs = [o for o in cell.get("outputs", [])
                                if o.get("output_type") != "execute_result"]
        return nb, resources

    def _get_score(self, cell: NotebookNode, resources: dict) -> None:
        from mlfund.course._totals import awaits_grader

        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"],
                                          self.notebook_id, self.assignment_id,
                                          self.student_id)
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
        cell.metadata.nbgrader["awaiting_hand_grading"] = bool(
            utils.is_solution(cell) and awaits_grader(grade))


def feedback_html(nb: NotebookNode, resources: dict, *, config=None) -> str:
    """The feedback page of ``nb`` (already through :class:`FeedbackGrades`)."""
    exporter = FeedbackExporter(config=config) if config is not None else FeedbackExporter()
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    return page


def template_folder() -> str:
    """The folder of mlfund's nbconvert templates, for ``extra_template_basedirs``."""
    return os.fspath(TEMPLATES)
