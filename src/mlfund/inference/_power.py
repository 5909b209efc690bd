"""Power, sample size and minimum detectable effect for A/B tests (week 6).

All formulas are normal approximations that ignore the far tail of a two-sided test
(its probability is negligible once the power is reasonable), so ``power(n) = target``
exactly when ``n = sample_size(target)``. This is R's ``power.prop.test`` with its
default ``strict = FALSE``.
"""

from __future__ import annotations

import math

from mlfund._validation import (
    check_level,
    check_positive,
    check_probability,
    check_real,
)
from mlfund.inference._common import (
    check_alternative,
    critical_value,
    normal_cdf,
    normal_quantile,
)

__all__ = [
    "sample_size_two_proportions",
    "power_two_proportions",
    "mde_two_proportions",
    "sample_size_two_means",
    "power_two_means",
    "mde_two_means",
    "rule_of_thumb_sample_size",
]


def _variances(p_a: float, p_b: float) -> tuple[float, float]:
    """``2 p_bar q_bar`` (pooled, under H0) and ``p_a q_a + p_b q_b`` (unpooled, under H1)."""
    p_bar = (p_a + p_b) / 2
    return 2 * p_bar * (1 - p_bar), p_a * (1 - p_a) + p_b * (1 - p_b)


def _check_direction(name_a: str, a: float, name_b: str, b: float, alternative: str) -> None:
    if a == b:
        raise ValueError(
            f"{name_a} ({a!r}) equals {name_b} ({b!r}): no sample size detects a zero effect."
        )
    if alternative == "greater" and a < b:
        raise ValueError(
            f"{name_a} ({a!r}) must be > {name_b} ({b!r}) when alternative is 'greater'."
        )
    if alternative == "less" and a > b:
        raise ValueError(
            f"{name_a} ({a!r}) must be < {name_b} ({b!r}) when alternative is 'less'."
        )


def _z_values(alpha: float, power: float, alternative: str) -> tuple[float, float]:
    """``z_{1-alpha/2}`` (or ``z_{1-alpha}``) and ``z_{1-beta}``, refusing a power <= alpha."""
    level_alpha = check_level("alpha", alpha)
    level_power = check_level("power", power)
    z_alpha = critical_value(level_alpha, alternative)
    z_beta = normal_quantile(level_power)
    if z_alpha + z_beta <= 0:
        raise _power_too_low(level_power, level_alpha)
    return z_alpha, z_beta


def _power_too_low(power: float, alpha: float) -> ValueError:
    return ValueError(
        f"power ({power!r}) is too low for alpha ({alpha!r}): it must exceed the test's "
        "rejection rate when there is no effect (use e.g. power=0.8)."
    )


def sample_size_two_proportions(
    p_a: float,
    p_b: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> float:
    """Sample size per group to tell two proportions apart with a z-test.

    ``n = (z_{1-alpha/2} sqrt(2 p_bar q_bar) + z_{1-beta} sqrt(p_a q_a + p_b q_b))**2
    / (p_a - p_b)**2``, with ``p_bar = (p_a + p_b)/2``: the pooled variance under the
    null hypothesis, the unpooled one under the alternative. One-sided tests use
    ``z_{1-alpha}``.

    Parameters
    ----------
    p_a, p_b : float
        The two proportions, strictly between 0 and 1 and different.
    alpha : float, default 0.05
        Significance level.
    power : float, default 0.8
        Target power ``1 - beta``.
    alternative : {"two-sided", "less", "greater"}
        As in :func:`two_proportion_ztest`; ``"greater"`` needs ``p_a > p_b`` and
        ``"less"`` needs ``p_a < p_b``.

    Returns
    -------
    float
        ``n`` per group, not rounded (round up to plan an experiment).

    Notes
    -----
    The same as R's ``power.prop.test(p1 = p_a, p2 = p_b, power = power)`` (default
    ``strict = FALSE``; R finds ``n`` with ``uniroot``, so it agrees to about 1e-4) and
    as :func:`statsmodels.stats.proportion.samplesize_proportions_2indep_onetail`.
    Formulas with one variance for both hypotheses (``NormalIndPower`` with an effect
    size ``delta / sd``) bracket it: the pooled-only and unpooled-only answers lie on
    either side.

    Examples
    --------
    Detecting a lift from 10 % to 12 % conversion:

    >>> round(sample_size_two_proportions(0.10, 0.12), 1)
    3840.9
    >>> math.ceil(sample_size_two_proportions(0.10, 0.12))
    3841
    """
    prob_a = check_probability("p_a", p_a, open_interval=True)
    prob_b = check_probability("p_b", p_b, open_interval=True)
    side = check_alternative(alternative)
    _check_direction("p_a", prob_a, "p_b", prob_b, side)
    z_alpha, z_beta = _z_values(alpha, power, side)
    var_null, var_alt = _variances(prob_a, prob_b)
    # var_null >= var_alt and z_alpha + z_beta > 0, so root > 0.
    root = z_alpha * math.sqrt(var_null) + z_beta * math.sqrt(var_alt)
    return root**2 / (prob_a - prob_b) ** 2


def power_two_proportions(
    p_a: float,
    p_b: float,
    n: float,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> float:
    """Power of the two-proportion z-test with ``n`` per group.

    ``Phi((|p_a - p_b| sqrt(n) - z_{1-alpha/2} sqrt(2 p_bar q_bar)) / sqrt(p_a q_a + p_b q_b))``;
    one-sided tests use ``z_{1-alpha}`` and the signed difference in the direction of
    the alternative. The far tail of a two-sided test is ignored (R's
    ``power.prop.test``, ``strict = FALSE``).

    Parameters
    ----------
    p_a, p_b : float
        The true proportions, strictly between 0 and 1.
    n : float
        Sample size per group (> 0; need not be whole).
    alpha : float, default 0.05
    alternative : {"two-sided", "less", "greater"}

    Examples
    --------
    R's documented example ``power.prop.test(n = 50, p1 = .50, p2 = .75)`` gives 0.740:

    >>> round(power_two_proportions(0.50, 0.75, 50), 3)
    0.74
    """
    prob_a = check_probability("p_a", p_a, open_interval=True)
    prob_b = check_probability("p_b", p_b, open_interval=True)
    size = check_positive("n", n)
    level_alpha = check_level("alpha", alpha)
    side = check_alternative(alternative)
    return _power_proportions(prob_a, prob_b, size, level_alpha, side)


def _power_proportions(p_a: float, p_b: float, n: float, alpha: float, side: str) -> float:
    z_alpha = critical_value(alpha, side)
    var_null, var_alt = _variances(p_a, p_b)
    diff = p_a - p_b
    signed = {"two-sided": abs(diff), "greater": diff, "less": -diff}[side]
    return normal_cdf((signed * math.sqrt(n) - z_alpha * math.sqrt(var_null)) / math.sqrt(var_alt))


def mde_two_proportions(
    p_a: float,
    n: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> float:
    """Minimum detectable (absolute) difference from a baseline ``p_a`` with ``n`` per group.

    Solves ``power_two_proportions(p_a, p_b, n) = power`` for ``p_b`` with
    :func:`scipy.optimize.brentq` and returns ``|p_b - p_a|``. The search goes up
    (``p_b > p_a``) for ``"two-sided"`` and ``"less"`` (``p_a < p_b``) and down for
    ``"greater"``; the binomial variance is not symmetric, so the downward MDE of a
    two-sided test differs slightly from the upward one returned here.

    Parameters
    ----------
    p_a : float
        Baseline proportion, strictly between 0 and 1.
    n : float
        Sample size per group (> 0).
    alpha : float, default 0.05
    power : float, default 0.8
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    float
        The absolute difference, in proportion units (``0.02`` is two percentage
        points), not a relative lift.

    Raises
    ------
    ValueError
        When no proportion between ``p_a`` and 0 or 1 reaches the power with this ``n``.

    Examples
    --------
    With about 3841 users per arm, a 10 % baseline can detect a move to 12 %:

    >>> round(mde_two_proportions(0.10, 3840.9), 4)
    0.02
    """
    prob_a = check_probability("p_a", p_a, open_interval=True)
    size = check_positive("n", n)
    side = check_alternative(alternative)
    level_alpha = check_level("alpha", alpha)
    level_power = check_level("power", power)
    direction = -1.0 if side == "greater" else 1.0
    room = prob_a if side == "greater" else 1.0 - prob_a

    def gap(delta: float) -> float:
        p_b = min(max(prob_a + direction * delta, 0.0), 1.0)
        return _power_proportions(prob_a, p_b, size, level_alpha, side) - level_power

    if gap(0.0) >= 0:
        raise _power_too_low(level_power, level_alpha)
    if gap(room) < 0:
        edge = "0" if side == "greater" else "1"
        raise ValueError(
            f"n ({size!r}) is too small: even p_b = {edge} gives less than power "
            f"({level_power!r})."
        )
    from scipy.optimize import brentq

    return float(brentq(gap, 0.0, room, xtol=1e-14))


def _check_delta_direction(delta: float, alternative: str) -> None:
    if delta == 0:
        raise ValueError("delta (0.0) must not be 0: no sample size detects a zero effect.")
    if alternative == "greater" and delta < 0:
        raise ValueError(f"delta ({delta!r}) must be > 0 when alternative is 'greater'.")
    if alternative == "less" and delta > 0:
        raise ValueError(f"delta ({delta!r}) must be < 0 when alternative is 'less'.")


def _check_mean_inputs(delta: float, sigma: float) -> tuple[float, float]:
    effect = check_real("delta", delta)
    scale = check_positive("sigma", sigma)
    return effect, scale


def sample_size_two_means(
    delta: float,
    sigma: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> float:
    """Sample size per group to detect a difference ``delta`` in means (z approximation).

    ``n = 2 (z_{1-alpha/2} + z_{1-beta})**2 sigma**2 / delta**2``; one-sided tests use
    ``z_{1-alpha}``.

    Parameters
    ----------
    delta : float
        The difference ``mean_a - mean_b`` to detect, not 0; positive for
        ``alternative="greater"``, negative for ``"less"``.
    sigma : float
        The common standard deviation of one observation (> 0).
    alpha : float, default 0.05
    power : float, default 0.8
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    float
        ``n`` per group, not rounded. Equal to ``NormalIndPower().solve_power`` of
        statsmodels with ``effect_size = delta / sigma`` (for two-sided tests up to its
        far-tail term).

    Examples
    --------
    Detecting 0.5 standard deviations: about 63 per group, near the rule of thumb 64.

    >>> round(sample_size_two_means(0.5, 1.0), 1), rule_of_thumb_sample_size(0.5, 1.0)
    (62.8, 64.0)
    """
    effect, scale = _check_mean_inputs(delta, sigma)
    side = check_alternative(alternative)
    _check_delta_direction(effect, side)
    z_alpha, z_beta = _z_values(alpha, power, side)
    return 2 * (z_alpha + z_beta) ** 2 * scale**2 / effect**2


def power_two_means(
    delta: float,
    sigma: float,
    n: float,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> float:
    """Power of the two-sample z-test for means with ``n`` per group.

    ``Phi(|delta| sqrt(n/2) / sigma - z_{1-alpha/2})`` (two-sided, far tail ignored);
    one-sided tests use ``z_{1-alpha}`` and the signed ``delta``.

    Parameters
    ----------
    delta : float
        The true difference ``mean_a - mean_b``.
    sigma : float
        Standard deviation of one observation (> 0).
    n : float
        Sample size per group (> 0).
    alpha : float, default 0.05
    alternative : {"two-sided", "less", "greater"}

    Examples
    --------
    >>> round(power_two_means(0.5, 1.0, 63), 3)
    0.801
    """
    effect = check_real("delta", delta)
    scale = check_positive("sigma", sigma)
    size = check_positive("n", n)
    level_alpha = check_level("alpha", alpha)
    side = check_alternative(alternative)
    z_alpha = critical_value(level_alpha, side)
    signed = {"two-sided": abs(effect), "greater": effect, "less": -effect}[side]
    return normal_cdf(signed * math.sqrt(size / 2) / scale - z_alpha)


def mde_two_means(
    sigma: float,
    n: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> float:
    """Minimum detectable difference in means with ``n`` per group.

    ``(z_{1-alpha/2} + z_{1-beta}) sigma sqrt(2/n)`` — the magnitude; its sign is the
    direction of a one-sided alternative.

    Parameters
    ----------
    sigma : float
        Standard deviation of one observation (> 0).
    n : float
        Sample size per group (> 0).
    alpha : float, default 0.05
    power : float, default 0.8
    alternative : {"two-sided", "less", "greater"}

    Examples
    --------
    >>> round(mde_two_means(1.0, 62.8), 3)
    0.5
    """
    scale = check_positive("sigma", sigma)
    size = check_positive("n", n)
    side = check_alternative(alternative)
    z_alpha, z_beta = _z_values(alpha, power, side)
    return (z_alpha + z_beta) * scale * math.sqrt(2.0 / size)


def rule_of_thumb_sample_size(delta: float, sigma: float) -> float:
    """Lehr's rule of thumb ``16 sigma**2 / delta**2`` per group (alpha 0.05, power 0.8).

    ``2 (1.96 + 0.84)**2 = 15.7``, rounded up to 16.

    Examples
    --------
    >>> rule_of_thumb_sample_size(2.0, 10.0)
    400.0
    """
    effect = check_real("delta", delta)
    scale = check_positive("sigma", sigma)
    if effect == 0:
        raise ValueError("delta (0.0) must not be 0: no sample size detects a zero effect.")
    return 16.0 * scale**2 / effect**2
