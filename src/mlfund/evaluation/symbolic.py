"""Symbolic (sympy) forms of the evaluation fundamentals, for derivations and exercises.

Every function takes sympy symbols or expressions (plain numbers are sympified) and
returns a sympy expression, so it can serve as the reference of a derivation exercise:

>>> import sympy as sp
>>> tp, fp, fn = sp.symbols("tp fp fn", positive=True)
>>> f1(tp, fp, fn)
2*tp/(fn + fp + 2*tp)

This module imports sympy and is not imported by :mod:`mlfund.evaluation`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = [
    "precision",
    "recall",
    "specificity",
    "accuracy",
    "f1",
    "fbeta",
    "f1_from_precision_recall",
    "fbeta_from_precision_recall",
    "roc_auc_from_rank_sum",
    "binormal_roc_auc",
    "log_loss",
    "brier_score",
    "expected_log_loss",
    "expected_brier_score",
    "expected_cost_of_positive",
    "expected_cost_of_negative",
    "cost_optimal_threshold",
    "expected_value_per_decision",
    "revenue_impact",
    "precision_lift_value",
    "cv_standard_error",
    "platt_probability",
    "platt_log_loss",
    "platt_log_loss_gradient",
]


def _s(value: Any) -> sp.Expr:
    return sp.sympify(value)


# --- confusion-matrix metrics -------------------------------------------------------------


def precision(tp: Any, fp: Any) -> sp.Expr:
    """Precision tp / (tp + fp).

    Examples
    --------
    >>> tp, fp = sp.symbols("tp fp", positive=True)
    >>> precision(tp, fp)
    tp/(fp + tp)
    """
    tp, fp = _s(tp), _s(fp)
    return tp / (tp + fp)


def recall(tp: Any, fn: Any) -> sp.Expr:
    """Recall (TPR) tp / (tp + fn).

    Examples
    --------
    >>> recall(8, 2)
    4/5
    """
    tp, fn = _s(tp), _s(fn)
    return tp / (tp + fn)


def specificity(tn: Any, fp: Any) -> sp.Expr:
    """Specificity (TNR) tn / (tn + fp) = 1 - FPR.

    Examples
    --------
    >>> specificity(90, 10)
    9/10
    """
    tn, fp = _s(tn), _s(fp)
    return tn / (tn + fp)


def accuracy(tp: Any, fp: Any, fn: Any, tn: Any) -> sp.Expr:
    """Accuracy (tp + tn) / (tp + fp + fn + tn).

    Examples
    --------
    >>> accuracy(0, 0, 1, 99)  # the accuracy paradox: find nothing, score 99 %
    99/100
    """
    tp, fp, fn, tn = map(_s, (tp, fp, fn, tn))
    return (tp + tn) / (tp + fp + fn + tn)


def f1(tp: Any, fp: Any, fn: Any) -> sp.Expr:
    """F1 = 2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall.

    Examples
    --------
    >>> tp, fp, fn = sp.symbols("tp fp fn", positive=True)
    >>> sp.simplify(f1(tp, fp, fn) - f1_from_precision_recall(precision(tp, fp),
    ...                                                     recall(tp, fn)))
    0
    """
    tp, fp, fn = map(_s, (tp, fp, fn))
    return 2 * tp / (2 * tp + fp + fn)


def fbeta(tp: Any, fp: Any, fn: Any, beta: Any) -> sp.Expr:
    """F-beta = (1 + β²) tp / ((1 + β²) tp + β² fn + fp).

    Examples
    --------
    >>> tp, fp, fn = sp.symbols("tp fp fn", positive=True)
    >>> sp.simplify(fbeta(tp, fp, fn, 1) - f1(tp, fp, fn))
    0
    """
    tp, fp, fn, beta = map(_s, (tp, fp, fn, beta))
    return (1 + beta**2) * tp / ((1 + beta**2) * tp + beta**2 * fn + fp)


def f1_from_precision_recall(precision: Any, recall: Any) -> sp.Expr:
    """F1 = 2 P R / (P + R).

    Examples
    --------
    >>> f1_from_precision_recall(sp.Rational(3, 4), sp.Rational(3, 5))
    2/3
    """
    p, r = _s(precision), _s(recall)
    return 2 * p * r / (p + r)


def fbeta_from_precision_recall(precision: Any, recall: Any, beta: Any) -> sp.Expr:
    """F-beta = (1 + β²) P R / (β² P + R).

    Examples
    --------
    >>> fbeta_from_precision_recall(sp.Rational(1, 2), 1, 2)
    5/6
    """
    p, r, beta = _s(precision), _s(recall), _s(beta)
    return (1 + beta**2) * p * r / (beta**2 * p + r)


# --- ranking ------------------------------------------------------------------------------


def roc_auc_from_rank_sum(rank_sum: Any, n_pos: Any, n_neg: Any) -> sp.Expr:
    """ROC-AUC = U / (n₊ n₋) with Mann-Whitney U = R₊ - n₊(n₊ + 1)/2.

    ``rank_sum`` R₊ is the sum of the positives' (mid-)ranks among all scores.

    Examples
    --------
    Positives ranked 2 and 4 of four:

    >>> roc_auc_from_rank_sum(6, 2, 2)
    3/4
    """
    r, n1, n0 = _s(rank_sum), _s(n_pos), _s(n_neg)
    return (r - n1 * (n1 + 1) / 2) / (n1 * n0)


def binormal_roc_auc(mu_pos: Any, mu_neg: Any, sigma_pos: Any, sigma_neg: Any) -> sp.Expr:
    """ROC-AUC when scores are normal in each class: Φ((μ₊ - μ₋) / √(σ₊² + σ₋²)).

    P(s₊ > s₋) = P(s₊ - s₋ > 0) and s₊ - s₋ ~ N(μ₊ - μ₋, σ₊² + σ₋²); Φ is written
    with the error function, Φ(x) = (1 + erf(x/√2)) / 2.

    Examples
    --------
    >>> binormal_roc_auc(0, 0, 1, 1)
    1/2
    >>> round(float(binormal_roc_auc(1, 0, 1, 1)), 4)
    0.7602
    """
    mu1, mu0, s1, s0 = map(_s, (mu_pos, mu_neg, sigma_pos, sigma_neg))
    d = (mu1 - mu0) / sp.sqrt(s1**2 + s0**2)
    return (1 + sp.erf(d / sp.sqrt(2))) / 2


# --- probabilistic predictions ------------------------------------------------------------


def log_loss(y: Any, p: Any) -> sp.Expr:
    """Log loss of one example, -(y log p + (1 - y) log(1 - p)).

    Examples
    --------
    >>> y, p = sp.symbols("y p")
    >>> log_loss(1, p)
    -log(p)
    """
    y, p = _s(y), _s(p)
    return -(y * sp.log(p) + (1 - y) * sp.log(1 - p))


def brier_score(y: Any, p: Any) -> sp.Expr:
    """Brier score of one example, (p - y)².

    Examples
    --------
    >>> brier_score(0, sp.Rational(1, 5))
    1/25
    """
    y, p = _s(y), _s(p)
    return (p - y) ** 2


def expected_log_loss(p: Any, q: Any) -> sp.Expr:
    """Expected log loss of predicting p when y ~ Bernoulli(q): -(q log p + (1 - q) log(1 - p)).

    It is minimised at p = q (a proper scoring rule): the derivative
    -q/p + (1 - q)/(1 - p) vanishes only there.

    Examples
    --------
    >>> p, q = sp.symbols("p q", positive=True)
    >>> sp.solve(sp.diff(expected_log_loss(p, q), p), p)
    [q]
    """
    p, q = _s(p), _s(q)
    return q * log_loss(1, p) + (1 - q) * log_loss(0, p)


def expected_brier_score(p: Any, q: Any) -> sp.Expr:
    """Expected Brier score of predicting p when y ~ Bernoulli(q): q(1 - p)² + (1 - q)p².

    It equals (p - q)² + q(1 - q), so it is minimised at p = q (proper).

    Examples
    --------
    >>> p, q = sp.symbols("p q")
    >>> sp.expand(expected_brier_score(p, q) - ((p - q)**2 + q*(1 - q)))
    0
    """
    p, q = _s(p), _s(q)
    return q * brier_score(1, p) + (1 - q) * brier_score(0, p)


# --- decisions ----------------------------------------------------------------------------


def expected_cost_of_positive(p: Any, cost_fp: Any, cost_tp: Any = 0) -> sp.Expr:
    """Expected cost of predicting positive at probability p: p·C_TP + (1 - p)·C_FP.

    Examples
    --------
    >>> p, c_fp = sp.symbols("p C_FP", positive=True)
    >>> expected_cost_of_positive(p, c_fp)
    C_FP*(1 - p)
    """
    p, c_fp, c_tp = map(_s, (p, cost_fp, cost_tp))
    return p * c_tp + (1 - p) * c_fp


def expected_cost_of_negative(p: Any, cost_fn: Any, cost_tn: Any = 0) -> sp.Expr:
    """Expected cost of predicting negative at probability p: p·C_FN + (1 - p)·C_TN.

    Examples
    --------
    >>> p, c_fn = sp.symbols("p C_FN", positive=True)
    >>> expected_cost_of_negative(p, c_fn)
    C_FN*p
    """
    p, c_fn, c_tn = map(_s, (p, cost_fn, cost_tn))
    return p * c_fn + (1 - p) * c_tn


def cost_optimal_threshold(cost_fp: Any, cost_fn: Any, cost_tp: Any = 0,
                           cost_tn: Any = 0) -> sp.Expr:
    """t* = (C_FP - C_TN) / ((C_FP - C_TN) + (C_FN - C_TP)); C_FP / (C_FP + C_FN) by default.

    The p at which the expected costs of predicting positive and negative are equal.

    Examples
    --------
    >>> p, c_fp, c_fn = sp.symbols("p C_FP C_FN", positive=True)
    >>> cost_optimal_threshold(c_fp, c_fn)
    C_FP/(C_FN + C_FP)
    >>> sp.solve(sp.Eq(expected_cost_of_positive(p, c_fp),
    ...                expected_cost_of_negative(p, c_fn)), p)
    [C_FP/(C_FN + C_FP)]
    """
    c_fp, c_fn, c_tp, c_tn = map(_s, (cost_fp, cost_fn, cost_tp, cost_tn))
    return (c_fp - c_tn) / ((c_fp - c_tn) + (c_fn - c_tp))


def expected_value_per_decision(tp: Any, fp: Any, fn: Any, tn: Any, value_tp: Any = 0,
                                value_fp: Any = 0, value_fn: Any = 0,
                                value_tn: Any = 0) -> sp.Expr:
    """(tp·v_TP + fp·v_FP + fn·v_FN + tn·v_TN) / (tp + fp + fn + tn).

    The counts may be replaced by rates (e.g. tp = π·TPR, fp = (1 - π)·FPR, ...), whose
    sum is 1.

    Examples
    --------
    >>> v_tp, c_fp = sp.symbols("v_TP C_FP", positive=True)
    >>> expected_value_per_decision(8, 2, 2, 88, value_tp=v_tp, value_fp=-c_fp)
    -C_FP/50 + 2*v_TP/25
    """
    counts = list(map(_s, (tp, fp, fn, tn)))
    values = list(map(_s, (value_tp, value_fp, value_fn, value_tn)))
    return sum(c * v for c, v in zip(counts, values, strict=True)) / sum(counts)


# --- product sense ------------------------------------------------------------------------


def revenue_impact(traffic: Any, delta_conversion: Any, order_value: Any) -> sp.Expr:
    """Δ$ = traffic · Δconversion · order value.

    Examples
    --------
    >>> revenue_impact(10_000_000, sp.Rational(2, 1000), 50)
    1000000
    """
    return _s(traffic) * _s(delta_conversion) * _s(order_value)


def precision_lift_value(n_flagged: Any, delta_precision: Any, value_tp: Any = 0,
                         value_fp: Any = 0, value_fn: Any = 0, value_tn: Any = 0) -> sp.Expr:
    """n · Δprecision · (v_TP - v_FP - v_FN + v_TN), at fixed flagged volume and positives.

    Examples
    --------
    >>> n, d, c_fp, c_fn = sp.symbols("n Delta C_FP C_FN", positive=True)
    >>> sp.factor(precision_lift_value(n, d, value_fp=-c_fp, value_fn=-c_fn))
    Delta*n*(C_FN + C_FP)
    """
    n, d = _s(n_flagged), _s(delta_precision)
    v_tp, v_fp, v_fn, v_tn = map(_s, (value_tp, value_fp, value_fn, value_tn))
    return n * d * (v_tp - v_fp - v_fn + v_tn)


# --- validation ---------------------------------------------------------------------------


def cv_standard_error(s: Any, k: Any) -> sp.Expr:
    """Standard error of a k-fold CV mean, s / √k (s: standard deviation of fold scores).

    Examples
    --------
    >>> s, k = sp.symbols("s k", positive=True)
    >>> cv_standard_error(s, k)
    s/sqrt(k)
    """
    return _s(s) / sp.sqrt(_s(k))


# --- Platt scaling ------------------------------------------------------------------------


def platt_probability(s: Any, a: Any, b: Any) -> sp.Expr:
    """Platt scaling's calibrated probability σ(a s + b) = 1 / (1 + exp(-(a s + b))).

    Examples
    --------
    >>> platt_probability(0, 1, 0)
    1/2
    """
    s, a, b = map(_s, (s, a, b))
    return 1 / (1 + sp.exp(-(a * s + b)))


def platt_log_loss(y: Any, s: Any, a: Any, b: Any) -> sp.Expr:
    """Log loss of one calibration example under Platt scaling, written with the logit.

    -(y log σ(z) + (1 - y) log(1 - σ(z))) = log(1 + e^z) - y z with z = a s + b.

    Examples
    --------
    >>> y, s, a, b = sp.symbols("y s a b")
    >>> platt_log_loss(y, s, a, b)
    -y*(a*s + b) + log(exp(a*s + b) + 1)
    """
    y, s, a, b = map(_s, (y, s, a, b))
    z = a * s + b
    return sp.log(1 + sp.exp(z)) - y * z


def platt_log_loss_gradient(y: Any, s: Any, a: Any, b: Any) -> sp.Matrix:
    """Gradient of :func:`platt_log_loss` in (a, b): (σ(a s + b) - y)·(s, 1).

    Examples
    --------
    >>> y, s, a, b = sp.symbols("y s a b")
    >>> grad = platt_log_loss_gradient(y, s, a, b)
    >>> loss = platt_log_loss(y, s, a, b)
    >>> sp.simplify(grad - sp.Matrix([sp.diff(loss, a), sp.diff(loss, b)]))
    Matrix([
    [0],
    [0]])
    """
    y, s, a, b = map(_s, (y, s, a, b))
    residual = platt_probability(s, a, b) - y
    return sp.Matrix([residual * s, residual])
