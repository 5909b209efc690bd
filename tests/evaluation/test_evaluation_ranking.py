"""ROC and precision-recall: against scikit-learn and slow, obvious references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sklearn.metrics as skm

from mlfund.evaluation import (
    PrecisionRecallCurve,
    RocCurve,
    UndefinedMetricError,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

RNG = np.random.default_rng(7)


def slow_roc_auc(y_true, y_score) -> float:
    """O(n²) pair counting: P(s+ > s-) + ½ P(s+ = s-)."""
    pos = [s for s, y in zip(y_score, y_true, strict=True) if y == 1]
    neg = [s for s, y in zip(y_score, y_true, strict=True) if y == 0]
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def slow_average_precision(y_true, y_score) -> float:
    """Σ (R_n - R_{n-1}) P_n, thresholding at each distinct score from high to low."""
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    n_pos = y_true.sum()
    ap, previous_recall = 0.0, 0.0
    for t in sorted(set(y_score.tolist()), reverse=True):
        flagged = y_score >= t
        tp = np.sum(flagged & (y_true == 1))
        precision = tp / flagged.sum()
        recall = tp / n_pos
        ap += (recall - previous_recall) * precision
        previous_recall = recall
    return float(ap)


def _random_case(rng, *, ties: bool) -> tuple[np.ndarray, np.ndarray]:
    n = int(rng.integers(2, 60))
    y_true = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
    y_true[rng.choice(n, 2, replace=False)] = [0, 1]  # both classes
    if ties:
        y_score = rng.integers(0, int(rng.integers(1, 6)), size=n).astype(float)
    else:
        y_score = rng.normal(size=n) + y_true * rng.uniform(0, 2)
    return y_true, y_score


CASES = ([_random_case(RNG, ties=False) for _ in range(150)]
         + [_random_case(RNG, ties=True) for _ in range(150)])
EDGES = [
    ([0, 1], [0.3, 0.7]),                       # tiny, perfect
    ([0, 1], [0.7, 0.3]),                       # tiny, reversed
    ([0, 1], [0.5, 0.5]),                       # tiny, tied
    ([0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4]),       # single positive, on top
    ([0, 0, 0, 1], [0.4, 0.2, 0.3, 0.1]),       # single positive, at the bottom
    ([1, 1, 1, 0], [0.4, 0.2, 0.3, 0.1]),       # single negative
    ([0, 1, 0, 1, 1], [0.5] * 5),               # all scores equal
    ([0, 1, 1, 0], [-1e300, 1e300, 0.0, 0.0]),  # extreme magnitudes
]


def test_roc_auc_matches_pair_counting_and_sklearn():
    """Is ROC-AUC the Mann-Whitney pair count (ties ½) and sklearn's value?"""
    for y_true, y_score in CASES + EDGES:
        got = roc_auc_score(y_true, y_score)
        assert got == pytest.approx(slow_roc_auc(y_true, y_score), abs=1e-12)
        assert got == pytest.approx(skm.roc_auc_score(y_true, y_score), abs=1e-12)


def test_roc_auc_known_values():
    """Do perfect, reversed and all-tied rankings give 1, 0 and 0.5?"""
    assert roc_auc_score([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert roc_auc_score([0, 0, 1, 1], [4, 3, 2, 1]) == 0.0
    assert roc_auc_score([0, 1, 0, 1, 1], [3.0] * 5) == 0.5


@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_roc_curve_matches_sklearn(drop_intermediate):
    """Are fpr, tpr and thresholds sklearn's, point for point?"""
    for y_true, y_score in CASES + EDGES:
        curve = roc_curve(y_true, y_score, drop_intermediate=drop_intermediate)
        fpr, tpr, thr = skm.roc_curve(y_true, y_score, drop_intermediate=drop_intermediate)
        np.testing.assert_allclose(curve.fpr, fpr, atol=1e-12)
        np.testing.assert_allclose(curve.tpr, tpr, atol=1e-12)
        np.testing.assert_array_equal(curve.thresholds, thr)
        assert curve.auc() == pytest.approx(roc_auc_score(y_true, y_score), abs=1e-12)


def test_roc_curve_points_are_rates_at_each_threshold():
    """Is each ROC point the (FPR, TPR) of predicting positive when score >= threshold?"""
    for y_true, y_score in CASES[:60]:
        y_true, y_score = np.asarray(y_true), np.asarray(y_score)
        curve = roc_curve(y_true, y_score, drop_intermediate=False)
        for f, t, thr in zip(curve.fpr, curve.tpr, curve.thresholds, strict=True):
            flagged = y_score >= thr
            assert f == pytest.approx(np.mean(flagged[y_true == 0]))
            assert t == pytest.approx(np.mean(flagged[y_true == 1]))


@pytest.mark.parametrize("drop_intermediate", [True, False])
def test_precision_recall_curve_matches_sklearn(drop_intermediate):
    """Are precision, recall and thresholds sklearn's, point for point?"""
    for y_true, y_score in CASES + EDGES:
        curve = precision_recall_curve(y_true, y_score, drop_intermediate=drop_intermediate)
        p, r, thr = skm.precision_recall_curve(y_true, y_score,
                                               drop_intermediate=drop_intermediate)
        np.testing.assert_allclose(curve.precision, p, atol=1e-12)
        np.testing.assert_allclose(curve.recall, r, atol=1e-12)
        np.testing.assert_array_equal(curve.thresholds, thr)
        assert curve.precision.size == curve.recall.size == curve.thresholds.size + 1


def test_precision_recall_curve_without_negatives_is_defined():
    """With only positives, is precision 1 everywhere (the curve needs only positives)?"""
    curve = precision_recall_curve([1, 1, 1], [0.2, 0.5, 0.9])
    assert curve.precision.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert curve.recall.tolist() == [1.0, 2 / 3, 1 / 3, 0.0]


def test_average_precision_matches_step_sum_and_sklearn():
    """Is AP the step sum Σ(ΔR)P (not a trapezoid) and sklearn's value?"""
    for y_true, y_score in CASES + EDGES:
        got = average_precision_score(y_true, y_score)
        assert got == pytest.approx(slow_average_precision(y_true, y_score), abs=1e-12)
        assert got == pytest.approx(skm.average_precision_score(y_true, y_score), abs=1e-12)
        curve = precision_recall_curve(y_true, y_score)
        step_sum = -np.sum(np.diff(curve.recall) * curve.precision[:-1])
        assert got == pytest.approx(step_sum, abs=1e-12)


def test_average_precision_is_not_the_trapezoid():
    """Does AP differ from the trapezoid area on a case where they disagree?"""
    y_true, y_score = [1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6]
    curve = precision_recall_curve(y_true, y_score)
    trapezoid = -np.sum(np.diff(curve.recall) * (curve.precision[1:] + curve.precision[:-1]) / 2)
    ap = average_precision_score(y_true, y_score)
    assert ap == pytest.approx(0.5 * 1 + 0.5 * 0.5)
    assert abs(ap - trapezoid) > 0.01


def test_average_precision_exhaustive_tiny_cases():
    """Over every labelling and score ranking with ties of n <= 4, do AP and AUC agree?"""
    for n in range(2, 5):
        for labels in itertools.product([0, 1], repeat=n):
            if len(set(labels)) < 2:
                continue
            for scores in itertools.product(range(3), repeat=n):
                assert average_precision_score(labels, scores) == pytest.approx(
                    skm.average_precision_score(labels, scores), abs=1e-12)
                assert roc_auc_score(labels, scores) == pytest.approx(
                    slow_roc_auc(labels, scores), abs=1e-12)


def test_results_are_frozen_named_arrays():
    """Are the curves frozen dataclasses whose arrays cannot be written?"""
    roc = roc_curve([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.3])
    pr = precision_recall_curve([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.3])
    assert isinstance(roc, RocCurve) and isinstance(pr, PrecisionRecallCurve)
    with pytest.raises(AttributeError):
        roc.fpr = np.zeros(3)
    with pytest.raises(ValueError, match="read-only"):
        pr.precision[0] = 0.0


@pytest.mark.parametrize("fn", [roc_auc_score, average_precision_score, roc_curve])
@pytest.mark.parametrize("labels", [[0, 0, 0], [1, 1], [True]])
def test_single_class_is_undefined(fn, labels):
    """Does a single class raise a ValueError saying the metric is undefined?"""
    with pytest.raises(UndefinedMetricError, match="undefined when y_true contains only one"):
        fn(labels, np.linspace(0, 1, len(labels)))
    with pytest.raises(ValueError, match="only one class"):
        fn(labels, np.linspace(0, 1, len(labels)))


def test_precision_recall_curve_without_positives_is_undefined():
    """Is the PR curve refused when recall is 0/0?"""
    with pytest.raises(UndefinedMetricError, match="no positives"):
        precision_recall_curve([0, 0], [0.1, 0.2])


@pytest.mark.parametrize("fn", [roc_auc_score, average_precision_score, roc_curve,
                                precision_recall_curve])
def test_bad_input_names_the_argument(fn):
    """Are bad scores, labels, lengths and options refused with the argument's name?"""
    with pytest.raises(ValueError, match="y_score must contain only finite"):
        fn([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="y_score must contain only finite"):
        fn([0, 1], [0.1, np.inf])
    with pytest.raises(TypeError, match="y_score must be an array of real numbers"):
        fn([0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="y_true must contain only the labels 0 and 1"):
        fn([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="y_true has 2, y_score has 3"):
        fn([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="y_score must be 1-dimensional"):
        fn([0, 1], [[0.1, 0.2]])


def test_bad_drop_intermediate():
    """Is a non-bool drop_intermediate refused by name?"""
    with pytest.raises(TypeError, match="drop_intermediate"):
        roc_curve([0, 1], [0.1, 0.2], drop_intermediate="yes")
    with pytest.raises(TypeError, match="drop_intermediate"):
        precision_recall_curve([0, 1], [0.1, 0.2], drop_intermediate=1)
