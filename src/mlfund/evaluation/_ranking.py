"""Ranking metrics of scores: ROC curve, ROC-AUC, precision-recall curve, average precision.

Conventions are scikit-learn's: an example is predicted positive when its score is
``>= threshold``; curves are traced over the distinct score values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import as_binary_labels, as_float_array, check_same_length
from mlfund.evaluation._confusion import UndefinedMetricError

__all__ = [
    "RocCurve",
    "PrecisionRecallCurve",
    "roc_curve",
    "roc_auc_score",
    "precision_recall_curve",
    "average_precision_score",
]


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, dtype=float)
    arr.flags.writeable = False
    return arr


def _labels_and_scores(y_true: ArrayLike, y_score: ArrayLike,
                       score_name: str = "y_score") -> tuple[np.ndarray, np.ndarray]:
    truth = as_binary_labels("y_true", y_true)
    score = as_float_array(score_name, y_score)
    check_same_length(y_true=truth, **{score_name: score})
    return truth, score


def _require_both_classes(truth: np.ndarray, metric: str) -> None:
    n_pos = int(truth.sum())
    if n_pos == 0 or n_pos == truth.size:
        only = "1s (positives)" if n_pos else "0s (negatives)"
        raise UndefinedMetricError(
            f"{metric} is undefined when y_true contains only one class; y_true has only "
            f"{only}. It needs at least one positive and one negative example."
        )


def _cumulative_counts(truth: np.ndarray,
                       score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative (fps, tps) when predicting positive at each distinct score, high to low."""
    order = np.argsort(score, kind="mergesort")[::-1]
    score_desc = score[order]
    truth_desc = truth[order]
    # The last index of every run of equal scores: tied examples switch together.
    last_of_run = np.r_[np.flatnonzero(np.diff(score_desc)), truth.size - 1]
    tps = np.cumsum(truth_desc)[last_of_run].astype(float)
    fps = (last_of_run + 1) - tps
    return fps, tps, score_desc[last_of_run]


@dataclass(frozen=True, slots=True, eq=False)
class RocCurve:
    """A receiver operating characteristic curve.

    Attributes
    ----------
    fpr : ndarray
        False positive rates fp / (fp + tn), non-decreasing from 0 to 1.
    tpr : ndarray
        True positive rates (recalls) tp / (tp + fn), non-decreasing from 0 to 1.
    thresholds : ndarray
        Decreasing thresholds: point ``i`` predicts positive when ``score >= thresholds[i]``.
        ``thresholds[0]`` is ``inf`` (nothing predicted positive), the point (0, 0).
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray

    def auc(self) -> float:
        """Area under the curve by the trapezoid rule (equal to :func:`roc_auc_score`)."""
        return float(np.sum(np.diff(self.fpr) * (self.tpr[1:] + self.tpr[:-1]) / 2))


@dataclass(frozen=True, slots=True, eq=False)
class PrecisionRecallCurve:
    """A precision-recall curve.

    Attributes
    ----------
    precision : ndarray, length m + 1
        Precision at each threshold, then 1.0 (the conventional end point at recall 0).
    recall : ndarray, length m + 1
        Recall at each threshold, non-increasing, then 0.0.
    thresholds : ndarray, length m
        Increasing distinct scores: point ``i`` predicts positive when
        ``score >= thresholds[i]``.
    """

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray


def roc_curve(y_true: ArrayLike, y_score: ArrayLike, *,
              drop_intermediate: bool = True) -> RocCurve:
    """The ROC curve: (FPR, TPR) as the threshold sweeps the distinct scores.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels; both classes must occur.
    y_score : array_like of float, shape (n,)
        Scores, higher meaning more likely positive (probabilities or logits).
    drop_intermediate : bool, default True
        Drop points on straight segments, which do not change the curve's shape or area
        (as scikit-learn does).

    Returns
    -------
    RocCurve
        Fields ``fpr``, ``tpr``, ``thresholds`` (same as scikit-learn's, in that order).

    Raises
    ------
    UndefinedMetricError
        If ``y_true`` has only one class (FPR or TPR would be 0/0).

    Examples
    --------
    Four patients, two ill; the test's scores rank one healthy patient above one ill one:

    >>> curve = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> curve.fpr.tolist(), curve.tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    >>> curve.thresholds.tolist()
    [inf, 0.8, 0.4, 0.35, 0.1]
    >>> curve.auc()
    0.75
    """
    truth, score = _labels_and_scores(y_true, y_score)
    _require_both_classes(truth, "the ROC curve")
    if not isinstance(drop_intermediate, (bool, np.bool_)):
        raise TypeError(f"drop_intermediate ({drop_intermediate!r}) must be True or False.")
    fps, tps, thresholds = _cumulative_counts(truth, score)
    if drop_intermediate and fps.size > 2:
        # Keep a point only where the curve bends (a second difference is non-zero).
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps = np.r_[0.0, fps]
    tps = np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    return RocCurve(fpr=_frozen(fps / fps[-1]), tpr=_frozen(tps / tps[-1]),
                    thresholds=_frozen(thresholds))


def roc_auc_score(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Area under the ROC curve = P(s₊ > s₋) + ½ P(s₊ = s₋).

    The probability that a random positive scores above a random negative, ties counted
    one half: the Mann-Whitney U statistic divided by n₊ n₋. It is computed from mid-ranks,
    AUC = (R₊ - n₊(n₊ + 1)/2) / (n₊ n₋) with R₊ the sum of the positives' ranks, in
    O(n log n); it equals the trapezoid area under :func:`roc_curve`.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels; both classes must occur.
    y_score : array_like of float, shape (n,)
        Scores, higher meaning more likely positive.

    Returns
    -------
    float
        In [0, 1]; 0.5 for uninformative scores, 1 for a perfect ranking.

    Raises
    ------
    UndefinedMetricError
        If ``y_true`` has only one class: ROC-AUC is undefined with one class.

    Examples
    --------
    Two positives and two negatives give four pairs; the positive scored 0.35 loses to
    the negative scored 0.4, the other three pairs are won:

    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75

    A tie counts one half:

    >>> roc_auc_score([0, 1], [0.5, 0.5])
    0.5
    """
    truth, score = _labels_and_scores(y_true, y_score)
    _require_both_classes(truth, "ROC-AUC")
    n = score.size
    order = np.argsort(score, kind="mergesort")
    sorted_scores = score[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], n]
    # Mid-rank of a run of ties occupying 1-based positions starts+1 .. ends.
    midranks = np.repeat((starts + 1 + ends) / 2.0, ends - starts)
    ranks = np.empty(n)
    ranks[order] = midranks
    n_pos = int(truth.sum())
    n_neg = n - n_pos
    u_statistic = ranks[truth == 1].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u_statistic / (n_pos * n_neg))


def precision_recall_curve(y_true: ArrayLike, y_score: ArrayLike, *,
                           drop_intermediate: bool = False) -> PrecisionRecallCurve:
    """The precision-recall curve as the threshold sweeps the distinct scores.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels; at least one must be positive (recall is 0/0 otherwise).
    y_score : array_like of float, shape (n,)
        Scores, higher meaning more likely positive.
    drop_intermediate : bool, default False
        Drop thresholds at which recall does not change except the first and last
        (scikit-learn's option); the step area is unchanged.

    Returns
    -------
    PrecisionRecallCurve
        Fields ``precision``, ``recall`` (one longer, ending at (1, 0)) and increasing
        ``thresholds``, as scikit-learn returns them.

    Raises
    ------
    UndefinedMetricError
        If ``y_true`` has no positives.

    Examples
    --------
    >>> curve = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> curve.precision.round(3).tolist()
    [0.5, 0.667, 0.5, 1.0, 1.0]
    >>> curve.recall.tolist()
    [1.0, 1.0, 0.5, 0.5, 0.0]
    >>> curve.thresholds.tolist()
    [0.1, 0.35, 0.4, 0.8]
    """
    truth, score = _labels_and_scores(y_true, y_score)
    if truth.sum() == 0:
        raise UndefinedMetricError(
            "the precision-recall curve is undefined when y_true has no positives "
            "(recall is 0/0)."
        )
    if not isinstance(drop_intermediate, (bool, np.bool_)):
        raise TypeError(f"drop_intermediate ({drop_intermediate!r}) must be True or False.")
    fps, tps, thresholds = _cumulative_counts(truth, score)
    if drop_intermediate and fps.size > 2:
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return PrecisionRecallCurve(
        precision=_frozen(np.r_[precision[::-1], 1.0]),
        recall=_frozen(np.r_[recall[::-1], 0.0]),
        thresholds=_frozen(thresholds[::-1]),
    )


def average_precision_score(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Average precision, the step sum AP = Σₙ (Rₙ - Rₙ₋₁) Pₙ over decreasing thresholds.

    Each gain in recall is weighted by the precision at which it is reached, exactly as
    scikit-learn computes it; there is no trapezoid interpolation (which would be
    optimistic, joining points linearly in precision).

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels; both classes must occur.
    y_score : array_like of float, shape (n,)
        Scores, higher meaning more likely positive.

    Returns
    -------
    float
        In (0, 1]; a random ranking scores about the prevalence.

    Raises
    ------
    UndefinedMetricError
        If ``y_true`` has only one class.

    Examples
    --------
    Ranked by score the labels are 1, 0, 1, 0: recall 1/2 is reached at precision 1, the
    last 1/2 at precision 2/3, so AP = ½·1 + ½·⅔ = 5/6.

    >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    truth, score = _labels_and_scores(y_true, y_score)
    _require_both_classes(truth, "average precision")
    fps, tps, _ = _cumulative_counts(truth, score)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    recall_gain = np.diff(np.r_[0.0, recall])
    return float(np.sum(recall_gain * precision))
