"""Result objects shared by the inference functions.

Every result is a frozen, slotted dataclass: fields with names, never a tuple whose
order must be remembered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlfund._results import ConfidenceInterval
from mlfund._validation import check_level

__all__ = [
    "ConfidenceInterval",
    "Estimate",
    "GaussianEstimate",
    "ZTestResult",
    "WelchTTestResult",
    "MultipleTestingResult",
    "CupedResult",
    "BiasVarianceResult",
]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate and its (plug-in) standard error."""

    estimate: float
    standard_error: float


@dataclass(frozen=True, slots=True)
class GaussianEstimate:
    """Maximum-likelihood estimates of a Gaussian's mean and variance with standard errors.

    ``variance`` is the MLE ``(1/n) sum (x - mean)**2`` (biased; see
    :func:`mlfund.inference.variance_mle_bias`). The standard errors come from the
    Fisher information at the estimates: ``sqrt(variance / n)`` and
    ``sqrt(2 * variance**2 / n)``.
    """

    mean: float
    variance: float
    mean_standard_error: float
    variance_standard_error: float


@dataclass(frozen=True, slots=True)
class ZTestResult:
    """A z statistic and its p-value."""

    statistic: float
    pvalue: float


@dataclass(frozen=True, slots=True)
class WelchTTestResult:
    """Welch's unequal-variance t-test for ``mean(a) - mean(b)``.

    Attributes
    ----------
    statistic, pvalue, df : float
        The t statistic, its p-value and the Welch–Satterthwaite degrees of freedom.
    estimate : float
        ``mean(a) - mean(b)``.
    standard_error : float
        ``sqrt(var(a)/n_a + var(b)/n_b)`` with sample variances (``ddof=1``).
    alternative : str
        The alternative the test was run with; one-sided tests give one-sided intervals,
        as :func:`scipy.stats.ttest_ind` does.
    """

    statistic: float
    pvalue: float
    df: float
    estimate: float
    standard_error: float
    alternative: str

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """The t interval for ``mean(a) - mean(b)`` with the Welch–Satterthwaite df.

        Parameters
        ----------
        confidence_level : float, default 0.95
            Strictly between 0 and 1.

        Returns
        -------
        ConfidenceInterval
            Two-sided for ``alternative="two-sided"``; ``(-inf, high]`` for ``"less"``
            and ``[low, inf)`` for ``"greater"``.
        """
        from scipy import stats

        level = check_level("confidence_level", confidence_level)
        if self.alternative == "two-sided":
            quantile = float(stats.t.ppf(0.5 + level / 2, self.df))
            half = quantile * self.standard_error
            return ConfidenceInterval(self.estimate - half, self.estimate + half)
        half = float(stats.t.ppf(level, self.df)) * self.standard_error
        if self.alternative == "less":
            return ConfidenceInterval(-np.inf, self.estimate + half)
        return ConfidenceInterval(self.estimate - half, np.inf)


@dataclass(frozen=True, slots=True)
class MultipleTestingResult:
    """Decisions and adjusted p-values of a multiple-testing procedure.

    Attributes
    ----------
    reject : numpy.ndarray of bool
        Which null hypotheses are rejected, in the order the p-values were given.
    pvalues_adjusted : numpy.ndarray of float
        Adjusted p-values (capped at 1), in the same order; ``reject`` equals
        ``pvalues_adjusted <= alpha`` up to rounding at the boundary.
    """

    reject: np.ndarray
    pvalues_adjusted: np.ndarray


@dataclass(frozen=True, slots=True)
class CupedResult:
    """CUPED: the metric adjusted with a pre-experiment covariate.

    Attributes
    ----------
    theta : float
        ``cov(y, x) / var(x)``, the slope of ``y`` on ``x``.
    adjusted : numpy.ndarray
        ``y - theta * (x - mean(x))``; same mean as ``y``, smaller variance.
    correlation : float
        Pearson correlation ``rho`` of ``y`` and ``x``.
    variance_factor : float
        ``1 - rho**2 = var(adjusted) / var(y)``.
    """

    theta: float
    adjusted: np.ndarray
    correlation: float
    variance_factor: float


@dataclass(frozen=True, slots=True)
class BiasVarianceResult:
    """The terms of ``E[(y - f_hat)**2] = bias**2 + variance + noise``, averaged over points."""

    bias_squared: float
    variance: float
    noise: float
    expected_error: float
