"""Bias, variance and regularization: the decomposition, ridge, k-NN (week 7)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import as_float_array, check_count, check_positive
from mlfund.inference._results import BiasVarianceResult

__all__ = [
    "bias_variance_decomposition",
    "ridge_estimator",
    "ridge_shrinkage_factors",
    "knn_variance",
]


def bias_variance_decomposition(
    predictions: ArrayLike,
    true_values: ArrayLike,
    *,
    noise_variance: float = 0.0,
) -> BiasVarianceResult:
    """Bias², variance and noise of a learner from simulated predictions.

    ``E[(y - f_hat(x))**2] = (f(x) - E f_hat(x))**2 + Var f_hat(x) + sigma**2``, where
    the expectation is over training sets (and the noise of the new ``y``). Each term is
    estimated per test point from the repeats and then averaged over points.

    Parameters
    ----------
    predictions : array_like, shape (n_repeats, n_points)
        ``predictions[r, j]`` is the prediction at test point ``j`` of the model fitted to
        the ``r``-th simulated training set. A 1-D array is one test point.
    true_values : array_like, shape (n_points,)
        The noise-free target ``f(x_j)`` at each test point (a scalar for one point).
    noise_variance : float, default 0.0
        ``sigma**2``, the irreducible noise of ``y`` around ``f(x)``.

    Returns
    -------
    BiasVarianceResult
        ``bias_squared``, ``variance`` (over repeats, ``ddof=0``), ``noise`` and
        ``expected_error``, their sum. Because ``ddof=0``, ``bias_squared + variance``
        equals the mean of ``(f(x) - prediction)**2`` over repeats and points exactly.

    Examples
    --------
    Three fits predicting at two points where ``f = (1, 2)``:

    >>> preds = [[1.5, 2.0], [0.5, 3.0], [1.0, 2.5]]
    >>> res = bias_variance_decomposition(preds, [1.0, 2.0], noise_variance=0.25)
    >>> round(res.bias_squared, 4), round(res.variance, 4), round(res.expected_error, 4)
    (0.125, 0.1667, 0.5417)
    """
    preds = as_float_array("predictions", predictions, ndim=None)
    truth = np.atleast_1d(as_float_array("true_values", true_values, ndim=None))
    noise = check_positive("noise_variance", noise_variance, strict=False)
    if preds.ndim == 1:
        preds = preds.reshape(-1, 1)
    if preds.ndim != 2:
        raise ValueError(
            f"predictions must be 2-dimensional (n_repeats, n_points); got shape {preds.shape}."
        )
    if truth.ndim != 1 or truth.size != preds.shape[1]:
        raise ValueError(
            f"true_values must have one value per test point ({preds.shape[1]}); "
            f"got shape {truth.shape}."
        )
    mean_prediction = preds.mean(axis=0)
    bias_squared = float(np.mean((mean_prediction - truth) ** 2))
    variance = float(np.mean(preds.var(axis=0)))
    return BiasVarianceResult(
        bias_squared=bias_squared,
        variance=variance,
        noise=noise,
        expected_error=bias_squared + variance + noise,
    )


def _design(X: ArrayLike) -> np.ndarray:
    return as_float_array("X", X, ndim=2)


def ridge_estimator(X: ArrayLike, y: ArrayLike, *, penalty: float) -> np.ndarray:
    """Ridge regression coefficients ``(X^T X + lambda I)^{-1} X^T y`` (no intercept).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Design matrix; centre it (or add a column of ones and accept that it is
        penalised too) — this estimator has no separate intercept.
    y : array_like, shape (n_samples,)
        Targets.
    penalty : float
        ``lambda >= 0`` (scikit-learn's ``alpha``). ``0`` gives least squares and needs
        ``X^T X`` invertible.

    Returns
    -------
    numpy.ndarray, shape (n_features,)
        The same as ``sklearn.linear_model.Ridge(alpha=penalty, fit_intercept=False)``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> ridge_estimator(X, y, penalty=0.0).round(4)
    array([1., 2.])
    >>> ridge_estimator(X, y, penalty=1.0).round(4)
    array([0.875, 1.375])
    """
    design = _design(X)
    target = as_float_array("y", y)
    if target.size != design.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples; X has {design.shape[0]}, "
            f"y has {target.size}."
        )
    lam = check_positive("penalty", penalty, strict=False)
    gram = design.T @ design + lam * np.eye(design.shape[1])
    try:
        return np.linalg.solve(gram, design.T @ target)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            "X^T X + penalty I is singular: with penalty 0 the columns of X must be "
            "linearly independent; use penalty > 0."
        ) from exc


def ridge_shrinkage_factors(X: ArrayLike, *, penalty: float) -> np.ndarray:
    """Ridge shrinkage ``d_j**2 / (d_j**2 + lambda)`` along the principal directions of ``X``.

    With the thin SVD ``X = U D V^T``, the ridge fit is
    ``X beta_ridge = sum_j u_j (d_j**2 / (d_j**2 + lambda)) u_j^T y``: each direction of
    least squares is shrunk by its factor, the low-variance ones (small ``d_j``) most.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    penalty : float
        ``lambda >= 0``. With ``0`` every singular value must be positive.

    Returns
    -------
    numpy.ndarray, shape (min(n_samples, n_features),)
        The factors in the order of the singular values, largest first (so
        non-increasing), each in ``[0, 1]``. Their sum is the ridge degrees of freedom.

    Examples
    --------
    >>> X = np.array([[3.0, 0.0], [0.0, 1.0]])
    >>> ridge_shrinkage_factors(X, penalty=1.0)
    array([0.9, 0.5])
    """
    design = _design(X)
    lam = check_positive("penalty", penalty, strict=False)
    singular = np.linalg.svd(design, compute_uv=False)
    squared = singular**2
    if lam == 0 and np.any(squared == 0):
        raise ValueError(
            "X has a zero singular value and penalty is 0: the factor 0 / 0 is undefined; "
            "use penalty > 0."
        )
    return squared / (squared + lam)


def knn_variance(noise_variance: float, k: int) -> float:
    """Variance ``sigma**2 / k`` of a k-NN regression prediction from label noise.

    The prediction averages ``k`` neighbours' labels, each with independent noise of
    variance ``sigma**2`` (for a fixed design): larger ``k``, lower variance, more bias.

    Examples
    --------
    >>> knn_variance(4.0, 8)
    0.5
    """
    noise = check_positive("noise_variance", noise_variance, strict=False)
    neighbours = check_count("k", k, minimum=1)
    return noise / neighbours
