"""The feedback page's parts: totals, lateness, typeset maths, the grader's rubric.

The whole page, graded and seen in a browser, is in ``test_instructor.py`` (its text) and
``test_browser.py`` (what shows); here each part is checked on its own.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import nbformat
import pytest

from mlfund.course._local import ItemRow, WrittenItem, format_table
from mlfund.course._maths import MathsSlots, available, clean_svg, render_tex
from mlfund.course._nbgrader import load_config, notebooks_dir
from mlfund.course._rubric import RUBRIC_HEADING, ShowRubrics
from mlfund.course._sanitize import render_markdown
from mlfund.course._schedule import LatePolicy
from mlfund.course._totals import ItemPoints, Lateness, Totals

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
DAY = 86400.0

needs_mathjax = pytest.mark.skipif(not available(), reason="quickjax (MathJax in QuickJS) is "
                                   "not installed: pages show the TeX instead")


# ---------------------------------------------------------------------------------------
# totals and lateness


def _items(*, written_graded: float | None = None) -> tuple[ItemPoints, ...]:
    auto = (ItemPoints("a", 12.0, 13.0, False, False),)
    if written_graded is None:
        return auto + (ItemPoints("w", 0.0, 3.0, True, True),)
    return auto + (ItemPoints("w", written_graded, 3.0, True, False),)


def test_does_an_ungraded_written_answer_await_hand_grading_rather_than_score_0():
    totals = Totals(_items())
    assert totals.summary() == "12/13 autograded + 3 to be graded by hand"
    assert totals.awaiting == 3 and not totals.complete
    assert totals.final == 12  # provisional: the export's awaiting column says so


def test_does_the_total_add_the_hand_graded_points_once_graded():
    totals = Totals(_items(written_graded=2.0))
    assert totals.summary() == "12/13 autograded + 2/3 graded by hand = 14/16"
    assert totals.complete and totals.final == 14


def test_is_the_late_penalty_the_weeks_policy_on_all_points_earned():
    policy = LatePolicy.parse("per_day:0.1:5")
    due = datetime(2027, 1, 11, 9, tzinfo=timezone.utc)
    late = Lateness(2 * DAY + 60, policy, due + timedelta(days=2, minutes=1), due)
    assert late.days_late == 3 and late.fraction == pytest.approx(0.3)
    graded = Totals(_items(written_graded=2.0), late)
    assert graded.late_penalty == pytest.approx(4.2) and graded.final == pytest.approx(9.8)
    assert graded.summary().endswith("= 14/16 − 4.2 late penalty = 9.8/16")
    note = graded.lateness_note()
    assert "Submitted 2027-01-13 09:01 UTC, due 2027-01-11 09:00 UTC: 3 days late" in note
    assert "10% of the score for each started day late" in note
    assert "Penalty: 30% of 14 = 4.2 point(s)." in note
    pending = Totals(_items(), late)
    assert pending.summary().endswith("to be graded by hand; late penalty so far −3.6")
    assert "so far; points graded by hand will count too" in pending.lateness_note()


def test_is_an_on_time_submission_told_nothing_about_lateness():
    on_time = Lateness(-3600.0, LatePolicy.parse("per_day:0.1:5"))
    totals = Totals(_items(written_graded=3.0), on_time)
    assert totals.late_penalty == 0 and totals.lateness_note() == ""
    assert "late" not in totals.summary()


def test_does_mlfund_grade_say_what_awaits_hand_grading():
    rows = [ItemRow("w01-a-test", 1.0, 1.0, "correct", "Correct.", None),
            ItemRow("w01-b-test", 2.0, 0.0, "incorrect", "Not yet.", "sign")]
    table = format_table(rows, written=[WrittenItem("w01-c-written", 3.0, True),
                                        WrittenItem("w01-d-written", 2.0, False)])
    assert "awaiting hand grading (3 points)" in table
    assert "no answer yet (2 points, graded by hand)" in table
    assert table.splitlines()[-1].split(None, 1)[1] == \
        "1/3 autograded + 5 to be graded by hand"


# ---------------------------------------------------------------------------------------
# maths typeset on the server


@needs_mathjax
def test_is_maths_typeset_as_mathjax_svg():
    html = render_tex(r"\sigma'(z) = \sigma(z)(1-\sigma(z))")
    assert html.startswith('<mjx-container class="MathJax" jax="SVG"')
    assert "<svg" in html and "<path" in html and "$" not in html
    assert 'display="true"' in render_tex(r"\frac{a}{b}", display=True)


@needs_mathjax
def test_does_typeset_maths_keep_no_link_script_or_loading_style():
    html = render_tex(r"\href{javascript:alert(1)}{x} + \style{background:url(https://x.test)}"
                      r"{y} + \text{<script>alert(1)</script>}")
    assert "<mjx-container" in html
    drawn = html.split('">', 1)[1]  # after the container's aria-label (the TeX, escaped)
    assert "<svg" in drawn and "<a" not in drawn and "javascript:" not in drawn
    assert "url(" not in drawn and "<script" not in drawn and "data-" not in drawn
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><foreignObject>'
           '<div/></foreignObject><use href="https://x.test/#a"/><path d="M0 0"/></svg>')
    cleaned = clean_svg(svg)
    assert "onload" not in cleaned and "foreignObject" not in cleaned
    assert "https:" not in cleaned and "<path" in cleaned


def test_is_unreadable_tex_shown_as_typed():
    assert render_tex(r"\frac{") == '<span class="tex-source">$\\frac{$</span>'


@needs_mathjax
def test_does_markdown_get_its_maths_typeset_but_not_its_code():
    html = render_markdown(r"Since $p<1$, `$x$` stays code. <img src=x onerror=alert(1)>",
                           maths=True)
    assert html.count("<mjx-container") == 1 and "<code>$x$</code>" in html
    assert "onerror" not in html
    assert "$p" not in html


def test_can_a_learner_plant_a_formula_slot():
    slots = MathsSlots()
    token = slots.hold("x", display=False, source="$x$")
    planted = token.replace("n0x", "n7x")
    other = MathsSlots().hold("y", display=False, source="$y$")
    filled = slots.fill(f"{token} {planted} {other}", typeset=lambda tex, display: f"[{tex}]")
    assert filled == f"[x]  {other}"  # the unknown index is dropped, another nonce kept


# ---------------------------------------------------------------------------------------
# the rubric: shown to the grader, never to the learner


def _student_version() -> nbformat.NotebookNode:
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown":
            cell.source = "My own explanation."
    return nb


def test_does_the_formgrader_page_show_each_written_items_rubric():
    nb = _student_version()
    written = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")
               and c.metadata["nbgrader"].get("grade")]
    assert written
    shown, _ = ShowRubrics().preprocess(copy.deepcopy(nb), {"assignment_id": WEEK,
                                                             "notebook_id": SOURCE.stem})
    for grade_id in written:
        index = next(i for i, c in enumerate(shown.cells)
                     if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
        after = shown.cells[index + 1]
        assert RUBRIC_HEADING in after.source and "Rubric (" in after.source
        assert after.source.startswith("> ") and "nbgrader" not in after.metadata
    assert len(shown.cells) == len(nb.cells) + len(written)


def test_is_the_rubric_kept_out_of_the_learners_feedback(tmp_path):
    from mlfund.course._safe_export import SanitizeLearnerContent

    config = load_config(tmp_path)
    assert ShowRubrics in config.HTMLExporter.preprocessors  # the formgrader's exporter
    assert config.FeedbackExporter.preprocessors == [SanitizeLearnerContent]
    untouched, _ = ShowRubrics().preprocess(_student_version(), {"nbgrader": {
        "assignment": WEEK, "notebook": SOURCE.stem}})  # the feedback's resources
    assert all(RUBRIC_HEADING not in c.source for c in untouched.cells)
    unknown, _ = ShowRubrics().preprocess(_student_version(), {"assignment_id": "../w01",
                                                               "notebook_id": SOURCE.stem})
    assert all(RUBRIC_HEADING not in c.source for c in unknown.cells)
