"""Week 12, second mock (``notebooks/w12/w12-mock-b.ipynb``): a shorter timed round.

It mixes the pillars — optimization, statistical inference, model evaluation and product
sense — with instances that no earlier week poses: the logistic loss with labels ±1, the
bias of an exponential moving average, the stable step of a penalised least-squares loss,
the MLE of a Laplace scale, the delta method on a log, the log (Katz) interval of a
relative lift, the calibration of a model trained on undersampled negatives, precision
after a change of prevalence, the duration of an A/B test in days and a novelty effect.
``mlfund.exercises.w12`` appends these items to the week's catalogue, after the first
mock's; their ids start ``w12-b-``.
"""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises import _shared
from mlfund.exercises._spec import Derivation, Exercise, Mistake, Precision

# --- lazy access to the reference library --------------------------------------------------


def _opt():
    import mlfund.optimization as opt

    return opt


def _sigma():
    from mlfund.optimization import symbolic

    return symbolic.sigmoid


def _sp():
    import sympy

    return sympy


def _z(level: float = 0.95) -> float:
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2))


# --- the data of the numeric questions (the notebook states the same numbers) ------------

#: B3: eigenvalues of XᵀX/n and the L2 weight of J(w) = (1/n)‖Xw − y‖² + λ‖w‖².
GRAM_EIGENVALUES = (0.8, 6.0)
RIDGE_WEIGHT = 0.1

#: B6: orders / users, treatment first.
LIFT_TREATMENT = (690, 15_000)
LIFT_CONTROL = (600, 15_000)

#: B8: precision at the launch prevalence, and the prevalence now.
LAUNCH_PRECISION = 0.30
LAUNCH_PREVALENCE = 0.01
CURRENT_PREVALENCE = 0.0025

#: B9: baseline conversion, relative lift to detect, users a day entering the test.
DURATION_BASELINE = 0.08
DURATION_RELATIVE_LIFT = 0.05
DAILY_USERS = 12_000


# --- B3: the largest stable step of a penalised least-squares loss ------------------------


def _hessian(data_factor: float = 2.0, penalty_factor: float = 2.0,
             weight: float = RIDGE_WEIGHT) -> np.ndarray:
    # J(w) = (1/n)‖Xw − y‖² + λ‖w‖² has the constant Hessian (2/n)XᵀX + 2λI
    gram = np.diag(GRAM_EIGENVALUES)
    return data_factor * gram + penalty_factor * weight * np.eye(len(GRAM_EIGENVALUES))


def _stable_step(hessian: np.ndarray) -> float:
    return float(_opt().max_stable_learning_rate(hessian))


def _largest_eigenvalue(hessian: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(hessian).max())


# --- B6: the log (Katz) interval of a ratio of proportions --------------------------------


def _rates() -> tuple[float, float]:
    (x_t, n_t), (x_c, n_c) = LIFT_TREATMENT, LIFT_CONTROL
    return x_t / n_t, x_c / n_c


def _log_ratio_se(*, poisson: bool = False) -> float:
    (x_t, _), (x_c, _) = LIFT_TREATMENT, LIFT_CONTROL
    p_t, p_c = _rates()
    if poisson:   # the SE of a log rate ratio of two Poisson counts
        return math.sqrt(1 / x_t + 1 / x_c)
    return math.sqrt((1 - p_t) / x_t + (1 - p_c) / x_c)


def _lift_interval(*, poisson: bool = False, minus_one: bool = True,
                   exponentiate: bool = True) -> tuple[float, float]:
    p_t, p_c = _rates()
    centre = math.log(p_t / p_c)
    half = _z() * _log_ratio_se(poisson=poisson)
    ends = (centre - half, centre + half)
    if exponentiate:
        ends = (math.exp(ends[0]), math.exp(ends[1]))
    shift = 1.0 if minus_one and exponentiate else 0.0
    return ends[0] - shift, ends[1] - shift


def _lift_interval_difference_over_control() -> tuple[float, float]:
    # the unpooled Wald interval of p_t − p_c, divided by p_c as if p_c were known
    (_, n_t), (_, n_c) = LIFT_TREATMENT, LIFT_CONTROL
    p_t, p_c = _rates()
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return ((p_t - p_c - _z() * se) / p_c, (p_t - p_c + _z() * se) / p_c)


def _lift_interval_delta_on_ratio() -> tuple[float, float]:
    # the delta method on the ratio itself: a symmetric interval around p_t/p_c
    p_t, p_c = _rates()
    ratio = p_t / p_c
    half = _z() * ratio * _log_ratio_se()
    return ratio - half - 1, ratio + half - 1


# --- B8: precision at another prevalence ------------------------------------------------


def _odds(p: float) -> float:
    return p / (1 - p)


def _from_odds(odds: float) -> float:
    return odds / (1 + odds)


def _precision_at(prevalence: float, *, launch_precision: float = LAUNCH_PRECISION,
                  launch_prevalence: float = LAUNCH_PREVALENCE) -> float:
    """Bayes in odds: precision odds = prior odds × TPR/FPR, and TPR/FPR does not move."""
    likelihood_ratio = _odds(launch_precision) / _odds(launch_prevalence)
    return _from_odds(_odds(prevalence) * likelihood_ratio)


# --- B9: the duration of an A/B test in days ---------------------------------------------


def _target_conversion() -> float:
    return DURATION_BASELINE * (1 + DURATION_RELATIVE_LIFT)


def _days(users_per_arm: float, *, arms: int = 2, rounded: bool = True) -> float:
    days = arms * users_per_arm / DAILY_USERS
    return math.ceil(days) if rounded else days


def _shared_per_arm_mistake(note: str, p2: float) -> float:
    (found,) = [m for m in _shared.SAMPLE_SIZE_MISTAKES if m.note == note]
    return math.ceil(found.formula(DURATION_BASELINE, p2))


def _per_arm(p2: float | None = None) -> int:
    return _shared.sample_size_per_arm(DURATION_BASELINE,
                                       _target_conversion() if p2 is None else p2)


# --- the catalogue --------------------------------------------------------------------------

_SIGMA = {"sigma": _sigma}

EXERCISES = (
    # B1 — optimization (w01): the logistic loss with labels ±1, derived whole
    Exercise(
        id="w12-b-logistic-pm1-derivation",
        kind="derivation",
        points=2,
        prompt="Labels y in {−1, +1}, score h: derive d/dh log(1 + e^(−yh)) line by line, "
               "from diff(log(1 + exp(-y*h)), h), ending in terms of sigma(...), y and h.",
        reference=lambda y, h: -y * _sigma()(-y * h),
        symbols={"y": "real", "h": "real"},
        functions=_SIGMA,
        derivation=Derivation(
            start="diff(log(1 + exp(-y*h)), h)",
            chain=("diff(log(1 + exp(-y*h)), h)",
                   "-y*exp(-y*h)/(1 + exp(-y*h))",
                   "-y/(exp(y*h) + 1)",
                   "-y*sigma(-y*h)"),
            form=("y", "h", "sigma"),
            form_phrase="in terms of sigma(...), y and h, with no exp left",
            hints=("The chain rule twice: d/dh log(u) = u'/u, and d/dh e^(−yh) = −y e^(−yh).",
                   "Divide the numerator and the denominator by e^(−yh).",
                   "1/(1 + e^(yh)) is σ(−yh), since σ(a) = 1/(1 + e^(−a))."),
        ),
        mistakes=(
            Mistake("sign-flip", "The slope of the loss is negative where the margin yh is "
                    "small: d/dh e^(−yh) = −y e^(−yh) brings a minus sign, so the gradient is "
                    "−y σ(−yh).", form="y*sigma(-y*h)"),
            Mistake("argument-sign", "σ(yh) is the probability the model gives the right "
                    "label, which is large when the example is already right; the gradient "
                    "weighs examples by σ(−yh), the probability of the wrong label.",
                    form="-y*sigma(y*h)"),
            Mistake("zero-one-labels", "σ(h) − y is the gradient for labels in {0, 1}. With "
                    "y = −1 for the negative class it gives σ(h) + 1 instead of σ(h); with "
                    "±1 labels the gradient is −y σ(−yh).", form="sigma(h) - y"),
            Mistake("log-derivative-lost", "The derivative of log(u) is u'/u: the factor "
                    "1/(1 + e^(−yh)) is missing.", form="-y*exp(-y*h)"),
            Mistake("inner-derivative-lost", "The chain rule's inner factor is missing: "
                    "d/dh (−yh) = −y multiplies the whole fraction.",
                    form="exp(-y*h)/(1 + exp(-y*h))"),
        ),
    ),
    # B2 — optimization (w03): why Adam divides by 1 − β^t
    Exercise(
        id="w12-b-ema-bias",
        kind="expression",
        prompt="m_t after t steps of m ← βm + (1 − β)g from m_0 = 0, under a constant "
               "gradient g.",
        reference=lambda g, beta, t: g * (1 - beta**t),
        symbols={"g": "real", "beta": "probability", "t": "positive_integer"},
        mistakes=(
            Mistake("no-bias", "The average starts at m_0 = 0, so it has not reached g after t "
                    "steps: the start still carries the weight β^t. That shortfall is what "
                    "Adam's bias correction divides out.", form="g"),
            Mistake("start-weight", "β^t is the weight left on the start m_0 = 0; the "
                    "gradients carry the rest, 1 − β^t.", form="g*beta**t"),
            Mistake("no-dampening", "That is the sum for v ← βv + g, without the factor "
                    "(1 − β); here each new gradient enters with weight 1 − β, which cancels "
                    "the 1/(1 − β) of the geometric series.",
                    form="g*(1 - beta**t)/(1 - beta)"),
            Mistake("off-by-one", "Count the steps: after one step m_1 = (1 − β)g, so the "
                    "power of β is t, not t + 1 or t − 1.", form="g*(1 - beta**(t + 1))"),
            Mistake("off-by-one-below", "Count the steps: after one step m_1 = (1 − β)g, so "
                    "the power of β is t, not t − 1.", form="g*(1 - beta**(t - 1))"),
        ),
        hint="unroll: m_t = (1 − β)g(1 + β + … + β^(t−1)), a geometric sum.",
    ),
    # B3 — optimization (w02): the stability limit of GD on a penalised squared loss
    Exercise(
        id="w12-b-stable-step",
        kind="number",
        precision=Precision(decimals=4),
        prompt="Largest step size for which GD on J(w) = (1/n)‖Xw − y‖² + λ‖w‖² converges "
               "from every start, when XᵀX/n has eigenvalues 0.8 and 6 and λ = 0.1.",
        reference=lambda: _stable_step(_hessian()),
        rtol=1e-4,
        mistakes=(
            Mistake("data-factor-2", "The squared loss (1/n)‖Xw − y‖² has the Hessian "
                    "(2/n)XᵀX: its gradient is (2/n)Xᵀ(Xw − y), so the eigenvalues double.",
                    value=lambda: _stable_step(_hessian(data_factor=1.0))),
            Mistake("penalty-forgotten", "The penalty λ‖w‖² adds 2λ to every eigenvalue of "
                    "the Hessian, the largest included.",
                    value=lambda: _stable_step(_hessian(penalty_factor=0.0))),
            Mistake("penalty-factor-2", "d²/dw² λw² = 2λ, not λ: the penalty adds 2λ to "
                    "each eigenvalue.",
                    value=lambda: _stable_step(_hessian(penalty_factor=1.0))),
            Mistake("safe-step", "1/L is a safe step, not the limit: GD converges for every "
                    "η < 2/L, where L is the Hessian's largest eigenvalue.",
                    value=lambda: 1 / _largest_eigenvalue(_hessian())),
            Mistake("best-step", "2/(λ_min + λ_max) is the best fixed step, the one that "
                    "converges fastest; the question asks for the limit beyond which GD "
                    "diverges, 2/λ_max.",
                    value=lambda: float(_opt().optimal_learning_rate(_hessian()))),
            Mistake("smallest-eigenvalue", "The steepest direction limits the step: use the "
                    "largest eigenvalue of the Hessian, not the smallest.",
                    value=lambda: 2 / float(np.linalg.eigvalsh(_hessian()).min())),
        ),
        hint="the Hessian of J is (2/n)XᵀX + 2λI; GD converges iff η < 2/λ_max(Hessian).",
    ),
    # B4 — inference (w04): the MLE of a Laplace scale, derived whole
    Exercise(
        id="w12-b-laplace-scale-derivation",
        kind="derivation",
        points=2,
        prompt="Laplace(m, b) with m known, D = Σ|x_i − m| over n values: derive the MLE of "
               "b from diff(-n*log(2*b) - D/b, b) = 0, solving for b line by line.",
        reference=lambda D, n: D / n,
        symbols={"b": "positive", "D": "positive", "n": "positive"},
        derivation=Derivation(
            start="diff(-n*log(2*b) - D/b, b) = 0",
            chain=("diff(-n*log(2*b) - D/b, b) = 0",
                   "-n/b + D/b**2 = 0",
                   "-n*b + D = 0",
                   "b = D/n"),
            form=("D", "n"),
            form_phrase="solved for b, in D and n",
            unknown="b",
            hints=("d/db log(2b) = 1/b (the 2 is a constant factor inside the log), and "
                   "d/db (−D/b) = D/b².",
                   "Multiply by b², which is positive: −nb + D = 0."),
        ),
        mistakes=(
            Mistake("log-constant", "log(2b) = log 2 + log b, so its derivative is 1/b: the "
                    "2 inside the log does not come out as a factor.",
                    form="-2*n/b + D/b**2 = 0"),
            Mistake("reciprocal-sign", "d/db (−D/b) = +D/b²: the derivative of 1/b is −1/b², "
                    "and the two minus signs cancel.", form="-n/b - D/b**2 = 0"),
            Mistake("inverted", "Upside down: b is a scale, in the units of x, and grows "
                    "with the deviations; a count over a total of deviations is a rate.",
                    form="b = n/D"),
            Mistake("unbiased-correction", "No n − 1: the MLE sets the score to zero, with no "
                    "correction (and the location m is known here, so no degree of freedom "
                    "is spent on it).", form="b = D/(n - 1)"),
            Mistake("gaussian-analogy", "A square root belongs to the Gaussian σ̂ from "
                    "squared deviations; the Laplace density uses |x − m| itself, so the MLE "
                    "of b is linear in D.", form="b = sqrt(D/n)"),
        ),
    ),
    # B5 — inference (w04, w06): the delta method on a log
    Exercise(
        id="w12-b-log-rate-se",
        kind="expression",
        prompt="Delta-method standard error of log ĉ, ĉ the conversion rate of m independent "
               "users with true rate c.",
        reference=lambda c, m: _sp().sqrt((1 - c) / (m * c)),
        symbols={"c": "probability", "m": "positive"},
        mistakes=(
            Mistake("derivative-forgotten", "That is the standard error of ĉ itself; the "
                    "delta method multiplies it by |d log c/dc| = 1/c.",
                    form="sqrt(c*(1 - c)/m)"),
            Mistake("variance-not-se", "That is the variance (1/c)² · c(1 − c)/m; the "
                    "standard error is its square root.", form="(1 - c)/(m*c)", credit=0.5),
            Mistake("derivative-not-squared", "The variance picks up the square of the "
                    "derivative, (1/c)²; multiplying the variance by 1/c leaves a c too "
                    "many.", form="sqrt((1 - c)/m)"),
            Mistake("times-c", "d log c/dc = 1/c: divide by c, do not multiply.",
                    form="c*sqrt(c*(1 - c)/m)"),
            Mistake("poisson", "1/√(mc) is the Poisson answer (variance equal to the mean); a "
                    "binomial rate has the extra factor 1 − c.", form="1/sqrt(m*c)"),
        ),
        hint="Var(g(ĉ)) ≈ g'(c)² Var(ĉ) with g = log and Var(ĉ) = c(1 − c)/m.",
    ),
    # B6 — inference and product sense (w05, w06): the interval of a relative lift
    Exercise(
        id="w12-b-relative-lift-interval",
        kind="interval",
        precision=Precision(decimals=3),
        prompt="95 % log (Katz) interval of the relative lift p_t/p_c − 1 from 690/15,000 "
               "treatment and 600/15,000 control conversions, each end to 3 decimals.",
        reference=_lift_interval,
        rtol=1e-3,
        mistakes=(
            Mistake("ratio-not-lift", "That is the interval of the ratio p_t/p_c; the "
                    "relative lift is the ratio minus 1.",
                    value=lambda: _lift_interval(minus_one=False), credit=0.5),
            Mistake("log-not-exponentiated", "Those are the ends of the interval of "
                    "log(p_t/p_c): exponentiate them, then subtract 1.",
                    value=lambda: _lift_interval(exponentiate=False)),
            Mistake("difference-over-control", "That is the Wald interval of p_t − p_c "
                    "divided by p̂_c, which treats p̂_c as known; the log interval takes the "
                    "noise of both rates into account, on the log scale.",
                    value=_lift_interval_difference_over_control),
            Mistake("delta-on-ratio", "That is a symmetric interval around the ratio (the "
                    "delta method on p_t/p_c itself). The log interval is symmetric on the "
                    "log scale, so it is skewed upwards once exponentiated.",
                    value=_lift_interval_delta_on_ratio),
            Mistake("poisson-se", "√(1/x_t + 1/x_c) is the SE of a log ratio of Poisson "
                    "counts (events per exposure); for proportions each term loses 1/n: "
                    "√((1 − p_t)/x_t + (1 − p_c)/x_c).",
                    value=lambda: _lift_interval(poisson=True)),
        ),
        hint="log(p̂_t/p̂_c) ± 1.96 √((1 − p̂_t)/x_t + (1 − p̂_c)/x_c), exponentiate the two "
             "ends, subtract 1.",
    ),
    # B7 — evaluation (w09): the calibration of a model trained on undersampled negatives
    Exercise(
        id="w12-b-undersampling-correction",
        kind="expression",
        prompt="A classifier calibrated on training data that kept each negative with "
               "probability phi (every positive kept) outputs p_s: the probability on the "
               "full population.",
        reference=lambda p_s, phi: phi * p_s / (phi * p_s + 1 - p_s),
        symbols={"p_s": "probability", "phi": "probability"},
        mistakes=(
            Mistake("no-correction", "Undersampling the negatives raises every predicted "
                    "probability: p_s is calibrated for the sample, where negatives are "
                    "rarer than in the population.", form="p_s"),
            Mistake("probability-scaled", "Multiplying the probability by phi is close only "
                    "when p_s is small; it is the odds that scale: odds = phi · odds_s.",
                    form="phi*p_s"),
            Mistake("wrong-direction", "That corrects in the wrong direction (it divides the "
                    "odds by phi, as for undersampled positives). The sample has fewer "
                    "negatives, so its odds are too high: multiply them by phi.",
                    form="p_s/(p_s + phi*(1 - p_s))"),
            Mistake("probability-divided", "Dividing by phi can even exceed 1; it is the odds "
                    "that change, by the factor phi.", form="p_s/phi"),
        ),
        hint="in odds: the sample's odds are the population's divided by phi.",
    ),
    # B8 — evaluation (w08): the same model at another prevalence
    Exercise(
        id="w12-b-precision-at-new-prevalence",
        kind="number",
        precision=Precision(decimals=3),
        prompt="Precision 0.30 at 1 % prevalence; same TPR and FPR (only the prevalence "
               "changes), prevalence now 0.25 %: the precision now, to 3 decimals.",
        reference=lambda: _precision_at(CURRENT_PREVALENCE),
        rtol=1e-3,
        mistakes=(
            Mistake("unchanged", "Precision depends on the prevalence: with TPR and FPR "
                    "fixed, fewer positives means a larger share of false positives among "
                    "the flags.", value=lambda: LAUNCH_PRECISION),
            Mistake("linear-in-prevalence", "Scaling precision by the ratio of prevalences "
                    "is right only for rare flags among many false positives; it is the odds "
                    "that scale: odds(precision) = odds(prevalence) × TPR/FPR.",
                    value=lambda: LAUNCH_PRECISION * CURRENT_PREVALENCE / LAUNCH_PREVALENCE),
            Mistake("odds-not-probability", "That is the odds of the new precision; turn it "
                    "back into a probability, odds/(1 + odds).",
                    value=lambda: _odds(_precision_at(CURRENT_PREVALENCE))),
            Mistake("inverted-shift", "The prevalence fell, so precision must fall too: the "
                    "prior odds are multiplied by odds(0.25 %)/odds(1 %), not by its inverse.",
                    value=lambda: _from_odds(_odds(LAUNCH_PRECISION) * _odds(LAUNCH_PREVALENCE)
                                             / _odds(CURRENT_PREVALENCE))),
        ),
        hint="odds(precision) = odds(prevalence) × TPR/FPR; find TPR/FPR at launch, then "
             "apply it at the new prevalence.",
    ),
    # B9 — product sense (w06): how long an A/B test runs (one model with w06's sample size)
    Exercise(
        id="w12-b-test-duration-days",
        kind="number",
        precision=Precision(whole=True),
        prompt="Days to run a 50/50 test detecting a 5 % relative lift on 8 % conversion, "
               "two-sided α = 0.05, power 0.8, with 12,000 users a day entering; whole days, "
               "rounded up.",
        reference=lambda: _days(_per_arm()),
        rtol=_shared.SAMPLE_SIZE_RTOL,
        mistakes=(
            Mistake("one-arm", "The formula gives the users per arm; the 12,000 daily users "
                    "are split between two arms, so each arm fills at 6,000 a day.",
                    value=lambda: _days(_per_arm(), arms=1)),
            Mistake("n-total-doubled", "The sample size per arm times two arms is already the "
                    "total; doubling it again counts every user twice.",
                    value=lambda: _days(2 * _per_arm())),
            Mistake("relative-as-absolute", "A 5 % relative lift on 8 % is 8.4 %, a "
                    "difference of 0.4 points, not 5 points.",
                    value=lambda: _days(_per_arm(DURATION_BASELINE
                                                  + DURATION_RELATIVE_LIFT))),
            Mistake("not-rounded-up", "A test runs whole days, and stopping early loses "
                    "power: round up.", value=lambda: math.floor(_days(_per_arm(),
                                                                        rounded=False))),
            Mistake("one-sided-alpha", "That uses z = 1.645, a one-sided test; a two-sided "
                    "test at α = 0.05 uses 1.96.",
                    value=lambda: _days(_shared_per_arm_mistake("one-sided-alpha",
                                                                _target_conversion()))),
        ),
        hint="users per arm from the two-proportion formula with p₂ = 8 % × 1.05, times two "
             "arms, divided by the daily users, rounded up.",
    ),
    # B10 — product sense (w06, w11): a lift that fades
    Exercise(
        id="w12-b-novelty-effect",
        kind="choice",
        prompt="A new recommendations widget: clicks per user +6 % in week 1, +3.5 % in week "
               "2, +2 % in week 3, every week significant. What do you report?",
        reference=lambda: "c",
        choices={
            "a": "+3.8 %, the average of the three weeks: the most data.",
            "b": "+6 %: the first week is the cleanest measurement, before anything else "
                 "changed.",
            "c": "A novelty effect: the lift is fading, so the long-run effect is likely below "
                 "+2 % and still unknown; keep measuring (a long-running holdout, or the lift by "
                 "week since first exposure) before quoting a number.",
            "d": "Nothing: a lift that changes from week to week means the test is invalid "
                 "and must be rerun.",
        },
        explanations={
            "a": "The average of a declining series describes no week to come: it overstates "
                 "the long-run effect, which is what a launch decision and a forecast need.",
            "b": "Week 1 is the most inflated by curiosity about the new widget; it is the "
                 "worst estimate of the lasting effect.",
            "d": "Effects that change over time are common (novelty, and its opposite, "
                 "primacy) and the test is not broken; the question is where the effect "
                 "settles, which more time or a holdout answers.",
        },
    ),
)
