"""Statistical inference: estimation, intervals, A/B testing, bias and variance.

The numeric references for weeks 4–7 of the workbook. Their symbolic (sympy) twins live
in :mod:`mlfund.inference.symbolic`, which is not imported here so that
``import mlfund.inference`` stays cheap (numpy only; scipy loads inside the functions
that need it).

Estimation (week 4)
    bernoulli_mle, poisson_mle, exponential_mle, gaussian_mle,
    bernoulli_fisher_information, poisson_fisher_information,
    exponential_fisher_information, gaussian_fisher_information,
    variance_mle_expectation, variance_mle_bias, proportion_standard_error,
    standard_error_of_mean
Confidence intervals (week 5)
    proportion_ci, mean_ci, bootstrap_ci, proportion_ci_coverage,
    simulate_proportion_ci_coverage
A/B testing (week 6)
    diff_proportions_ci, two_proportion_ztest, welch_ttest, welch_satterthwaite_df,
    sample_size_two_proportions, power_two_proportions, mde_two_proportions,
    sample_size_two_means, power_two_means, mde_two_means, rule_of_thumb_sample_size,
    bonferroni, benjamini_hochberg, delta_method_ratio_variance, cuped
Bias, variance and regularization (week 7)
    bias_variance_decomposition, ridge_estimator, ridge_shrinkage_factors, knn_variance
"""

from __future__ import annotations

from mlfund.inference._ab_testing import (
    DIFF_PROPORTIONS_CI_METHODS,
    diff_proportions_ci,
    two_proportion_ztest,
    welch_satterthwaite_df,
    welch_ttest,
)
from mlfund.inference._bias_variance import (
    bias_variance_decomposition,
    knn_variance,
    ridge_estimator,
    ridge_shrinkage_factors,
)
from mlfund.inference._coverage import proportion_ci_coverage, simulate_proportion_ci_coverage
from mlfund.inference._estimation import (
    bernoulli_fisher_information,
    bernoulli_mle,
    exponential_fisher_information,
    exponential_mle,
    gaussian_fisher_information,
    gaussian_mle,
    poisson_fisher_information,
    poisson_mle,
    proportion_standard_error,
    standard_error_of_mean,
    variance_mle_bias,
    variance_mle_expectation,
)
from mlfund.inference._intervals import (
    PROPORTION_CI_METHODS,
    bootstrap_ci,
    mean_ci,
    proportion_ci,
)
from mlfund.inference._multiple_testing import benjamini_hochberg, bonferroni
from mlfund.inference._power import (
    mde_two_means,
    mde_two_proportions,
    power_two_means,
    power_two_proportions,
    rule_of_thumb_sample_size,
    sample_size_two_means,
    sample_size_two_proportions,
)
from mlfund.inference._results import (
    BiasVarianceResult,
    ConfidenceInterval,
    CupedResult,
    Estimate,
    GaussianEstimate,
    MultipleTestingResult,
    WelchTTestResult,
    ZTestResult,
)
from mlfund.inference._variance_reduction import cuped, delta_method_ratio_variance

__all__ = [
    # results
    "ConfidenceInterval",
    "Estimate",
    "GaussianEstimate",
    "ZTestResult",
    "WelchTTestResult",
    "MultipleTestingResult",
    "CupedResult",
    "BiasVarianceResult",
    # estimation
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
    # intervals
    "PROPORTION_CI_METHODS",
    "proportion_ci",
    "mean_ci",
    "bootstrap_ci",
    "proportion_ci_coverage",
    "simulate_proportion_ci_coverage",
    # A/B testing
    "DIFF_PROPORTIONS_CI_METHODS",
    "diff_proportions_ci",
    "two_proportion_ztest",
    "welch_ttest",
    "welch_satterthwaite_df",
    "sample_size_two_proportions",
    "power_two_proportions",
    "mde_two_proportions",
    "sample_size_two_means",
    "power_two_means",
    "mde_two_means",
    "rule_of_thumb_sample_size",
    "bonferroni",
    "benjamini_hochberg",
    "delta_method_ratio_variance",
    "cuped",
    # bias and variance
    "bias_variance_decomposition",
    "ridge_estimator",
    "ridge_shrinkage_factors",
    "knn_variance",
]
