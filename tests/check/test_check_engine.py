"""Equivalence, capture and scoring: the engine's own questions."""

from __future__ import annotations

import html
import json
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.check import (
    CORRECT,
    INCORRECT,
    INVALID,
    CaptureError,
    CheckResult,
    capture,
    check,
    compare_expressions,
    make_bundle,
    score_bundle,
)
from mlfund.check._equiv import DIFFERENT, EQUAL, UNDECIDED, equivalent, make_symbol, sample_points
from mlfund.exercises import get

# ---------------------------------------------------------------------------------------
# compare_expressions: the contract for direct use


@pytest.mark.parametrize("answer, reference, domains, verdict", [
    ("p - p^2", "p*(1-p)", {"p": "probability"}, CORRECT),
    ("sqrt(x^2)", "x", None, INCORRECT),
    ("sqrt(x^2)", "x", {"x": "positive"}, CORRECT),
    ("log(x*y)", "log(x) + log(y)", {"x": "positive", "y": "positive"}, CORRECT),
    ("x + 1e-12", "x", None, INCORRECT),                 # equal only within a tiny term
    ("x*(1 + 1e-13)", "x", None, INCORRECT),
    ("2*p*(1-p)", "2*p - 2*p^2", {"p": "probability"}, CORRECT),
    (r"\frac{x + z^2/2}{n + z^2}", "(x + z**2/2)/(n + z**2)",
     {"x": "nonnegative", "n": "positive_integer"}, CORRECT),
    ("(k - 1)*(k + 1)", "k^2 - 1", {"k": "integer"}, CORRECT),
    ("sin(t)^2 + cos(t)^2", "1", None, CORRECT),
    ("z", "z + 1", {"z": (0, 1)}, INCORRECT),
])
def test_does_compare_expressions_decide(answer, reference, domains, verdict):
    result = compare_expressions(answer, reference, domains=domains)
    assert result.verdict == verdict, result.feedback


def test_does_compare_expressions_take_sympy_objects():
    x = sp.Symbol("x")  # no assumptions: the domain decides
    assert compare_expressions(sp.sqrt(x**2), x, domains={"x": "positive"}).verdict == CORRECT
    assert compare_expressions(sp.Abs(x), x).verdict == INCORRECT


def test_is_an_unreadable_answer_invalid_and_a_bad_reference_an_error():
    assert compare_expressions("x +", "x").verdict == INVALID
    with pytest.raises(ValueError, match="reference cannot be read"):
        compare_expressions("x", "x +")
    with pytest.raises(ValueError, match="domain"):
        compare_expressions("x", "x", domains={"x": "complex"})


def test_is_undecided_its_own_outcome():
    # log(-x) is not real for any positive x: no point to compare at, and the difference
    # does not simplify to 0, so neither stage can settle it
    x = make_symbol("x", "positive")
    outcome = equivalent(sp.log(-x) + 1, sp.log(-x), {"x": "positive"})
    assert outcome.decision == UNDECIDED
    # identical trees are settled symbolically even there
    assert equivalent(sp.log(-x), sp.log(-x), {"x": "positive"}).decision == EQUAL


def test_is_a_comparison_of_runaway_expressions_bounded_in_time():
    x = make_symbol("x")
    nasty = sp.Mul(*[(x + i) ** 40 for i in range(30)])
    started = time.monotonic()
    outcome = equivalent(nasty, nasty + 1, {"x": "real"}, seconds=2.0)
    assert time.monotonic() - started < 3.0
    assert outcome.decision in (DIFFERENT, "undecided")


def test_are_sample_points_inside_their_domains():
    domains = {"p": "probability", "v": "positive", "k": "positive_integer", "r": (2.0, 3.0),
               "m": "nonnegative", "i": "integer"}
    for point in sample_points(domains, seed=7):
        assert 0 < point["p"] < 1
        assert point["v"] > 0
        assert point["k"] >= 1 and float(point["k"]).is_integer()
        assert 2.0 <= point["r"] <= 3.0
        assert point["m"] >= 0
        assert float(point["i"]).is_integer()


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["p*(1-p)", "exp(-z)/(1+exp(-z))^2", "sqrt(v)/n", "log(v) - v",
                        "z^3 - 2*z + 1", "p/(1-p)", "(v + 1)^2"]))
def test_does_check_x_x_always_pass(text):
    domains = {"p": "probability", "z": "real", "v": "positive", "n": "positive_integer"}
    assert compare_expressions(text, text, domains=domains).verdict == CORRECT


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=9))
def test_is_a_changed_coefficient_always_caught(a, b):
    if a == b:
        return
    assert compare_expressions(f"{a}*z^2 + z", f"{b}*z^2 + z").verdict == INCORRECT


# ---------------------------------------------------------------------------------------
# capture: plain data only; impostors refused


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.25


class SneakyFloat(float):
    def __eq__(self, other):
        return True


class SneakyArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


NUMBER = get("w01-sigmoid-derivative-max")
EXPRESSION = get("w01-sigmoid-derivative")
FUNCTION = get("w01-mse-gradient")


@pytest.mark.parametrize("answer, message", [
    (AlwaysEqual(), "a number is expected"),
    (SneakyFloat(0.25), "a number is expected"),
    (True, "True/False"),
    (float("nan"), "NaN"),
    (float("inf"), "infinite"),
    (10**400, "too large"),
    (np.array([0.25, 0.5]), "a number is expected"),
    (np.array([0.25]), "single number"),
])
def test_are_impostor_numbers_refused(answer, message):
    with pytest.raises(CaptureError, match=message):
        capture(NUMBER, answer)


def test_is_a_numpy_subclass_refused_as_an_array_and_a_result():
    sneaky = np.zeros(3).view(SneakyArray)
    with pytest.raises(CaptureError, match="numpy array or a list"):
        capture_array_like(sneaky)
    captured = capture(FUNCTION, lambda w, X, y: np.zeros_like(w).view(SneakyArray))
    assert all(not out["ok"] and "bad result" in out["error"] for out in captured["outputs"])


def capture_array_like(value):
    from mlfund.check._capture import capture_array

    return capture_array(value)


def test_does_an_always_equal_object_score_zero_through_check():
    for spec_id, answer in [("w01-sigmoid-derivative-max", AlwaysEqual()),
                            ("w01-sigmoid-derivative", AlwaysEqual())]:
        result = check(spec_id, answer).result
        assert result.verdict == INVALID and result.score == 0.0


def test_is_a_learners_function_bounded_in_time_and_errors_reported():
    def loops(w, X, y):
        while True:
            pass

    started = time.monotonic()
    result = check(FUNCTION.id, loops).result
    assert time.monotonic() - started < 4.0
    assert result.score == 0.0 and "longer than" in result.feedback

    def raises(w, X, y):
        raise ValueError("shapes (3,) and (2,) not aligned")

    result = check(FUNCTION.id, raises).result
    assert result.verdict == INCORRECT and "shapes (3,) and (2,) not aligned" in result.feedback

    result = check(FUNCTION.id, lambda w, X, y: None).result
    assert result.verdict == INVALID and "returns None" in result.feedback
    result = check(FUNCTION.id, lambda w, X, y: "text").result
    assert result.score == 0.0 and "must be a numpy array" in result.feedback


def test_does_a_learners_function_not_see_the_callers_arrays_change():
    def mutates(w, X, y):
        X[:] = 0
        return 2 * X.T @ (X @ w - y) / len(y)

    probes_before = [tuple(np.copy(a) for a in args) for args in FUNCTION.probes()]
    check(FUNCTION.id, mutates)
    for before, after in zip(probes_before, FUNCTION.probes(), strict=True):
        for a, b in zip(before, after, strict=True):
            assert np.array_equal(a, b)


def test_does_a_gradient_report_its_distance_from_finite_differences():
    result = check("w01-logistic-gradient",
                   lambda w, X, y: 1.01 * (X.T @ (1 / (1 + np.exp(-X @ w)) - y)) / len(y)).result
    assert result.verdict == INCORRECT
    assert "finite differences" in result.feedback


def test_does_a_list_of_expressions_count_as_a_column():
    p1, p2, p3 = sp.symbols("p1 p2 p3", positive=True)
    result = check("w01-softmax-gradient-3", ["p1 - 1", "p2", "p3"]).result
    assert result.verdict == CORRECT
    result = check("w01-softmax-gradient-3", [p1 - 1, p2]).result
    assert result.verdict == INCORRECT and "(2, 1)" in result.feedback


def test_is_an_unknown_symbol_in_a_sympy_answer_invalid():
    q = sp.Symbol("q")
    result = check(EXPRESSION.id, q * (1 - q)).result
    assert result.verdict == INVALID and "unknown symbol 'q'" in result.feedback


def test_do_sympy_and_string_answers_agree():
    z = sp.Symbol("z", real=True)
    s = 1 / (1 + sp.exp(-z))
    assert check(EXPRESSION.id, s * (1 - s)).result.verdict == CORRECT
    assert check(EXPRESSION.id, "sigma(z)*(1-sigma(z))").result.verdict == CORRECT
    assert check(EXPRESSION.id, r"\sigma(z)(1-\sigma(z))").result.verdict == CORRECT
    assert check(EXPRESSION.id, "exp(-z)/(1+exp(-z))^2").result.verdict == CORRECT


def test_is_the_learners_reading_echoed():
    result = check(EXPRESSION.id, r"\sigma(z)(1+\sigma(z))").result
    assert "sigma(z)" in result.interpreted
    assert result.mistake == "one-plus-sigma"


# ---------------------------------------------------------------------------------------
# bundles and results


def test_is_a_malformed_bundle_zero_with_a_reason():
    for bundle in (None, 42, {}, {"version": 99}, {"version": 1, "exercise": 5},
                   {"version": 1, "exercise": EXPRESSION.id, "answer": {"type": "sympy",
                                                                        "tree": {"t": "Eval"}}},
                   {"version": 1, "exercise": EXPRESSION.id, "answer": {"type": "sympy",
                                                                        "tree": [1, 2]}},
                   {"version": 1, "exercise": EXPRESSION.id, "answer": "x"}):
        result = score_bundle(bundle, exercise_id=EXPRESSION.id)
        assert result.score == 0.0 and result.verdict == INVALID, bundle


def test_is_a_tree_of_a_disallowed_class_refused():
    bundle = {"version": 1, "exercise": EXPRESSION.id,
              "answer": {"type": "sympy", "tree": {"t": "Function", "name": "os.system"}}}
    assert score_bundle(bundle).verdict == INVALID


def test_does_a_bundle_survive_json():
    bundle = make_bundle(EXPRESSION.id, "sigma(z)*(1-sigma(z))")
    assert json.loads(json.dumps(bundle)) == bundle


def test_does_check_never_raise_on_learner_input():
    odd_inputs = [object(), {"a": 1}, b"bytes", 1j, [[1, 2], [3]], lambda: 1, type, ..., None,
                  "\x00", "∑" * 10, sp.oo, sp.nan, sp.I, sp.Function("f")(sp.Symbol("z"))]
    for spec_id in ("w01-sigmoid-derivative", "w01-sigmoid-derivative-max", "w01-mse-gradient",
                    "w01-softmax-gradient-3"):
        for answer in odd_inputs:
            result = check(spec_id, answer).result
            assert isinstance(result, CheckResult)
            assert result.score == 0.0


def test_is_an_unknown_exercise_reported_not_raised():
    result = check("w01-sigmoid-derivatve", "z").result
    assert result.verdict == INVALID and "Did you mean 'w01-sigmoid-derivative'" in result.feedback


def test_does_the_html_escape_learner_text():
    result = CheckResult(INCORRECT, 0.0, "<script>alert(1)</script>", interpreted="<b>x</b>")
    page = result._repr_html_()
    assert "<script>" not in page and html.escape("<script>") in page
    assert "<b>x</b>" not in page


def test_is_a_check_within_three_seconds_whatever_the_input():
    hard = "(" * 50 + "z" + ")" * 50
    for answer in [hard, "exp(exp(exp(exp(z))))", "z^999 - z^998", "+".join(["z"] * 300),
                   "*".join(f"(z + {i})^40" for i in range(30))]:
        started = time.process_time()
        check(EXPRESSION.id, answer)
        # the engine stops comparing after 2.8 s of its CPU time, however busy the machine
        assert time.process_time() - started < 4.5, answer[:40]


def test_does_the_mode_follow_the_graders_environment(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    shown = check(EXPRESSION.id, "sigma(z)*(1-sigma(z))")
    assert shown.result is None  # captured only: the grader scores it
    data = shown._repr_mimebundle_()
    assert "application/vnd.mlfund.answer+json" in data and "text/html" not in data
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert check(EXPRESSION.id, "sigma(z)*(1-sigma(z))")._repr_mimebundle_()["text/plain"] == "1"
    monkeypatch.delenv("NBGRADER_EXECUTION")
    data = check(EXPRESSION.id, "sigma(z)*(1-sigma(z))")._repr_mimebundle_()
    assert "Correct" in data["text/html"]


def test_are_verdicts_and_scores_validated():
    with pytest.raises(ValueError, match="verdict"):
        CheckResult("maybe", 0.0, "")
    with pytest.raises(ValueError, match="score"):
        CheckResult(CORRECT, 1.5, "")
