"""Hostile notebooks against the instructor's pages: feedback, formgrader view, item analysis.

A learner controls every markdown cell, raw cell and output of their notebook, and their
kernel can print any MIME type, including our own result type. These tests build such
notebooks with nbformat and check that the instructor's feedback page runs none of it, that
the autograded notebook keeps none of it outside the trusted test cells, and that the item
analysis counts only results signed by the trusted step.
"""

from __future__ import annotations

import copy
import os
import stat
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from mlfund.check import CORRECT, INCORRECT, CheckResult
from mlfund.course._nbgrader import load_config
from mlfund.course._reports import item_report, item_results
from mlfund.course._trusted import RESULT_MIME_TYPE, TrustedScoring, trusted_outputs

SIGNATURE = "signature"
WEEK = "w01"
NOTEBOOK = "w01-gradients"
ITEM = "w01-sigmoid-derivative"
TEST_ID = f"{ITEM}-test"
MATHS = r"$\sigma'(z) = \sigma(z)(1-\sigma(z))$"
DISPLAY_MATHS = r"$$\begin{align} a &= b \\ c &< d \end{align}$$"
# TeX that MathJax turns into a link or a style: the typeset SVG must keep neither
HOSTILE_MATHS = r"$\href{javascript:window.PWNED=1}{x} + \style{background:url(https://x.test/t)}{y}$"
PAYLOAD = "window.PWNED=1"

HOSTILE_HTML = (f"<script>{PAYLOAD}</script><img src=x onerror='{PAYLOAD}'>"
                f"<a href='javascript:{PAYLOAD}'>link</a><svg onload='{PAYLOAD}'></svg>"
                f"<iframe src='javascript:{PAYLOAD}'></iframe>"
                f"<div style='background:url(javascript:{PAYLOAD})' onmouseover='{PAYLOAD}'>"
                "hover</div>")


# ---------------------------------------------------------------------------------------
# notebooks


def make_key(course: Path) -> bytes:
    """The course's result key, made as the trusted step makes it."""
    from mlfund.course._signature import result_key

    return result_key(course, create=True)


def verify(record, key: bytes | None) -> str:
    from mlfund.course._signature import verify_result

    return verify_result(record, key)


def _meta(grade_id: str, *, grade: bool, solution: bool, points: float = 0) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": not solution,
            "grade_id": grade_id, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _display(data: dict) -> nbformat.NotebookNode:
    return nbformat.from_dict({"output_type": "display_data", "metadata": {}, "data": data})


def forged_result(**fields) -> dict:
    """A result as the learner's kernel could print it: our MIME type, no valid signature."""
    return {"verdict": CORRECT, "score": 1.0, "feedback": "Correct.", "mistake": None,
            "interpreted": None, "exercise": ITEM, "points": 1.0, "earned": 1.0, **fields}


def test_cell(outputs: list) -> nbformat.NotebookNode:
    cell = new_code_cell(f'check("{ITEM}", sigmoid_derivative)',
                         metadata=_meta(TEST_ID, grade=True, solution=False, points=1.0))
    cell.outputs = outputs
    return cell


test_cell.__test__ = False  # a helper, not a test


def answer_cell(outputs: list) -> nbformat.NotebookNode:
    cell = new_code_cell("sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'",
                         metadata=_meta(ITEM, grade=False, solution=True))
    cell.outputs = outputs
    return cell


def hostile_outputs() -> list:
    """What a learner's kernel can print: script, widgets, our own MIME types."""
    return [
        _display({"application/javascript": PAYLOAD, "text/plain": "<IPython.Javascript>"}),
        _display({"text/html": HOSTILE_HTML, "text/plain": "html"}),
        _display({"text/markdown": f"**md** {MATHS} <script>{PAYLOAD}</script>"}),
        _display({"application/vnd.jupyter.widget-view+json":
                  {"model_id": "abc", "version_major": 2, "version_minor": 0}}),
        _display({"image/svg+xml": f"<svg onload='{PAYLOAD}'></svg>"}),
        _display({RESULT_MIME_TYPE: forged_result(), "text/plain": "forged"}),
    ]


def hostile_notebook(*, key: bytes | None = None) -> nbformat.NotebookNode:
    trusted = CheckResult(INCORRECT, 0.0, "Check the sign inside the bracket.",
                          mistake="one-plus-sigma", exercise=ITEM)
    written = new_markdown_cell(f"My derivation: {MATHS} and {DISPLAY_MATHS}, "
                                f"{HOSTILE_MATHS}\n\n{HOSTILE_HTML}",
                                metadata=_meta("w01-hessian-psd-written", grade=True,
                                               solution=True, points=3))
    nb = new_notebook(cells=[
        new_markdown_cell(f"# Week 1\n\nA note {MATHS}. <script>{PAYLOAD}</script>"),
        answer_cell(hostile_outputs()),
        test_cell(trusted_outputs(trusted, 1.0) if key is None
                  else trusted_outputs(trusted, 1.0, key=key)),
        written,
        new_raw_cell(HOSTILE_HTML, metadata={"raw_mimetype": "text/html"}),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {"abc": {"model_name": "HTMLModel", "state": {"value": HOSTILE_HTML}}}}}
    return nb


def benign_notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[new_markdown_cell(f"# Week 1\n\nA note {MATHS}."),
                               answer_cell([]), test_cell([])])


# ---------------------------------------------------------------------------------------
# the feedback page, rendered as `mlfund course feedback` renders it


def feedback_page(nb: nbformat.NotebookNode, course: Path) -> str:
    """The course's configured feedback exporter and template (no gradebook)."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    from mlfund.course._feedback import FeedbackExporter

    nb = copy.deepcopy(nb)
    for cell in nb.cells:  # what nbgrader's GetGrades adds from the gradebook
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            meta["comment"] = "Good, but see *step 2*: $x^2$."
        if meta.get("grade"):
            meta["score"] = 0.0
    config = load_config(course)
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    assert converter.exporter_class is FeedbackExporter
    exporter = FeedbackExporter(parent=converter, config=converter.config)
    resources = {"nbgrader": {"notebook": NOTEBOOK, "score": 0.0, "max_score": 13.0,
                              "late_penalty": 0.0, "student": "mallory"}}
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    return page


class _Elements(HTMLParser):
    """Every element's tag and attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[tuple[tuple, str]] = []
        self._in_script: tuple | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = tuple(sorted((k, v or "") for k, v in attrs))
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


def _parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    return parser


def _scripts(page: str) -> list:
    """The page's scripts: attributes and text, whitespace normalised."""
    return sorted((attrs, " ".join(text.split())) for attrs, text in _parse(page).scripts)


def test_does_the_feedback_page_run_nothing_from_a_hostile_notebook_yet_show_its_maths(
        tmp_path):
    page = feedback_page(hostile_notebook(), tmp_path)
    parsed = _parse(page)
    # the page loads no script at all: its maths is typeset already
    assert _scripts(page) == [] == _scripts(feedback_page(benign_notebook(), tmp_path))
    assert "<script" not in page
    assert all(PAYLOAD not in text for _, text in parsed.scripts)
    _assert_inert(parsed.elements)
    assert "onerror" not in page and "onmouseover" not in page  # dropped from allowed tags
    assert "widget-state" not in page and "html-manager" not in page  # no widget manager
    # a learner's script shows as text, for the instructor to see
    assert f"&lt;script&gt;{PAYLOAD}&lt;/script&gt;" in page
    # the maths is typeset by MathJax on the server: cell, written answer, output, comment
    text = "".join(parsed.text)
    assert "$" not in text
    formulas = [attrs.get("aria-label", "") for tag, attrs in parsed.elements
                if tag == "mjx-container"]
    assert formulas.count(MATHS.strip("$")) >= 3 and DISPLAY_MATHS.strip("$") in formulas
    assert "x^2" in formulas and HOSTILE_MATHS.strip("$") in formulas
    # the trusted step's feedback keeps its look
    boxes = [attrs for tag, attrs in parsed.elements
             if tag == "div" and attrs.get("class") == "mlfund-check"]
    assert len(boxes) == 1
    assert "border-left:4px solid" in boxes[0]["style"] and "background:" in boxes[0]["style"]
    assert "Check the sign inside the bracket." in page


def _assert_inert(elements: list[tuple[str, dict]]) -> None:
    """No event handler, no script URL, no style that loads, no frame or plug-in element.

    SVG comes only as typeset maths: each ``svg`` right inside an ``mjx-container``, with
    links only inside itself (``href="#…"``) and no link element.
    """
    for (before, _), (tag, attrs) in zip([("", {})] + elements, elements, strict=False):
        if tag == "svg":
            assert before == "mjx-container", (before, tag)
        if tag == "use":
            assert all(v.startswith("#") for k, v in attrs.items() if k.endswith("href"))
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "style", "action", "formaction", "data"):
            value = (attrs.get(name) or "").replace(" ", "").lower()
            assert "javascript:" not in value and "url(" not in value, (tag, attrs)
        assert tag not in ("iframe", "object", "embed", "form", "base", "foreignobject",
                           "script"), (tag, attrs)


# ---------------------------------------------------------------------------------------
# the autograded notebook (what the formgrader and JupyterLab open)


def test_does_autograding_clean_the_learners_outputs_and_keep_the_trusted_ones(tmp_path):
    from mlfund.course._safe_outputs import SanitizeLearnerOutputs

    key = make_key(tmp_path)
    nb = hostile_notebook(key=key)
    trusted_before = copy.deepcopy(nb.cells[2].outputs)
    nb, _ = SanitizeLearnerOutputs().preprocess(nb, {})
    assert nb.cells[2].outputs == trusted_before  # the trusted step's outputs, untouched
    assert verify(nb.cells[2].outputs[0]["data"][RESULT_MIME_TYPE], key) == "valid"
    learner = nb.cells[1].outputs
    kinds = {mime for output in learner for mime in output.get("data", {})}
    assert kinds <= {"text/plain", "text/html"}
    assert not {"application/javascript", "image/svg+xml", RESULT_MIME_TYPE} & kinds
    for output in learner:
        html = output["data"].get("text/html", "")
        assert "<script" not in html and "onerror" not in html
        parsed = _parse(html)
        _assert_inert(parsed.elements)
        assert not parsed.scripts
    assert learner[0]["data"]["text/plain"] == "<IPython.Javascript>"
    assert "output removed: application/vnd.jupyter.widget-view+json" in \
        learner[3]["data"]["text/plain"]
    assert MATHS.replace("<", "&lt;") in learner[2]["data"]["text/html"]
    assert "widgets" not in nb.metadata
    nbformat.validate(nb)


def test_is_the_sanitiser_in_the_course_pipelines(tmp_path):
    from mlfund.course._safe_export import SanitizeLearnerContent, safe_markdown2html
    from mlfund.course._safe_outputs import SanitizeLearnerOutputs

    config = load_config(tmp_path)
    steps = [getattr(s, "__name__", s) for s in config.Autograde.autograde_preprocessors]
    assert steps.index("SanitizeLearnerOutputs") == steps.index("TrustedScoring") + 1
    assert SanitizeLearnerOutputs in config.Autograde.autograde_preprocessors
    assert SanitizeLearnerContent in config.HTMLExporter.preprocessors
    assert config.HTMLExporter.filters["markdown2html"] is safe_markdown2html


# ---------------------------------------------------------------------------------------
# the item analysis


def _autograded(course: Path, student: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "autograded" / student / WEEK
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / f"{NOTEBOOK}.ipynb"))


def _signed(key: bytes, mistake: str | None = "one-plus-sigma") -> list:
    verdict = INCORRECT if mistake else CORRECT
    result = CheckResult(verdict, 0.0 if mistake else 1.0, "Feedback.", mistake=mistake,
                         exercise=ITEM)
    return trusted_outputs(result, 1.0, key=key)


def test_does_a_result_with_points_lots_not_crash_the_report(tmp_path):
    lots = _display({RESULT_MIME_TYPE: forged_result(points="lots", earned="lots")})
    _autograded(tmp_path, "mallory", new_notebook(cells=[answer_cell([lots]),
                                                         test_cell([copy.deepcopy(lots)])]))
    page = item_report(tmp_path, WEEK, {})
    assert "2 result(s) were not counted" in page
    assert ITEM not in page.split("were not counted", 1)[1]  # no row for the forged item


def test_are_forged_results_not_counted(tmp_path):
    make_key(tmp_path)
    forged = _display({RESULT_MIME_TYPE: forged_result(mistake="forged-note")})
    badly_signed = _display({RESULT_MIME_TYPE: {**forged_result(mistake="forged-note"),
                                                SIGNATURE: "00" * 32}})
    _autograded(tmp_path, "mallory", new_notebook(cells=[answer_cell([forged]),
                                                         test_cell([badly_signed])]))
    _autograded(tmp_path, "trudy", new_notebook(cells=[test_cell([forged])]))
    page = item_report(tmp_path, WEEK, {})
    assert "forged-note" not in page and "<h2>Items</h2>" not in page
    assert "3 result(s) were not counted" in page
    analysis = item_results(tmp_path / "autograded", WEEK, key=make_key(tmp_path))
    assert analysis.items == {}
    assert dict(analysis.ignored) == {"outside test cells": 1, "bad signature": 1,
                                      "unsigned": 1}


def test_does_a_correctly_signed_result_count(tmp_path):
    key = make_key(tmp_path)
    _autograded(tmp_path, "ada", new_notebook(cells=[test_cell(_signed(key, None))]))
    _autograded(tmp_path, "bo", new_notebook(cells=[test_cell(_signed(key))]))
    page = item_report(tmp_path, WEEK, {})
    assert "one-plus-sigma (1)" in page and f"<td>{ITEM}</td>" in page
    assert "<td>1/2</td>" in page  # one of two correct
    assert "not counted" not in page


def test_is_a_signed_result_changed_afterwards_not_counted(tmp_path):
    key = make_key(tmp_path)
    outputs = _signed(key)
    outputs[0]["data"][RESULT_MIME_TYPE]["earned"] = 1.0
    outputs[0]["data"][RESULT_MIME_TYPE]["verdict"] = CORRECT
    _autograded(tmp_path, "mallory", new_notebook(cells=[test_cell(outputs)]))
    analysis = item_results(tmp_path / "autograded", WEEK, key=key)
    assert analysis.items == {} and dict(analysis.ignored) == {"bad signature": 1}


def test_is_a_signed_result_with_bad_fields_ignored_not_raised(tmp_path):
    from mlfund.course._signature import sign_result as sign

    key = make_key(tmp_path)
    cells = []
    for bad in ({"points": "lots"}, {"earned": 5.0}, {"score": float("nan")},
                {"verdict": "great"}, {"exercise": "w01-l2-gradient"}, {"mistake": ["x"]},
                {"earned": True}):
        record = forged_result(**bad)
        record[SIGNATURE] = sign(record, key)
        cells.append(test_cell([_display({RESULT_MIME_TYPE: record})]))
    _autograded(tmp_path, "mallory", new_notebook(cells=cells))
    analysis = item_results(tmp_path / "autograded", WEEK, key=key)
    assert analysis.items == {} and dict(analysis.ignored) == {"malformed": 7}
    assert "7 result(s) were not counted" in item_report(tmp_path, WEEK, {})


def test_does_a_signed_result_copied_into_another_cell_not_count(tmp_path):
    key = make_key(tmp_path)
    unknown = new_code_cell("", metadata=_meta("w01-made-up-test", grade=True, solution=False,
                                               points=1.0))
    unknown.outputs = _signed(key, None)
    _autograded(tmp_path, "mallory", new_notebook(cells=[answer_cell(_signed(key, None)),
                                                         unknown]))
    analysis = item_results(tmp_path / "autograded", WEEK, key=key)
    assert analysis.items == {} and dict(analysis.ignored) == {"outside test cells": 2}


def test_does_the_report_say_when_there_is_no_key(tmp_path):
    _autograded(tmp_path, "ada", new_notebook(cells=[
        test_cell(_signed(bytes(32), None))]))
    page = item_report(tmp_path, WEEK, {})
    assert "No result could be verified" in page and "<h2>Items</h2>" not in page


# ---------------------------------------------------------------------------------------
# the key and the trusted step


def test_is_the_key_made_once_readable_only_by_its_owner(tmp_path):
    from mlfund.course._signature import key_path, result_key

    key = make_key(tmp_path)
    assert len(key) == 32 and make_key(tmp_path) == key
    assert stat.S_IMODE(os.stat(key_path(tmp_path)).st_mode) == 0o600
    assert result_key(tmp_path / "elsewhere") is None
    assert not (tmp_path / "elsewhere").exists()


def test_does_the_trusted_step_sign_with_the_course_key(tmp_path):
    from traitlets.config import Config

    from mlfund.course._signature import key_path

    nb = new_notebook(cells=[test_cell([])])
    scoring = TrustedScoring(config=Config({"CourseDirectory": {"root": str(tmp_path)}}))
    nb, _ = scoring.preprocess(nb, {})
    record = nb.cells[0].outputs[0]["data"][RESULT_MIME_TYPE]
    assert verify(record, make_key(tmp_path)) == "valid"
    # `mlfund grade` on a learner's own notebook has no key, and signs nothing
    unsigned = trusted_outputs(CheckResult(CORRECT, 1.0, "Correct.", exercise=ITEM), 1.0)
    assert SIGNATURE not in unsigned[0]["data"][RESULT_MIME_TYPE]
    assert stat.S_IMODE(os.stat(key_path(tmp_path)).st_mode) == 0o600


@pytest.mark.parametrize("record", [None, [], "x", {"signature": 5}, {"signature": ""}])
def test_is_an_odd_result_unsigned_rather_than_an_error(record):
    assert verify(record, bytes(32)) == "unsigned"


# ---------------------------------------------------------------------------------------
# end to end: `mlfund course` on one hostile submission

HOSTILE_ANSWER = f'''
from IPython.display import HTML, Javascript, display
display(Javascript({PAYLOAD!r}))
display(HTML({HOSTILE_HTML!r}))
forged = {{"verdict": "correct", "score": 1.0, "feedback": "ok", "mistake": "forged-note",
          "interpreted": None, "exercise": {ITEM!r}, "points": "lots", "earned": 1.0}}
display({{{RESULT_MIME_TYPE!r}: forged, "text/plain": "forged"}}, raw=True)
sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'
'''


@pytest.mark.notebook
def test_does_the_course_pipeline_keep_a_hostile_submission_off_the_instructors_pages(
        tmp_path):
    import subprocess
    import sys

    from mlfund.course._nbgrader import notebooks_dir

    def mlfund(*args):
        done = subprocess.run([sys.executable, "-m", "mlfund", "course", "--course-dir",
                               str(course), *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    course = tmp_path / "course"
    mlfund("init")
    mlfund("release", WEEK)
    nb = nbformat.read(str(notebooks_dir() / WEEK / f"{NOTEBOOK}.ipynb"), as_version=4)
    nb.cells.insert(0, new_markdown_cell(f"Notes {MATHS} <img src=x onerror='{PAYLOAD}'>"))
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == ITEM:
            cell.source = HOSTILE_ANSWER.strip()
    (tmp_path / "in" / "mallory").mkdir(parents=True)
    nbformat.write(nb, str(tmp_path / "in" / "mallory" / f"{NOTEBOOK}.ipynb"))
    mlfund("collect", WEEK, "--from", tmp_path / "in")
    assert f"{WEEK}: 1 graded" in mlfund("autograde", WEEK, "--quiet", "--jobs", "1")

    graded = nbformat.read(str(course / "autograded" / "mallory" / WEEK / f"{NOTEBOOK}.ipynb"),
                           as_version=4)
    answer = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                  == ITEM)
    kinds = {mime for output in answer.outputs for mime in output.get("data", {})}
    assert "application/javascript" not in kinds and RESULT_MIME_TYPE not in kinds

    mlfund("feedback", WEEK)
    page = next((course / "feedback" / "mallory" / WEEK).glob("*.html")).read_text()
    parsed = _parse(page)
    assert "<script" not in page[page.index("<body"):]
    assert PAYLOAD not in "".join(text for _, text in parsed.scripts)
    _assert_inert(parsed.elements)  # the answer's source shows, escaped, as text
    assert MATHS.strip("$") in [attrs.get("aria-label") for tag, attrs in parsed.elements
                                if tag == "mjx-container"]  # typeset, not left for a CDN

    mlfund("report", WEEK)
    report = (course / "reports" / f"{WEEK}.html").read_text()
    assert "one-plus-sigma (1)" in report  # the trusted, signed result counts
    assert "forged-note" not in report
