"""Situations that two weeks pose: one model, one tolerance and one set of mistakes.

When a later week revisits an earlier one with other numbers or with symbols (the mock
review of week 12 revisits every week), both items take their catalogued mistakes from
here, so that the same reasoning gets the same verdict and the same note in both weeks.
Each mistake is written once, as a formula in the situation's parameters; an expression
item uses it with sympy symbols, a number item with the week's numbers.
``tests/exercises/test_twins.py`` checks that twin items agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlfund.exercises._spec import Mistake


@dataclass(frozen=True, slots=True)
class SharedMistake:
    """A wrong answer of a situation, as a formula in the situation's parameters."""

    note: str
    feedback: str
    formula: Callable[..., Any]
    credit: float = 0.0

    def as_form(self) -> Mistake:
        """For an expression item whose symbols are the parameters."""
        return Mistake(self.note, self.feedback, form=self.formula, credit=self.credit)

    def as_value(self, **numbers: Any) -> Mistake:
        """For a number or interval item posed with these numbers (a zero-argument callable
        stands for a number computed when the mistake is first compared, not at import)."""
        formula = self.formula

        def value() -> Any:
            given = {k: v() if callable(v) else v for k, v in numbers.items()}
            return _number(formula(**given))

        return Mistake(self.note, self.feedback, value=value, credit=self.credit)


def _ratio(numerator: int, denominator: int, *, like: Any) -> Any:
    """An exact sympy Rational beside sympy symbols, a float beside numbers."""
    import sympy as sp

    if isinstance(like, sp.Basic):
        return sp.Rational(numerator, denominator)
    return numerator / denominator


def _number(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(float(v) for v in value)
    return float(value)


# --- the review threshold (weeks 9 and 12) -------------------------------------------------
#
# A review costs r on every case reviewed, fraud or not, and stops the fraud; a fraud not
# reviewed costs v. Review when r < p·v: t* = r/v. In regrets (correct decisions free),
# C_FP = r and C_FN = v − r, and C_FP/(C_FP + C_FN) = r/v again.


def review_threshold(r: Any, v: Any) -> Any:
    """The reference in the library's terms: a true positive pays the review too."""
    from mlfund.evaluation import symbolic

    return symbolic.cost_optimal_threshold(r, v, r, 0)


REVIEW_THRESHOLD_MISTAKES = (
    SharedMistake("free-true-positive",
                  "This treats a caught fraud as free, but the review is paid on frauds too. "
                  "Review when its cost is below the expected loss of not reviewing, p times "
                  "the cost of a missed fraud; with regrets, C_FN is the missed fraud's cost "
                  "minus the review's.",
                  lambda r, v: r / (r + v)),
    SharedMistake("swapped-costs",
                  "The costs are swapped: a dearer review should raise the threshold, not "
                  "lower it.",
                  lambda r, v: v / (r + v)),
    SharedMistake("half",
                  "1/2 is the threshold only when the two errors cost the same and correct "
                  "decisions are free.",
                  lambda r, v: _ratio(1, 2, like=r)),
    SharedMistake("odds-not-probability",
                  "That is the break-even odds p/(1 − p); turn it back into a probability.",
                  lambda r, v: r / (v - r)),
)


# --- the sample size per arm of a two-proportion test (weeks 6 and 12) --------------------
#
# From a baseline p1 to a target p2 (absolute rates), two-sided α = 0.05, power 0.8, the
# users per arm, rounded up. The textbook quantiles 1.96 and 0.84 move the answer by about
# 0.1 %; the tolerance, 0.5 %, accepts them and keeps every mistake out.

SAMPLE_SIZE_RTOL = 5e-3


def _inf():
    import mlfund.inference as inference

    return inference


def sample_size_per_arm(p1: float, p2: float, **options: Any) -> int:
    """Users per arm to tell p1 from p2, rounded up (the library's formula)."""
    import math

    return math.ceil(_inf().sample_size_two_proportions(p1, p2, **options))


def _rule_of_thumb(p: float, delta: float) -> float:
    import math

    return _inf().rule_of_thumb_sample_size(delta, math.sqrt(p * (1 - p)))


def _one_sided(p1: float, p2: float) -> int:
    side = "less" if p1 < p2 else "greater"
    return sample_size_per_arm(p1, p2, alternative=side)


SAMPLE_SIZE_MISTAKES = (
    SharedMistake("n-total",
                  "That is the total for both arms; the formula gives the users per arm.",
                  lambda p1, p2: 2 * sample_size_per_arm(p1, p2)),
    SharedMistake("one-sided-alpha",
                  "That uses z = 1.645, a one-sided test; a two-sided test at α = 0.05 uses "
                  "z_{1−α/2} = 1.96.",
                  _one_sided),
    SharedMistake("rule-of-thumb",
                  "That is the rule of thumb 16 p̄q̄/δ²: fine on a whiteboard, but the "
                  "question asks for the formula with the pooled variance under H₀ and the "
                  "unpooled one under H₁.",
                  lambda p1, p2: _rule_of_thumb((p1 + p2) / 2, p2 - p1), credit=0.5),
    SharedMistake("rule-of-thumb-baseline",
                  "That is the rule of thumb 16 p(1 − p)/δ² at the baseline: fine on a "
                  "whiteboard, but the question asks for the formula with the pooled "
                  "variance under H₀ and the unpooled one under H₁.",
                  lambda p1, p2: _rule_of_thumb(p1, p2 - p1), credit=0.5),
    SharedMistake("relative-mde-as-delta",
                  "The relative lift was used as an absolute difference: δ is the difference "
                  "of the two conversion rates, p₂ − p₁, not the relative lift (p₂ − p₁)/p₁.",
                  lambda p1, p2: sample_size_per_arm(p1, p1 + (p2 - p1) / p1)),
)


# --- a conversion lift in annual dollars, with its interval (weeks 11 and 12) -------------
#
# Δ$ = 12 × monthly visitors × Δconversion × order value, everyone getting the change after
# launch, and the ends of the unpooled Wald interval of Δconversion carried through.

REVENUE_INTERVAL_RTOL = 1e-3


def annual_revenue_interval(x_t: int, n_t: int, x_c: int, n_c: int, monthly: float,
                            order_value: float, *, months: float = 12,
                            confidence_level: float = 0.95) -> tuple[float, float]:
    """The interval of the revenue impact over ``months`` months (the library's)."""
    from mlfund.evaluation import conversion_lift_revenue

    delta = _delta_interval(x_t, n_t, x_c, n_c, confidence_level)
    impact = conversion_lift_revenue(months * monthly, x_t / n_t - x_c / n_c, order_value,
                                     delta_conversion_ci=delta)
    ci = impact.confidence_interval
    return (ci.low, ci.high)


def _delta_interval(x_t: int, n_t: int, x_c: int, n_c: int,
                    confidence_level: float = 0.95) -> tuple[float, float]:
    ci = _inf().diff_proportions_ci(x_t, n_t, x_c, n_c, method="wald",
                                    confidence_level=confidence_level)
    return (ci.low, ci.high)


REVENUE_INTERVAL_MISTAKES = (
    SharedMistake("monthly",
                  "That interval is for one month; the question asks for a year (12 × the "
                  "monthly visitors).",
                  lambda **k: annual_revenue_interval(**k, months=1)),
    SharedMistake("test-traffic-only",
                  "After launch every visitor gets the new version, not half of them as "
                  "during the test: use all the traffic.",
                  lambda **k: annual_revenue_interval(**k, months=6)),
    SharedMistake("conversion-not-dollars",
                  "That is the interval of Δconversion itself; carry both ends through to "
                  "dollars (× annual visitors × order value).",
                  lambda x_t, n_t, x_c, n_c, **_: _delta_interval(x_t, n_t, x_c, n_c)),
    SharedMistake("ninety-percent",
                  "That is a 90 % interval (z = 1.645); the question asks for 95 % "
                  "(z = 1.96).",
                  lambda **k: annual_revenue_interval(**k, confidence_level=0.90)),
)


# --- the standard error of a k-fold estimate (weeks 10 and 12) ----------------------------
#
# The mean of k fold scores whose sample standard deviation (ddof 1) is s: s/√k, the folds
# treated as independent.


def _sqrt(value: Any) -> Any:
    import sympy as sp

    if isinstance(value, sp.Basic):
        return sp.sqrt(value)
    import math

    return math.sqrt(value)


def cv_standard_error(s: Any, k: Any) -> Any:
    """s/√k (the library's, for symbols; the same arithmetic for numbers)."""
    import sympy as sp

    if isinstance(s, sp.Basic) or isinstance(k, sp.Basic):
        from mlfund.evaluation import symbolic

        return symbolic.cv_standard_error(s, k)
    return s / _sqrt(k)


CV_STANDARD_ERROR_MISTAKES = (
    SharedMistake("over-k",
                  "Var(mean) = s²/k, so the standard error is its square root: divide s by "
                  "√k, not by k.",
                  lambda s, k: s / k),
    SharedMistake("variance",
                  "That is the variance of the mean, s²/k; the standard error is its square "
                  "root.",
                  lambda s, k: s**2 / k),
    SharedMistake("one-fold",
                  "That is s, the spread of a single fold's score; averaging k of them "
                  "shrinks it: the standard error of the mean is s/√k.",
                  lambda s, k: s),
    SharedMistake("k-minus-1",
                  "The k − 1 belongs inside s (the sample standard deviation); the mean of k "
                  "scores has standard error s/√k.",
                  lambda s, k: s / _sqrt(k - 1)),
)


# --- the interval of a relative lift, on the log scale (weeks 11 and 12) ------------------
#
# x_t of n_t converted in the treatment, x_c of n_c in the control: the relative lift
# p_t/p_c − 1, its 95 % interval from the Wald interval of log(p̂_t/p̂_c), whose variance is
# the delta method's (1 − p_t)/(n_t p_t) + (1 − p_c)/(n_c p_c) (Katz et al. 1978), the two
# ends exponentiated and 1 subtracted.

RELATIVE_LIFT_INTERVAL_RTOL = 1e-3


def _log_rate_variance(x: int, n: int) -> float:
    """Var log p̂ ≈ Var p̂/p² (the delta method), at the observed rate (the library's SE)."""
    rate = x / n
    return _inf().proportion_standard_error(rate, n) ** 2 / rate**2


def _z(confidence_level: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(0.5 + confidence_level / 2))


def relative_lift_interval(x_t: int, n_t: int, x_c: int, n_c: int, *,
                           confidence_level: float = 0.95, exponentiate: bool = True,
                           minus_one: bool = True, poisson: bool = False
                           ) -> tuple[float, float]:
    """The log (Katz) interval of p_t/p_c − 1; the options give the catalogued slips."""
    import math

    centre = math.log((x_t / n_t) / (x_c / n_c))
    if poisson:     # 1/x per arm: the variance of a log ratio of Poisson counts
        variance = 1 / x_t + 1 / x_c
    else:
        variance = _log_rate_variance(x_t, n_t) + _log_rate_variance(x_c, n_c)
    half = _z(confidence_level) * math.sqrt(variance)
    ends = (centre - half, centre + half)
    if not exponentiate:
        return ends
    shift = 1.0 if minus_one else 0.0
    return (math.exp(ends[0]) - shift, math.exp(ends[1]) - shift)


def _lift_delta_on_ratio(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float]:
    """The delta method on the ratio itself: symmetric around p̂_t/p̂_c."""
    import math

    ratio = (x_t / n_t) / (x_c / n_c)
    half = _z(0.95) * ratio * math.sqrt(_log_rate_variance(x_t, n_t)
                                        + _log_rate_variance(x_c, n_c))
    return (ratio - 1 - half, ratio - 1 + half)


def _difference_interval(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float]:
    """The unpooled Wald interval of p_t − p_c (the library's)."""
    return _delta_interval(x_t, n_t, x_c, n_c)


def _difference_over_control(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float]:
    low, high = _delta_interval(x_t, n_t, x_c, n_c)
    rate_c = x_c / n_c
    return (low / rate_c, high / rate_c)


RELATIVE_LIFT_INTERVAL_MISTAKES = (
    SharedMistake("ratio-not-lift",
                  "That is the interval of the ratio p_t/p_c; the relative lift is the ratio "
                  "minus 1.",
                  lambda **k: relative_lift_interval(**k, minus_one=False), credit=0.5),
    SharedMistake("log-not-exponentiated",
                  "Those are the ends of the interval of log(p_t/p_c): exponentiate them, "
                  "then subtract 1.",
                  lambda **k: relative_lift_interval(**k, exponentiate=False)),
    SharedMistake("difference-over-control",
                  "That is the Wald interval of p_t − p_c divided by p̂_c, which treats p̂_c "
                  "as known; the log interval takes the noise of both rates into account, on "
                  "the log scale.",
                  _difference_over_control),
    SharedMistake("delta-on-ratio",
                  "That is a symmetric interval around the ratio (the delta method on p_t/p_c "
                  "itself). The log interval is symmetric on the log scale, so it is skewed "
                  "upwards once exponentiated.",
                  _lift_delta_on_ratio),
    SharedMistake("poisson-se",
                  "√(1/x_t + 1/x_c) is the SE of a log ratio of Poisson counts (events per "
                  "exposure); for proportions each term loses 1/n: "
                  "√((1 − p_t)/x_t + (1 − p_c)/x_c).",
                  lambda **k: relative_lift_interval(**k, poisson=True)),
    SharedMistake("absolute-difference",
                  "That is the interval of the absolute difference p_t − p_c (in rate "
                  "units); the relative lift is that difference divided by p_c.",
                  _difference_interval),
    SharedMistake("ninety-percent",
                  "That is a 90 % interval (z = 1.645); the question asks for 95 % "
                  "(z = 1.96).",
                  lambda **k: relative_lift_interval(**k, confidence_level=0.90)),
)
