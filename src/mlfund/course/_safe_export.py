"""``SanitizeLearnerContent``: a notebook made safe before it becomes an instructor's page.

Defends the HTML pages nbgrader makes from an autograded notebook — the feedback
(``mlfund course feedback``, ``nbgrader generate_feedback``) and the formgrader's view —
against script in the learner's notebook. The course configuration registers this
preprocessor on every ``HTMLExporter`` and replaces the exporter's ``markdown2html`` filter
by :func:`safe_markdown2html`, so that:

- markdown (cells, ``text/markdown`` outputs, comments) is rendered, then cleaned by the
  allow-list of :mod:`mlfund.course._sanitize`; its maths is typeset on the server as
  MathJax's SVG, cleaned by its own allow-list (:mod:`mlfund.course._maths`), so the page
  shows formulas offline and with scripts off;
- outputs keep only text, LaTeX, PNG/JPEG and cleaned HTML: ``application/javascript``,
  widget views, SVG and unknown types are dropped; raw cells are cleaned; LaTeX outputs
  are typeset on the server too;
- metadata the page template prints or acts on is made harmless: the notebook's widget
  state is dropped (it would load the widget manager), cell tags become strings, and
  nbgrader metadata whose ``grade_id`` is not a plain identifier is removed.

``tests/course/test_html_safety.py`` renders hostile notebooks through the course's
configured exporter and nbgrader's feedback template and checks that no script, event
handler or ``javascript:`` URL comes out.
"""

from __future__ import annotations

import re
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from traitlets import Bool, List, Unicode

from mlfund.course._sanitize import SAFE_OUTPUT_TYPES, clean_html, render_markdown, safe_outputs

try:  # jinja2 >= 3
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - jinja2 < 3
    from jinja2 import contextfilter as pass_context

_PLAIN_ID = re.compile(r"[A-Za-z0-9_.-]+")  # used with fullmatch: no trailing newline


@pass_context
def safe_markdown2html(context: Any, source: Any) -> str:
    """The ``markdown2html`` filter of instructors' pages: rendered, then cleaned."""
    cell = context.get("cell", {}) or {}
    attachments = cell.get("attachments", {}) if hasattr(cell, "get") else {}
    resources = context.get("resources", {}) or {}
    path = resources.get("metadata", {}).get("path", "") if hasattr(resources, "get") else ""
    return render_markdown(source, attachments=attachments if isinstance(attachments, dict)
                           else {}, path=str(path or ""), maths=True)


class SanitizeLearnerContent(Preprocessor):
    """Reduce every cell to what an instructor's page may show (see the module docstring)."""

    enabled = Bool(True, help="Whether instructors' pages are sanitised.").tag(config=True)

    output_types = List(
        Unicode(), default_value=list(SAFE_OUTPUT_TYPES),
        help="Output types shown on instructors' pages; text/html is cleaned, text/markdown "
             "rendered and cleaned; anything else (JavaScript, widgets, SVG) is dropped.",
    ).tag(config=True)

    typeset_maths = Bool(
        True, help="Whether text/latex outputs (sympy's) are typeset on the server as "
                   "MathJax's SVG, so that the page shows them without a script.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            self.sanitize_cell(cell)
        return nb, resources

    def sanitize_cell(self, cell: NotebookNode) -> None:
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            cell.clear()  # the template prints an unknown cell's fields unescaped
            cell.update({"cell_type": "raw", "metadata": NotebookNode(), "source": ""})
            return
        cell.source = _text(cell.get("source", ""))
        metadata = cell.setdefault("metadata", NotebookNode())
        _tidy_metadata(metadata)
        if cell.cell_type == "code":
            cell.outputs = safe_outputs(cell.get("outputs", []), keep=self.output_types,
                                        maths=self.typeset_maths)
            if self.typeset_maths:
                _typeset_latex_outputs(cell.outputs)
        elif cell.cell_type == "raw":
            cell.source = clean_html(cell.source)


def _typeset_latex_outputs(outputs: list) -> None:
    """A ``text/latex`` output without HTML gets its maths typeset as ``text/html``."""
    from mlfund.course._maths import latex_output_to_html

    for output in outputs:
        data = output.get("data")
        if isinstance(data, dict) and isinstance(data.get("text/latex"), str) \
                and "text/html" not in data:
            data["text/html"] = latex_output_to_html(data["text/latex"])


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else str(value)


def _tidy_metadata(metadata: NotebookNode) -> None:
    tags = metadata.get("tags")
    if tags is not None:
        metadata["tags"] = [str(t) for t in tags] if isinstance(tags, list) else []
    for key in ("raw_mimetype", "format"):
        if key in metadata and not isinstance(metadata[key], str):
            del metadata[key]
    grading = metadata.get("nbgrader")
    if grading is not None:
        grade_id = grading.get("grade_id") if isinstance(grading, dict) else None
        if not isinstance(grade_id, str) or not _PLAIN_ID.fullmatch(grade_id):
            del metadata["nbgrader"]  # printed unescaped in anchors by nbgrader's templates
