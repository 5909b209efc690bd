"""Cost-optimal threshold and value/cost per decision."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.evaluation import (
    cost_optimal_threshold,
    expected_cost_per_decision,
    expected_value_per_decision,
)

costs = st.floats(0.01, 1000.0)


def _expected_cost(p, t, c_fp, c_fn, c_tp, c_tn) -> float:
    """Expected total cost under calibrated p of acting when p >= t."""
    act = p >= t
    return float(np.sum(np.where(act, (1 - p) * c_fp + p * c_tp, p * c_fn + (1 - p) * c_tn)))


@settings(max_examples=80, deadline=None)
@given(costs, costs, st.floats(-50, 50), st.floats(-50, 50), st.integers(0, 2**32 - 1))
def test_threshold_minimises_expected_cost(c_fp, c_fn, c_tp, c_tn, seed):
    """Does acting from t* cost no more, in expectation, than any other threshold?"""
    c_fp, c_fn = c_fp + max(c_tn, 0.0) + 0.01, c_fn + max(c_tp, 0.0) + 0.01  # mistakes dearer
    t_star = cost_optimal_threshold(c_fp, c_fn, cost_tp=c_tp, cost_tn=c_tn)
    assert 0 < t_star < 1
    p = np.random.default_rng(seed).random(200)
    best = _expected_cost(p, t_star, c_fp, c_fn, c_tp, c_tn)
    for t in np.r_[np.linspace(0, 1, 101), p]:
        assert best <= _expected_cost(p, t, c_fp, c_fn, c_tp, c_tn) + 1e-9 * (1 + abs(best))


@settings(max_examples=80, deadline=None)
@given(costs, costs)
def test_threshold_indifference_and_symmetry(c_fp, c_fn):
    """At t*, are the two actions' expected costs equal, and t*(a, b) = 1 - t*(b, a)?"""
    t = cost_optimal_threshold(c_fp, c_fn)
    assert (1 - t) * c_fp == pytest.approx(t * c_fn)
    assert t == pytest.approx(1 - cost_optimal_threshold(c_fn, c_fp))
    assert t == pytest.approx(c_fp / (c_fp + c_fn))


def test_threshold_known_values():
    """Do symmetric costs give 0.5, and fraud costs 5 vs 100 give 5/105?"""
    assert cost_optimal_threshold(1.0, 1.0) == 0.5
    assert cost_optimal_threshold(5, 100) == pytest.approx(5 / 105)
    assert cost_optimal_threshold(5, 100, cost_tp=5, cost_tn=0) == pytest.approx(5 / 100)


def test_value_and_cost_per_decision_match_sklearn_confusion_matrix():
    """Do the averages equal counts from sklearn's confusion matrix times payoffs?"""
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(1, 50))
        y = (rng.random(n) < 0.3).astype(int)
        score = rng.random(n)
        t = float(rng.choice(np.r_[score, 0.5, 0.0, 1.1]))
        tn, fp, fn, tp = skm.confusion_matrix(y, (score >= t).astype(int), labels=[0, 1]).ravel()
        value = expected_value_per_decision(y, score, threshold=t, value_tp=10.0,
                                            value_fp=-2.0, value_fn=-7.0, value_tn=0.5)
        assert value == pytest.approx((10 * tp - 2 * fp - 7 * fn + 0.5 * tn) / n)
        cost = expected_cost_per_decision(y, score, threshold=t, cost_fp=2.0, cost_fn=7.0,
                                          cost_tp=-10.0, cost_tn=-0.5)
        assert cost == pytest.approx(-value)


def test_threshold_at_infinity_never_acts():
    """Does threshold=inf flag nothing, so the cost is all false negatives?"""
    y = [1, 0, 1, 0]
    assert expected_cost_per_decision(y, [0.9, 0.1, 0.8, 0.2], threshold=np.inf,
                                      cost_fp=1.0, cost_fn=3.0) == 1.5
    assert expected_cost_per_decision([0, 0], [0.1, 0.2], threshold=0.5, cost_fp=1.0,
                                      cost_fn=3.0) == 0.0


def test_bad_costs_and_thresholds_name_the_argument():
    """Are degenerate costs and bad thresholds refused by name?"""
    with pytest.raises(ValueError, match=r"cost_fp \(0.0\) must be greater than cost_tn"):
        cost_optimal_threshold(0.0, 1.0)
    with pytest.raises(ValueError, match=r"cost_fn \(1.0\) must be greater than cost_tp"):
        cost_optimal_threshold(1.0, 1.0, cost_tp=2.0)
    with pytest.raises(TypeError, match="cost_fn .* must be a real number"):
        cost_optimal_threshold(1.0, "3")
    with pytest.raises(ValueError, match="cost_fp .* must be a finite"):
        cost_optimal_threshold(float("nan"), 1.0)
    with pytest.raises(ValueError, match="threshold .* must be a finite"):
        expected_value_per_decision([0, 1], [0.2, 0.8], threshold=float("nan"))
    with pytest.raises(TypeError, match="threshold .* must be a real number"):
        expected_value_per_decision([0, 1], [0.2, 0.8], threshold=None)
    with pytest.raises(TypeError, match="value_fp .* must be a real number"):
        expected_value_per_decision([0, 1], [0.2, 0.8], threshold=0.5, value_fp="1")
    with pytest.raises(TypeError, match="cost_fn .* must be a real number"):
        expected_cost_per_decision([0, 1], [0.2, 0.8], threshold=0.5, cost_fp=1.0, cost_fn=[])
    with pytest.raises(ValueError, match="y_true has 2, y_score has 1"):
        expected_cost_per_decision([0, 1], [0.2], threshold=0.5, cost_fp=1.0, cost_fn=1.0)
