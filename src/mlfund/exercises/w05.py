"""Week 5 — confidence intervals: z and t, Wald and its failure, Wilson, exact, bootstrap."""

from __future__ import annotations

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant

# The data and numbers of the notebook's questions (the notebook states the same ones).
SESSION_MINUTES = (4.2, 6.1, 3.8, 7.5, 5.0, 4.9, 8.3, 2.7, 5.6, 6.4, 3.9, 5.2)
WALD_SUCCESSES, WALD_TRIALS = 12, 80
ZERO_TRIALS = 20
COVERAGE_P, COVERAGE_N = 0.05, 30

_NOT_ALLOWED = ("mlfund.inference", "statsmodels", "sklearn")


def _sym():
    from mlfund.inference import symbolic

    return symbolic


def _inf():
    import mlfund.inference as inference

    return inference


def _pair(ci) -> np.ndarray:
    return np.array([ci.low, ci.high], dtype=float)


def _z(confidence_level: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(0.5 + confidence_level / 2))


def _t(confidence_level: float, df: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence_level / 2, df))


# --- means -----------------------------------------------------------------------------


def _mean_interval(x, quantile: float, ddof: int) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    half = quantile * np.std(arr, ddof=ddof) / np.sqrt(arr.size)
    return np.array([arr.mean() - half, arr.mean() + half])


def _known_sigma_interval(x, confidence_level: float, sigma: float) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    half = _z(confidence_level) * sigma / np.sqrt(arr.size)
    return np.array([arr.mean() - half, arr.mean() + half])


def _mean_ci_reference(x, confidence_level, sigma):
    return _pair(_inf().mean_ci(x, confidence_level=confidence_level, sigma=sigma))


def _mean_ci_mistake(quantile, ddof: int = 1):
    """A wrong t interval (the known-sigma case right): quantile(level, n) gives the quantile."""
    def wrong(x, confidence_level, sigma):
        if sigma is not None:
            return _known_sigma_interval(x, confidence_level, sigma)
        return _mean_interval(x, quantile(confidence_level, len(x)), ddof)
    return wrong


def _mean_probes():
    rng = np.random.default_rng(501)
    return [
        (np.array(SESSION_MINUTES), 0.95, None),
        (rng.normal(10.0, 2.0, size=5), 0.90, 2.0),
        (rng.exponential(3.0, size=3), 0.99, None),
        (rng.normal(-1.0, 1.5, size=30), 0.95, 1.5),
        (rng.normal(0.0, 1.0, size=8), 0.80, None),
    ]


def _sessions_t_interval(quantile, ddof: int = 1) -> np.ndarray:
    return _mean_interval(SESSION_MINUTES, quantile, ddof)


# --- proportions -----------------------------------------------------------------------


def _proportion(method: str, *, one_sided: bool = False):
    """The library's interval as a function (k, n, level); one_sided uses z_{level} per tail."""
    def interval(k, n, confidence_level):
        level = 2 * confidence_level - 1 if one_sided else confidence_level
        return _pair(_inf().proportion_ci(k, n, confidence_level=level, method=method))
    return interval


def _wald_variant(spread, successes: int, trials: int) -> tuple[float, float]:
    """p̂ ± z·spread(p̂, n) for the checkout question, spread a wrong standard error."""
    p_hat = successes / trials
    half = _z(0.95) * spread(p_hat, trials)
    return (p_hat - half, p_hat + half)


def _wald_ends(successes: int, trials: int, confidence_level: float = 0.95) -> np.ndarray:
    """p̂ ± z·√(p̂(1 − p̂)/n), unclipped: the interval the question asks for."""
    p_hat = successes / trials
    half = _z(confidence_level) * np.sqrt(p_hat * (1 - p_hat) / trials)
    return np.array([p_hat - half, p_hat + half])


def _wald_interval(successes: int = WALD_SUCCESSES, trials: int = WALD_TRIALS) -> Exercise:
    """The checkout's 95 % Wald interval, for its counts (the workbook's: 12 of 80)."""
    k, n = successes, trials
    return Exercise(
        id="w05-wald-interval",
        kind="interval",
        precision=Precision(decimals=3),
        prompt=f"95 % Wald interval for {k} conversions among {n} visitors.",
        reference=lambda: _inf().proportion_ci(k, n, method="wald"),
        rtol=1e-4,   # z = 1.96 or a t-table value is fine; the mistakes are further apart
        mistakes=(
            Mistake("z-90", "1.645 is the quantile of a 90 % interval; 95 % two-sided uses "
                    "z = 1.96.",
                    value=lambda: _proportion("wald", one_sided=True)(k, n, 0.95)),
            Mistake("variance-not-se", "The ± term uses the standard error √(p̂(1 − p̂)/n), "
                    "not the variance p̂(1 − p̂)/n.",
                    value=lambda: _wald_variant(lambda q, m: q * (1 - q) / m, k, n)),
            Mistake("n-outside-root", "Divide by n inside the square root: √(p̂(1 − p̂)/n).",
                    value=lambda: _wald_variant(lambda q, m: np.sqrt(q * (1 - q)) / m, k, n)),
        ),
        hint=f"p̂ ± z·√(p̂(1 − p̂)/n) with p̂ = {k}/{n} and z = 1.96 (more digits: "
             "stats.norm.ppf(0.975)).",
    )


def _wald_interval_well_posed(successes: int, trials: int) -> bool:
    """A conversion rate of 5 % to 35 % whose Wald interval stays inside (0, 1) with room
    to spare, as the workbook's 12 of 80 does: the formula's failure at the edges is a later
    question (w05-wald-zero), not this one."""
    low, high = _wald_ends(successes, trials)
    return 0.05 <= successes / trials <= 0.35 and low > 0.01 and high < 0.99


def _uniform_prior_interval(k, n, confidence_level):
    from scipy import stats

    tail = (1 - confidence_level) / 2
    return np.array([stats.beta.ppf(tail, k + 1, n - k + 1),
                     stats.beta.isf(tail, k + 1, n - k + 1)])


def _agresti_coull(k, n, confidence_level, *, plus_four: bool = False, clip: bool = True):
    z = _z(confidence_level)
    added = 4.0 if plus_four else z**2
    n_tilde = n + added
    centre = (k + added / 2) / n_tilde
    half = z * np.sqrt(centre * (1 - centre) / n_tilde)
    bounds = np.array([centre - half, centre + half])
    return np.clip(bounds, 0.0, 1.0) if clip else bounds


def _proportion_probes():
    return [(12, 80, 0.95), (0, 20, 0.95), (20, 20, 0.95), (3, 10, 0.90), (150, 1000, 0.99),
            (1, 1, 0.80), (7, 9, 0.95)]


_PROPORTION_SYMBOLS = {"x": (0, 10), "n": (10, 100), "z": "positive"}

# --- bootstrap ---------------------------------------------------------------------------


def _bootstrap_reference(x, n_resamples, seed):
    return _pair(_inf().bootstrap_ci(x, np.mean, n_resamples=n_resamples, random_state=seed))


def _bootstrap_means(x, n_resamples, seed) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    rng = np.random.default_rng(seed)
    return arr[rng.integers(0, arr.size, size=(n_resamples, arr.size))].mean(axis=1)


def _bootstrap_probes():
    rng = np.random.default_rng(502)
    return [(rng.exponential(2.0, size=15), 1000, 0), (rng.normal(5.0, 1.0, size=40), 2000, 7),
            (rng.lognormal(0.0, 1.0, size=6), 500, 3)]


EXERCISES = (
    Exercise(
        id="w05-t-interval",
        kind="interval",
        precision=Precision(decimals=3),
        prompt="95 % t-interval for the mean of the twelve session lengths.",
        reference=lambda: _inf().mean_ci(SESSION_MINUTES),
        rtol=1e-4,   # z = 1.96 or a t-table value is fine; the mistakes are further apart
        mistakes=(
            Mistake("z-with-s", "You used the normal quantile 1.96 with the sample standard "
                    "deviation. With σ estimated from 12 values, use Student's t with n − 1 = 11 "
                    "degrees of freedom: the interval is wider.",
                    value=lambda: _sessions_t_interval(_z(0.95))),
            Mistake("ddof-0", "The standard deviation should divide by n − 1 (np.std(x, ddof=1)); "
                    "np.std's default ddof=0 is the MLE and makes the interval too narrow.",
                    value=lambda: _sessions_t_interval(_t(0.95, len(SESSION_MINUTES) - 1),
                                                       ddof=0)),
            Mistake("df-n", "The t distribution has n − 1 = 11 degrees of freedom, not n = 12.",
                    value=lambda: _sessions_t_interval(_t(0.95, len(SESSION_MINUTES)))),
            Mistake("ddof-0-and-df-n", "Two slips: the standard deviation divides by n − 1 "
                    "(np.std(x, ddof=1)), and the t distribution has n − 1 = 11 degrees of "
                    "freedom, not n = 12.",
                    value=lambda: _sessions_t_interval(_t(0.95, len(SESSION_MINUTES)), ddof=0)),
            Mistake("one-sided-quantile", "For a two-sided 95 % interval each tail holds 2.5 %: "
                    "use the 0.975 quantile, not the 0.95 one.",
                    value=lambda: _sessions_t_interval(_t(0.90, len(SESSION_MINUTES) - 1))),
        ),
        hint="mean ± t_{0.975, n−1} · s/√n with s = np.std(x, ddof=1).",
    ),
    Exercise(
        id="w05-mean-ci",
        kind="function",
        prompt="Implement mean_ci(x, confidence_level, sigma): the z-interval when sigma is "
               "given, the t-interval otherwise.",
        reference=lambda: _mean_ci_reference,
        probes=_mean_probes,
        mistakes=(
            Mistake("z-with-s", "Without a known σ, the quantile must come from Student's t with "
                    "n − 1 degrees of freedom, not from the normal distribution.",
                    value=_mean_ci_mistake(lambda level, size: _z(level))),
            Mistake("ddof-0", "Estimate σ with ddof=1 (divide by n − 1) in the t-interval.",
                    value=_mean_ci_mistake(lambda level, size: _t(level, size - 1), ddof=0)),
            Mistake("df-n", "The t quantile has n − 1 degrees of freedom, not n.",
                    value=_mean_ci_mistake(lambda level, size: _t(level, size))),
        ),
        hint="the quantile for level c is at 0.5 + c/2: stats.norm.ppf for z, stats.t.ppf with "
             "df = n − 1 for t.",
        forbidden_imports=_NOT_ALLOWED,
    ),
    Exercise(
        id="w05-wald-half-width",
        kind="expression",
        prompt="Half-width of the Wald interval for x successes in n trials, with quantile z.",
        reference=lambda x, n, z: _sym().wald_half_width(x / n, n, z),
        symbols=_PROPORTION_SYMBOLS,
        mistakes=(
            Mistake("variance-not-se", "z times the variance p̂(1 − p̂)/n: the interval uses "
                    "the standard error, its square root.",
                    form="z*(x/n)*(1 - x/n)/n"),
            Mistake("n-outside-root", "The 1/n belongs inside the square root: the standard "
                    "error of p̂ shrinks like 1/√n.", form="z*sqrt((x/n)*(1 - x/n))/n"),
            Mistake("missing-z", "That is the standard error itself; the half-width is z "
                    "standard errors.", form="sqrt((x/n)*(1 - x/n)/n)"),
            Mistake("full-width", "That is the full width, from the low end to the high end; "
                    "the half-width is half of it.", form="2*z*sqrt((x/n)*(1 - x/n)/n)"),
        ),
    ),
    variant(_wald_interval, successes=Parameter(8, 30), trials=Parameter(60, 160, step=5),
            where=_wald_interval_well_posed),
    Exercise(
        id="w05-wald-zero",
        kind="interval",
        precision=Precision(decimals=3),
        prompt="95 % Wald interval for 0 complaints from 20 users.",
        reference=lambda: _inf().proportion_ci(0, ZERO_TRIALS, method="wald"),
        mistakes=(
            Mistake("wilson", "That is the Wilson interval — the right thing to report, but "
                    "the question asks what the Wald formula gives. Plug p̂ = 0 into it.",
                    value=lambda: _inf().proportion_ci(0, ZERO_TRIALS, method="wilson")),
            Mistake("clopper-pearson", "That is the exact (Clopper–Pearson) interval; the "
                    "question asks what the Wald formula gives with p̂ = 0.",
                    value=lambda: _inf().proportion_ci(0, ZERO_TRIALS,
                                                       method="clopper_pearson")),
            Mistake("rule-of-three", "The rule of three, [0, 3/n], is the sensible fix; the "
                    "question asks what the Wald formula itself gives with p̂ = 0.",
                    value=lambda: (0.0, 3 / ZERO_TRIALS)),
        ),
        hint="with p̂ = 0 the estimated standard error √(p̂(1 − p̂)/n) is …",
    ),
    Exercise(
        id="w05-wilson-derivation",
        kind="derivation",
        points=2,
        prompt="Derive the Wilson interval by inverting the score test: solve "
               "|x/n − p| / √(p(1 − p)/n) = z for p, line by line, both ends.",
        reference=lambda x, n, z: tuple(_sym().wilson_interval(x, n, z)),
        symbols={"p": "probability", "x": "[0, n]", "n": "positive", "z": "positive"},
        derivation=Derivation(
            start="Abs(x/n - p)/sqrt(p*(1 - p)/n) = z",
            chain=("Abs(x/n - p)/sqrt(p*(1 - p)/n) = z",
                   "(x/n - p)**2 = z**2*p*(1 - p)/n",
                   "n*(x/n - p)**2 - z**2*p*(1 - p) = 0",
                   "(n + z**2)*p**2 - (2*x + z**2)*p + x**2/n = 0",
                   "p = (2*x + z**2 ± z*sqrt(z**2 + 4*x*(n - x)/n))/(2*(n + z**2))"),
            form=("x", "n", "z", "sqrt"),
            form_phrase="solved for p, both ends, in x, n and z",
            unknown="p",
            hints=("Both sides are positive: squaring keeps the same solutions.",
                   "Multiply by n and expand: n(x/n − p)² = x²/n − 2xp + np², and "
                   "z²p(1 − p) = z²p − z²p².",
                   "A quadratic a p² + b p + c = 0 with a = n + z², b = −(2x + z²), c = x²/n; "
                   "its roots are (−b ± √(b² − 4ac))/(2a).",
                   "b² − 4ac simplifies to z²(z² + 4x(n − x)/n)."),
        ),
        mistakes=(
            Mistake("wald", "That is the Wald interval: it puts p̂ into the standard error. "
                    "The score test keeps the unknown p in √(p(1 − p)/n), and solving for p "
                    "gives a quadratic.",
                    form="p = x/n ± z*sqrt(x/n*(1 - x/n)/n)"),
            Mistake("one-root", "A quadratic has two roots, and the interval needs both: "
                    "write p = … ± … (or p = … or p = …).",
                    form="p = (2*x + z**2 + z*sqrt(z**2 + 4*x*(n - x)/n))/(2*(n + z**2))"),
            Mistake("b-missing-z2", "−z²p(1 − p) = −z²p + z²p² has two terms: the p² one goes "
                    "into a, and −z²p goes into b.",
                    form="(n + z**2)*p**2 - 2*x*p + x**2/n = 0"),
        ),
    ),
    Exercise(
        id="w05-wilson-centre",
        kind="expression",
        prompt="The centre of the Wilson interval, the midpoint of its two ends, in x, n "
               "and z.",
        reference=lambda x, n, z: _sym().wilson_centre(x, n, z),
        symbols=_PROPORTION_SYMBOLS,
        mistakes=(
            Mistake("wald-centre", "x/n is the Wald centre. The Wilson interval is centred "
                    "between p̂ and 1/2: the midpoint of the two roots is −b/(2a).",
                    form="x/n"),
            Mistake("forgot-2a", "The midpoint of the roots is −b/(2a): the 2 in the "
                    "denominator is missing.", form="(2*x + z**2)/(n + z**2)"),
            Mistake("denominator-n", "The denominator is 2a = 2(n + z²): the z² added to the "
                    "trials matters as much as the z²/2 added to the successes.",
                    form="(x + z**2/2)/n"),
            Mistake("plus-four", "(x + 2)/(n + 4) is the 'add two successes and two failures' "
                    "shortcut for z ≈ 2; keep z as a symbol.", form="(x + 2)/(n + 4)"),
        ),
    ),
    Exercise(
        id="w05-wilson-half-width",
        kind="expression",
        prompt="The half-width of the Wilson interval, half the distance between its ends, "
               "in x, n and z.",
        reference=lambda x, n, z: _sym().wilson_half_width(x, n, z),
        symbols=_PROPORTION_SYMBOLS,
        mistakes=(
            Mistake("wald", "That is the Wald half-width. The Wilson half-width comes from the "
                    "roots of the quadratic: √(b² − 4ac)/(2a).",
                    form="z*sqrt((x/n)*(1 - x/n)/n)"),
            Mistake("full-width", "√(b² − 4ac)/a is the distance between the two roots, the "
                    "full width; the half-width is half of it.",
                    form="2*z/(n + z**2)*sqrt(x*(n - x)/n + z**2/4)"),
            Mistake("missing-denominator", "Divide by 2a = 2(n + z²): the square root alone "
                    "is not yet the half-width.",
                    form="z*sqrt(x*(n - x)/n + z**2/4)"),
        ),
        hint="b² − 4ac = (2x + z²)² − 4(n + z²)x²/n simplifies to z²(4x(n − x)/n + z²).",
    ),
    Exercise(
        id="w05-wilson-ci",
        kind="function",
        prompt="Implement wilson_ci(successes, n, confidence_level) -> (low, high).",
        reference=lambda: _proportion("wilson"),
        probes=_proportion_probes,
        mistakes=(
            Mistake("wald", "That is the Wald interval (p̂ ± z·SE(p̂)); the Wilson interval "
                    "uses the centre and half-width you derived.", value=_proportion("wald")),
            Mistake("one-sided-z", "The quantile must leave (1 − level)/2 in each tail: "
                    "z = Φ⁻¹(0.5 + level/2), not Φ⁻¹(level).",
                    value=_proportion("wilson", one_sided=True)),
            Mistake("agresti-coull", "That is Agresti–Coull (a Wald interval around the Wilson "
                    "centre); the Wilson half-width is the one you derived in exercise 3.3.",
                    value=_proportion("agresti_coull")),
        ),
        hint="use the centre and half-width of exercises 3.2 and 3.3 with "
             "z = stats.norm.ppf(0.5 + confidence_level/2), and try k = 0 and k = n.",
        forbidden_imports=_NOT_ALLOWED,
    ),
    Exercise(
        id="w05-clopper-pearson",
        kind="function",
        prompt="Implement clopper_pearson_ci(successes, n, confidence_level) with beta "
               "quantiles.",
        reference=lambda: _proportion("clopper_pearson"),
        probes=_proportion_probes,
        mistakes=(
            Mistake("alpha-not-halved", "Each tail gets α/2: the lower bound is the α/2 quantile "
                    "of Beta(k, n − k + 1), the upper the 1 − α/2 quantile of "
                    "Beta(k + 1, n − k).", value=_proportion("clopper_pearson", one_sided=True)),
            Mistake("jeffreys", "Beta(k + ½, n − k + ½) gives the Jeffreys interval, a Bayesian "
                    "one; Clopper–Pearson uses Beta(k, n − k + 1) below and Beta(k + 1, n − k) "
                    "above.", value=_proportion("jeffreys")),
            Mistake("uniform-prior", "Beta(k + 1, n − k + 1) for both ends is the posterior "
                    "under a uniform prior; Clopper–Pearson uses Beta(k, n − k + 1) for the low "
                    "end and Beta(k + 1, n − k) for the high end.",
                    value=_uniform_prior_interval),
        ),
        hint="at k = 0 the low end is 0 and at k = n the high end is 1 (Beta(0, ·) does not "
             "exist, and stats.beta returns NaN there).",
        forbidden_imports=_NOT_ALLOWED,
    ),
    Exercise(
        id="w05-agresti-coull",
        kind="function",
        prompt="Implement agresti_coull_ci(successes, n, confidence_level), clipped to [0, 1].",
        reference=lambda: _proportion("agresti_coull"),
        probes=_proportion_probes,
        mistakes=(
            Mistake("no-clip", "Right formula, but at 0 or n successes the interval leaves "
                    "[0, 1]; clip both ends (np.clip) — a proportion cannot be negative.",
                    value=lambda k, n, c: _agresti_coull(k, n, c, clip=False)),
            Mistake("plus-four", "Adding 2 successes and 4 trials is the 95 % shortcut; for a "
                    "general level use the Wilson centre and ñ = n + z² trials.",
                    value=lambda k, n, c: _agresti_coull(k, n, c, plus_four=True)),
            Mistake("wilson", "That is the Wilson interval. Agresti–Coull keeps the Wilson "
                    "centre p̃ but uses the Wald half-width z·√(p̃(1 − p̃)/ñ) with ñ = n + z².",
                    value=_proportion("wilson")),
        ),
        hint="p̃ = the Wilson centre, ñ = n + z², then p̃ ± z·√(p̃(1 − p̃)/ñ), clipped to "
             "[0, 1].",
        forbidden_imports=_NOT_ALLOWED,
    ),
    Exercise(
        id="w05-wald-coverage",
        kind="number",
        precision=Precision(decimals=3),
        prompt="Exact coverage of the 95 % Wald interval at n = 30, p = 0.05.",
        reference=lambda: _inf().proportion_ci_coverage(COVERAGE_P, COVERAGE_N, method="wald"),
        rtol=1e-4,   # z = 1.96 or a t-table value is fine; the mistakes are further apart
        mistakes=(
            Mistake("nominal", "0.95 is what the interval promises (its nominal level); the "
                    "question asks how often it actually contains p = 0.05 — sum P(X = k) over "
                    "the k whose interval does.", value=lambda: 0.95),
            Mistake("wilson", "That is the coverage of the Wilson interval; the question asks "
                    "about Wald.", value=lambda: _inf().proportion_ci_coverage(
                        COVERAGE_P, COVERAGE_N, method="wilson")),
        ),
        hint="for k = 0..30 build the Wald interval, keep the k whose interval contains 0.05, "
             "and add up stats.binom.pmf(k, 30, 0.05) over them (a simulation is only "
             "approximate).",
    ),
    Exercise(
        id="w05-bootstrap-ci",
        kind="function",
        prompt="Implement bootstrap_mean_ci(x, n_resamples, seed): the 95 % percentile "
               "bootstrap interval of the mean.",
        reference=lambda: _bootstrap_reference,
        probes=_bootstrap_probes,
        mistakes=(
            Mistake("alpha-not-halved", "Those are the 5th and 95th percentiles (a 90 % "
                    "interval); a 95 % interval takes the 2.5th and 97.5th.",
                    value=lambda x, b, seed: np.quantile(_bootstrap_means(x, b, seed),
                                                         [0.05, 0.95])),
            Mistake("normal-approximation", "That is mean ± 1.96 × the bootstrap standard "
                    "error (the 'normal' bootstrap); the percentile interval reads the 2.5th "
                    "and 97.5th percentiles of the bootstrap means directly.",
                    value=lambda x, b, seed: np.mean(x) + _z(0.95) * np.std(
                        _bootstrap_means(x, b, seed), ddof=1) * np.array([-1.0, 1.0])),
            Mistake("without-replacement", "Resampling without replacement only reorders the "
                    "data, so every resample has the same mean: draw indices with replacement.",
                    value=lambda x, b, seed: np.array([np.mean(x), np.mean(x)])),
        ),
        hint="rng = np.random.default_rng(seed); idx = rng.integers(0, len(x), "
             "size=(n_resamples, len(x))); means = x[idx].mean(axis=1); then "
             "np.quantile(means, [0.025, 0.975]).",
        forbidden_imports=_NOT_ALLOWED,
    ),
    Exercise(
        id="w05-ci-meaning",
        kind="choice",
        prompt="What does the 95 % confidence interval [0.11, 0.19] for a conversion rate mean?",
        reference=lambda: "b",
        choices={
            "a": "There is a 95 % probability that the true conversion rate lies in "
                 "[0.11, 0.19].",
            "b": "If the experiment were repeated many times, about 95 % of the intervals built "
                 "this way would contain the true conversion rate.",
            "c": "95 % of users have a conversion probability between 0.11 and 0.19.",
            "d": "If the experiment were repeated, 95 % of the new estimates p̂ would fall in "
                 "[0.11, 0.19].",
        },
        explanations={
            "a": "The true rate is fixed and this interval either contains it or not; the 95 % "
                 "describes the procedure over repeated samples. A probability for the "
                 "parameter itself is what a Bayesian credible interval gives.",
            "c": "The interval is about one parameter, the average conversion rate, not about "
                 "how individual users differ.",
            "d": "New estimates scatter around the true rate, not around this interval, and "
                 "this interval is itself random; the 95 % is the share of intervals that "
                 "contain the true rate.",
        },
    ),
)
