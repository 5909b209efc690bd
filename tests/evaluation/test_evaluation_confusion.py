"""Confusion-matrix metrics against scikit-learn, with explicit zero-division behaviour."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.evaluation import (
    ConfusionMatrix,
    UndefinedMetricError,
    accuracy_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    precision_score,
    recall_score,
    specificity_score,
)

RNG = np.random.default_rng(20240801)


def _random_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = int(rng.integers(1, 40))
    y_true = (rng.random(n) < rng.random()).astype(int)
    y_pred = (rng.random(n) < rng.random()).astype(int)
    return y_true, y_pred


def _sklearn(metric, y_true, y_pred, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(metric(y_true, y_pred, **kwargs))


CASES = [_random_case(RNG) for _ in range(120)]
EDGES = [
    ([1], [1]), ([0], [0]), ([1], [0]), ([0], [1]),
    ([0, 0, 0], [0, 0, 0]), ([1, 1, 1], [1, 1, 1]), ([1, 1], [0, 0]), ([0, 0], [1, 1]),
    ([1, 0, 1, 0], [1, 0, 1, 0]), ([1, 0, 1, 0], [0, 1, 0, 1]),
]


@pytest.mark.parametrize("zero_division", [0.0, 1.0])
def test_metrics_match_sklearn_on_random_and_edge_cases(zero_division):
    """Do precision, recall, F1, F-beta and accuracy agree with sklearn for every case?"""
    for y_true, y_pred in CASES + EDGES:
        kw = {"zero_division": zero_division}
        for ours, theirs in [(precision_score, skm.precision_score),
                             (recall_score, skm.recall_score),
                             (f1_score, skm.f1_score)]:
            got = ours(y_true, y_pred, **kw)
            want = _sklearn(theirs, y_true, y_pred, labels=[0, 1], **kw)
            assert got == pytest.approx(want, abs=1e-12), (ours.__name__, y_true, y_pred)
        for beta in (0.5, 1.0, 2.0, 3.7):
            got = fbeta_score(y_true, y_pred, beta=beta, **kw)
            want = _sklearn(skm.fbeta_score, y_true, y_pred, beta=beta, labels=[0, 1], **kw)
            assert got == pytest.approx(want, abs=1e-12)
        assert accuracy_score(y_true, y_pred) == pytest.approx(
            skm.accuracy_score(y_true, y_pred), abs=1e-15)


def test_specificity_is_recall_of_the_negative_class():
    """Is specificity sklearn's recall with pos_label=0?"""
    for y_true, y_pred in CASES:
        got = specificity_score(y_true, y_pred, zero_division=0.0)
        want = _sklearn(skm.recall_score, y_true, y_pred, pos_label=0, zero_division=0.0)
        assert got == pytest.approx(want, abs=1e-12)


def test_confusion_matrix_matches_sklearn_ravel_order():
    """Are the counts those of sklearn's confusion_matrix (ravel order tn, fp, fn, tp)?"""
    for y_true, y_pred in CASES + EDGES:
        tn, fp, fn, tp = skm.confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
        assert confusion_matrix(y_true, y_pred) == ConfusionMatrix(tp=tp, fp=fp, fn=fn, tn=tn)


def test_default_zero_division_raises_with_a_clear_message():
    """Does the default refuse to guess a 0/0 metric, and say how to choose?"""
    with pytest.raises(UndefinedMetricError, match=r"precision is undefined.*tp \+ fp = 0"):
        precision_score([1, 0], [0, 0])
    with pytest.raises(UndefinedMetricError, match=r"recall is undefined.*tp \+ fn = 0"):
        recall_score([0, 0], [1, 0])
    with pytest.raises(UndefinedMetricError, match="specificity is undefined"):
        specificity_score([1, 1], [1, 0])
    with pytest.raises(UndefinedMetricError, match="F1 is undefined.*zero_division"):
        f1_score([0, 0], [0, 0])
    with pytest.raises(ValueError, match="F-beta is undefined"):
        fbeta_score([0, 0], [0, 0], beta=2.0)


def test_f_scores_defined_when_only_precision_is_zero_over_zero():
    """Is F1 = 0, not an error, when nothing is predicted positive but positives exist?"""
    assert f1_score([1, 0], [0, 0]) == 0.0
    assert fbeta_score([1, 0], [0, 0], beta=0.5) == 0.0


def test_never_returns_nan():
    """Is every result over random cases a finite number?"""
    for y_true, y_pred in CASES + EDGES:
        for zd in (0.0, 1.0):
            for fn in (precision_score, recall_score, f1_score, specificity_score):
                assert np.isfinite(fn(y_true, y_pred, zero_division=zd))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=30),
       st.floats(0.1, 5.0))
def test_fbeta_between_precision_and_recall_and_harmonic_identity(pairs, beta):
    """Is F-beta between P and R, and F1 the harmonic mean 2PR/(P + R)?"""
    y_true = [a for a, _ in pairs]
    y_pred = [b for _, b in pairs]
    cm = confusion_matrix(y_true, y_pred)
    if cm.tp == 0:
        return
    p, r = cm.precision(), cm.recall()
    f = cm.fbeta(beta=beta)
    assert min(p, r) - 1e-12 <= f <= max(p, r) + 1e-12
    assert cm.f1() == pytest.approx(2 * p * r / (p + r))
    assert f == pytest.approx((1 + beta**2) * p * r / (beta**2 * p + r))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=30))
def test_order_list_bool_invariance(pairs):
    """Are counts unchanged by permutation, list vs array and bool vs int labels?"""
    y_true = [a for a, _ in pairs]
    y_pred = [b for _, b in pairs]
    cm = confusion_matrix(y_true, y_pred)
    perm = np.random.default_rng(len(pairs)).permutation(len(pairs))
    assert confusion_matrix(np.array(y_true, dtype=int)[perm],
                            np.array(y_pred, dtype=int)[perm]) == cm
    assert confusion_matrix(np.array(y_true, dtype=float), np.array(y_pred)) == cm
    assert cm.n == len(pairs)


def test_value_per_decision_is_the_average_payoff():
    """Does value_per_decision equal a loop over examples with each outcome's value?"""
    values = {"value_tp": 7.0, "value_fp": -2.5, "value_fn": -11.0, "value_tn": 0.25}
    for y_true, y_pred in CASES[:50]:
        total = 0.0
        for t, p in zip(y_true, y_pred, strict=True):
            key = {(1, 1): "value_tp", (0, 1): "value_fp", (1, 0): "value_fn",
                   (0, 0): "value_tn"}[(t, p)]
            total += values[key]
        got = confusion_matrix(y_true, y_pred).value_per_decision(**values)
        assert got == pytest.approx(total / len(y_true))


def test_confusion_matrix_fields_are_validated():
    """Are negative, fractional, non-numeric and all-zero counts refused with the name?"""
    with pytest.raises(ValueError, match=r"fp \(-1\) must be >= 0"):
        ConfusionMatrix(tp=1, fp=-1, fn=0, tn=0)
    with pytest.raises(ValueError, match=r"tn \(2.5\) must be a whole number"):
        ConfusionMatrix(tp=1, fp=0, fn=0, tn=2.5)
    with pytest.raises(TypeError, match="tp .* must be a whole number"):
        ConfusionMatrix(tp="3", fp=0, fn=0, tn=0)
    with pytest.raises(ValueError, match="at least one example"):
        ConfusionMatrix(tp=0, fp=0, fn=0, tn=0)
    assert ConfusionMatrix(tp=np.int64(2), fp=1.0, fn=0, tn=0).fp == 1
    with pytest.raises(AttributeError):
        ConfusionMatrix(tp=1, fp=1, fn=1, tn=1).tp = 3  # frozen


@pytest.mark.parametrize("fn", [precision_score, recall_score, f1_score, specificity_score,
                                accuracy_score])
def test_bad_labels_name_the_argument(fn):
    """Is each kind of bad label input refused with a message naming the argument?"""
    with pytest.raises(ValueError, match="y_true must contain only the labels 0 and 1"):
        fn([0, 2, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="y_pred must contain only the labels 0 and 1"):
        fn([0, 1, 1], [-1, 1, 1])
    with pytest.raises(TypeError, match="y_true must contain labels 0 and 1"):
        fn(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match="y_true has 3, y_pred has 2"):
        fn([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_pred must be a non-empty 1-dimensional"):
        fn([0, 1], [[0, 1]])
    with pytest.raises(ValueError, match="y_true must be a non-empty"):
        fn([], [])


def test_bad_options_name_the_argument():
    """Are a bad zero_division and a bad beta refused, listing what is allowed?"""
    with pytest.raises(ValueError, match=r"zero_division \('warn'\) must be one of 'raise', 0.0"):
        precision_score([1, 0], [1, 0], zero_division="warn")
    with pytest.raises(ValueError, match=r"zero_division \(nan\)"):
        recall_score([1, 0], [1, 0], zero_division=float("nan"))
    with pytest.raises(ValueError, match=r"zero_division \(True\)"):
        f1_score([1, 0], [1, 0], zero_division=True)
    with pytest.raises(ValueError, match=r"beta \(0.0\) must be > 0"):
        fbeta_score([1, 0], [1, 0], beta=0.0)
    with pytest.raises(TypeError, match="beta .* must be a real number"):
        fbeta_score([1, 0], [1, 0], beta="2")
    with pytest.raises(TypeError, match="fbeta_score.*beta"):
        fbeta_score([1, 0], [1, 0])  # beta is required
