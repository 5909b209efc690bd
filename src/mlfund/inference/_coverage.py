"""Coverage of proportion intervals: exact (binomial sums) and simulated (week 5)."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import (
    as_float_array,
    check_choice,
    check_count,
    check_level,
    check_probability,
)
from mlfund.inference._common import as_generator
from mlfund.inference._intervals import PROPORTION_CI_METHODS, proportion_bounds

__all__ = ["proportion_ci_coverage", "simulate_proportion_ci_coverage"]


def proportion_ci_coverage(
    p: float | ArrayLike,
    n: int,
    *,
    confidence_level: float = 0.95,
    method: str = "wilson",
) -> float | np.ndarray:
    """Exact coverage probability of a proportion interval at the true proportion ``p``.

    ``coverage(p) = sum_k P(X = k) 1[low(k) <= p <= high(k)]`` with
    ``X ~ Binomial(n, p)``: no simulation error.

    Parameters
    ----------
    p : float or array_like
        True proportion(s) in ``[0, 1]``; pass a grid to draw coverage against ``p``.
    n : int
        Number of trials, ``n >= 1``.
    confidence_level : float, default 0.95
        Nominal level, strictly between 0 and 1.
    method : str, default "wilson"
        Any method of :func:`mlfund.inference.proportion_ci`.

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar ``p``; an array of the same shape for an array ``p``.

    Examples
    --------
    Wald's 95 % interval at ``n = 20`` and ``p = 0.1`` covers far less than promised:

    >>> round(proportion_ci_coverage(0.1, 20, method="wald"), 4)
    0.876
    >>> round(proportion_ci_coverage(0.1, 20, method="wilson"), 4)
    0.9568
    """
    scalar = isinstance(p, numbers.Real)
    if scalar:
        probs = np.array([check_probability("p", p)])
    else:
        probs = as_float_array("p", p, ndim=None)
        if np.any((probs < 0) | (probs > 1)):
            raise ValueError("p must contain only probabilities between 0 and 1.")
    total = check_count("n", n, minimum=1)
    level = check_level("confidence_level", confidence_level)
    chosen = check_choice("method", method, PROPORTION_CI_METHODS)
    from scipy import stats

    k = np.arange(total + 1)
    low, high = proportion_bounds(k, total, level, chosen)
    flat = probs.ravel()
    coverage = np.empty(flat.size)
    # Chunks of p keep the (p, k) table near 4 million cells even for n = 10**6.
    step = max(1, 4_000_000 // (total + 1))
    for start in range(0, flat.size, step):
        chunk = flat[start : start + step, None]
        covers = (low <= chunk) & (chunk <= high)
        coverage[start : start + step] = np.sum(stats.binom.pmf(k, total, chunk) * covers, axis=1)
    if scalar:
        return float(coverage[0])
    return coverage.reshape(probs.shape)


def simulate_proportion_ci_coverage(
    p: float,
    n: int,
    *,
    confidence_level: float = 0.95,
    method: str = "wilson",
    n_simulations: int = 10_000,
    random_state: int | np.random.Generator | None = None,
) -> float:
    """Monte Carlo coverage: the share of simulated intervals that contain ``p``.

    Draws ``n_simulations`` counts ``k ~ Binomial(n, p)``, builds the interval for each
    and counts how often ``low <= p <= high``. Its standard error is about
    ``sqrt(c (1 - c) / n_simulations)``; :func:`proportion_ci_coverage` gives the exact
    value.

    Parameters
    ----------
    p : float
        True proportion in ``[0, 1]``.
    n : int
        Trials per simulated experiment, ``n >= 1``.
    confidence_level : float, default 0.95
    method : str, default "wilson"
        Any method of :func:`mlfund.inference.proportion_ci`.
    n_simulations : int, default 10000
    random_state : int, numpy.random.Generator or None
        Seed for reproducible simulations.

    Examples
    --------
    >>> c = simulate_proportion_ci_coverage(0.1, 20, method="wald", random_state=0)
    >>> abs(c - proportion_ci_coverage(0.1, 20, method="wald")) < 0.01
    True
    """
    prob = check_probability("p", p)
    total = check_count("n", n, minimum=1)
    level = check_level("confidence_level", confidence_level)
    chosen = check_choice("method", method, PROPORTION_CI_METHODS)
    sims = check_count("n_simulations", n_simulations, minimum=1)
    rng = as_generator("random_state", random_state)
    counts = rng.binomial(total, prob, size=sims)
    low, high = proportion_bounds(counts, total, level, chosen)
    return float(np.mean((low <= prob) & (prob <= high)))
