"""Comparing two groups: proportions and means (week 6)."""

from __future__ import annotations

import math

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
from mlfund.inference._common import (
    check_alternative,
    normal_pvalue,
    two_sided_critical_value,
)
from mlfund.inference._intervals import proportion_bounds
from mlfund.inference._results import ConfidenceInterval, WelchTTestResult, ZTestResult

__all__ = [
    "DIFF_PROPORTIONS_CI_METHODS",
    "diff_proportions_ci",
    "two_proportion_ztest",
    "welch_ttest",
    "welch_satterthwaite_df",
]

DIFF_PROPORTIONS_CI_METHODS = ("newcombe", "wald", "agresti_caffo")


def _two_groups(
    successes_a: int, n_a: int, successes_b: int, n_b: int
) -> tuple[int, int, int, int]:
    k_a, total_a = check_counts("successes_a", successes_a, "n_a", n_a)
    k_b, total_b = check_counts("successes_b", successes_b, "n_b", n_b)
    return k_a, total_a, k_b, total_b


def _wald_difference(
    k_a: float, n_a: float, k_b: float, n_b: float, z: float
) -> ConfidenceInterval:
    p_a, p_b = k_a / n_a, k_b / n_b
    half = z * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    diff = p_a - p_b
    return ConfidenceInterval(max(diff - half, -1.0), min(diff + half, 1.0))


def diff_proportions_ci(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    *,
    confidence_level: float = 0.95,
    method: str = "newcombe",
) -> ConfidenceInterval:
    """Confidence interval for the difference of two independent proportions ``p_a - p_b``.

    Parameters
    ----------
    successes_a, n_a : int
        Successes and trials in group a (``0 <= successes_a <= n_a``, ``n_a >= 1``).
    successes_b, n_b : int
        The same for group b.
    confidence_level : float, default 0.95
        Strictly between 0 and 1.
    method : {"newcombe", "wald", "agresti_caffo"}
        - ``"wald"``: ``d -/+ z sqrt(p_a q_a / n_a + p_b q_b / n_b)`` (unpooled SE).
        - ``"newcombe"``: the hybrid score interval (Newcombe 1998, method 10) built
          from the two Wilson intervals ``(l_a, u_a)``, ``(l_b, u_b)``:
          ``low = d - sqrt((p_a - l_a)**2 + (u_b - p_b)**2)``,
          ``high = d + sqrt((u_a - p_a)**2 + (p_b - l_b)**2)``.
        - ``"agresti_caffo"``: Wald after adding one success and one failure to each
          group.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` within ``[-1, 1]``.

    Notes
    -----
    Equal to :func:`statsmodels.stats.proportion.confint_proportions_2indep` with
    ``method="newcomb"``, ``"wald"`` and ``"agresti-caffo"``, except that the Wald and
    Agresti–Caffo bounds are clipped to ``[-1, 1]`` (statsmodels does not clip them),
    in the way :func:`proportion_ci` clips to ``[0, 1]``. Newcombe's interval never
    leaves ``[-1, 1]`` except by rounding, which the same clip absorbs. Like the
    one-sample Wald interval, the Wald difference interval collapses to a point when
    both groups are all-or-nothing.

    Examples
    --------
    Control converts 120 of 1000, the variant 150 of 1000:

    >>> ci = diff_proportions_ci(150, 1000, 120, 1000)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.0, 0.06)
    >>> ci = diff_proportions_ci(150, 1000, 120, 1000, method="wald")
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.0001, 0.0599)
    """
    k_a, total_a, k_b, total_b = _two_groups(successes_a, n_a, successes_b, n_b)
    level = check_level("confidence_level", confidence_level)
    chosen = check_choice("method", method, DIFF_PROPORTIONS_CI_METHODS)
    z = two_sided_critical_value(level)
    if chosen == "wald":
        return _wald_difference(k_a, total_a, k_b, total_b, z)
    if chosen == "agresti_caffo":
        return _wald_difference(k_a + 1, total_a + 2, k_b + 1, total_b + 2, z)
    p_a, p_b = k_a / total_a, k_b / total_b
    low_a, high_a = (float(v[0]) for v in proportion_bounds(np.array([k_a]), total_a, level,
                                                             "wilson"))
    low_b, high_b = (float(v[0]) for v in proportion_bounds(np.array([k_b]), total_b, level,
                                                             "wilson"))
    diff = p_a - p_b
    low = diff - math.hypot(p_a - low_a, high_b - p_b)
    high = diff + math.hypot(high_a - p_a, p_b - low_b)
    # Inside [-1, 1] mathematically; the clip only absorbs rounding (1 + 2e-16).
    return ConfidenceInterval(max(low, -1.0), min(high, 1.0))


def two_proportion_ztest(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    *,
    alternative: str = "two-sided",
) -> ZTestResult:
    """Two-proportion z-test of ``p_a = p_b`` with the pooled standard error.

    ``z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b))`` with the pooled proportion
    ``p = (successes_a + successes_b) / (n_a + n_b)``: under the null hypothesis the two
    groups share one proportion, so the test estimates it from both.

    Parameters
    ----------
    successes_a, n_a, successes_b, n_b : int
        Successes and trials of each group.
    alternative : {"two-sided", "less", "greater"}
        The alternative hypothesis: ``p_a != p_b``, ``p_a < p_b`` or ``p_a > p_b``.

    Returns
    -------
    ZTestResult
        ``statistic`` and ``pvalue``, as
        :func:`statsmodels.stats.proportion.proportions_ztest` (``"less"`` is its
        ``"smaller"``, ``"greater"`` its ``"larger"``).

    Raises
    ------
    ValueError
        When every trial in both groups is a success, or every one a failure: the pooled
        standard error is 0 and the statistic is undefined (statsmodels returns NaN).

    Examples
    --------
    >>> res = two_proportion_ztest(150, 1000, 120, 1000)
    >>> round(res.statistic, 3), round(res.pvalue, 4)
    (1.963, 0.0496)
    >>> round(two_proportion_ztest(150, 1000, 120, 1000, alternative="greater").pvalue, 4)
    0.0248
    """
    k_a, total_a, k_b, total_b = _two_groups(successes_a, n_a, successes_b, n_b)
    side = check_alternative(alternative)
    pooled = (k_a + k_b) / (total_a + total_b)
    if pooled in (0.0, 1.0):
        raise ValueError(
            "the pooled proportion is "
            f"{pooled:g} (successes_a={k_a}, successes_b={k_b}): with no variation in "
            "either group the pooled standard error is 0 and the z statistic is undefined."
        )
    se = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    z = (k_a / total_a - k_b / total_b) / se
    return ZTestResult(z, normal_pvalue(z, side))


def welch_satterthwaite_df(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Welch–Satterthwaite degrees of freedom of ``mean(a) - mean(b)``.

    ``df = (v_a/n_a + v_b/n_b)**2 / ((v_a/n_a)**2/(n_a - 1) + (v_b/n_b)**2/(n_b - 1))``

    Parameters
    ----------
    var_a, var_b : float
        Sample variances (>= 0, not both 0).
    n_a, n_b : int
        Sample sizes, each at least 2.

    Examples
    --------
    Equal variances and sizes give the pooled ``n_a + n_b - 2``; unequal ones fewer:

    >>> welch_satterthwaite_df(4.0, 10, 4.0, 10)
    18.0
    >>> round(welch_satterthwaite_df(1.0, 10, 9.0, 10), 2)
    10.99
    """
    v_a = check_positive("var_a", var_a, strict=False)
    v_b = check_positive("var_b", var_b, strict=False)
    size_a = check_count("n_a", n_a, minimum=2)
    size_b = check_count("n_b", n_b, minimum=2)
    if v_a == 0 and v_b == 0:
        raise ValueError("var_a and var_b are both 0: the degrees of freedom are undefined.")
    return _welch_df(v_a, size_a, v_b, size_b)


def _welch_df(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    w_a, w_b = var_a / n_a, var_b / n_b
    return (w_a + w_b) ** 2 / (w_a**2 / (n_a - 1) + w_b**2 / (n_b - 1))


def welch_ttest(
    a: ArrayLike,
    b: ArrayLike,
    *,
    alternative: str = "two-sided",
) -> WelchTTestResult:
    """Welch's t-test for ``mean(a) - mean(b)`` without assuming equal variances.

    ``t = (mean(a) - mean(b)) / sqrt(s_a**2/n_a + s_b**2/n_b)`` compared with a t
    distribution with the Welch–Satterthwaite degrees of freedom.

    Parameters
    ----------
    a, b : array_like
        The two samples (1-D, at least two values each; they may differ in length).
    alternative : {"two-sided", "less", "greater"}
        ``mean(a) != mean(b)``, ``<`` or ``>``.

    Returns
    -------
    WelchTTestResult
        ``statistic``, ``pvalue``, ``df``, ``estimate``, ``standard_error`` and
        ``confidence_interval(confidence_level=0.95)``; the numbers of
        ``scipy.stats.ttest_ind(a, b, equal_var=False)``.

    Raises
    ------
    ValueError
        When both samples are constant: the standard error is 0.

    Examples
    --------
    Revenue per user in two arms:

    >>> a = [12.0, 0.0, 30.0, 8.0, 15.0, 0.0, 22.0]
    >>> b = [5.0, 0.0, 9.0, 11.0, 0.0, 7.0]
    >>> res = welch_ttest(a, b)
    >>> round(res.statistic, 3), round(res.df, 2), round(res.pvalue, 3)
    (1.547, 8.25, 0.159)
    >>> ci = res.confidence_interval()
    >>> round(ci.low, 2), round(ci.high, 2)
    (-3.42, 17.61)
    """
    x = as_float_array("a", a, min_size=2)
    y = as_float_array("b", b, min_size=2)
    side = check_alternative(alternative)
    # A constant sample has variance exactly 0 (np.var can leave rounding dust).
    var_a = float(np.var(x, ddof=1)) if np.ptp(x) > 0 else 0.0
    var_b = float(np.var(y, ddof=1)) if np.ptp(y) > 0 else 0.0
    se = math.sqrt(var_a / x.size + var_b / y.size)
    if se == 0:
        raise ValueError(
            "a and b are both constant: the standard error is 0 and t is undefined."
        )
    estimate = float(x.mean() - y.mean())
    df = _welch_df(var_a, x.size, var_b, y.size)
    t = estimate / se
    from scipy import stats

    if side == "two-sided":
        pvalue = float(min(1.0, 2 * stats.t.sf(abs(t), df)))
    elif side == "less":
        pvalue = float(stats.t.cdf(t, df))
    else:
        pvalue = float(stats.t.sf(t, df))
    return WelchTTestResult(t, pvalue, df, estimate, se, side)
