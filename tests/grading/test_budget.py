"""The scoring budget: answers too slow to evaluate, and failures that are the grader's.

Each call that could hang runs in a thread that must finish within a bound, so that a
regression fails here instead of holding the test run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import nbformat
import pytest
from traitlets.config import Config

from mlfund.check import (
    CORRECT,
    INCORRECT,
    INVALID,
    MIME_TYPE,
    CheckResult,
    make_bundle,
    score_bundle,
)
from mlfund.course._local import score_notebook
from mlfund.course._trusted import TrustedScoring, score_test_cell
from mlfund.grading import GraderFault, ScoringJob, score_in_child

BUDGET = 2.0
SLOW_NUMBER = ("w01-sigmoid-derivative-max", "sin(exp(exp(20)))")
SLOW_EXPRESSION = ("w01-bce-dp-dz", "floor(exp(exp(exp(3))))")
TOO_SLOW = f"Cannot read this answer: it is too slow to evaluate (over {BUDGET:g} s); simplify it."


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """The value of ``call()``, which must return (or raise) within ``seconds``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: B036 - handed to the test below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_cell(exercise_id: str, answer: Any = None, *, bundles: int = 1) -> nbformat.NotebookNode:
    """An executed check cell of a graded run, holding the captured answer."""
    outputs = [nbformat.v4.new_output("display_data", data={
        MIME_TYPE: make_bundle(exercise_id, answer), "text/plain": "Answer recorded."})
        for _ in range(bundles)]
    return nbformat.v4.new_code_cell(
        source=f"check({exercise_id!r}, answer)", outputs=outputs,
        metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                               "grade_id": f"{exercise_id}-test", "points": 1,
                               "schema_version": 3}})


test_cell.__test__ = False  # a helper, not a test


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def trusted(**traits: Any) -> TrustedScoring:
    return TrustedScoring(config=Config({"TrustedScoring": traits}))


# ---------------------------------------------------------------------------------------
# answers too slow to evaluate


@pytest.mark.parametrize("exercise_id, answer", [SLOW_NUMBER, SLOW_EXPRESSION],
                         ids=["number", "expression"])
def test_is_an_answer_too_slow_to_evaluate_invalid_within_the_budget(exercise_id, answer):
    started = time.monotonic()
    result = within(BUDGET + 20, lambda: score_test_cell(
        test_cell(exercise_id, answer), exercise_id, seconds_per_item=BUDGET))
    assert time.monotonic() - started < BUDGET + 10
    assert (result.verdict, result.score, result.exercise) == (INVALID, 0.0, exercise_id)
    assert result.feedback == TOO_SLOW


def test_are_the_items_after_slow_ones_still_scored_by_the_trusted_step():
    nb = notebook(
        test_cell(*SLOW_NUMBER),
        test_cell("w01-bce-dp-dz", "p*(1 - p)"),
        test_cell("w01-bce-dl-dz", *SLOW_EXPRESSION[1:]),
        test_cell("w01-bce-dp-dz", "p*(1 + p)"),
        test_cell("w01-sigmoid-derivative-max", 0.25),
    )
    started = time.monotonic()
    nb, resources = within(60, lambda: trusted(seconds_per_item=BUDGET).preprocess(nb, {}))
    assert time.monotonic() - started < 2 * BUDGET + 30
    verdicts = [(r.verdict, r.feedback if r.verdict == INVALID else r.mistake)
                for _, r in resources["mlfund"]["results"]]
    assert verdicts == [(INVALID, TOO_SLOW), (CORRECT, None), (INVALID, TOO_SLOW),
                        (INCORRECT, "one-plus-sigma"), (CORRECT, None)]
    earned = [cell.outputs[-1]["data"]["text/plain"] for cell in nb.cells]
    assert earned == ["0.0", "1.0", "0.0", "0.0", "1.0"]


def test_does_mlfund_grade_score_a_notebook_with_slow_answers_to_the_end():
    nb = notebook(test_cell(*SLOW_EXPRESSION), test_cell("w01-bce-dp-dz", "p - p**2"),
                  test_cell("w99-no-such-exercise", 1.0))
    rows = within(40, lambda: score_notebook(nb, seconds_per_item=BUDGET))
    assert [(r.verdict, r.earned) for r in rows] == [(INVALID, 0.0), (CORRECT, 1.0),
                                                     (INVALID, 0.0)]
    assert rows[0].feedback == TOO_SLOW
    assert rows[2].feedback == "This check cell names no known exercise."


def test_is_a_whole_notebook_scored_in_one_child_when_nothing_is_slow(monkeypatch):
    forks = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    nb = notebook(*(test_cell("w01-bce-dp-dz", answer)
                    for answer in ("p*(1-p)", "p", "p*(1+p)", "oops(")))
    _, resources = within(40, lambda: trusted().preprocess(nb, {}))
    assert len(resources["mlfund"]["results"]) == 4
    assert len(forks) == 1


# ---------------------------------------------------------------------------------------
# the same verdicts as before for normal answers


@pytest.mark.parametrize("exercise_id, answer", [
    ("w01-bce-dp-dz", "p*(1-p)"),
    ("w01-bce-dp-dz", "p*(1+p)"),
    ("w01-bce-dp-dz", "p*(1-"),
    ("w01-bce-dp-dz", "q"),
    ("w01-sigmoid-derivative", "sigma(z)*(1 - sigma(z))"),
    ("w01-sigmoid-derivative", "sigma(z)**2"),
    ("w01-sigmoid-derivative-max", 0.25),
    ("w01-sigmoid-derivative-max", "1/4"),
    ("w01-sigmoid-derivative-max", 0.5),
    ("w01-sigmoid-derivative-max", "inf"),
    ("w01-sigmoid-derivative-max", None),
])
def test_does_a_normal_answer_get_the_verdict_it_gets_in_process(exercise_id, answer):
    bundle = make_bundle(exercise_id, answer)
    result = within(30, lambda: score_test_cell(test_cell(exercise_id, answer), exercise_id))
    assert result == score_bundle(bundle, exercise_id=exercise_id)


def test_are_cells_without_one_answer_still_invalid():
    none = within(30, lambda: score_test_cell(test_cell("w01-bce-dp-dz", bundles=0),
                                              "w01-bce-dp-dz"))
    two = within(30, lambda: score_test_cell(test_cell("w01-bce-dp-dz", "p", bundles=2),
                                             "w01-bce-dp-dz"))
    assert none.verdict == two.verdict == INVALID
    assert none.feedback.startswith("No answer was recorded")
    assert two.feedback.startswith("More than one answer")


def test_does_the_import_policy_still_apply_in_the_scoring_process():
    answer = nbformat.v4.new_code_cell(
        source="from sklearn import metrics\ndef mean_ci(x, confidence_level, sigma=None): ...",
        metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                               "grade_id": "w05-mean-ci", "schema_version": 3}})
    nb = notebook(answer, test_cell("w05-mean-ci", bundles=0))
    _, resources = within(30, lambda: trusted().preprocess(nb, {}))
    [(grade_id, result)] = resources["mlfund"]["results"]
    assert (grade_id, result.verdict, result.mistake) == ("w05-mean-ci-test", INCORRECT,
                                                          "forbidden-import")


# ---------------------------------------------------------------------------------------
# failures that are the grader's, not the learner's


def _ok() -> CheckResult:
    return CheckResult(CORRECT, 1.0, "Correct.", exercise="w01-bce-dp-dz")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGXCPU, signal.SIGTERM])
def test_is_a_child_killed_by_a_signal_a_grader_fault(signum):
    jobs = [ScoringJob("w01-bce-dp-dz", _ok),
            ScoringJob("w01-bce-dl-dz", lambda: os.kill(os.getpid(), signum))]
    with pytest.raises(GraderFault, match=signal.Signals(signum).name) as caught:
        within(30, lambda: score_in_child(jobs, seconds_per_item=BUDGET))
    assert caught.value.exercise == "w01-bce-dl-dz"


def test_is_an_answer_that_needs_too_much_memory_invalid_and_the_rest_scored():
    budget = 64 * 1024**2

    def hungry() -> CheckResult:
        bytearray(4 * budget)
        return _ok()

    results = within(30, lambda: score_in_child(
        [ScoringJob("w01-bce-dp-dz", hungry), ScoringJob("w01-bce-dl-dz", _ok)],
        memory_bytes=budget))
    assert results[0].verdict == "invalid" and "memory" in results[0].feedback
    assert results[1].verdict == "correct"


def test_is_an_error_in_the_graders_own_code_a_grader_fault():
    def broken() -> CheckResult:
        raise KeyError("spec")

    with pytest.raises(GraderFault, match="KeyError"):
        within(30, lambda: score_in_child([ScoringJob("w01-bce-dp-dz", broken)]))
    with pytest.raises(GraderFault, match="not a CheckResult"):
        within(30, lambda: score_in_child([ScoringJob("w01-bce-dp-dz", lambda: 1.0)]))


def test_is_a_child_that_stalls_without_computing_a_grader_fault():
    with pytest.raises(GraderFault, match="stalled"):
        within(30, lambda: score_in_child([ScoringJob("w01-bce-dp-dz", lambda: time.sleep(60))],
                                          seconds_per_item=BUDGET))


def test_does_an_error_in_the_trusted_step_surface_as_a_grader_fault(monkeypatch):
    from mlfund.course import _trusted

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of the grader")

    monkeypatch.setattr(_trusted, "score_bundle", broken)
    nb = notebook(test_cell("w01-bce-dp-dz", "p*(1-p)"))
    with pytest.raises(GraderFault, match="a bug of the grader"):
        within(30, lambda: trusted().preprocess(nb, {}))


# ---------------------------------------------------------------------------------------
# the budget's options


def test_are_the_budgets_configurable_traits_with_help():
    traits = TrustedScoring.class_traits(config=True)
    for name in ("seconds_per_item", "memory_bytes"):
        assert traits[name].help
    scoring = trusted(seconds_per_item=3.5, memory_bytes=2**28)
    assert (scoring.seconds_per_item, scoring.memory_bytes) == (3.5, 2**28)


@pytest.mark.parametrize("options, message", [
    ({"seconds_per_item": 0}, r"seconds_per_item \(0\) must be a positive number"),
    ({"seconds_per_item": float("nan")}, r"seconds_per_item \(nan\)"),
    ({"memory_bytes": -1}, r"memory_bytes \(-1\) must be a positive whole number"),
    ({"memory_bytes": 1.5}, r"memory_bytes \(1.5\)"),
])
def test_are_bad_budgets_refused_with_the_value_repeated(options, message):
    with pytest.raises(ValueError, match=message):
        score_in_child([ScoringJob("w01-bce-dp-dz", _ok)], **options)


def test_does_an_empty_list_of_jobs_start_no_process(monkeypatch):
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked"))
    assert score_in_child([]) == []


def test_does_a_verdict_cross_the_pipe_unchanged():
    result = CheckResult(INCORRECT, 0.5, "Half: <b>é</b>\n", mistake="missing-1-over-n",
                         interpreted="x**2", exercise="w01-logistic-gradient-scalar", points=2.0)
    assert within(30, lambda: score_in_child([ScoringJob(result.exercise, lambda: result)])) \
        == [result]


def test_is_an_item_starved_by_a_busy_machine_waited_for_not_called_too_slow():
    def sharing_the_cpu() -> CheckResult:
        # two seconds of wall-clock time, a third of it on the CPU (as on a loaded machine)
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            spin = time.monotonic() + 0.03
            while time.monotonic() < spin:
                pass
            time.sleep(0.06)
        return _ok()

    results = within(30, lambda: score_in_child([ScoringJob("w01-bce-dp-dz", sharing_the_cpu)],
                                                seconds_per_item=1.0))
    assert results[0].verdict == "correct", results[0].feedback
