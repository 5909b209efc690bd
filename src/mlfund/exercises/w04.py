"""Week 4 — estimation: maximum likelihood, the bias of σ̂², Fisher information, the CLT."""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant

# The numbers of the "your PM asks" items; the notebook states the same ones.
CURRENT_ORDERS = 400
CURRENT_SE = (5, 2)          # $2.50, as a fraction so that the reference stays exact
TARGET_SE = 1
SESSION_MEAN = 5.0           # minutes, a skewed (non-normal) distribution
SESSION_SD = 4.0
SESSIONS = 64
SESSION_THRESHOLD = 6.0


def _sym():
    from mlfund.inference import symbolic

    return symbolic


def _inf():
    import mlfund.inference as inference

    return inference


def _orders_for_target_se() -> float:
    """n with σ/√n equal to the target, σ inferred from the current n and standard error."""
    import sympy as sp

    sym = _sym()
    sigma, m = sp.symbols("sigma m", positive=True)
    current = sp.Rational(*CURRENT_SE)
    (sigma_value,) = sp.solve(sp.Eq(sym.standard_error_of_mean(sigma, CURRENT_ORDERS), current),
                              sigma)
    (orders,) = sp.solve(sp.Eq(sym.standard_error_of_mean(sigma_value, m), TARGET_SE), m)
    return float(orders)


def _session_z(se: float, mean: float = SESSION_MEAN,
               threshold: float = SESSION_THRESHOLD) -> float:
    return (threshold - mean) / se


def _session_se(sd: float = SESSION_SD, n: int = SESSIONS) -> float:
    return float(_sym().standard_error_of_mean(sd, n))


def _normal_sf(z: float) -> float:
    from scipy.special import ndtr

    return float(ndtr(-z))


#: Exercise 6.2's sample sizes in a course with variants: squares, so that σ/√n stays a
#: quotient a learner can check by hand (√64 = 8).
SESSION_COUNTS = (25, 36, 49, 64, 81, 100, 144)


def _clt_well_posed(mean_minutes: float, sd_minutes: float, n_sessions: int,
                    threshold_minutes: float) -> bool:
    """A right-skewed length (sd at most the mean, as for an exponential at most) and a
    threshold above the mean by 1 to 3 standard errors, z given to 2 decimals (z = 2 in the
    workbook): an upper tail between 0.1 % and 16 %, which no catalogued mistake comes
    near."""
    if sd_minutes > mean_minutes:
        return False
    z = (threshold_minutes - mean_minutes) * math.sqrt(n_sessions) / sd_minutes
    return 1.0 <= z + 1e-12 and z - 1e-12 <= 3.0 and abs(z * 100 - round(z * 100)) < 1e-9


def _clt_probability(mean_minutes: float = SESSION_MEAN, sd_minutes: float = SESSION_SD,
                     n_sessions: int = SESSIONS,
                     threshold_minutes: float = SESSION_THRESHOLD) -> Exercise:
    """Exercise 6.2, from the sessions' mean and sd, their count and the threshold."""
    mean, sd, n, threshold = mean_minutes, sd_minutes, n_sessions, threshold_minutes
    spread = sd / math.sqrt(n)     # for the feedback's text; the reference uses the library
    shown = f"= {spread:g}" if round(spread, 6) == spread else f"≈ {spread:.3f}"

    def se() -> float:
        return _session_se(sd, n)

    def upper(spread: float) -> float:
        return _normal_sf(_session_z(spread, mean, threshold))

    return Exercise(
        id="w04-clt-probability",
        kind="number",
        precision=Precision(significant=3),
        prompt=f"Session lengths have mean {mean:g} min and standard deviation {sd:g} min "
               f"(skewed). By the CLT, P(mean of {n} sessions > {threshold:g} min)?",
        reference=lambda: upper(se()),
        rtol=3e-3,   # three significant digits, as the notebook asks
        mistakes=(
            Mistake("no-sqrt-n", f"That uses the standard deviation of one session, {sd:g}. "
                    f"The mean of {n} sessions has standard error {sd:g}/√{n} {shown}.",
                    value=lambda: upper(sd)),
            Mistake("se-over-n", f"The standard error is σ/√n = {sd:g}/{math.sqrt(n):g}, not "
                    f"σ/n = {sd:g}/{n}.",
                    value=lambda: upper(sd / n)),
            Mistake("wrong-tail", f"That is P(mean < {threshold:g}); the question asks for "
                    "the upper tail, 1 − Φ(z).", value=lambda: 1 - upper(se())),
            Mistake("two-sided", f"Only one tail: the mean exceeding {threshold:g}, not "
                    f"|mean − {mean:g}| > {threshold - mean:g}.",
                    value=lambda: 2 * upper(se())),
        ),
        hint="standardise with the standard error of the mean, σ/√n, then take the upper tail.",
    )


def _gaussian_probes() -> list[tuple[np.ndarray]]:
    rng = np.random.default_rng(401)
    return [(rng.normal(loc, scale, size=n),)
            for loc, scale, n in [(0.0, 1.0, 5), (3.0, 2.0, 20), (-1.0, 0.5, 2), (10.0, 4.0, 100)]]


def _gaussian_reference(x):
    est = _inf().gaussian_mle(x)
    return np.array([est.mean, est.variance])


_SUFFICIENT = {"s": (0, 10), "s2": (100, 500), "n": (2, 50)}  # s2 >= s**2/n always

EXERCISES = (
    Exercise(
        id="w04-bernoulli-mle-derivation",
        kind="derivation",
        points=2,
        prompt="Derive the MLE of p from k successes in n trials: start from the score "
               "equation d/dp [k log p + (n − k) log(1 − p)] = 0 and solve for p, line by line.",
        reference=lambda k, n: _sym().bernoulli_mle(k, n),
        symbols={"p": "probability", "k": "[0, n]", "n": "positive"},
        derivation=Derivation(
            start="diff(k*log(p) + (n - k)*log(1 - p), p) = 0",
            chain=("diff(k*log(p) + (n - k)*log(1 - p), p) = 0",
                   "k/p - (n - k)/(1 - p) = 0",
                   "k*(1 - p) = (n - k)*p",
                   "k = n*p",
                   "p = k/n"),
            form=("k", "n"),
            form_phrase="solved for p, in k and n",
            unknown="p",
            hints=("The score: d/dp log p = 1/p and d/dp log(1 − p) = −1/(1 − p).",
                   "Multiply both sides by p(1 − p), which is positive for p in (0, 1).",
                   "k(1 − p) = (n − k)p: the kp terms cancel."),
        ),
        mistakes=(
            Mistake("chain-rule-1-minus-p",
                    "d/dp log(1 − p) is −1/(1 − p): the inner derivative −1 was lost, so the "
                    "failures' term must be subtracted.",
                    form="k/p + (n - k)/(1 - p) = 0"),
            Mistake("one-trial-failures",
                    "With n trials the number of failures is n − k, not 1 − k: the second term "
                    "is weighted by n − k.",
                    form="k/p - (1 - k)/(1 - p) = 0"),
            Mistake("inverted", "Upside down: p̂ is a proportion, successes over trials, so it "
                    "lies between 0 and 1.", form="p = n/k"),
            Mistake("odds", "k/(n − k) is the odds p̂/(1 − p̂), successes over failures; the "
                    "probability divides by all n trials.", form="p = k/(n - k)"),
            Mistake("laplace", "(k + 1)/(n + 2) is Laplace's rule of succession, the posterior "
                    "mean under a uniform prior. The MLE maximises the likelihood alone: no "
                    "pseudo-counts.", form="p = (k + 1)/(n + 2)"),
        ),
    ),
    Exercise(
        id="w04-poisson-mle",
        kind="expression",
        prompt="MLE of a Poisson rate λ from n counts whose total is s.",
        reference=lambda s, n: _sym().poisson_mle(s, n),
        symbols={"s": "positive", "n": "positive"},
        mistakes=(
            Mistake("inverted", "n/s is the shape of the exponential-rate MLE. For Poisson, λ is "
                    "the mean count, so its MLE is the sample mean.", form="n/s"),
            Mistake("n-minus-1", "No n − 1 here: the log-likelihood s log λ − nλ has its "
                    "maximum where its derivative s/λ − n vanishes, with no correction (n − 1 "
                    "belongs to the unbiased variance, a different story).",
                    form="s/(n - 1)"),
        ),
        hint="the log-likelihood is s log λ − nλ up to a constant; set its derivative to zero.",
    ),
    Exercise(
        id="w04-exponential-mle",
        kind="expression",
        prompt="MLE of an exponential rate λ from n waiting times whose total is s.",
        reference=lambda s, n: _sym().exponential_mle(s, n),
        symbols={"s": "positive", "n": "positive"},
        mistakes=(
            Mistake("mean-not-rate", "s/n is the mean waiting time x̄, which estimates 1/λ (the "
                    "scale). The rate is its inverse: by invariance of the MLE, λ̂ = 1/x̄.",
                    form="s/n"),
            Mistake("unbiased-version", "(n − 1)/s is the unbiased estimator of λ, not the MLE: "
                    "set the derivative of n log λ − λ s to zero, without any correction.",
                    form="(n - 1)/s"),
        ),
        hint="the log-likelihood is n log λ − λ s.",
    ),
    Exercise(
        id="w04-gaussian-variance-mle",
        kind="expression",
        prompt="MLE of a Gaussian variance σ̂² from n values with total s and total of squares "
               "s2.",
        reference=lambda s, s2, n: _sym().gaussian_variance_mle(s, s2, n),
        symbols=_SUFFICIENT,
        mistakes=(
            Mistake("n-minus-1", "That is the unbiased sample variance s² (divide by n − 1). "
                    "The maximum of the likelihood divides by n.",
                    form="(s2 - s**2/n)/(n - 1)"),
            Mistake("missing-mean", "s2/n is the mean of the squares; the variance subtracts "
                    "the squared mean x̄² = (s/n)².", form="s2/n"),
            Mistake("standard-deviation", "That is σ̂, the standard deviation; the question asks "
                    "for the variance σ̂² (no square root).", form="sqrt(s2/n - (s/n)**2)"),
        ),
        hint="Σ(xᵢ − x̄)² = s2 − s²/n; then divide by the right count.",
    ),
    Exercise(
        id="w04-gaussian-mle",
        kind="function",
        prompt="Implement the Gaussian MLEs: return np.array([mu_hat, sigma2_hat]).",
        reference=lambda: _gaussian_reference,
        probes=_gaussian_probes,
        mistakes=(
            Mistake("n-minus-1", "Your variance divides by n − 1 (ddof=1): that is the unbiased "
                    "s², not the MLE. np.var uses ddof=0, which is the MLE.",
                    value=lambda x: np.array([np.mean(x), np.var(x, ddof=1)])),
            Mistake("standard-deviation", "The second entry is σ̂ (np.std); return the variance "
                    "σ̂².", value=lambda x: np.array([np.mean(x), np.std(x)])),
        ),
        forbidden_imports=("mlfund.inference", "statsmodels", "sklearn"),
    ),
    Exercise(
        id="w04-centred-sum-expectation",
        kind="expression",
        prompt="Step 1: E[Σ(xᵢ − x̄)²] for n i.i.d. values with variance σ² (sigma2).",
        # n·E[σ̂²]; the test derives it from E[Σxᵢ²] − n E[x̄²]
        reference=lambda sigma2, n: n * _sym().variance_mle_expectation(sigma2, n),
        symbols={"sigma2": "positive", "n": "positive"},
        mistakes=(
            Mistake("mean-known", "nσ² is E[Σ(xᵢ − μ)²], around the true mean. Around x̄, which "
                    "is fitted to the same data, the sum is smaller: subtract n·Var(x̄) = σ².",
                    form="n*sigma2"),
            Mistake("divided-by-n", "That is already divided by n (it is E[σ̂²], the next step); "
                    "here the sum itself is asked.", form="(n - 1)*sigma2/n"),
        ),
        hint="E[Σxᵢ²] = n(σ² + μ²) and E[x̄²] = σ²/n + μ², and Σ(xᵢ − x̄)² = Σxᵢ² − n x̄².",
    ),
    Exercise(
        id="w04-variance-mle-expectation",
        kind="expression",
        prompt="Step 2: E[σ̂²] for the MLE σ̂² = (1/n)Σ(xᵢ − x̄)².",
        reference=lambda sigma2, n: _sym().variance_mle_expectation(sigma2, n),
        symbols={"sigma2": "positive", "n": "positive"},
        mistakes=(
            Mistake("unbiased", "The MLE is biased: the centred sum has expectation (n − 1)σ², "
                    "and σ̂² divides it by n.", form="sigma2"),
            Mistake("inverted-factor", "The factor is upside down: σ̂² underestimates σ², so "
                    "E[σ̂²] = (n − 1)/n · σ²; n/(n − 1) is the correction that removes the bias.",
                    form="n*sigma2/(n - 1)"),
            Mistake("not-divided", "(n − 1)σ² is the expectation of the sum; σ̂² divides the "
                    "sum by n.", form="(n - 1)*sigma2"),
        ),
    ),
    Exercise(
        id="w04-bernoulli-fisher-information",
        kind="expression",
        prompt="Fisher information I(p) = −E[d²/dp² log f(X; p)] of one Bernoulli trial.",
        reference=lambda p, n: _sym().bernoulli_fisher_information(p),
        symbols={"p": "probability", "n": "positive"},
        mistakes=(
            Mistake("variance-not-information", "p(1 − p) is the variance of one trial. The "
                    "information is its inverse: a trial tells you most when it is least noisy.",
                    form="p*(1 - p)"),
            Mistake("sign", "Sign error: the second derivative is negative, and the information "
                    "is minus its expectation, so I(p) > 0.", form="-1/(p*(1 - p))"),
            Mistake("n-trials", "n/(p(1 − p)) is the information of n trials; the question asks "
                    "for one trial (information adds over independent trials).",
                    form="n/(p*(1 - p))"),
        ),
        hint="log f = x log p + (1 − x) log(1 − p); differentiate twice, then use E[X] = p.",
    ),
    Exercise(
        id="w04-proportion-standard-error",
        kind="expression",
        prompt="The standard error of p̂ from n trials, 1/√(n I(p)).",
        reference=lambda p, n: _sym().proportion_standard_error(p, n),
        symbols={"p": "probability", "n": "positive"},
        mistakes=(
            Mistake("variance-not-se", "That is the variance p(1 − p)/n; the standard error is "
                    "its square root.", form="p*(1 - p)/n"),
            Mistake("n-outside-root", "The 1/n belongs inside the square root: the standard "
                    "error shrinks like 1/√n, not 1/n.", form="sqrt(p*(1 - p))/n"),
            Mistake("information-not-inverted", "That is √(n I(p)); the standard error is its "
                    "inverse.", form="sqrt(n/(p*(1 - p)))"),
        ),
    ),
    Exercise(
        id="w04-sem-sample-size",
        kind="number",
        precision=Precision(whole=True),
        prompt="The average order value over 400 orders has a standard error of $2.50. How many "
               "orders give a standard error of $1.00?",
        reference=_orders_for_target_se,
        mistakes=(
            Mistake("linear-in-n", "The standard error falls like 1/√n, not 1/n: to divide it by "
                    "2.5 you need 2.5² times the orders.",
                    value=lambda: CURRENT_ORDERS * CURRENT_SE[0] / CURRENT_SE[1] / TARGET_SE),
            Mistake("root-of-factor", "Square the factor, don't take its root: n grows like "
                    "(SE_now / SE_target)².",
                    value=lambda: CURRENT_ORDERS * np.sqrt(CURRENT_SE[0] / CURRENT_SE[1]
                                                           / TARGET_SE)),
        ),
        hint="σ/√n = 2.50 at n = 400 tells you σ; solve σ/√m = 1.00 for m.",
    ),
    # in a course with variants, each student's sessions (see _clt_probability)
    variant(_clt_probability,
            mean_minutes=Parameter(3.0, 8.0, step=0.5),
            sd_minutes=Parameter(2.0, 6.0, step=0.5),
            n_sessions=Parameter(values=SESSION_COUNTS),
            threshold_minutes=Parameter(3.5, 12.0, step=0.25),
            where=_clt_well_posed),
    Exercise(
        id="w04-mom-vs-mle",
        kind="choice",
        prompt="In which model do the method of moments and maximum likelihood give different "
               "estimators?",
        reference=lambda: "d",
        choices={
            "a": "Bernoulli(p), estimating p",
            "b": "Poisson(λ), estimating λ",
            "c": "Exponential(λ), estimating the rate λ",
            "d": "Uniform(0, θ), estimating the upper end θ",
            "e": "Normal(μ, σ²), estimating μ and σ²",
        },
        explanations={
            "a": "Matching E[X] = p to x̄ gives p̂ = k/n, which is also the MLE.",
            "b": "Matching E[X] = λ to x̄ gives λ̂ = x̄, which is also the MLE.",
            "c": "Matching E[X] = 1/λ to x̄ gives λ̂ = 1/x̄, which is also the MLE.",
            "e": "Matching the first two moments gives x̄ and (1/n)Σ(xᵢ − x̄)² — exactly the "
                 "MLEs, bias included.",
        },
    ),
)
