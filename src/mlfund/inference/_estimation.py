"""Maximum-likelihood estimates, Fisher information and standard errors (week 4)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import (
    as_float_array,
    check_count,
    check_counts,
    check_positive,
    check_probability,
)
from mlfund.inference._results import Estimate, GaussianEstimate

__all__ = [
    "bernoulli_mle",
    "poisson_mle",
    "exponential_mle",
    "gaussian_mle",
    "bernoulli_fisher_information",
    "poisson_fisher_information",
    "exponential_fisher_information",
    "gaussian_fisher_information",
    "variance_mle_expectation",
    "variance_mle_bias",
    "proportion_standard_error",
    "standard_error_of_mean",
]


def bernoulli_mle(successes: int, n: int) -> Estimate:
    """The MLE ``k/n`` of a Bernoulli probability and its standard error.

    Parameters
    ----------
    successes : int
        Number of successes ``k``, ``0 <= k <= n``.
    n : int
        Number of trials, ``n >= 1``.

    Returns
    -------
    Estimate
        ``estimate = k/n`` and ``standard_error = sqrt(p_hat (1 - p_hat) / n)``, the
        inverse square root of the Fisher information ``n / (p (1 - p))`` at ``p_hat``.
        At ``k = 0`` or ``k = n`` the plug-in standard error is 0 — the reason the Wald
        interval collapses there.

    Examples
    --------
    Of 200 visitors, 30 bought something:

    >>> est = bernoulli_mle(30, 200)
    >>> est.estimate, round(est.standard_error, 4)
    (0.15, 0.0252)
    """
    k, total = check_counts("successes", successes, "n", n)
    p_hat = k / total
    return Estimate(p_hat, math.sqrt(p_hat * (1 - p_hat) / total))


def _nonnegative_sample(name: str, x: ArrayLike) -> np.ndarray:
    arr = as_float_array(name, x)
    if np.any(arr < 0):
        raise ValueError(f"{name} must contain only values >= 0; found {float(arr[arr < 0][0])!r}.")
    return arr


def poisson_mle(x: ArrayLike) -> Estimate:
    """The MLE ``mean(x)`` of a Poisson rate and its standard error ``sqrt(mean(x)/n)``.

    Parameters
    ----------
    x : array_like
        Observed counts (whole numbers >= 0), 1-D, at least one.

    Returns
    -------
    Estimate
        ``estimate = mean(x)``; ``standard_error = sqrt(lambda_hat / n)`` from the Fisher
        information ``n / lambda``.

    Examples
    --------
    Support tickets on five days:

    >>> est = poisson_mle([3, 5, 4, 6, 2])
    >>> est.estimate, round(est.standard_error, 3)
    (4.0, 0.894)
    """
    arr = _nonnegative_sample("x", x)
    if np.any(arr != np.round(arr)):
        raise ValueError("x must contain only whole numbers (Poisson counts).")
    rate = float(arr.mean())
    return Estimate(rate, math.sqrt(rate / arr.size))


def exponential_mle(x: ArrayLike) -> Estimate:
    """The MLE ``1 / mean(x)`` of an exponential rate and its standard error ``rate/sqrt(n)``.

    Parameters
    ----------
    x : array_like
        Observed waiting times (>= 0, not all 0), 1-D.

    Returns
    -------
    Estimate
        ``estimate = 1 / mean(x)``; ``standard_error = lambda_hat / sqrt(n)`` from the
        Fisher information ``n / lambda**2``.

    Examples
    --------
    Minutes between four arrivals:

    >>> est = exponential_mle([2.0, 0.5, 1.0, 0.5])
    >>> est.estimate, est.standard_error
    (1.0, 0.5)
    """
    arr = _nonnegative_sample("x", x)
    mean = float(arr.mean())
    if mean == 0:
        raise ValueError("x must not be all zeros: the exponential rate MLE 1/mean(x) is infinite.")
    rate = 1.0 / mean
    return Estimate(rate, rate / math.sqrt(arr.size))


def gaussian_mle(x: ArrayLike) -> GaussianEstimate:
    """MLEs of a Gaussian's mean and variance, ``mean(x)`` and ``(1/n) sum (x - mean)**2``.

    Parameters
    ----------
    x : array_like
        1-D sample, at least one value.

    Returns
    -------
    GaussianEstimate
        ``mean``, ``variance`` (the biased MLE, ``ddof=0``) and their standard errors
        ``sqrt(variance/n)`` and ``sqrt(2 variance**2 / n)`` from the Fisher information.

    Examples
    --------
    >>> est = gaussian_mle([1.0, 2.0, 3.0, 6.0])
    >>> est.mean, est.variance
    (3.0, 3.5)
    >>> round(est.mean_standard_error, 4)
    0.9354
    """
    arr = as_float_array("x", x)
    n = arr.size
    mean = float(arr.mean())
    variance = float(np.mean((arr - mean) ** 2))
    return GaussianEstimate(
        mean=mean,
        variance=variance,
        mean_standard_error=math.sqrt(variance / n),
        variance_standard_error=math.sqrt(2.0 / n) * variance,
    )


def bernoulli_fisher_information(p: float) -> float:
    """Fisher information of one Bernoulli trial, ``1 / (p (1 - p))``.

    Parameters
    ----------
    p : float
        Success probability, strictly between 0 and 1.

    Examples
    --------
    Information is smallest at ``p = 1/2``, where a trial is least predictable:

    >>> bernoulli_fisher_information(0.5), round(bernoulli_fisher_information(0.1), 3)
    (4.0, 11.111)
    """
    prob = check_probability("p", p, open_interval=True)
    return 1.0 / (prob * (1.0 - prob))


def poisson_fisher_information(rate: float) -> float:
    """Fisher information of one Poisson observation, ``1 / lambda``.

    Examples
    --------
    >>> poisson_fisher_information(4.0)
    0.25
    """
    return 1.0 / check_positive("rate", rate)


def exponential_fisher_information(rate: float) -> float:
    """Fisher information of one exponential observation, ``1 / lambda**2``.

    Examples
    --------
    >>> exponential_fisher_information(2.0)
    0.25
    """
    return 1.0 / check_positive("rate", rate) ** 2


def gaussian_fisher_information(variance: float) -> np.ndarray:
    """Fisher information matrix of one Gaussian observation in ``(mu, sigma**2)``.

    Parameters
    ----------
    variance : float
        ``sigma**2 > 0``. The information does not depend on the mean.

    Returns
    -------
    numpy.ndarray
        ``diag(1 / sigma**2, 1 / (2 sigma**4))``; the off-diagonal terms are 0, so the
        two MLEs are asymptotically independent.

    Examples
    --------
    >>> gaussian_fisher_information(2.0)
    array([[0.5  , 0.   ],
           [0.   , 0.125]])
    """
    var = check_positive("variance", variance)
    return np.array([[1.0 / var, 0.0], [0.0, 1.0 / (2.0 * var**2)]])


def variance_mle_expectation(variance: float, n: int) -> float:
    """``E[sigma_hat**2] = (n - 1) / n * sigma**2`` for the MLE of a variance.

    Examples
    --------
    With 5 observations the MLE underestimates the variance by a fifth on average:

    >>> variance_mle_expectation(10.0, 5)
    8.0
    """
    var = check_positive("variance", variance, strict=False)
    size = check_count("n", n, minimum=1)
    return (size - 1) / size * var


def variance_mle_bias(variance: float, n: int) -> float:
    """The bias ``E[sigma_hat**2] - sigma**2 = -sigma**2 / n`` of the variance MLE.

    Examples
    --------
    Dividing by ``n - 1`` instead of ``n`` removes it:

    >>> variance_mle_bias(10.0, 5)
    -2.0
    """
    var = check_positive("variance", variance, strict=False)
    size = check_count("n", n, minimum=1)
    return -var / size


def proportion_standard_error(p: float, n: int) -> float:
    """Standard error ``sqrt(p (1 - p) / n)`` of a sample proportion.

    Examples
    --------
    >>> proportion_standard_error(0.5, 100)
    0.05
    """
    prob = check_probability("p", p)
    size = check_count("n", n, minimum=1)
    return math.sqrt(prob * (1.0 - prob) / size)


def standard_error_of_mean(x: ArrayLike, *, ddof: int = 1) -> float:
    """Standard error of the mean, ``s / sqrt(n)``, as :func:`scipy.stats.sem`.

    Parameters
    ----------
    x : array_like
        1-D sample with more than ``ddof`` values.
    ddof : int, default 1
        Delta degrees of freedom of the standard deviation ``s``.

    Examples
    --------
    >>> round(standard_error_of_mean([2.0, 4.0, 4.0, 6.0]), 4)
    0.8165
    """
    arr = as_float_array("x", x)
    dof = check_count("ddof", ddof)
    if arr.size <= dof:
        raise ValueError(f"x must have more than ddof ({dof}) values; got {arr.size}.")
    return float(np.std(arr, ddof=dof) / math.sqrt(arr.size))
