"""Confusion-matrix metrics: precision, recall, F-beta, accuracy and specificity.

Every ratio here can be 0/0: precision when nothing is predicted positive, recall when
there are no actual positives. The keyword ``zero_division`` says what to do then:
``"raise"`` (the default) raises :class:`UndefinedMetricError`; ``0.0`` or ``1.0`` returns
that value. NaN is never returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import (
    _show,
    as_binary_labels,
    check_count,
    check_positive,
    check_real,
    check_same_length,
)

__all__ = [
    "UndefinedMetricError",
    "ConfusionMatrix",
    "confusion_matrix",
    "precision_score",
    "recall_score",
    "specificity_score",
    "f1_score",
    "fbeta_score",
    "accuracy_score",
]

_ZERO_DIVISION_CHOICES = ("raise", 0.0, 1.0)


class UndefinedMetricError(ValueError):
    """A metric is 0/0 (or needs a class that is absent) for the data given.

    A subclass of :class:`ValueError`, so ``except ValueError`` catches it too.
    """


def _check_zero_division(zero_division: Any) -> str | float:
    if isinstance(zero_division, str):
        if zero_division == "raise":
            return "raise"
    elif not isinstance(zero_division, (bool, np.bool_)) and isinstance(
        zero_division, (int, float, np.integer, np.floating)
    ):
        if float(zero_division) in (0.0, 1.0):
            return float(zero_division)
    raise ValueError(
        f"zero_division ({_show(zero_division)}) must be one of 'raise', 0.0 or 1.0."
    )


def _ratio(numerator: float, denominator: float, zero_division: str | float,
           *, metric: str, why: str) -> float:
    """numerator / denominator, or the documented fallback when the denominator is 0."""
    if denominator > 0:
        return float(numerator / denominator)
    if zero_division == "raise":
        raise UndefinedMetricError(
            f"{metric} is undefined: {why}. Pass zero_division=0.0 or zero_division=1.0 "
            f"to choose its value in this case."
        )
    return float(zero_division)


@dataclass(frozen=True, slots=True)
class ConfusionMatrix:
    """Counts of a binary classifier's four outcomes.

    Attributes
    ----------
    tp : int
        True positives: actual 1, predicted 1.
    fp : int
        False positives: actual 0, predicted 1.
    fn : int
        False negatives: actual 1, predicted 0.
    tn : int
        True negatives: actual 0, predicted 0.

    Examples
    --------
    A spam filter flags 10 e-mails, 8 of them spam; it lets 2 spam e-mails through and
    correctly passes 90 legitimate ones.

    >>> cm = ConfusionMatrix(tp=8, fp=2, fn=2, tn=90)
    >>> cm.n, cm.prevalence
    (102, 0.09803921568627451)
    >>> cm.precision(), cm.recall(), round(cm.f1(), 3)
    (0.8, 0.8, 0.8)
    >>> round(cm.fbeta(beta=2.0), 3), round(cm.accuracy(), 4), round(cm.specificity(), 4)
    (0.8, 0.9608, 0.9783)
    """

    tp: int
    fp: int
    fn: int
    tn: int

    def __post_init__(self) -> None:
        for name in ("tp", "fp", "fn", "tn"):
            object.__setattr__(self, name, check_count(name, getattr(self, name)))
        if self.n == 0:
            raise ValueError("a confusion matrix needs at least one example; all counts are 0.")

    @classmethod
    def from_predictions(cls, y_true: ArrayLike, y_pred: ArrayLike) -> ConfusionMatrix:
        """Count the outcomes of predicted labels ``y_pred`` against labels ``y_true``.

        Parameters
        ----------
        y_true, y_pred : array_like of 0/1 or bool, shape (n,)
            Actual and predicted labels.

        Returns
        -------
        ConfusionMatrix

        Examples
        --------
        >>> ConfusionMatrix.from_predictions([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
        ConfusionMatrix(tp=2, fp=1, fn=1, tn=1)
        """
        truth = as_binary_labels("y_true", y_true)
        pred = as_binary_labels("y_pred", y_pred)
        check_same_length(y_true=truth, y_pred=pred)
        tp = int(np.sum((truth == 1) & (pred == 1)))
        fp = int(np.sum((truth == 0) & (pred == 1)))
        fn = int(np.sum((truth == 1) & (pred == 0)))
        tn = int(np.sum((truth == 0) & (pred == 0)))
        return cls(tp=tp, fp=fp, fn=fn, tn=tn)

    @property
    def n(self) -> int:
        """Number of examples, tp + fp + fn + tn."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def n_positive(self) -> int:
        """Number of actual positives, tp + fn."""
        return self.tp + self.fn

    @property
    def n_negative(self) -> int:
        """Number of actual negatives, fp + tn."""
        return self.fp + self.tn

    @property
    def prevalence(self) -> float:
        """Share of actual positives, (tp + fn) / n."""
        return self.n_positive / self.n

    def precision(self, *, zero_division: str | float = "raise") -> float:
        """tp / (tp + fp): the share of predicted positives that are positive."""
        zd = _check_zero_division(zero_division)
        return _ratio(self.tp, self.tp + self.fp, zd, metric="precision",
                      why="there are no predicted positives (tp + fp = 0)")

    def recall(self, *, zero_division: str | float = "raise") -> float:
        """tp / (tp + fn): the share of actual positives that are found (sensitivity, TPR)."""
        zd = _check_zero_division(zero_division)
        return _ratio(self.tp, self.tp + self.fn, zd, metric="recall",
                      why="there are no actual positives (tp + fn = 0)")

    def specificity(self, *, zero_division: str | float = "raise") -> float:
        """tn / (tn + fp): the share of actual negatives predicted negative (1 - FPR)."""
        zd = _check_zero_division(zero_division)
        return _ratio(self.tn, self.tn + self.fp, zd, metric="specificity",
                      why="there are no actual negatives (tn + fp = 0)")

    def fbeta(self, *, beta: float, zero_division: str | float = "raise") -> float:
        """(1 + β²) tp / ((1 + β²) tp + β² fn + fp): recall weighted β times precision.

        Written with counts, F-beta is 0/0 only when tp = fp = fn = 0 (every example is a
        true negative); when just precision or just recall is 0/0 it is still defined.
        """
        b = check_positive("beta", beta)
        zd = _check_zero_division(zero_division)
        b2 = b * b
        return _ratio((1 + b2) * self.tp, (1 + b2) * self.tp + b2 * self.fn + self.fp, zd,
                      metric="F-beta",
                      why="there are no actual and no predicted positives (tp + fp + fn = 0)")

    def f1(self, *, zero_division: str | float = "raise") -> float:
        """2 tp / (2 tp + fp + fn): the harmonic mean of precision and recall."""
        zd = _check_zero_division(zero_division)
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn, zd, metric="F1",
                      why="there are no actual and no predicted positives (tp + fp + fn = 0)")

    def accuracy(self) -> float:
        """(tp + tn) / n: the share of correct predictions."""
        return (self.tp + self.tn) / self.n

    def value_per_decision(self, *, value_tp: float = 0.0, value_fp: float = 0.0,
                           value_fn: float = 0.0, value_tn: float = 0.0) -> float:
        """Average payoff per example, (tp·v_TP + fp·v_FP + fn·v_FN + tn·v_TN) / n.

        Values are signed: pass a cost as a negative value.

        Examples
        --------
        Each caught fraud saves $100, each false alarm costs a $5 review:

        >>> ConfusionMatrix(tp=8, fp=2, fn=2, tn=88).value_per_decision(
        ...     value_tp=100.0, value_fp=-5.0)
        7.9
        """
        values = {
            "value_tp": value_tp, "value_fp": value_fp, "value_fn": value_fn, "value_tn": value_tn
        }
        v = {k: check_real(k, val) for k, val in values.items()}
        total = (self.tp * v["value_tp"] + self.fp * v["value_fp"]
                 + self.fn * v["value_fn"] + self.tn * v["value_tn"])
        return float(total / self.n)


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike) -> ConfusionMatrix:
    """Count true/false positives/negatives of predicted labels.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.

    Returns
    -------
    ConfusionMatrix
        With fields ``tp``, ``fp``, ``fn``, ``tn`` (not scikit-learn's 2x2 array, whose
        ``ravel()`` order is tn, fp, fn, tp).

    Examples
    --------
    Five loan applications, three of which defaulted; the model flagged three:

    >>> confusion_matrix([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])
    ConfusionMatrix(tp=2, fp=1, fn=1, tn=1)
    """
    return ConfusionMatrix.from_predictions(y_true, y_pred)


def precision_score(y_true: ArrayLike, y_pred: ArrayLike, *,
                    zero_division: str | float = "raise") -> float:
    """Precision tp / (tp + fp): of the examples predicted positive, the share that are.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.
    zero_division : {'raise', 0.0, 1.0}, default 'raise'
        What to do when nothing is predicted positive (tp + fp = 0): raise
        :class:`UndefinedMetricError`, or return 0.0 or 1.0 (as scikit-learn's
        ``zero_division``; NaN is never returned).

    Returns
    -------
    float

    Examples
    --------
    A model flags four transactions as fraud; three are:

    >>> precision_score([1, 1, 1, 0, 0, 1], [1, 1, 1, 1, 0, 0])
    0.75
    >>> precision_score([1, 0], [0, 0], zero_division=0.0)
    0.0
    """
    return confusion_matrix(y_true, y_pred).precision(zero_division=zero_division)


def recall_score(y_true: ArrayLike, y_pred: ArrayLike, *,
                 zero_division: str | float = "raise") -> float:
    """Recall (sensitivity, TPR) tp / (tp + fn): the share of actual positives found.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.
    zero_division : {'raise', 0.0, 1.0}, default 'raise'
        What to do when there are no actual positives (tp + fn = 0).

    Returns
    -------
    float

    Examples
    --------
    Of four fraudulent transactions the model flags three:

    >>> recall_score([1, 1, 1, 1, 0], [1, 1, 1, 0, 1])
    0.75
    """
    return confusion_matrix(y_true, y_pred).recall(zero_division=zero_division)


def specificity_score(y_true: ArrayLike, y_pred: ArrayLike, *,
                      zero_division: str | float = "raise") -> float:
    """Specificity (TNR) tn / (tn + fp) = 1 - FPR: the share of actual negatives passed.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.
    zero_division : {'raise', 0.0, 1.0}, default 'raise'
        What to do when there are no actual negatives (tn + fp = 0).

    Returns
    -------
    float

    Examples
    --------
    Of four healthy patients a test clears three:

    >>> specificity_score([0, 0, 0, 0, 1], [0, 0, 0, 1, 1])
    0.75
    """
    return confusion_matrix(y_true, y_pred).specificity(zero_division=zero_division)


def fbeta_score(y_true: ArrayLike, y_pred: ArrayLike, *, beta: float,
                zero_division: str | float = "raise") -> float:
    """F-beta, (1 + β²) P R / (β² P + R) = (1 + β²) tp / ((1 + β²) tp + β² fn + fp).

    Recall counts β times as much as precision: β = 2 for screening (missing a case is
    worse), β = 0.5 when false alarms are costly.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.
    beta : float
        Weight of recall relative to precision, > 0.
    zero_division : {'raise', 0.0, 1.0}, default 'raise'
        What to do when tp + fp + fn = 0 (no actual and no predicted positives). As in
        scikit-learn, F-beta is computed from counts, so it is defined (and 0 when tp = 0)
        whenever only one of precision or recall is 0/0.

    Returns
    -------
    float

    Examples
    --------
    Precision 0.5 and recall 1.0: F2 leans to recall, F0.5 to precision.

    >>> y_true, y_pred = [1, 0, 0, 0], [1, 1, 0, 0]
    >>> round(fbeta_score(y_true, y_pred, beta=2.0), 4)
    0.8333
    >>> round(fbeta_score(y_true, y_pred, beta=0.5), 4)
    0.5556
    """
    return confusion_matrix(y_true, y_pred).fbeta(beta=beta, zero_division=zero_division)


def f1_score(y_true: ArrayLike, y_pred: ArrayLike, *,
             zero_division: str | float = "raise") -> float:
    """F1 = 2 P R / (P + R) = 2 tp / (2 tp + fp + fn), the harmonic mean of P and R.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.
    zero_division : {'raise', 0.0, 1.0}, default 'raise'
        What to do when tp + fp + fn = 0 (see :func:`fbeta_score`).

    Returns
    -------
    float

    Examples
    --------
    Precision 0.75 and recall 0.6 give F1 = 2(0.45)/1.35 = 2/3:

    >>> round(f1_score([1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 1, 0]), 4)
    0.6667
    """
    return confusion_matrix(y_true, y_pred).f1(zero_division=zero_division)


def accuracy_score(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Accuracy (tp + tn) / n: the share of correct predictions.

    Parameters
    ----------
    y_true, y_pred : array_like of 0/1 or bool, shape (n,)
        Actual and predicted labels.

    Returns
    -------
    float

    Examples
    --------
    The accuracy paradox: on 99 negatives and 1 positive, predicting "negative" for
    everyone is 99 % accurate and finds nothing.

    >>> y_true = [0] * 99 + [1]
    >>> accuracy_score(y_true, [0] * 100)
    0.99
    >>> recall_score(y_true, [0] * 100)
    0.0
    """
    return confusion_matrix(y_true, y_pred).accuracy()
