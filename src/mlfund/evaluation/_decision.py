"""Decisions from scores: the cost-optimal threshold and the value or cost per decision."""

from __future__ import annotations

from numpy.typing import ArrayLike

from mlfund._validation import as_binary_labels, as_float_array, check_real, check_same_length
from mlfund.evaluation._confusion import ConfusionMatrix

__all__ = [
    "cost_optimal_threshold",
    "expected_value_per_decision",
    "expected_cost_per_decision",
]


def cost_optimal_threshold(cost_fp: float, cost_fn: float, *, cost_tp: float = 0.0,
                           cost_tn: float = 0.0) -> float:
    """The probability above which acting (predicting positive) costs less on average.

    With a calibrated probability p, predicting positive costs p·C_TP + (1 - p)·C_FP on
    average and predicting negative p·C_FN + (1 - p)·C_TN. Positive is cheaper when
    p >= t* with

        t* = (C_FP - C_TN) / ((C_FP - C_TN) + (C_FN - C_TP)),

    which is C_FP / (C_FP + C_FN) when correct decisions cost nothing: the costs are then
    regrets, what a wrong decision costs more than the right one. A price paid whenever
    one acts (a review, also paid on a true positive) is ``cost_tp``, or is subtracted
    from C_FN.

    Parameters
    ----------
    cost_fp, cost_fn : float
        Cost of a false positive and of a false negative.
    cost_tp, cost_tn : float, default 0.0
        Cost of a true positive and of a true negative (negative for a gain).

    Returns
    -------
    float
        t* in (0, 1).

    Raises
    ------
    ValueError
        Unless a false positive costs more than a true negative and a false negative more
        than a true positive (otherwise one action is always best and no threshold exists).

    Examples
    --------
    A review costs $5 on every payment reviewed, fraud or not, and a missed fraud $100:
    review from p = 5/100, whether the review is a cost of the true positive too or is
    taken out of the regret of a miss (5/105 would treat a caught fraud as free).

    >>> round(cost_optimal_threshold(5.0, 100.0, cost_tp=5.0), 4)
    0.05
    >>> round(cost_optimal_threshold(5.0, 100.0 - 5.0), 4)
    0.05
    >>> cost_optimal_threshold(1.0, 1.0)  # symmetric costs: the usual 0.5
    0.5
    """
    c_fp = check_real("cost_fp", cost_fp)
    c_fn = check_real("cost_fn", cost_fn)
    c_tp = check_real("cost_tp", cost_tp)
    c_tn = check_real("cost_tn", cost_tn)
    regret_fp = c_fp - c_tn
    regret_fn = c_fn - c_tp
    if regret_fp <= 0:
        raise ValueError(
            f"cost_fp ({c_fp!r}) must be greater than cost_tn ({c_tn!r}): otherwise "
            f"predicting positive is always at least as good and there is no threshold."
        )
    if regret_fn <= 0:
        raise ValueError(
            f"cost_fn ({c_fn!r}) must be greater than cost_tp ({c_tp!r}): otherwise "
            f"predicting negative is always at least as good and there is no threshold."
        )
    return float(regret_fp / (regret_fp + regret_fn))


def _confusion_at(y_true: ArrayLike, y_score: ArrayLike, threshold: float) -> ConfusionMatrix:
    truth = as_binary_labels("y_true", y_true)
    score = as_float_array("y_score", y_score)
    check_same_length(y_true=truth, y_score=score)
    t = check_real("threshold", threshold, allow_inf=True)
    return ConfusionMatrix.from_predictions(truth, (score >= t).astype(int))


def expected_value_per_decision(y_true: ArrayLike, y_score: ArrayLike, *, threshold: float,
                                value_tp: float = 0.0, value_fp: float = 0.0,
                                value_fn: float = 0.0, value_tn: float = 0.0) -> float:
    """Average payoff per example when acting on ``y_score >= threshold``.

    (tp·v_TP + fp·v_FP + fn·v_FN + tn·v_TN) / n on a labelled set.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.
    y_score : array_like of float, shape (n,)
        Scores or probabilities.
    threshold : float
        Predict positive when ``y_score >= threshold`` (``inf``: never).
    value_tp, value_fp, value_fn, value_tn : float, default 0.0
        Signed payoff of each outcome: gains positive, costs negative.

    Returns
    -------
    float

    Examples
    --------
    Each fraud caught saves $100, each review of a legitimate payment costs $5:

    >>> y_true = [1, 0, 0, 1, 0, 0, 0, 0]
    >>> y_prob = [0.9, 0.6, 0.1, 0.3, 0.05, 0.2, 0.1, 0.02]
    >>> expected_value_per_decision(y_true, y_prob, threshold=0.5,
    ...                             value_tp=100.0, value_fp=-5.0)
    11.875
    >>> expected_value_per_decision(y_true, y_prob, threshold=0.25,
    ...                             value_tp=100.0, value_fp=-5.0)
    24.375
    """
    return _confusion_at(y_true, y_score, threshold).value_per_decision(
        value_tp=value_tp, value_fp=value_fp, value_fn=value_fn, value_tn=value_tn
    )


def expected_cost_per_decision(y_true: ArrayLike, y_score: ArrayLike, *, threshold: float,
                               cost_fp: float, cost_fn: float, cost_tp: float = 0.0,
                               cost_tn: float = 0.0) -> float:
    """Average cost per example when acting on ``y_score >= threshold``.

    (tp·C_TP + fp·C_FP + fn·C_FN + tn·C_TN) / n on a labelled set; the negative of
    :func:`expected_value_per_decision` with values = -costs.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.
    y_score : array_like of float, shape (n,)
        Scores or probabilities.
    threshold : float
        Predict positive when ``y_score >= threshold`` (``inf``: never).
    cost_fp, cost_fn : float
        Cost of a false positive and of a false negative.
    cost_tp, cost_tn : float, default 0.0
        Cost of a true positive and of a true negative.

    Returns
    -------
    float

    Examples
    --------
    Misses cost $100, false alarms $5; flagging from 0.25 catches both frauds:

    >>> y_true = [1, 0, 0, 1, 0, 0, 0, 0]
    >>> y_prob = [0.9, 0.6, 0.1, 0.3, 0.05, 0.2, 0.1, 0.02]
    >>> expected_cost_per_decision(y_true, y_prob, threshold=0.5, cost_fp=5.0, cost_fn=100.0)
    13.125
    >>> expected_cost_per_decision(y_true, y_prob, threshold=0.25, cost_fp=5.0, cost_fn=100.0)
    0.625
    """
    costs = {"cost_fp": cost_fp, "cost_fn": cost_fn, "cost_tp": cost_tp, "cost_tn": cost_tn}
    c = {name: check_real(name, value) for name, value in costs.items()}
    value = _confusion_at(y_true, y_score, threshold).value_per_decision(
        value_tp=-c["cost_tp"], value_fp=-c["cost_fp"], value_fn=-c["cost_fn"],
        value_tn=-c["cost_tn"],
    )
    return float(-value) + 0.0  # + 0.0 turns -0.0 into 0.0

