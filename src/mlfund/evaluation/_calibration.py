"""Probabilistic predictions: log loss, Brier score, reliability curve, ECE, Platt scaling."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import (
    as_binary_labels,
    as_float_array,
    check_choice,
    check_count,
    check_positive,
    check_real,
    check_same_length,
)
from mlfund.evaluation._ranking import _frozen

__all__ = [
    "log_loss",
    "brier_score_loss",
    "ReliabilityCurve",
    "reliability_curve",
    "expected_calibration_error",
    "PlattScaling",
    "platt_scaling",
]

_MACHINE_EPS = float(np.finfo(float).eps)


def _labels_and_probabilities(y_true: ArrayLike,
                              y_prob: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    truth = as_binary_labels("y_true", y_true)
    prob = as_float_array("y_prob", y_prob)
    check_same_length(y_true=truth, y_prob=prob)
    outside = (prob < 0) | (prob > 1)
    if outside.any():
        raise ValueError(
            f"y_prob must contain probabilities between 0 and 1; found {prob[outside][0]!r}."
        )
    return truth, prob


def log_loss(y_true: ArrayLike, y_prob: ArrayLike, *, eps: float = _MACHINE_EPS) -> float:
    """Mean negative log-likelihood, -(1/n) Σ [y log p + (1 - y) log(1 - p)], in nats.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.
    y_prob : array_like of float in [0, 1], shape (n,)
        Predicted probabilities of the positive class.
    eps : float, default machine epsilon (2.22e-16)
        Probabilities are clipped to [eps, 1 - eps] before the logarithm, so a confident
        mistake (p = 0 for a positive) costs -log(eps) ≈ 36.04 nats instead of infinity.
        The default is scikit-learn's (the float64 machine epsilon); must be in (0, 0.5).

    Returns
    -------
    float
        >= 0; lower is better; log 2 ≈ 0.693 for a constant prediction of 0.5.

    Examples
    --------
    A forecaster gives rain 0.9 on a rainy day and 0.2 on a dry one:

    >>> round(log_loss([1, 0], [0.9, 0.2]), 4)
    0.1643
    >>> round(log_loss([1], [0.0]), 2)  # clipped, not infinite
    36.04
    """
    truth, prob = _labels_and_probabilities(y_true, y_prob)
    eps = check_real("eps", eps)
    if not 0 < eps < 0.5:
        raise ValueError(f"eps ({eps!r}) must be strictly between 0 and 0.5.")
    p = np.clip(prob, eps, 1 - eps)
    losses = -(truth * np.log(p) + (1 - truth) * np.log1p(-p))
    return float(np.mean(losses))


def brier_score_loss(y_true: ArrayLike, y_prob: ArrayLike) -> float:
    """Brier score, the mean squared error of probabilities (1/n) Σ (p - y)².

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.
    y_prob : array_like of float in [0, 1], shape (n,)
        Predicted probabilities of the positive class.

    Returns
    -------
    float
        In [0, 1]; lower is better; 0.25 for a constant prediction of 0.5.

    Examples
    --------
    >>> round(brier_score_loss([1, 0], [0.9, 0.2]), 4)
    0.025
    """
    truth, prob = _labels_and_probabilities(y_true, y_prob)
    return float(np.mean((prob - truth) ** 2))


@dataclass(frozen=True, slots=True, eq=False)
class ReliabilityCurve:
    """A reliability diagram's points, one per non-empty bin.

    Attributes
    ----------
    bin_low, bin_high : ndarray
        Edges of each non-empty bin. A bin holds probabilities in (low, high]; the first
        bin also holds its lower edge.
    mean_predicted : ndarray
        Mean predicted probability in each bin (the confidence, x axis).
    fraction_positive : ndarray
        Share of positives in each bin (the observed frequency, y axis).
    counts : ndarray of int
        Number of examples in each bin.
    """

    bin_low: np.ndarray
    bin_high: np.ndarray
    mean_predicted: np.ndarray
    fraction_positive: np.ndarray
    counts: np.ndarray

    def expected_calibration_error(self) -> float:
        """Σ_b (n_b / n) |fraction_positive_b - mean_predicted_b|."""
        weights = self.counts / self.counts.sum()
        return float(np.sum(weights * np.abs(self.fraction_positive - self.mean_predicted)))


def _bin_edges(prob: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    # Written as sklearn writes it: linspace(0, 100, k + 1) rounds differently, and an
    # edge that moves by 1e-16 moves tied probabilities to another bin.
    return np.percentile(prob, np.linspace(0.0, 1.0, n_bins + 1) * 100)


def reliability_curve(y_true: ArrayLike, y_prob: ArrayLike, *, n_bins: int = 10,
                      strategy: str = "uniform") -> ReliabilityCurve:
    """Observed frequency against mean predicted probability, bin by bin.

    The binning is scikit-learn's ``calibration_curve``: bin ``b`` holds probabilities in
    (edge_b, edge_{b+1}] (the first bin also its lower edge); empty bins are left out.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.
    y_prob : array_like of float in [0, 1], shape (n,)
        Predicted probabilities of the positive class.
    n_bins : int, default 10
        Number of bins, >= 1.
    strategy : {'uniform', 'quantile'}, default 'uniform'
        ``'uniform'``: equal-width bins on [0, 1]. ``'quantile'``: edges at the quantiles
        of ``y_prob`` so the bins hold about equal counts (tied quantiles give empty bins,
        which are dropped).

    Returns
    -------
    ReliabilityCurve

    Examples
    --------
    A forecaster who says 0.2 on five days (one rainy) and 0.8 on five days (three rainy):

    >>> y_true = [1, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    >>> y_prob = [0.2] * 5 + [0.8] * 5
    >>> curve = reliability_curve(y_true, y_prob, n_bins=5)
    >>> curve.mean_predicted.tolist(), curve.fraction_positive.tolist()
    ([0.2, 0.8], [0.2, 0.6])
    >>> curve.counts.tolist(), round(curve.expected_calibration_error(), 3)
    ([5, 5], 0.1)
    """
    truth, prob = _labels_and_probabilities(y_true, y_prob)
    n_bins = check_count("n_bins", n_bins, minimum=1)
    strategy = check_choice("strategy", strategy, ("uniform", "quantile"))
    edges = _bin_edges(prob, n_bins, strategy)
    bin_ids = np.searchsorted(edges[1:-1], prob)
    counts = np.bincount(bin_ids, minlength=n_bins)
    sum_prob = np.bincount(bin_ids, weights=prob, minlength=n_bins)
    sum_true = np.bincount(bin_ids, weights=truth, minlength=n_bins)
    filled = counts > 0
    counts_filled = counts[filled]
    counts_out = counts_filled.copy()
    counts_out.flags.writeable = False
    return ReliabilityCurve(
        bin_low=_frozen(edges[:-1][filled]),
        bin_high=_frozen(edges[1:][filled]),
        mean_predicted=_frozen(sum_prob[filled] / counts_filled),
        fraction_positive=_frozen(sum_true[filled] / counts_filled),
        counts=counts_out,
    )


def expected_calibration_error(y_true: ArrayLike, y_prob: ArrayLike, *, n_bins: int = 10,
                               strategy: str = "uniform") -> float:
    """ECE = Σ_b (n_b / n) |ȳ_b - p̄_b|: calibration gaps weighted by bin counts.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.
    y_prob : array_like of float in [0, 1], shape (n,)
        Predicted probabilities of the positive class.
    n_bins : int, default 10
        Number of bins, >= 1 (the ECE depends on it; report it).
    strategy : {'uniform', 'quantile'}, default 'uniform'
        Binning, as in :func:`reliability_curve`.

    Returns
    -------
    float
        In [0, 1]; 0 when every bin's observed frequency equals its mean prediction.

    Examples
    --------
    Saying 0.8 on five days of which three are rainy is over-confident by 0.2 on half
    the days:

    >>> y_true = [1, 0, 0, 0, 0, 1, 1, 1, 0, 0]
    >>> y_prob = [0.2] * 5 + [0.8] * 5
    >>> round(expected_calibration_error(y_true, y_prob, n_bins=5), 3)
    0.1
    """
    curve = reliability_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    return curve.expected_calibration_error()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _cross_entropy(targets: np.ndarray, logits: np.ndarray) -> float:
    # log(1 + e^z) - t z, computed without overflow.
    return float(np.sum(np.logaddexp(0.0, logits) - targets * logits))


@dataclass(frozen=True, slots=True)
class PlattScaling:
    """A fitted Platt scaling, P(y = 1 | s) = σ(slope · s + intercept).

    Attributes
    ----------
    slope : float
        Coefficient ``a`` of the score.
    intercept : float
        Intercept ``b``.
    n_iter : int
        Newton iterations used.
    prior_correction : bool
        Whether Platt's smoothed targets were used in the fit.
    """

    slope: float
    intercept: float
    n_iter: int
    prior_correction: bool

    def predict_proba(self, y_score: ArrayLike) -> np.ndarray:
        """Calibrated probabilities σ(slope · s + intercept) of new scores.

        Parameters
        ----------
        y_score : array_like of float, shape (m,)
            Uncalibrated scores from the same model.

        Returns
        -------
        ndarray of shape (m,)
        """
        score = as_float_array("y_score", y_score)
        return _sigmoid(self.slope * score + self.intercept)


def _separated(truth: np.ndarray, score: np.ndarray) -> bool:
    pos, neg = score[truth == 1], score[truth == 0]
    return bool(neg.max() <= pos.min() or pos.max() <= neg.min())


def platt_scaling(y_true: ArrayLike, y_score: ArrayLike, *, prior_correction: bool = False,
                  max_iter: int = 100, tol: float = 1e-10) -> PlattScaling:
    """Fit P(y = 1 | s) = σ(a s + b): a one-feature logistic regression on scores.

    The fit minimises the cross-entropy by Newton's method (IRLS) with step halving, on
    standardised scores for conditioning, mapped back to the original scale.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels of a calibration set (not the training set); both classes must occur.
    y_score : array_like of float, shape (n,)
        The model's uncalibrated scores on it (at least two distinct values).
    prior_correction : bool, default False
        ``False``: fit the 0/1 labels, the plain maximum-likelihood logistic regression.
        ``True``: Platt's (2000) smoothed targets (n₊ + 1)/(n₊ + 2) and 1/(n₋ + 2), as
        scikit-learn's ``CalibratedClassifierCV(method="sigmoid")``; the fit then always
        exists.
    max_iter : int, default 100
        Maximum Newton iterations.
    tol : float, default 1e-10
        Stop when the largest Newton step (in standardised units) is below ``tol``.

    Returns
    -------
    PlattScaling
        With ``slope``, ``intercept`` and ``.predict_proba(scores)``.

    Raises
    ------
    RuntimeError
        If Newton's method has not converged after ``max_iter`` iterations.
    ValueError
        If the scores separate the classes (every positive scores >= every negative or
        the reverse) and ``prior_correction`` is False: the maximum-likelihood slope is
        then infinite. Also if ``y_true`` has one class, or the scores are all equal.

    Examples
    --------
    A ranker whose scores are logits twice too large:

    >>> rng = np.random.default_rng(0)
    >>> logits = rng.normal(0.0, 2.0, size=20_000)
    >>> y = rng.random(20_000) < 1 / (1 + np.exp(-logits))
    >>> fit = platt_scaling(y, 2.0 * logits)
    >>> round(fit.slope, 1), round(fit.intercept, 1)
    (0.5, 0.0)
    >>> fit.predict_proba([0.0, 4.0]).round(2).tolist()
    [0.5, 0.88]
    """
    truth = as_binary_labels("y_true", y_true)
    score = as_float_array("y_score", y_score)
    check_same_length(y_true=truth, y_score=score)
    if not isinstance(prior_correction, (bool, np.bool_)):
        raise TypeError(f"prior_correction ({prior_correction!r}) must be True or False.")
    max_iter = check_count("max_iter", max_iter, minimum=1)
    tol = check_positive("tol", tol)
    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("y_true must contain both classes to fit Platt scaling.")
    spread = float(score.std())
    if spread == 0.0:
        raise ValueError("y_score must contain at least two distinct values to fit a slope.")
    if not prior_correction and _separated(truth, score):
        raise ValueError(
            "y_score separates the classes (every positive scores on one side of every "
            "negative), so the maximum-likelihood slope is infinite; pass "
            "prior_correction=True to fit Platt's smoothed targets."
        )
    if prior_correction:
        targets = np.where(truth == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    else:
        targets = truth.astype(float)

    centre = float(score.mean())
    design = np.column_stack([(score - centre) / spread, np.ones_like(score)])
    mean_target = float(targets.mean())
    coef = np.array([0.0, math.log(mean_target / (1 - mean_target))])
    loss = _cross_entropy(targets, design @ coef)
    converged = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        prob = _sigmoid(design @ coef)
        gradient = design.T @ (prob - targets)
        hessian = (design * (prob * (1 - prob))[:, None]).T @ design
        step = np.linalg.solve(hessian, gradient)
        # Halve the step until the loss does not increase (Newton can overshoot).
        scale = 1.0
        while True:
            candidate = coef - scale * step
            candidate_loss = _cross_entropy(targets, design @ candidate)
            if candidate_loss <= loss or scale < 1e-10:
                break
            scale /= 2
        coef, loss = candidate, candidate_loss
        if np.max(np.abs(scale * step)) < tol:
            converged = True
            break
    if not converged:
        raise RuntimeError(
            f"Platt scaling did not converge in max_iter ({max_iter}) Newton iterations; "
            f"raise max_iter or tol, or pass prior_correction=True."
        )
    slope = float(coef[0] / spread)
    intercept = float(coef[1] - coef[0] * centre / spread)
    return PlattScaling(slope=slope, intercept=intercept, n_iter=n_iter,
                        prior_correction=bool(prior_correction))
