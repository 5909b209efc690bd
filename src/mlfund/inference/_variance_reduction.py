"""Ratio metrics (delta method) and CUPED variance reduction (week 6)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import as_float_array, check_same_length
from mlfund.inference._results import CupedResult

__all__ = ["delta_method_ratio_variance", "cuped"]


def _paired(name_a: str, a: ArrayLike, name_b: str, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(name_a, a, min_size=2)
    y = as_float_array(name_b, b, min_size=2)
    check_same_length(**{name_a: x, name_b: y})
    return x, y


def delta_method_ratio_variance(numerator: ArrayLike, denominator: ArrayLike) -> float:
    """Delta-method variance of a ratio of means ``mean(x) / mean(y)``.

    ``Var(x_bar / y_bar) ~ (1/n) (s_x**2 / m_y**2 - 2 m_x s_xy / m_y**3
    + m_x**2 s_y**2 / m_y**4)``: the first-order Taylor expansion of ``g(a, b) = a / b``
    at the means, with the sample means ``m``, variances and covariance (``ddof=1``).

    Parameters
    ----------
    numerator, denominator : array_like
        Per-unit values ``x_i`` and ``y_i`` of the same length ``n >= 2`` — e.g. clicks
        and page views per user, for the click-through rate ``sum x / sum y``.
        ``mean(denominator)`` must not be 0.

    Returns
    -------
    float
        The estimated variance; its square root is the standard error of the ratio.

    Examples
    --------
    Clicks and views of six users: the click-through rate and its standard error.

    >>> clicks = [1, 0, 3, 2, 0, 4]
    >>> views = [5, 2, 10, 6, 3, 12]
    >>> ratio = sum(clicks) / sum(views)
    >>> round(ratio, 4), round(delta_method_ratio_variance(clicks, views) ** 0.5, 4)
    (0.2632, 0.041)
    """
    x, y = _paired("numerator", numerator, "denominator", denominator)
    mean_x, mean_y = float(x.mean()), float(y.mean())
    if mean_y == 0:
        raise ValueError("denominator has mean 0: the ratio of means is undefined.")
    cov = np.cov(x, y, ddof=1)
    var_x, var_y, cov_xy = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    return (
        var_x / mean_y**2 - 2 * mean_x * cov_xy / mean_y**3 + mean_x**2 * var_y / mean_y**4
    ) / x.size


def cuped(y: ArrayLike, x: ArrayLike) -> CupedResult:
    """CUPED: adjust a metric ``y`` with a pre-experiment covariate ``x``.

    ``theta = cov(y, x) / var(x)`` and ``y_cuped = y - theta (x - mean(x))``. The
    adjusted metric keeps the mean of ``y`` and has variance ``var(y) (1 - rho**2)``,
    where ``rho`` is the correlation of ``y`` and ``x``; with sample moments this holds
    exactly.

    Parameters
    ----------
    y : array_like
        The metric during the experiment, one value per unit.
    x : array_like
        The same units' covariate measured before the experiment (same length, not
        constant). Use ``theta`` estimated on both arms pooled.

    Returns
    -------
    CupedResult
        ``theta``, ``adjusted``, ``correlation`` and ``variance_factor = 1 - rho**2``.

    Examples
    --------
    Spend this month against spend last month:

    >>> before = [10.0, 20.0, 30.0, 40.0, 50.0]
    >>> during = [12.0, 19.0, 33.0, 41.0, 55.0]
    >>> res = cuped(during, before)
    >>> round(res.theta, 2), round(res.variance_factor, 4)
    (1.08, 0.0115)
    >>> bool(np.isclose(res.adjusted.mean(), np.mean(during)))
    True
    """
    y_arr, x_arr = _paired("y", y, "x", x)
    var_x = float(np.var(x_arr, ddof=1))
    var_y = float(np.var(y_arr, ddof=1))
    if np.ptp(x_arr) == 0:
        raise ValueError("x is constant: var(x) is 0, so theta = cov(y, x) / var(x) is undefined.")
    if np.ptp(y_arr) == 0:
        raise ValueError("y is constant: there is no variance to reduce (rho is undefined).")
    cov_yx = float(np.cov(y_arr, x_arr, ddof=1)[0, 1])
    theta = cov_yx / var_x
    rho = cov_yx / np.sqrt(var_x * var_y)
    adjusted = y_arr - theta * (x_arr - x_arr.mean())
    return CupedResult(
        theta=theta,
        adjusted=adjusted,
        correlation=float(rho),
        variance_factor=float(1.0 - rho**2),
    )
