"""Small helpers shared by the inference modules (normal quantiles, p-values, sides)."""

from __future__ import annotations

import numbers

import numpy as np

from mlfund._validation import check_choice

ALTERNATIVES = ("two-sided", "less", "greater")


def check_alternative(alternative: object) -> str:
    """``alternative`` as one of scipy's three words."""
    return check_choice("alternative", alternative, ALTERNATIVES)


def normal_quantile(q: float) -> float:
    """The standard normal quantile ``Phi^{-1}(q)``."""
    from scipy.special import ndtri

    return float(ndtri(q))


def normal_cdf(x: float) -> float:
    """The standard normal cdf ``Phi(x)``."""
    from scipy.special import ndtr

    return float(ndtr(x))


def two_sided_critical_value(confidence_level: float) -> float:
    """``z_{1 - alpha/2}`` for ``alpha = 1 - confidence_level``."""
    return normal_quantile(0.5 + confidence_level / 2)


def critical_value(alpha: float, alternative: str) -> float:
    """``z_{1-alpha/2}`` for a two-sided test, ``z_{1-alpha}`` for a one-sided one."""
    tail = alpha / 2 if alternative == "two-sided" else alpha
    return normal_quantile(1 - tail)


def normal_pvalue(z: float, alternative: str) -> float:
    """The p-value of a standard normal statistic ``z`` for ``alternative``."""
    from scipy.special import ndtr

    if alternative == "two-sided":
        return float(min(1.0, 2 * ndtr(-abs(z))))
    if alternative == "less":
        return float(ndtr(z))
    return float(ndtr(-z))


def as_generator(name: str, value: object) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from ``None``, a seed (int >= 0) or a Generator.

    A seed gives ``numpy.random.default_rng(seed)``, the stream ``scipy.stats`` uses for
    ``rng=seed``.
    """
    if value is None or isinstance(value, np.random.Generator):
        return np.random.default_rng(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        if int(value) < 0:
            raise ValueError(f"{name} ({value!r}) must be >= 0 when given as a seed.")
        return np.random.default_rng(int(value))
    raise TypeError(
        f"{name} ({value!r}) must be None, a whole-number seed or a numpy.random.Generator."
    )
