"""Does a correct answer in any of the forms learners write pass, and a wrong one still fail?

One section per class of form: the question's own domain (excluded points, a simplex, an
ordering, a positivity), LaTeX as learners type it, pasted sympy output, exact decimals,
the functions learners reach for. Each table holds accepted correct forms and wrong forms
that must still be rejected, over several exercises.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, INVALID, check
from mlfund.check._equiv import DIFFERENT, equivalent, seed_for
from mlfund.check._score import namespace, reference_expression, region

# a mistake note, or one of the verdicts
Expect = str


def verdict_of(exercise_id, answer):
    return check(exercise_id, answer).result


def assert_verdict(exercise_id, answer, expected: Expect):
    result = verdict_of(exercise_id, answer)
    if expected in (CORRECT, INCORRECT, INVALID):
        assert result.verdict == expected, (answer, result.feedback)
        if expected != CORRECT:
            assert result.score < 1.0
    else:  # a catalogued mistake
        assert result.verdict == INCORRECT, (answer, result.feedback)
        assert result.mistake == expected, (answer, result.feedback)
    return result


# ---------------------------------------------------------------------------------------
# 1. points outside the question's domain

DOMAIN_CASES = [
    # w ≠ 0: sign(w) written as w/|w|
    ("w01-l1-subgradient", "lam*w/Abs(w)", CORRECT),
    ("w01-l1-subgradient", "lam*Abs(w)/w", CORRECT),
    ("w01-l1-subgradient", "lam*sign(w)", CORRECT),
    ("w01-l1-subgradient", "lam*w", INCORRECT),
    ("w01-l1-subgradient", "-lam*w/Abs(w)", INCORRECT),
    ("w01-l1-subgradient", "lam", "missing-sign"),
    # g ≠ 0
    ("w03-adam-first-step", "-eta*g/Abs(g)", CORRECT),
    ("w03-adam-first-step", "-eta*g/sqrt(g**2)", CORRECT),
    ("w03-adam-first-step", "-eta*sign(g)", CORRECT),
    ("w03-adam-first-step", "eta*g/Abs(g)", "sign-flip"),
    ("w03-adam-first-step", "-eta*g", "sgd-step"),
    # softmax outputs on the simplex
    ("w01-softmax-gradient-3", ["-(p2 + p3)", "p2", "p3"], CORRECT),
    ("w01-softmax-gradient-3", ["p1 - 1", "1 - p1 - p3", "p3"], CORRECT),
    ("w01-softmax-gradient-3", ["-(p2 + p3)", "p2", "-p3"], INCORRECT),
    ("w01-softmax-gradient-3", ["p1", "p2", "p3"], INCORRECT),
    ("w01-softmax-gradient-3", ["1 - p1", "-p2", "-p3"], "y-minus-p"),
    # orderings: the smallest eigenvalue below the largest
    ("w12-gd-rate", "Abs(L - m)/(L + m)", CORRECT),
    ("w12-gd-rate", "(1 - m/L)/(1 + m/L)", CORRECT),
    ("w12-gd-rate", "Abs(m - L)/(m - L)", INCORRECT),
    ("w12-gd-rate", "1 - m/L", "step-one-over-l"),
    ("w02-optimal-lr", "2/(lam_max + lam_min)", CORRECT),
    ("w02-optimal-lr", "2/(Max(lam_min, lam_max) + Min(lam_min, lam_max))", CORRECT),
    ("w02-optimal-lr", "2/(2*lam_max)", INCORRECT),
    # positivity: a covariance matrix is positive definite
    ("w06-cuped-min-variance", "sqrt((var_y - cov_yx**2/var_x)**2)", CORRECT),
    ("w06-cuped-min-variance", "Abs(var_y - cov_yx**2/var_x)", CORRECT),
    ("w06-cuped-min-variance", "Abs(var_y - cov_yx**2/var_y)", INCORRECT),
    ("w06-cuped-min-variance", "var_y + cov_yx**2/var_x", "plus"),
    # k successes in n trials
    ("w04-bernoulli-mle", "k/n", CORRECT),
    ("w04-bernoulli-mle", "Min(k, n)/n", CORRECT),
    ("w04-bernoulli-mle", "Max(k, n)/n", INCORRECT),
]


@pytest.mark.parametrize("exercise_id, answer, expected", DOMAIN_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in DOMAIN_CASES])
def test_is_a_form_judged_inside_the_questions_domain(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


CONSTRAINED = [s for s in exercises.catalogue() if s.constraints]


def test_do_several_exercises_state_their_constraints():
    kinds = {op for s in CONSTRAINED for c in s.constraints
             for op in ("!=", "==", "<", "<=") if f" {op} " in c}
    assert len(CONSTRAINED) >= 6
    assert kinds >= {"!=", "==", "<"}


@pytest.mark.parametrize("spec", CONSTRAINED, ids=[s.id for s in CONSTRAINED])
def test_is_a_cited_point_always_inside_the_question(spec):
    ns = namespace(spec)
    reference = reference_expression(spec, ns)
    symbols = sorted(ns.symbols.values(), key=lambda s: s.name)
    # wrong answers that differ somewhere, one undefined where the question excludes a point
    shifts = [sum(symbols) + 1, 1 / (symbols[0] - symbols[-1] + sp.Rational(1, 3))]
    for text in spec.constraints:
        left, _, right = re.split(r"(==|!=|<=|>=|<|>)", text)
        if "!=" in text:
            shifts.append(1 / (sp.sympify(left, locals=ns.symbols)
                               - sp.sympify(right, locals=ns.symbols)))
    where = region(spec)
    for shift in shifts:
        wrong = reference + (sp.ones(*reference.shape) * shift
                             if isinstance(reference, sp.MatrixBase) else shift)
        outcome = equivalent(wrong, reference, spec.symbols, seed=seed_for(spec.id), region=where)
        if outcome.decision == DIFFERENT and outcome.point:
            assert where.contains(outcome.point), (spec.id, outcome.point)


def test_is_an_excluded_point_never_cited_in_feedback():
    result = verdict_of("w01-l1-subgradient", "lam*w/Abs(w) + lam")
    assert result.verdict == INCORRECT
    assert "w = 0," not in result.feedback and "w = 0)" not in result.feedback
    result = verdict_of("w03-adam-first-step", "-eta*g/Abs(g) + 1/g")
    assert "g = 0," not in result.feedback and "g = 0)" not in result.feedback
