"""The report's parts and autograde's summary (the whole page is seen in test_browser.py)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from mlfund.course._batch import Outcome
from mlfund.course._reports import autograde_summary, histogram_figure, problem_of


def test_do_the_histograms_count_in_whole_numbers():
    fig = histogram_figure([11.0, 12.5, 12.5, 16.0], "Total score", "points")
    try:
        ticks = fig.axes[0].get_yticks()
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)
    finally:
        plt.close(fig)


def test_are_run_problems_named_by_kind():
    assert problem_of("forbidden-import", "This exercise is to be done without numpy") \
        == "forbidden import"
    assert problem_of(None, "No answer was recorded for this exercise: run the answer cell "
                            "above, then the check cell. The cell stopped with "
                            "CellTimeoutError: the cell ran longer than 60 s") == "time limit"
    assert problem_of(None, "Cannot read this answer: it is too slow to evaluate") \
        == "time limit"
    assert problem_of(None, "No answer was recorded: the kernel died") == "kernel died"
    assert problem_of("one-plus-sigma", "Check the sign inside the bracket.") is None


def test_does_autograde_print_a_table_with_reasons_and_the_mean():
    text = autograde_summary("w01", [
        Outcome("ada", "graded", 12.0, 16.0, 2.0),
        Outcome("bo", "graded", 10.0, 16.0, 2.5),
        Outcome("cy", "error", None, None, 0.1, "missing notebook w01-gradients.ipynb"),
        Outcome("dee", "fault", None, None, 0.2, "grader fault: the kernel would not start"),
    ])
    lines = text.splitlines()
    assert lines[0] == ("w01: 2 graded, 0 already graded (skipped), 1 with errors in the "
                        "submission, 1 grader fault(s).")
    assert "student" in lines[1] and "reason" in lines[1]
    assert any(line.split()[:2] == ["cy", "error"] and "missing notebook" in line
               for line in lines)
    assert any(line.split()[:2] == ["dee", "fault"] and "run autograde again" in line
               for line in lines)
    assert lines[-1] == "Mean score: 11/16 over 2 graded submission(s) (autograded points)."
