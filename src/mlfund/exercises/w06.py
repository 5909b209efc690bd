"""Week 6 — A/B testing.

The numbers of the word problems are module constants so that the notebook's text and the
tests (``tests/exercises/test_w06.py``) refer to the same experiment.
"""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises import _shared
from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant

# --- the experiments of the word problems ---------------------------------------------

#: Section 2: variant (a, a sixth of the traffic) and control (b): conversions and users.
PVALUE_COUNTS = (520, 4000, 2400, 20000)
#: Section 3: a 5 % baseline and a 10 % *relative* lift the PM wants to detect.
SAMPLE_SIZE_BASELINE = 0.05
SAMPLE_SIZE_RELATIVE_LIFT = 0.10
#: Section 3: revenue per user, mean and standard deviation, and a 2 % relative lift.
REVENUE_MEAN = 50.0
REVENUE_SD = 30.0
REVENUE_RELATIVE_LIFT = 0.02
#: Section 3: users available in total, split evenly between two arms, and the baseline.
MDE_TOTAL_USERS = 40000
MDE_BASELINE = 0.10
#: Section 5: p-values of twelve metrics read off one experiment's dashboard.
DASHBOARD_PVALUES = (0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205, 0.212, 0.216,
                     0.531, 0.780)
#: Section 6: correlation of the metric with its pre-experiment value.
CUPED_CORRELATION = 0.7
#: Section 7: users in the control and in the treatment of an experiment designed 50/50.
SRM_COUNTS = (21_512, 20_688)
SRM_DESIGN = (0.5, 0.5)
#: Section 7: metrics on an A/A test's dashboard, each tested two-sided at AA_ALPHA.
AA_METRICS = 36
AA_ALPHA = 0.05
#: Section 7: conversions and users, treatment (a) then control (b), and the smallest lift,
#: relative to the control's rate, that pays for the change.
PRACTICAL_COUNTS = (100_900, 2_000_000, 100_000, 2_000_000)
PRACTICAL_RELATIVE_LIFT = 0.02


def _inf():
    import mlfund.inference as inf

    return inf


def _sym():
    from mlfund.inference import symbolic

    return symbolic


def _ndtr(x):
    from scipy.special import ndtr

    return ndtr(x)


def _ndtri(q):
    from scipy.special import ndtri

    return ndtri(q)


# --- references derived from the library -----------------------------------------------


def _target_proportion() -> float:
    """The PM's 10 % relative lift, as the proportion to detect."""
    return SAMPLE_SIZE_BASELINE * (1 + SAMPLE_SIZE_RELATIVE_LIFT)


def _revenue_delta() -> float:
    return REVENUE_MEAN * REVENUE_RELATIVE_LIFT


def ratio_gradient(mu_x, mu_y):
    """Gradient of g(a, b) = a/b at the means, as a column (sympy.diff, no library twin)."""
    import sympy as sp

    a, b = sp.symbols("a b", positive=True)
    g = a / b
    return sp.Matrix([sp.diff(g, a), sp.diff(g, b)]).subs({a: mu_x, b: mu_y})


def linear_combination_variance(theta, var_y, var_x, cov_yx):
    """Var(Y − θX) = (1, −θ) Σ (1, −θ)ᵀ; the library has only its minimum over θ."""
    import sympy as sp

    weights = sp.Matrix([1, -theta])
    covariance = sp.Matrix([[var_y, cov_yx], [cov_yx, var_x]])
    return sp.expand((weights.T * covariance * weights)[0, 0])


def _pooled(p_a, n_a, p_b, n_b):
    return _sym().pooled_proportion(p_a * n_a, n_a, p_b * n_b, n_b)


def _pooled_se(p_a, n_a, p_b, n_b):
    import sympy as sp

    p = _pooled(p_a, n_a, p_b, n_b)
    return sp.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))


def _sqrt(value):
    import sympy as sp

    return sp.sqrt(value)


def _unpooled_se(p_a, n_a, p_b, n_b):
    return _sym().unpooled_standard_error(p_a, n_a, p_b, n_b)


# --- probes (seeded) and the wrong implementations of the function exercises -------------


def _two_group_probes() -> list[tuple[int, int, int, int, float]]:
    rng = np.random.default_rng(601)
    probes = []
    for n_a, n_b, p_a, p_b, level in [(1000, 1200, 0.12, 0.10, 0.95),
                                      (250, 180, 0.40, 0.47, 0.90),
                                      (5000, 5000, 0.031, 0.027, 0.99),
                                      (60, 90, 0.55, 0.35, 0.95)]:
        x_a = int(rng.binomial(n_a, p_a))
        x_b = int(rng.binomial(n_b, p_b))
        probes.append((x_a, n_a, x_b, n_b, level))
    return probes


def _newcombe_probes() -> list[tuple[int, int, int, int, float]]:
    # the last two have zero successes in one arm, where Wald collapses and Wilson does not
    return _two_group_probes() + [(0, 40, 5, 45, 0.95), (12, 30, 0, 25, 0.90)]


def _ztest_probes() -> list[tuple[int, int, int, int]]:
    # a positive and a negative z, unequal arms
    return [(x_a, n_a, x_b, n_b) for x_a, n_a, x_b, n_b, _ in _two_group_probes()]


def _z(level: float) -> float:
    return float(_ndtri(0.5 + level / 2))


def _rates(x_a, n_a, x_b, n_b):
    return x_a / n_a, x_b / n_b


def _ci_pooled(x_a, n_a, x_b, n_b, level=0.95):
    p_a, p_b = _rates(x_a, n_a, x_b, n_b)
    p = (x_a + x_b) / (n_a + n_b)
    half = _z(level) * math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))
    return np.array([p_a - p_b - half, p_a - p_b + half])


def _ci_wald(x_a, n_a, x_b, n_b, level=0.95, *, z=None):
    p_a, p_b = _rates(x_a, n_a, x_b, n_b)
    z = _z(level) if z is None else z
    half = z * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return np.array([p_a - p_b - half, p_a - p_b + half])


def _ci_one_sided_z(x_a, n_a, x_b, n_b, level=0.95):
    return _ci_wald(x_a, n_a, x_b, n_b, level, z=float(_ndtri(level)))


def _ci_sum_of_ses(x_a, n_a, x_b, n_b, level=0.95):
    p_a, p_b = _rates(x_a, n_a, x_b, n_b)
    half = _z(level) * (math.sqrt(p_a * (1 - p_a) / n_a) + math.sqrt(p_b * (1 - p_b) / n_b))
    return np.array([p_a - p_b - half, p_a - p_b + half])


def _wilson(x, n, z):
    centre = (x + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * math.sqrt(x * (n - x) / n + z**2 / 4)
    return centre - half, centre + half


def _newcombe_same_side(x_a, n_a, x_b, n_b, level=0.95):
    z = _z(level)
    p_a, p_b = _rates(x_a, n_a, x_b, n_b)
    low_a, high_a = _wilson(x_a, n_a, z)
    low_b, high_b = _wilson(x_b, n_b, z)
    d = p_a - p_b
    return np.array([d - math.hypot(p_a - low_a, p_b - low_b),
                     d + math.hypot(high_a - p_a, high_b - p_b)])


def _wald_reference(x_a, n_a, x_b, n_b, level=0.95):
    ci = _inf().diff_proportions_ci(x_a, n_a, x_b, n_b, confidence_level=level, method="wald")
    return np.array([ci.low, ci.high])


def _newcombe_reference(x_a, n_a, x_b, n_b, level=0.95):
    ci = _inf().diff_proportions_ci(x_a, n_a, x_b, n_b, confidence_level=level,
                                    method="newcombe")
    return np.array([ci.low, ci.high])


def _ztest_reference(x_a, n_a, x_b, n_b):
    res = _inf().two_proportion_ztest(x_a, n_a, x_b, n_b)
    return np.array([res.statistic, res.pvalue])


def _z_pooled(x_a, n_a, x_b, n_b):
    p_a, p_b = _rates(x_a, n_a, x_b, n_b)
    p = (x_a + x_b) / (n_a + n_b)
    return (p_a - p_b) / math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))


def _ztest_unpooled(x_a, n_a, x_b, n_b):
    p_a, p_b = _rates(x_a, n_a, x_b, n_b)
    z = (p_a - p_b) / math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return np.array([z, 2 * _ndtr(-abs(z))])


def _ztest_one_sided(x_a, n_a, x_b, n_b):
    z = _z_pooled(x_a, n_a, x_b, n_b)
    return np.array([z, _ndtr(-abs(z))])


def _ztest_missing_abs(x_a, n_a, x_b, n_b):
    z = _z_pooled(x_a, n_a, x_b, n_b)
    return np.array([z, 2 * (1 - _ndtr(z))])


def _welch_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(602)
    probes = []
    for n_a, n_b, scale_a, scale_b in [(40, 25, 10.0, 30.0), (12, 30, 5.0, 4.0),
                                       (200, 150, 20.0, 22.0), (8, 8, 1.0, 6.0)]:
        # revenue per user: skewed, with many zeros
        a = rng.exponential(scale_a, size=n_a) * (rng.random(n_a) < 0.6)
        b = rng.exponential(scale_b, size=n_b) * (rng.random(n_b) < 0.6)
        probes.append((a, b))
    return probes


def _welch_reference(a, b):
    res = _inf().welch_ttest(a, b)
    return np.array([res.statistic, res.df])


def _welch_reference_loaded():
    # welch_ttest loads scipy.stats on first use; load it here, outside any time limit
    import scipy.stats  # noqa: F401

    return _welch_reference


def _welch_parts(a, b, ddof):
    a, b = np.asarray(a, float), np.asarray(b, float)
    w_a, w_b = a.var(ddof=ddof) / a.size, b.var(ddof=ddof) / b.size
    return a, b, w_a, w_b


def _welch_ddof0(a, b):
    a, b, w_a, w_b = _welch_parts(a, b, 0)
    t = (a.mean() - b.mean()) / math.sqrt(w_a + w_b)
    df = (w_a + w_b) ** 2 / (w_a**2 / (a.size - 1) + w_b**2 / (b.size - 1))
    return np.array([t, df])


def _welch_student(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    n_a, n_b = a.size, b.size
    pooled = ((n_a - 1) * a.var(ddof=1) + (n_b - 1) * b.var(ddof=1)) / (n_a + n_b - 2)
    t = (a.mean() - b.mean()) / math.sqrt(pooled * (1 / n_a + 1 / n_b))
    return np.array([t, n_a + n_b - 2])


def _welch_n_in_df(a, b):
    a, b, w_a, w_b = _welch_parts(a, b, 1)
    t = (a.mean() - b.mean()) / math.sqrt(w_a + w_b)
    df = (w_a + w_b) ** 2 / (w_a**2 / a.size + w_b**2 / b.size)
    return np.array([t, df])


def _bh_probes() -> list[tuple[np.ndarray, float]]:
    rng = np.random.default_rng(603)
    probes = [
        # step-up rejects 4 where step-down stops after 1
        (np.array([0.028, 0.005, 0.6, 0.035, 0.025]), 0.05),
        # Bonferroni rejects 1, BH 2
        (np.array([0.02, 0.9, 0.001]), 0.05),
        (np.array([0.004, 0.03, 0.01, 0.2, 0.5, 0.013, 0.7, 0.02]), 0.10),
        # three p-values below alpha, none survives
        (np.array([0.04, 0.03, 0.2, 0.045]), 0.05),
    ]
    signal = rng.uniform(0, 0.01, size=6)
    noise = rng.uniform(0, 1, size=14)
    probes.append((rng.permutation(np.concatenate([signal, noise])), 0.05))
    return probes


def _bh_reference(pvalues, alpha=0.05):
    return _inf().benjamini_hochberg(pvalues, alpha=alpha).reject


def _bh_bonferroni(pvalues, alpha=0.05):
    p = np.asarray(pvalues, float)
    return p <= alpha / p.size


def _bh_step_down(pvalues, alpha=0.05):
    p = np.asarray(pvalues, float)
    m = p.size
    order = np.argsort(p)
    passed = p[order] <= np.arange(1, m + 1) * alpha / m
    count = m if passed.all() else int(np.argmin(passed))
    reject = np.zeros(m, bool)
    reject[order[:count]] = True
    return reject


def _bh_unsorted(pvalues, alpha=0.05):
    p = np.asarray(pvalues, float)
    return p <= np.arange(1, p.size + 1) * alpha / p.size


def _bh_sorted_order(pvalues, alpha=0.05):
    p = np.asarray(pvalues, float)
    return _bh_reference(p, alpha)[np.argsort(p, kind="stable")]


def _bh_unadjusted(pvalues, alpha=0.05):
    return np.asarray(pvalues, float) <= alpha


# --- section 7: sample-ratio mismatch, A/A tests, practical significance -------------------


def _chdtrc(df, x):
    from scipy.special import chdtrc

    return float(chdtrc(df, x))


def _srm_parts(counts, shares):
    observed = np.asarray(counts, float)
    design = np.asarray(shares, float)
    return observed, observed.sum() * design / design.sum()


def _srm_reference(counts, shares):
    """Pearson's chi-square goodness of fit of the users per arm to the designed shares:
    (statistic, p-value) with k − 1 degrees of freedom."""
    observed, expected = _srm_parts(counts, shares)
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return np.array([statistic, _chdtrc(observed.size - 1, statistic)])


def _srm_reference_loaded():
    # chdtrc loads scipy.special on first use; load it here, outside any time limit
    import scipy.special  # noqa: F401

    return _srm_reference


def _srm_df_k(counts, shares):
    statistic = _srm_reference(counts, shares)[0]
    return np.array([statistic, _chdtrc(len(counts), statistic)])


def _srm_lower_tail(counts, shares):
    statistic, pvalue = _srm_reference(counts, shares)
    return np.array([statistic, 1 - pvalue])


def _srm_equal_split(counts, shares):
    return _srm_reference(counts, np.ones(len(counts)))


def _srm_over_observed(counts, shares):
    observed, expected = _srm_parts(counts, shares)
    statistic = float(np.sum((observed - expected) ** 2 / observed))
    return np.array([statistic, _chdtrc(observed.size - 1, statistic)])


def _srm_on_shares(counts, shares):
    observed, expected = _srm_parts(counts, shares)
    total = observed.sum()
    statistic = float(np.sum((observed / total - expected / total) ** 2 / (expected / total)))
    return np.array([statistic, _chdtrc(observed.size - 1, statistic)])


def _srm_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(604)
    probes = [
        (np.array([10_120, 9_880]), np.array([0.5, 0.5])),
        # a sixth of the traffic to the variant, as in section 2
        (np.array([4_180, 19_820]), np.array([1 / 6, 5 / 6])),
        (np.array([10_321, 10_046, 9_890]), np.array([1 / 3, 1 / 3, 1 / 3])),
        (np.array([5_012, 4_870, 10_112, 30_006]), np.array([0.1, 0.1, 0.2, 0.6])),
    ]
    # a healthy split, drawn from its own design
    shares = np.array([0.2, 0.3, 0.5])
    probes.append((rng.multinomial(30_000, shares), shares))
    return probes


def _srm_statistic(counts=SRM_COUNTS, shares=SRM_DESIGN) -> float:
    return float(_srm_reference(counts, shares)[0])


def _srm_yates(counts=SRM_COUNTS, shares=SRM_DESIGN) -> float:
    observed, expected = _srm_parts(counts, shares)
    return float(np.sum((np.abs(observed - expected) - 0.5) ** 2 / expected))


def _aa_expected_significant() -> float:
    """Linearity of expectation: each metric is 'significant' with probability α under H0,
    whatever the dependence between the metrics."""
    return AA_METRICS * AA_ALPHA


def _practical_threshold() -> float:
    """The smallest absolute lift worth launching: the relative bar times the control's rate."""
    _, _, x_b, n_b = PRACTICAL_COUNTS
    return PRACTICAL_RELATIVE_LIFT * x_b / n_b


def _srm_chi_square(control: int = SRM_COUNTS[0], treatment: int = SRM_COUNTS[1]) -> Exercise:
    """The SRM check of a 50/50 experiment, for its users per arm (the workbook's: 21,512 and
    20,688)."""
    counts = (control, treatment)

    def statistic() -> float:
        return _srm_statistic(counts, SRM_DESIGN)

    return Exercise(
        id="w06-srm-chi-square",
        kind="number",
        precision=Precision(decimals=2),
        prompt=f"Pearson's chi-square statistic (no continuity correction) for {control:,} "
               f"control and {treatment:,} treatment users of an experiment designed 50/50.",
        reference=statistic,
        mistakes=(
            Mistake("z-not-chi-square", "That is the z statistic of the share in the control, "
                    "(p̂ − 0.5)/sqrt(0.25/n). With two arms the chi-square statistic is its "
                    "square: χ² = z².", value=lambda: math.sqrt(statistic())),
            Mistake("one-cell", "The statistic sums (O − E)²/E over *every* arm: you have "
                    "one of the two terms.",
                    value=lambda: statistic() / 2),
            Mistake("shares-not-counts", "Pearson's statistic compares counts of users, not "
                    "percentages: (O − E)²/E with O and E numbers of users. On shares it "
                    "loses its chi-square distribution (and shrinks by the number of users).",
                    value=lambda: 100 * _srm_on_shares(counts, SRM_DESIGN)[0]),
            Mistake("fractions-not-counts", "Pearson's statistic compares counts of users, "
                    "not fractions of them: (O − E)²/E with O and E numbers of users.",
                    value=lambda: _srm_on_shares(counts, SRM_DESIGN)[0]),
            Mistake("yates", "That is Yates's continuity correction, |O − E| − 0.5; the "
                    f"question asks for Pearson's statistic without it (with "
                    f"{control + treatment:,} users the correction barely matters).",
                    value=lambda: _srm_yates(counts, SRM_DESIGN), credit=0.5),
        ),
    )


def _srm_clear_mismatch(control: int, treatment: int) -> bool:
    """As in the workbook's split: the control is the larger arm, by a mismatch that the
    strictest thresholds in use flag (p < 0.0005, χ² > 12.12) and that is still a plausible
    bug rather than a broken assignment (χ² < 40)."""
    return control > treatment and 12.5 < _srm_statistic((control, treatment), SRM_DESIGN) < 40


# --- the exercises ----------------------------------------------------------------------

_RATES = {"p_a": "probability", "p_b": "probability", "n_a": "positive", "n_b": "positive"}
_CUPED = {"theta": "real", "var_y": "positive", "var_x": "positive", "cov_yx": "real"}
_RATIO = {"mu_x": "positive", "mu_y": "positive", "var_x": "positive", "var_y": "positive",
          "cov_xy": "real", "n": "positive"}
_FORBIDDEN = ("statsmodels", "scipy.stats", "sklearn", "mlfund.inference")

EXERCISES = (
    # 1. the confidence interval of a difference
    Exercise(
        id="w06-unpooled-se-derivation",
        kind="derivation",
        points=2,
        prompt="Derive the standard error of p̂_a − p̂_b for two independent arms, from "
               "sqrt(Var(p̂_a − p̂_b)), line by line, in p_a, n_a, p_b, n_b.",
        reference=lambda p_a, n_a, p_b, n_b: _unpooled_se(p_a, n_a, p_b, n_b),
        symbols=_RATES,
        derivation=Derivation(
            start="sqrt(Var(phat_a - phat_b))",
            chain=("sqrt(Var(phat_a - phat_b))",
                   "sqrt(Var(phat_a) + Var(phat_b))",
                   "sqrt(p_a*(1 - p_a)/n_a + p_b*(1 - p_b)/n_b)"),
            form=("p_a", "n_a", "p_b", "n_b"),
            form_phrase="in p_a, n_a, p_b and n_b, with no Var left",
            random={"phat_a": ("p_a", "p_a*(1 - p_a)/n_a"),
                    "phat_b": ("p_b", "p_b*(1 - p_b)/n_b")},
            hints=("The arms are independent: Var(A − B) = Var(A) + Var(B).",
                   "p̂ = X/n with X binomial(n, p): Var(p̂) = np(1 − p)/n² = p(1 − p)/n."),
        ),
        mistakes=(
            Mistake("pooled-se-in-ci", "That is the pooled standard error of the z-test, which "
                    "assumes p_a = p_b. A confidence interval makes no such assumption: each arm "
                    "keeps its own variance p(1 − p)/n.",
                    form=lambda p_a, n_a, p_b, n_b: _pooled_se(p_a, n_a, p_b, n_b)),
            Mistake("variance-not-se", "That is the variance of the difference; the standard "
                    "error is its square root.",
                    form="p_a*(1 - p_a)/n_a + p_b*(1 - p_b)/n_b"),
            Mistake("sum-of-ses", "Standard errors do not add; variances of independent "
                    "estimates do. Add the two variances, then take one square root.",
                    form="sqrt(p_a*(1 - p_a)/n_a) + sqrt(p_b*(1 - p_b)/n_b)"),
            Mistake("variances-subtract", "Var(A − B) = Var(A) + Var(B) for independent A and "
                    "B: the minus sign of the difference does not carry to the variances.",
                    form="sqrt(p_a*(1 - p_a)/n_a - p_b*(1 - p_b)/n_b)"),
            Mistake("n-total", "Each arm's variance is divided by that arm's own size, not by "
                    "the total number of users.",
                    form="sqrt((p_a*(1 - p_a) + p_b*(1 - p_b))/(n_a + n_b))"),
        ),
    ),
    Exercise(
        id="w06-wald-diff-ci",
        kind="function",
        prompt="Implement the Wald CI for p_a − p_b with the unpooled standard error.",
        reference=lambda: _wald_reference,
        probes=_two_group_probes,
        mistakes=(
            Mistake("pooled-se-in-ci", "Your interval uses the pooled standard error. Pooling "
                    "is right only under the null hypothesis p_a = p_b (the z-test); an "
                    "interval for the difference uses each arm's own p(1 − p)/n.",
                    value=_ci_pooled),
            Mistake("one-sided-z", "The critical value is for one tail: a two-sided "
                    "interval at level 1 − α uses z_{1−α/2} = ndtri(0.5 + level/2), "
                    "1.96 at 95 %, not ndtri(level) = 1.645.", value=_ci_one_sided_z),
            Mistake("sum-of-ses", "Standard errors do not add: use "
                    "sqrt(p_a q_a/n_a + p_b q_b/n_b), not the sum of the two square roots.",
                    value=_ci_sum_of_ses),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w06-newcombe-ci",
        kind="function",
        prompt="Implement Newcombe's hybrid score interval for p_a − p_b.",
        reference=lambda: _newcombe_reference,
        probes=_newcombe_probes,
        mistakes=(
            Mistake("wald", "This is the Wald interval. Newcombe's interval combines the two "
                    "Wilson intervals: the distances from each p̂ to its Wilson bounds "
                    "replace z·SE.", value=lambda *args: _ci_wald(*args)),
            Mistake("same-side-bounds", "Pair the bounds across the arms: the lower end of "
                    "p_a − p_b comes from p_a being low (p̂_a − l_a) and p_b being high "
                    "(u_b − p̂_b), and the upper end from u_a − p̂_a and p̂_b − l_b.",
                    value=_newcombe_same_side),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    # 2. the two-proportion z-test
    Exercise(
        id="w06-pooled-proportion",
        kind="expression",
        prompt="The pooled proportion under H0: p_a = p_b, in the observed rates p_a, p_b and "
               "the arm sizes n_a, n_b.",
        reference=lambda p_a, n_a, p_b, n_b: _pooled(p_a, n_a, p_b, n_b),
        symbols=_RATES,
        mistakes=(
            Mistake("simple-average", "The plain average of the two rates is the pooled "
                    "proportion only when the arms have the same size. Pool the counts: "
                    "all conversions over all users.", form="(p_a + p_b)/2"),
            Mistake("rates-over-users", "Add the conversions x = p·n of the two arms, not "
                    "the rates, before dividing by all the users.",
                    form="(p_a + p_b)/(n_a + n_b)"),
        ),
    ),
    Exercise(
        id="w06-ztest-statistic",
        kind="expression",
        prompt="The two-proportion z statistic with the pooled standard error, in p_a, n_a, "
               "p_b, n_b.",
        reference=lambda p_a, n_a, p_b, n_b: _sym().two_proportion_z(
            p_a * n_a, n_a, p_b * n_b, n_b),
        symbols=_RATES,
        mistakes=(
            Mistake("unpooled-se-in-test", "The test's standard error is computed under the "
                    "null hypothesis, where both arms share one proportion: use the pooled "
                    "p̂(1 − p̂)(1/n_a + 1/n_b), not each arm's own variance (that is the "
                    "interval's standard error).",
                    form=lambda p_a, n_a, p_b, n_b: (p_a - p_b) / _unpooled_se(
                        p_a, n_a, p_b, n_b)),
            Mistake("simple-average-pooled", "The pooled proportion weights each arm by its "
                    "size: (x_a + x_b)/(n_a + n_b), not (p_a + p_b)/2.",
                    form="(p_a - p_b)/sqrt((p_a + p_b)/2*(1 - (p_a + p_b)/2)*(1/n_a + 1/n_b))"),
            Mistake("missing-sqrt", "Divide by the standard error, the square root of the "
                    "variance.",
                    form=lambda p_a, n_a, p_b, n_b: (p_a - p_b) / _pooled_se(
                        p_a, n_a, p_b, n_b) ** 2),
            Mistake("n-total", "The variance of the difference is p̂(1 − p̂)(1/n_a + 1/n_b): "
                    "each arm contributes 1/n of its own size, which is not 1/(n_a + n_b).",
                    form=lambda p_a, n_a, p_b, n_b: (p_a - p_b) / _sqrt(
                        _pooled(p_a, n_a, p_b, n_b) * (1 - _pooled(p_a, n_a, p_b, n_b))
                        / (n_a + n_b))),
        ),
        hint="z = (p̂_a − p̂_b)/SE₀ with SE₀ = sqrt(p̂(1 − p̂)(1/n_a + 1/n_b)) and p̂ the "
             "pooled proportion.",
    ),
    Exercise(
        id="w06-ztest",
        kind="function",
        prompt="Implement the two-proportion z-test: return (z, two-sided p-value).",
        reference=lambda: _ztest_reference,
        probes=_ztest_probes,
        mistakes=(
            Mistake("unpooled-se-in-test", "Your statistic uses each arm's own variance. "
                    "Under H0 the arms share one proportion: the test's standard error uses the "
                    "pooled p̂ = (x_a + x_b)/(n_a + n_b).", value=_ztest_unpooled),
            Mistake("one-sided-pvalue", "That is a one-sided p-value: the two-sided test "
                    "counts both tails, 2·Φ(−|z|).", value=_ztest_one_sided),
            Mistake("missing-abs", "For a negative z, 2·(1 − Φ(z)) exceeds 1. The two-sided "
                    "p-value is 2·Φ(−|z|): use the absolute value.", value=_ztest_missing_abs),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w06-pvalue-two-sided",
        kind="number",
        precision=Precision(decimals=4),
        prompt="Two-sided p-value of the z-test for 520/4000 (variant) vs 2400/20000 (control).",
        reference=lambda: _inf().two_proportion_ztest(*PVALUE_COUNTS).pvalue,
        rtol=1e-3,
        mistakes=(
            Mistake("one-sided", "That is the one-sided p-value; the two-sided test also "
                    "counts the other tail, so it is twice as large.",
                    value=lambda: _inf().two_proportion_ztest(
                        *PVALUE_COUNTS, alternative="greater").pvalue),
            Mistake("unpooled-se-in-test", "Your z uses the unpooled standard error; the "
                    "test's standard error is pooled under H0.",
                    value=lambda: float(_ztest_unpooled(*PVALUE_COUNTS)[1])),
            Mistake("one-minus-p", "That is 1 − p. The p-value is the probability, under H0, "
                    "of a statistic at least as extreme as the one seen: 2·Φ(−|z|), a tail.",
                    value=lambda: 1 - _inf().two_proportion_ztest(*PVALUE_COUNTS).pvalue),
        ),
    ),
    Exercise(
        id="w06-pvalue-one-sided",
        kind="number",
        precision=Precision(decimals=4),
        prompt="The same data, one-sided test pre-registered as 'the variant converts better'.",
        reference=lambda: _inf().two_proportion_ztest(*PVALUE_COUNTS,
                                                      alternative="greater").pvalue,
        rtol=1e-3,
        mistakes=(
            Mistake("two-sided", "That is the two-sided p-value. The pre-registered "
                    "alternative p_a > p_b counts only the upper tail, Φ(−z).",
                    value=lambda: _inf().two_proportion_ztest(*PVALUE_COUNTS).pvalue),
            Mistake("wrong-tail", "That is the lower tail Φ(z), the p-value for 'the variant "
                    "converts worse'. For p_a > p_b, large z is the evidence: 1 − Φ(z).",
                    value=lambda: _inf().two_proportion_ztest(*PVALUE_COUNTS,
                                                              alternative="less").pvalue),
        ),
    ),
    # 3. sample size and minimum detectable effect
    Exercise(
        id="w06-sample-size-derivation",
        kind="derivation",
        points=2,
        prompt="Users per arm to detect p_a vs p_b with a two-sided z-test at power 1 − β: "
               "from the power condition |p_a − p_b| = z_alpha·SE₀ + z_beta·SE₁ (SE₀ under H0 "
               "with p̄ = (p_a + p_b)/2, SE₁ under H1, each per arm of n users), solve for n, "
               "line by line.",
        reference=lambda p_a, p_b, z_alpha, z_beta: _sym().sample_size_two_proportions(
            p_a, p_b, z_alpha, z_beta),
        symbols={"n": "positive", "p_a": "probability", "p_b": "probability",
                 "z_alpha": "positive", "z_beta": "positive"},
        constraints=("p_a != p_b",),
        derivation=Derivation(
            start="Abs(p_a - p_b) = z_alpha*sqrt(2*pbar*(1 - pbar)/n) "
                  "+ z_beta*sqrt((p_a*(1 - p_a) + p_b*(1 - p_b))/n)",
            chain=("Abs(p_a - p_b) = z_alpha*sqrt(2*pbar*(1 - pbar)/n) "
                   "+ z_beta*sqrt((p_a*(1 - p_a) + p_b*(1 - p_b))/n)",
                   "sqrt(n)*Abs(p_a - p_b) = z_alpha*sqrt(2*pbar*(1 - pbar)) "
                   "+ z_beta*sqrt(p_a*(1 - p_a) + p_b*(1 - p_b))",
                   "sqrt(n) = (z_alpha*sqrt(2*pbar*(1 - pbar)) "
                   "+ z_beta*sqrt(p_a*(1 - p_a) + p_b*(1 - p_b)))/Abs(p_a - p_b)",
                   "n = (z_alpha*sqrt(2*pbar*(1 - pbar)) "
                   "+ z_beta*sqrt(p_a*(1 - p_a) + p_b*(1 - p_b)))**2/(p_a - p_b)**2"),
            form=("p_a", "p_b", "z_alpha", "z_beta", "pbar", "abs"),
            form_phrase="solved for n, in p_a, p_b, z_alpha, z_beta (and p̄)",
            unknown="n",
            definitions={"pbar": "(p_a + p_b)/2"},
            hints=("Both standard errors carry 1/√n: multiply the equation by √n.",
                   "Divide by |p_a − p_b|, then square both sides (both are positive)."),
        ),
        mistakes=(
            Mistake("n-total", "That is the total over both arms; the formula gives n per "
                    "arm (halve yours).",
                    form=lambda p_a, p_b, z_alpha, z_beta: 2 * _sym().sample_size_two_proportions(
                        p_a, p_b, z_alpha, z_beta)),
            Mistake("not-squared", "√n is not n: square both sides to solve for n.",
                    form=lambda p_a, p_b, z_alpha, z_beta: _sqrt(
                        _sym().sample_size_two_proportions(p_a, p_b, z_alpha, z_beta))),
            Mistake("squares-added", "Square the sum z_alpha·sqrt(2 p̄ q̄) + z_beta·sqrt(p_a q_a "
                    "+ p_b q_b), not each term separately: the cross term matters.",
                    form="n = (z_alpha**2*2*(p_a + p_b)/2*(1 - (p_a + p_b)/2)"
                         " + z_beta**2*(p_a*(1 - p_a) + p_b*(1 - p_b)))/(p_a - p_b)**2"),
            Mistake("pooled-variance-only", "Under H1 the arms have different variances: the "
                    "z_beta term uses sqrt(p_a q_a + p_b q_b); only the z_alpha term, computed "
                    "under H0, uses the pooled 2 p̄ q̄.",
                    form="n = (z_alpha + z_beta)**2*2*(p_a + p_b)/2*(1 - (p_a + p_b)/2)"
                         "/(p_a - p_b)**2"),
        ),
    ),
    Exercise(
        id="w06-sample-size",
        kind="number",
        prompt="Users per arm: 5 % baseline, PM wants a 10 % relative lift, α = 0.05 "
               "two-sided, power 0.8; a whole number, rounded up.",
        reference=lambda: _shared.sample_size_per_arm(SAMPLE_SIZE_BASELINE,
                                                      _target_proportion()),
        rtol=_shared.SAMPLE_SIZE_RTOL,
        precision=Precision(whole=True),
        mistakes=tuple(m.as_value(p1=SAMPLE_SIZE_BASELINE, p2=_target_proportion())
                       for m in _shared.SAMPLE_SIZE_MISTAKES),
    ),
    Exercise(
        id="w06-rule-of-thumb",
        kind="number",
        precision=Precision(whole=True),
        prompt="Rule of thumb 16σ²/δ²: users per arm to detect a 2 % lift in revenue per user "
               "(mean $50, sd $30).",
        reference=lambda: _inf().rule_of_thumb_sample_size(_revenue_delta(), REVENUE_SD),
        mistakes=(
            Mistake("relative-mde-as-delta", "δ is in the metric's units: a 2 % lift of $50 is "
                    "δ = $1, not 0.02.",
                    value=lambda: _inf().rule_of_thumb_sample_size(REVENUE_RELATIVE_LIFT,
                                                                   REVENUE_SD)),
            Mistake("n-total", "16σ²/δ² is already per arm; you doubled it into a total.",
                    value=lambda: 2 * _inf().rule_of_thumb_sample_size(_revenue_delta(),
                                                                       REVENUE_SD)),
            Mistake("sd-not-variance", "The rule uses the variance σ² = 30², not σ.",
                    value=lambda: 16 * REVENUE_SD / _revenue_delta() ** 2),
            Mistake("exact-formula", "That is the exact 2(z_{1−α/2} + z_{1−β})²σ²/δ², "
                    "right in spirit; the question asks for the rule of thumb, 16σ²/δ².",
                    value=lambda: _inf().sample_size_two_means(_revenue_delta(), REVENUE_SD),
                    credit=0.5),
        ),
    ),
    Exercise(
        id="w06-mde",
        kind="number",
        precision=Precision(decimals=4),
        prompt="Minimum detectable absolute difference: 40,000 users split evenly, 10 % "
               "baseline, α = 0.05 two-sided, power 0.8 (within 3 %).",
        reference=lambda: _inf().mde_two_proportions(MDE_BASELINE, MDE_TOTAL_USERS / 2),
        # the closed form (z_{1−α/2} + z_{1−β})·sqrt(2 p q / n) at the baseline is 2 % low
        rtol=0.03,
        mistakes=(
            Mistake("n-total", "40,000 is the total; each arm gets 20,000 users, and n in the "
                    "formula is per arm.",
                    value=lambda: _inf().mde_two_proportions(MDE_BASELINE, MDE_TOTAL_USERS)),
            Mistake("halved-twice", "Each arm gets 40,000/2 = 20,000 users; you split them "
                    "once more.",
                    value=lambda: _inf().mde_two_proportions(MDE_BASELINE, MDE_TOTAL_USERS / 4)),
            Mistake("relative-mde", "That is the MDE relative to the baseline; the question "
                    "asks for the absolute difference in conversion rate.",
                    value=lambda: _inf().mde_two_proportions(
                        MDE_BASELINE, MDE_TOTAL_USERS / 2) / MDE_BASELINE),
            Mistake("percentage-points", "Give the difference as a proportion (0.01 for one "
                    "percentage point), not in percentage points.",
                    value=lambda: 100 * _inf().mde_two_proportions(MDE_BASELINE,
                                                                   MDE_TOTAL_USERS / 2)),
        ),
    ),
    # 4. Welch's t-test
    Exercise(
        id="w06-welch-df",
        kind="expression",
        prompt="The Welch–Satterthwaite degrees of freedom, in the sample variances v_a, v_b "
               "and sizes n_a, n_b.",
        reference=lambda v_a, n_a, v_b, n_b: _sym().welch_satterthwaite_df(v_a, n_a, v_b, n_b),
        symbols={"v_a": "positive", "v_b": "positive", "n_a": (2, 200), "n_b": (2, 200)},
        mistakes=(
            Mistake("pooled-df", "n_a + n_b − 2 belongs to Student's test, which assumes equal "
                    "variances. Welch's df depend on the variances and are at most that.",
                    form="n_a + n_b - 2"),
            Mistake("n-not-n-minus-1", "In the denominator each squared term (v/n)² is divided "
                    "by n − 1, its own degrees of freedom, not by n.",
                    form="(v_a/n_a + v_b/n_b)**2/((v_a/n_a)**2/n_a + (v_b/n_b)**2/n_b)"),
            Mistake("variances-not-scaled", "The denominator squares the variances of the "
                    "means, v/n, not the variances v of one observation.",
                    form="(v_a/n_a + v_b/n_b)**2/(v_a**2/(n_a - 1) + v_b**2/(n_b - 1))"),
            Mistake("conservative-df", "min(n_a, n_b) − 1 is the conservative textbook bound, "
                    "a lower bound on Welch–Satterthwaite; the question asks for the formula.",
                    form="Min(n_a, n_b) - 1"),
        ),
        hint="match the first two moments of v_a/n_a + v_b/n_b to a scaled chi-square.",
    ),
    Exercise(
        id="w06-welch-ttest",
        kind="function",
        prompt="Implement Welch's t-test: return (t, Welch–Satterthwaite df).",
        reference=lambda: _welch_reference_loaded(),
        probes=_welch_probes,
        mistakes=(
            Mistake("ddof-0", "Use the sample variances with ddof=1 (np.var(x, ddof=1)); "
                    "np.var's default divides by n.", value=_welch_ddof0),
            Mistake("student-t", "That is Student's t-test with a pooled variance and "
                    "n_a + n_b − 2 df. Revenue per user rarely has equal variances in the two "
                    "arms; Welch keeps them separate.", value=_welch_student),
            Mistake("n-not-n-minus-1", "Your t is right; in the df's denominator divide each "
                    "(v/n)² by n − 1, not by n.", value=_welch_n_in_df, credit=0.5),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    # 5. multiple testing and peeking
    Exercise(
        id="w06-bonferroni-count",
        kind="number",
        precision=Precision(whole=True),
        prompt="How many of the twelve dashboard metrics stay significant after Bonferroni "
               "at α = 0.05?",
        reference=lambda: float(_inf().bonferroni(DASHBOARD_PVALUES).reject.sum()),
        mistakes=(
            Mistake("unadjusted", "That counts p ≤ 0.05 without a correction: with twelve "
                    "metrics, Bonferroni compares each p-value with 0.05/12.",
                    value=lambda: float(sum(p <= 0.05 for p in DASHBOARD_PVALUES))),
            Mistake("benjamini-hochberg", "That is the Benjamini–Hochberg count (it controls "
                    "the false discovery rate). Bonferroni is stricter: p ≤ α/m for every "
                    "metric.",
                    value=lambda: float(_inf().benjamini_hochberg(
                        DASHBOARD_PVALUES).reject.sum())),
        ),
    ),
    Exercise(
        id="w06-benjamini-hochberg",
        kind="function",
        prompt="Implement the Benjamini–Hochberg step-up procedure: which hypotheses are "
               "rejected, in input order.",
        reference=lambda: _bh_reference,
        probes=_bh_probes,
        mistakes=(
            Mistake("bonferroni", "That is Bonferroni (p ≤ α/m for all). BH compares the i-th "
                    "smallest p-value with i·α/m.", value=_bh_bonferroni),
            Mistake("step-down", "BH is a step-up procedure: find the *largest* rank i with "
                    "p_(i) ≤ iα/m and reject all i smallest p-values, even if some smaller "
                    "rank failed its own threshold. You stopped at the first failure.",
                    value=_bh_step_down),
            Mistake("unsorted", "The ranks i are those of the sorted p-values: sort first "
                    "(np.argsort), compare, then put the decisions back in input order.",
                    value=_bh_unsorted),
            Mistake("unadjusted", "That rejects every p ≤ α, with no correction for the "
                    "number of tests.", value=_bh_unadjusted),
            Mistake("sorted-order", "Your decisions are right but in sorted order: put them "
                    "back in the order of the input, e.g. reject[order[:i]] = True with "
                    "order = np.argsort(pvalues).", value=_bh_sorted_order, credit=0.5),
        ),
        hint="sort the p-values, find the largest rank i with p_(i) ≤ iα/m, reject the i "
             "smallest, and return the decisions in the input order.",
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w06-peeking",
        kind="choice",
        prompt="An A/A test is checked after each of 10 days and stopped at the first p < 0.05.",
        reference=lambda: "b",
        choices={
            "a": "The false-positive rate stays at 5 %: every look is a test at 5 %.",
            "b": "The false-positive rate grows well above 5 % (about 15–20 % with 10 looks).",
            "c": "The false-positive rate falls below 5 %: later looks have more data.",
            "d": "The false-positive rate is 10 × 5 % = 50 %.",
        },
        explanations={
            "a": "Each look alone is a 5 % test, but you stop at the *first* success: the "
                 "chance that at least one of ten correlated tests crosses 1.96 is much "
                 "larger than 5 % (see the simulation).",
            "c": "More data make each look more precise, but under the null every look still "
                 "has a 5 % chance, and stopping at the first crossing adds them up.",
            "d": "The looks share most of their data, so they are strongly correlated: "
                 "the inflation is far less than 10 × 5 %, and no rate can be added up "
                 "like that (20 looks would give 100 %).",
        },
    ),
    # 6. ratio metrics and CUPED
    Exercise(
        id="w06-ratio-gradient",
        kind="expression",
        prompt="Step 1: gradient of g(a, b) = a/b at (mu_x, mu_y), as a column.",
        reference=lambda mu_x, mu_y: ratio_gradient(mu_x, mu_y),
        symbols={"mu_x": "positive", "mu_y": "positive"},
        mistakes=(
            Mistake("sign", "∂(a/b)/∂b = −a/b²: the ratio falls when the denominator grows.",
                    form=lambda mu_x, mu_y: _matrix([1 / mu_y, mu_x / mu_y**2])),
            Mistake("missing-square", "∂(a/b)/∂b = −a/b²: d(1/b)/db = −1/b².",
                    form=lambda mu_x, mu_y: _matrix([1 / mu_y, -mu_x / mu_y])),
        ),
    ),
    Exercise(
        id="w06-delta-method-ratio",
        kind="expression",
        prompt="Step 2: delta-method variance of x̄/ȳ from n users, in mu_x, mu_y, var_x, "
               "var_y, cov_xy, n.",
        reference=lambda mu_x, mu_y, var_x, var_y, cov_xy, n: _sym().delta_method_ratio_variance(
            mu_x, mu_y, var_x, var_y, cov_xy, n),
        symbols=_RATIO,
        constraints=("cov_xy**2 < var_x*var_y",),   # a covariance matrix
        mistakes=(
            Mistake("denominator-fixed", "That treats the denominator (page views per user) "
                    "as fixed. It varies from user to user, which is why a click-through rate's "
                    "naive standard error is too small: keep the var_y and cov_xy terms.",
                    form="var_x/(mu_y**2*n)"),
            Mistake("covariance-sign", "The cross term is 2·(1/mu_y)·(−mu_x/mu_y²)·cov_xy: "
                    "its sign is negative.",
                    form="(var_x/mu_y**2 + 2*mu_x*cov_xy/mu_y**3 + mu_x**2*var_y/mu_y**4)/n"),
            Mistake("no-covariance", "Clicks and views of the same user are correlated: "
                    "∇gᵀΣ∇g has the cross term −2 mu_x cov_xy/mu_y³.",
                    form="(var_x/mu_y**2 + mu_x**2*var_y/mu_y**4)/n"),
            Mistake("missing-1-over-n", "That is the variance for one user; x̄ and ȳ average n "
                    "users, so divide by n.",
                    form="var_x/mu_y**2 - 2*mu_x*cov_xy/mu_y**3 + mu_x**2*var_y/mu_y**4",
                    credit=0.5),
        ),
        hint="Var(g(x̄, ȳ)) ≈ ∇gᵀ Σ ∇g / n with Σ the covariance matrix of one user's (x, y).",
    ),
    Exercise(
        id="w06-cuped-variance",
        kind="expression",
        prompt="Step 1: Var(Y − θX) in theta, var_y, var_x, cov_yx.",
        reference=lambda theta, var_y, var_x, cov_yx: linear_combination_variance(
            theta, var_y, var_x, cov_yx),
        symbols=_CUPED,
        constraints=("cov_yx**2 < var_x*var_y",),   # a covariance matrix
        mistakes=(
            Mistake("cross-term-sign", "Var(Y − θX) = Var(Y) − 2θ Cov(Y, X) + θ² Var(X): the "
                    "cross term carries the minus sign of −θX.",
                    form="var_y + 2*theta*cov_yx + theta**2*var_x"),
            Mistake("theta-not-squared", "Var(θX) = θ² Var(X): constants come out of a "
                    "variance squared.",
                    form="var_y - 2*theta*cov_yx + theta*var_x"),
            Mistake("no-cross-term", "Y and X are correlated (that is the whole point of "
                    "CUPED): keep −2θ Cov(Y, X).",
                    form="var_y + theta**2*var_x"),
            Mistake("variances-subtract", "Variances of a difference add: Var(Y − θX) has "
                    "+θ² Var(X), and the covariance term.",
                    form="var_y - theta**2*var_x"),
        ),
    ),
    Exercise(
        id="w06-cuped-theta",
        kind="expression",
        prompt="Step 2: the θ that minimises Var(Y − θX).",
        reference=lambda var_y, var_x, cov_yx: _sym().cuped_theta(cov_yx, var_x),
        symbols={"var_y": "positive", "var_x": "positive", "cov_yx": "real"},
        constraints=("cov_yx**2 < var_x*var_y",),
        mistakes=(
            Mistake("inverted", "Setting −2 Cov(Y, X) + 2θ Var(X) = 0 gives θ = "
                    "Cov(Y, X)/Var(X): you inverted it.", form="var_x/cov_yx"),
            Mistake("wrong-variance", "θ is the slope of Y on X, so it divides by Var(X), the "
                    "covariate's variance, not Var(Y).", form="cov_yx/var_y"),
            Mistake("correlation", "That is the correlation ρ. θ is the regression slope "
                    "Cov(Y, X)/Var(X); it equals ρ only when Var(X) = Var(Y).",
                    form="cov_yx/sqrt(var_x*var_y)"),
        ),
    ),
    Exercise(
        id="w06-cuped-min-variance",
        kind="expression",
        prompt="Step 3: Var(Y − θ*X) at the optimal θ*.",
        reference=lambda var_y, var_x, cov_yx: _sym().cuped_adjusted_variance(
            var_y, var_x, cov_yx),
        symbols={"var_y": "positive", "var_x": "positive", "cov_yx": "real"},
        constraints=("cov_yx**2 < var_x*var_y",),
        mistakes=(
            Mistake("missing-theta-squared-term", "Substitute θ* in both terms: "
                    "−2θ*Cov + θ*²Var(X) = −2Cov²/Var(X) + Cov²/Var(X).",
                    form="var_y - 2*cov_yx**2/var_x"),
            Mistake("plus", "CUPED reduces the variance: Var(Y) − Cov(Y, X)²/Var(X).",
                    form="var_y + cov_yx**2/var_x"),
            Mistake("wrong-denominator", "With θ* = Cov/Var(X) the reduction is "
                    "Cov²/Var(X), the covariate's variance.",
                    form="var_y - cov_yx**2/var_y"),
        ),
    ),
    Exercise(
        id="w06-cuped-sample-factor",
        kind="number",
        precision=Precision(decimals=2),
        prompt="Pre-period correlation ρ = 0.7: by what factor does CUPED multiply the users "
               "needed?",
        reference=lambda: float(_sym().cuped_variance_factor(_rational(CUPED_CORRELATION))),
        mistakes=(
            Mistake("one-minus-rho", "The variance factor is 1 − ρ², not 1 − ρ.",
                    value=lambda: 1 - CUPED_CORRELATION),
            Mistake("rho-squared", "ρ² = 0.49 is the share of the variance CUPED removes; "
                    "the share kept, which scales n, is 1 − ρ².",
                    value=lambda: CUPED_CORRELATION**2),
            Mistake("standard-error-factor", "sqrt(1 − ρ²) scales the standard error; the "
                    "sample size is proportional to the variance, so it scales by 1 − ρ².",
                    value=lambda: math.sqrt(1 - CUPED_CORRELATION**2)),
        ),
    ),
    # 7. trustworthy experiments
    variant(_srm_chi_square, control=Parameter(19_000, 25_000),
            treatment=Parameter(19_000, 25_000), where=_srm_clear_mismatch),
    Exercise(
        id="w06-srm-z-squared-derivation",
        kind="derivation",
        points=2,
        prompt="Two arms, a designed share q for the control, n users of whom n_c in the "
               "control and n_t = n − n_c in the treatment: show, line by line, that Pearson's "
               "chi-square statistic is the square of the z statistic of the control's share "
               "phat = n_c/n, ending in phat, q and n.",
        reference=lambda n_c, n, q: (n_c - n * q) ** 2 / (n * q * (1 - q)),
        symbols={"n_c": "[0, n]", "n": "positive", "q": "probability"},
        derivation=Derivation(
            start="(n_c - n*q)**2/(n*q) + (n_t - n*(1 - q))**2/(n*(1 - q))",
            chain=("(n_c - n*q)**2/(n*q) + (n_t - n*(1 - q))**2/(n*(1 - q))",
                   "(n_c - n*q)**2/(n*q) + (n*q - n_c)**2/(n*(1 - q))",
                   "(n_c - n*q)**2*(1/(n*q) + 1/(n*(1 - q)))",
                   "(n_c - n*q)**2/(n*q*(1 - q))",
                   "((phat - q)/sqrt(q*(1 - q)/n))**2"),
            form=("phat", "q", "n"),
            form_phrase="as the square of a z statistic, in phat, q and n",
            definitions={"n_t": "n - n_c", "phat": "n_c/n"},
            hints=("The treatment's deviation is minus the control's: n_t − n(1 − q) = "
                   "n·q − n_c.",
                   "Factor out the common square: 1/(nq) + 1/(n(1 − q)) = 1/(n q (1 − q)).",
                   "Divide the numerator and the denominator by n²: (phat − q)²/(q(1 − q)/n)."),
        ),
        mistakes=(
            Mistake("one-cell", "Pearson's statistic has a term for *each* arm: the "
                    "treatment's (n_t − n(1 − q))²/(n(1 − q)) is missing.",
                    form="(n_c - n*q)**2/(n*q)"),
            Mistake("denominators-added", "1/a + 1/b is not 1/(a + b): with a = nq and "
                    "b = n(1 − q), 1/a + 1/b = (a + b)/(ab) = 1/(n q (1 − q)).",
                    form="(n_c - n*q)**2/n"),
            Mistake("z-not-squared", "That is z itself; the chi-square statistic is its "
                    "square.", form="(n_c/n - q)/sqrt(q*(1 - q)/n)"),
            Mistake("missing-n", "The variance of phat is q(1 − q)/n: keep the 1/n, or "
                    "the statistic does not grow with the number of users.",
                    form="(n_c/n - q)**2/(q*(1 - q))"),
        ),
    ),
    Exercise(
        id="w06-srm-test",
        kind="function",
        prompt="Implement the sample-ratio-mismatch test: Pearson's chi-square goodness of fit "
               "of the users per arm to the designed shares; return (statistic, p-value).",
        reference=lambda: _srm_reference_loaded(),
        probes=_srm_probes,
        mistakes=(
            Mistake("df-k", "The statistic is right; the degrees of freedom are k − 1, not k: "
                    "the counts sum to the total, so only k − 1 of them are free.",
                    value=_srm_df_k, credit=0.5),
            Mistake("lower-tail", "That is 1 − p, the lower tail P(χ² ≤ x). A mismatch makes "
                    "the statistic large: the p-value is the upper tail, chdtrc(k − 1, x).",
                    value=_srm_lower_tail),
            Mistake("equal-split", "Your expected counts split the users equally. The design "
                    "need not be equal: the expected count of arm i is n·shares[i].",
                    value=_srm_equal_split),
            Mistake("divided-by-observed", "Divide each squared difference by the *expected* "
                    "count (Pearson), not by the observed one (Neyman's statistic).",
                    value=_srm_over_observed),
            Mistake("shares-not-counts", "Compare counts of users, not fractions of them: on "
                    "fractions the statistic shrinks by the number of users and the chi-square "
                    "distribution no longer applies.", value=_srm_on_shares),
        ),
        hint="expected = n·shares; statistic = Σ (observed − expected)²/expected; p-value = "
             "chdtrc(k − 1, statistic).",
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w06-aa-false-positives",
        kind="number",
        precision=Precision(decimals=1),
        prompt="An A/A test with 36 metrics (possibly correlated), each tested two-sided at "
               "α = 0.05: the expected number of 'significant' metrics.",
        reference=_aa_expected_significant,
        mistakes=(
            Mistake("at-least-one", "1 − 0.95^m is the probability that *at least one* metric "
                    "is significant, and only for independent metrics. The expected *number* is "
                    "m·α by linearity of expectation, whatever the correlation.",
                    value=lambda: 1 - (1 - AA_ALPHA) ** AA_METRICS),
            Mistake("one-tail", "A two-sided test at α = 0.05 rejects in either tail, with "
                    "probability α in all, not α/2.",
                    value=lambda: AA_METRICS * AA_ALPHA / 2),
            Mistake("alpha-only", "α is the chance for *one* metric; with m metrics the "
                    "expected count is m·α.", value=lambda: AA_ALPHA),
            Mistake("percent", "Use α as a probability, 0.05, not 5.",
                    value=lambda: AA_METRICS * 100 * AA_ALPHA),
        ),
    ),
    Exercise(
        id="w06-novelty",
        kind="choice",
        prompt="A fixed cohort's lift decays from +6 % to +3 % to +1.5 % over three weeks.",
        reference=lambda: "a",
        choices={
            "a": "A novelty effect: the lift decays toward its long-run value; keep measuring "
                 "until it levels off (or keep a long-term holdout), and do not report the "
                 "first week's lift.",
            "b": "A primacy effect: users need time to learn the new feed, so the long-run lift "
                 "is larger than +6 %.",
            "c": "Peeking: looking at the results every week made the lift shrink.",
            "d": "Nothing to worry about: the average over the three weeks, about +3.5 %, is "
                 "the long-run effect.",
        },
        explanations={
            "b": "Primacy (change aversion) works the other way: the treatment starts *low*, "
                 "because users are used to the old design, and improves as they learn the new "
                 "one. A lift that falls week after week is the signature of novelty.",
            "c": "Looking at the data does not change what users do. Peeking inflates false "
                 "positives; it does not make a real effect decay.",
            "d": "An average over the weeks still carries the novelty weeks. While the effect "
                 "keeps falling, the long-run effect is below every weekly value seen so far — "
                 "it may even be 0 or negative.",
        },
    ),
    Exercise(
        id="w06-interference",
        kind="choice",
        prompt="Drivers randomized within cities share fixed demand: what does their 8 % gap "
               "say about launching the bonus?",
        reference=lambda: "b",
        choices={
            "a": "It is an unbiased estimate of the launch effect: the drivers were randomized.",
            "b": "It overstates the launch effect: treated drivers take rides that control "
                 "drivers would have served, so part of the gap is rides moved between the "
                 "arms; randomize whole cities, or time slots (switchback), instead.",
            "c": "It understates the launch effect: control drivers also complete more rides "
                 "when treated drivers are online.",
            "d": "It is biased, but a larger sample of drivers removes the bias.",
        },
        explanations={
            "a": "Randomization makes the arms comparable, but their difference is the launch "
                 "effect only if a driver's rides do not depend on the other drivers' arms "
                 "(no interference, part of SUTVA). Here all drivers compete for the same "
                 "riders.",
            "c": "With a fixed demand, the treated drivers' extra rides come out of the control "
                 "drivers' rides: the control arm is pushed *down*, which widens the gap. "
                 "(Spillovers that raise the control arm and shrink the gap do happen in "
                 "social networks, where a treated user's activity reaches friends in the "
                 "control.)",
            "d": "Interference does not shrink with more drivers: each treated driver still "
                 "competes with control drivers in the same city. The design must change "
                 "(clusters, switchbacks), trading some variance for less bias.",
        },
    ),
    Exercise(
        id="w06-oec",
        kind="choice",
        prompt="The OEC for a search engine's ranking experiments: which metric?",
        reference=lambda: "c",
        choices={
            "a": "Queries per user.",
            "b": "Revenue per user (from ad clicks).",
            "c": "Sessions per user.",
            "d": "Time on site per user.",
        },
        explanations={
            "a": "Worse results make users reformulate and search again: queries per user can "
                 "rise when the product gets worse. It is the product of sessions per user, "
                 "which should rise, and queries per session, which should fall when search "
                 "gets better (Kohavi et al. 2020, ch. 7).",
            "b": "Revenue can be raised in the short term by showing more ads, or worse ones, "
                 "which drives users away in the long term. It belongs among the guardrails "
                 "(or in the OEC with a constraint), not alone as the measure of success.",
            "d": "Time on site is ambiguous for a search engine: a user who stays longer may "
                 "be struggling to find the answer. Success is finding it quickly, and "
                 "coming back.",
        },
    ),
    Exercise(
        id="w06-pvalue-meaning",
        kind="choice",
        prompt="A two-sided z-test gives p = 0.03: which statement is right?",
        reference=lambda: "b",
        choices={
            "a": "There is a 3 % probability that the null hypothesis (no difference) is true.",
            "b": "If there were no difference between the arms (and the test's model holds), "
                 "a difference at least as large as the one observed, in either direction, "
                 "would occur in 3 % of such experiments.",
            "c": "There is a 97 % probability that the new checkout is better.",
            "d": "There is a 3 % probability that the observed difference is due to chance "
                 "alone.",
            "e": "The new checkout has a large effect: p is well below 0.05.",
        },
        explanations={
            "a": "The p-value is computed *assuming* H0 is true, so it cannot be the "
                 "probability that H0 is true. That probability needs a prior (how often "
                 "ideas like this one work) and Bayes' theorem; when most ideas tested do "
                 "nothing, p = 0.03 can leave H0 quite likely (ASA statement, principle 2).",
            "c": "1 − p is not the probability of the alternative: the p-value is a "
                 "probability of data under H0, not of a hypothesis. A two-sided p does not "
                 "even say which arm is ahead. 'The probability that the variant is better' "
                 "needs a prior and a Bayesian analysis.",
            "d": "'Due to chance alone' is H0 again. The p-value assumes chance alone and "
                 "measures how surprising the data are under it; it is not the probability of "
                 "that assumption (ASA statement, principle 2).",
            "e": "A p-value mixes the size of the effect with the sample size: a tiny lift on "
                 "millions of users has a small p. The size is read from the estimate and "
                 "its interval (ASA statement, principle 5).",
        },
    ),
    Exercise(
        id="w06-practical-significance",
        kind="choice",
        prompt="100,900/2,000,000 vs 100,000/2,000,000 with a 2 % relative launch bar: which "
               "decision follows?",
        reference=lambda: "b",
        choices={
            "a": "Launch: the lift is statistically significant (p < 0.05).",
            "b": "Do not launch: the lift is probably real, but the whole 95 % interval lies "
                 "below the launch bar — statistically significant, not practically "
                 "significant.",
            "c": "Run the test longer: a significant lift below the bar is inconclusive.",
            "d": "Do not launch: with 2 million users per arm every difference is significant, "
                 "so the p-value says nothing.",
        },
        explanations={
            "a": "Significance says that the lift is unlikely to be 0, not that it is large "
                 "enough. The bar is 2 % of the control's 5 %, 0.1 percentage point, and the "
                 "interval's upper end is below it.",
            "c": "More users help when the interval straddles the bar. Here the whole interval "
                 "is below it: more users would only narrow it around a lift that is too "
                 "small to pay for the change.",
            "d": "The p-value is valid at any sample size. A large sample makes small effects "
                 "detectable — which is exactly why the decision compares the interval with a "
                 "practical bar. Here the lift is real; it is too small.",
        },
    ),
)


def _matrix(entries):
    import sympy

    return sympy.Matrix(entries)


def _sqrt(value):
    import sympy

    return sympy.sqrt(value)


def _rational(value: float):
    import sympy

    return sympy.Rational(str(value))
