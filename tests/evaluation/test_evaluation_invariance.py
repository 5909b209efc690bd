"""Invariances over a registry of every metric, as scikit-learn's common metric tests do."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mlfund.evaluation as ev

# name -> (metric, kind): kind says what the second argument is.
LABEL_METRICS = {
    "precision_score": functools.partial(ev.precision_score, zero_division=0.0),
    "recall_score": functools.partial(ev.recall_score, zero_division=0.0),
    "specificity_score": functools.partial(ev.specificity_score, zero_division=0.0),
    "f1_score": functools.partial(ev.f1_score, zero_division=0.0),
    "fbeta_score(beta=2)": functools.partial(ev.fbeta_score, beta=2.0, zero_division=1.0),
    "accuracy_score": ev.accuracy_score,
}
SCORE_METRICS = {
    "roc_auc_score": ev.roc_auc_score,
    "average_precision_score": ev.average_precision_score,
    "roc_curve.auc": lambda y, s: ev.roc_curve(y, s).auc(),
}
PROBABILITY_METRICS = {
    "log_loss": ev.log_loss,
    "brier_score_loss": ev.brier_score_loss,
    "expected_calibration_error": ev.expected_calibration_error,
    "expected_calibration_error(quantile)": functools.partial(
        ev.expected_calibration_error, n_bins=4, strategy="quantile"),
    "expected_value_per_decision": functools.partial(
        ev.expected_value_per_decision, threshold=0.5, value_tp=3.0, value_fp=-1.0,
        value_fn=-2.0, value_tn=0.5),
}
ALL_METRICS = {
    **{k: (v, "labels") for k, v in LABEL_METRICS.items()},
    **{k: (v, "scores") for k, v in SCORE_METRICS.items()},
    **{k: (v, "probabilities") for k, v in PROBABILITY_METRICS.items()},
}


@st.composite
def labelled_case(draw, kind: str):
    n = draw(st.integers(2, 40))
    y_true = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    y_true[0], y_true[1] = 0, 1  # both classes, so every metric is defined
    if kind == "labels":
        second = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    elif kind == "scores":
        # few distinct values, so ties are common
        second = draw(st.lists(st.integers(-3, 3).map(float), min_size=n, max_size=n))
    else:
        second = draw(st.lists(st.sampled_from([0.0, 0.05, 0.3, 0.5, 0.75, 1.0]),
                               min_size=n, max_size=n))
    seed = draw(st.integers(0, 2**32 - 1))
    return y_true, second, seed


@pytest.mark.parametrize("name", sorted(ALL_METRICS))
def test_registry_metrics_return_python_floats(name):
    """Does every registered metric return a plain, finite float?"""
    metric, kind = ALL_METRICS[name]
    second = {"labels": [1, 0, 1, 1], "scores": [0.2, 0.4, 0.4, 0.9],
              "probabilities": [0.2, 0.4, 0.6, 0.9]}[kind]
    value = metric([0, 0, 1, 1], second)
    assert type(value) is float and np.isfinite(value)


@pytest.mark.parametrize("name", sorted(ALL_METRICS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_order_list_and_label_type_invariance(name, data):
    """Is each metric unchanged by permuting samples, list vs array, bool vs int labels?"""
    metric, kind = ALL_METRICS[name]
    y_true, second, seed = data.draw(labelled_case(kind))
    reference = metric(y_true, second)
    perm = np.random.default_rng(seed).permutation(len(y_true))
    y_arr, s_arr = np.asarray(y_true), np.asarray(second)
    assert metric(y_arr[perm], s_arr[perm]) == pytest.approx(reference, abs=1e-12)
    assert metric(y_arr, s_arr) == pytest.approx(reference, abs=1e-12)
    assert metric(y_arr.astype(bool), s_arr) == pytest.approx(reference, abs=1e-12)
    assert metric(tuple(y_true), tuple(second)) == pytest.approx(reference, abs=1e-12)
    if kind == "labels":
        assert metric(y_true, s_arr.astype(bool)) == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize("name", sorted(SCORE_METRICS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_ranking_metrics_invariant_to_monotone_transforms(name, data):
    """Are ROC-AUC and AP unchanged by strictly increasing transforms of the scores?"""
    metric = SCORE_METRICS[name]
    y_true, scores, _ = data.draw(labelled_case("scores"))
    reference = metric(y_true, scores)
    s = np.asarray(scores)
    for transformed in (np.exp(s), 3.0 * s - 7.0, 1 / (1 + np.exp(-s)), s**3, np.arctan(s)):
        assert metric(y_true, transformed) == pytest.approx(reference, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_roc_auc_symmetries(data):
    """Does flipping the scores (or the labels) turn ROC-AUC into 1 - ROC-AUC?"""
    y_true, scores, _ = data.draw(labelled_case("scores"))
    auc = ev.roc_auc_score(y_true, scores)
    assert 0.0 <= auc <= 1.0
    assert ev.roc_auc_score(y_true, -np.asarray(scores)) == pytest.approx(1 - auc, abs=1e-12)
    assert ev.roc_auc_score(1 - np.asarray(y_true), scores) == pytest.approx(1 - auc, abs=1e-12)


def test_calibration_is_not_invariant_to_monotone_transforms():
    """Unlike AUC, do log loss and Brier change when probabilities are squashed?"""
    y, p = [0, 0, 1, 1, 1], np.array([0.1, 0.4, 0.35, 0.8, 0.9])
    squashed = p**2
    assert ev.roc_auc_score(y, squashed) == ev.roc_auc_score(y, p)
    assert ev.log_loss(y, squashed) != pytest.approx(ev.log_loss(y, p))
    assert ev.brier_score_loss(y, squashed) != pytest.approx(ev.brier_score_loss(y, p))
