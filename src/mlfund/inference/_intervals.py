"""Confidence intervals for a mean, a proportion, and by the bootstrap (week 5)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import (
    as_float_array,
    check_choice,
    check_count,
    check_counts,
    check_level,
    check_positive,
)
from mlfund.inference._common import as_generator, two_sided_critical_value
from mlfund.inference._results import ConfidenceInterval

__all__ = ["PROPORTION_CI_METHODS", "proportion_ci", "mean_ci", "bootstrap_ci"]

PROPORTION_CI_METHODS = ("wald", "wilson", "agresti_coull", "clopper_pearson", "jeffreys")


def proportion_bounds(
    successes: np.ndarray, n: int, confidence_level: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised over ``successes``: the bounds of :func:`proportion_ci` (no validation)."""
    k = np.asarray(successes, dtype=float)
    tail = (1.0 - confidence_level) / 2
    if method == "clopper_pearson":
        from scipy import stats

        # Beta(0, .) and Beta(., 0) are point masses at 0 and 1: the bounds there are 0 and 1.
        low = np.where(k > 0, stats.beta.ppf(tail, np.maximum(k, 1), n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.isf(tail, k + 1, np.maximum(n - k, 1)), 1.0)
        return low, high
    if method == "jeffreys":
        from scipy import stats

        low = stats.beta.ppf(tail, k + 0.5, n - k + 0.5)
        high = stats.beta.isf(tail, k + 0.5, n - k + 0.5)
        return np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    z = two_sided_critical_value(confidence_level)
    if method == "wald":
        p_hat = k / n
        half = z * np.sqrt(p_hat * (1.0 - p_hat) / n)
        centre = p_hat
    elif method == "wilson":
        centre = (k + z**2 / 2) / (n + z**2)
        half = z / (n + z**2) * np.sqrt(k * (n - k) / n + z**2 / 4)
    else:  # agresti_coull
        n_tilde = n + z**2
        centre = (k + z**2 / 2) / n_tilde
        half = z * np.sqrt(centre * (1.0 - centre) / n_tilde)
    # Wald and Agresti-Coull can leave [0, 1]; Wilson only by rounding.
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def proportion_ci(
    successes: int,
    n: int,
    *,
    confidence_level: float = 0.95,
    method: str = "wilson",
) -> ConfidenceInterval:
    """Confidence interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes ``k``, ``0 <= k <= n``.
    n : int
        Number of trials, ``n >= 1``.
    confidence_level : float, default 0.95
        Strictly between 0 and 1.
    method : {"wilson", "wald", "agresti_coull", "clopper_pearson", "jeffreys"}
        - ``"wald"``: ``p_hat -/+ z sqrt(p_hat (1 - p_hat) / n)``.
        - ``"wilson"``: the score interval, centre ``(k + z**2/2) / (n + z**2)`` and
          half-width ``z / (n + z**2) * sqrt(k (n - k) / n + z**2 / 4)``.
        - ``"agresti_coull"``: Wald around the Wilson centre with ``n + z**2`` trials.
        - ``"clopper_pearson"``: the "exact" interval from beta quantiles
          ``Beta(alpha/2; k, n-k+1)`` and ``Beta(1-alpha/2; k+1, n-k)``.
        - ``"jeffreys"``: the equal-tailed posterior interval under the Jeffreys prior,
          ``Beta(k + 1/2, n - k + 1/2)``.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high``, always within ``[0, 1]``.

    Notes
    -----
    The numbers equal :func:`statsmodels.stats.proportion.proportion_confint` with methods
    ``normal``, ``wilson``, ``agresti_coull``, ``beta`` and ``jeffreys``, including its
    clipping of Wald and Agresti–Coull bounds to ``[0, 1]`` (Wilson is clipped only to
    absorb rounding). Nothing else is adjusted at the edges, on purpose:

    - at ``k = 0`` the Wald interval is ``[0, 0]`` (and ``[1, 1]`` at ``k = n``): the
      estimated standard error is 0, the classic failure of the method;
    - Clopper–Pearson has ``low = 0`` at ``k = 0`` and ``high = 1`` at ``k = n``;
    - Jeffreys stays equal-tailed, so at ``k = 0`` its lower bound is small but positive
      and the interval does not contain ``p_hat = 0`` (Brown, Cai and DasGupta's
      modified Jeffreys interval would set it to 0; this function does not).

    Examples
    --------
    No complaints from 20 users: Wald claims certainty, Wilson does not.

    >>> proportion_ci(0, 20, method="wald")
    ConfidenceInterval(low=0.0, high=0.0)
    >>> ci = proportion_ci(0, 20)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.0, 0.1611)
    >>> ci = proportion_ci(0, 20, method="clopper_pearson")
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.0, 0.1684)
    """
    k, total = check_counts("successes", successes, "n", n)
    level = check_level("confidence_level", confidence_level)
    chosen = check_choice("method", method, PROPORTION_CI_METHODS)
    low, high = proportion_bounds(np.array([k]), total, level, chosen)
    return ConfidenceInterval(float(low[0]), float(high[0]))


def mean_ci(
    x: ArrayLike,
    *,
    confidence_level: float = 0.95,
    sigma: float | None = None,
) -> ConfidenceInterval:
    """Confidence interval for a mean: z with a known ``sigma``, t otherwise.

    Parameters
    ----------
    x : array_like
        1-D sample; at least two values when ``sigma`` is not given.
    confidence_level : float, default 0.95
        Strictly between 0 and 1.
    sigma : float, optional
        The known population standard deviation. Given: ``mean -/+ z sigma / sqrt(n)``.
        Not given: ``mean -/+ t_{n-1} s / sqrt(n)`` with the sample ``s`` (``ddof=1``).

    Returns
    -------
    ConfidenceInterval
        As :func:`scipy.stats.norm.interval` / :func:`scipy.stats.t.interval` centred on
        the sample mean with the standard error as scale.

    Examples
    --------
    Five delivery times in days:

    >>> times = [2.0, 3.0, 5.0, 4.0, 6.0]
    >>> ci = mean_ci(times)
    >>> round(ci.low, 3), round(ci.high, 3)
    (2.037, 5.963)
    >>> ci = mean_ci(times, sigma=1.5)
    >>> round(ci.low, 3), round(ci.high, 3)
    (2.685, 5.315)
    """
    level = check_level("confidence_level", confidence_level)
    if sigma is None:
        arr = as_float_array("x", x, min_size=2)
        from scipy import stats

        quantile = float(stats.t.ppf(0.5 + level / 2, arr.size - 1))
        scale = float(np.std(arr, ddof=1))
    else:
        arr = as_float_array("x", x)
        scale = check_positive("sigma", sigma)
        quantile = two_sided_critical_value(level)
    mean = float(arr.mean())
    half = quantile * scale / math.sqrt(arr.size)
    return ConfidenceInterval(mean - half, mean + half)


def bootstrap_ci(
    data: ArrayLike,
    statistic: Callable[[np.ndarray], Any],
    *,
    n_resamples: int = 9999,
    confidence_level: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> ConfidenceInterval:
    """Bootstrap percentile confidence interval of ``statistic(data)``.

    Draws ``n_resamples`` resamples of ``data`` with replacement, computes the statistic
    on each, and returns the ``alpha/2`` and ``1 - alpha/2`` quantiles (linear
    interpolation) of those values.

    Parameters
    ----------
    data : array_like
        1-D sample.
    statistic : callable
        Called as ``statistic(resample)`` with a 1-D float array; returns a real number.
    n_resamples : int, default 9999
        Number of bootstrap resamples, at least 1.
    confidence_level : float, default 0.95
        Strictly between 0 and 1.
    random_state : int, numpy.random.Generator or None
        A seed (``numpy.random.default_rng(seed)``) makes the interval reproducible.

    Returns
    -------
    ConfidenceInterval

    Notes
    -----
    With the same seed the resamples are those of ``scipy.stats.bootstrap(
    (data,), statistic, method="percentile", rng=seed)`` (one batch), so the two agree
    to rounding; note that scipy's deprecated ``random_state=seed`` uses the legacy
    ``RandomState`` stream instead.

    Examples
    --------
    The median of eight response times, with a fixed seed:

    >>> times = [1.1, 2.3, 0.7, 1.8, 4.2, 1.5, 0.9, 2.8]
    >>> ci = bootstrap_ci(times, np.median, n_resamples=2000, random_state=7)
    >>> round(ci.low, 2), round(ci.high, 2)
    (0.9, 2.8)
    >>> ci == bootstrap_ci(times, np.median, n_resamples=2000, random_state=7)
    True
    """
    arr = as_float_array("data", data)
    if not callable(statistic):
        raise TypeError(f"statistic ({statistic!r}) must be a callable taking a 1-D array.")
    resamples = check_count("n_resamples", n_resamples, minimum=1)
    level = check_level("confidence_level", confidence_level)
    rng = as_generator("random_state", random_state)
    indices = rng.integers(0, arr.size, (resamples, arr.size))
    values = np.empty(resamples)
    for row, index in enumerate(indices):
        value = statistic(arr[index])
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"statistic must return a real number; it returned {value!r}.")
        values[row] = value
    if not np.all(np.isfinite(values)):
        raise ValueError("statistic returned NaN or inf on a resample.")
    tail = (1.0 - level) / 2
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return ConfidenceInterval(float(low), float(high))
