"""Week 12 — mock review: two timed final rounds that revisit weeks 1 to 11 in new variants.

Each item is the variant of an earlier week's exercise with other numbers and symbols (the
week it revisits is in the comment above it). References come from the library, as in every
week; none depends on another week's exercise module.
"""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises import _shared, _w12_mock_b
from mlfund.exercises._spec import Exercise, Mistake, Parameter, Precision, variant

# --- lazy access to the reference library --------------------------------------------------


def _opt_sym():
    from mlfund.optimization import symbolic

    return symbolic


def _inf_sym():
    from mlfund.inference import symbolic

    return symbolic


def _eval_sym():
    from mlfund.evaluation import symbolic

    return symbolic


def _opt():
    import mlfund.optimization as opt

    return opt


def _inf():
    import mlfund.inference as inf

    return inf


def _ev():
    import mlfund.evaluation as ev

    return ev


def _simplify(expr):
    import sympy

    return sympy.simplify(expr)


def _sqrt(expr):
    import sympy

    return sympy.sqrt(expr)


def _sigma():
    return _opt_sym().sigmoid


# --- the data of the numeric questions (shared with the notebook's wording) ---------------

#: Q2b: the Hessian's extreme eigenvalues and the error reduction asked for.
GD_EIGENVALUES = (2.0, 38.0)
GD_TOLERANCE = 1e-4

#: Q5: zero incidents in this many canary deploys.
CANARY_DEPLOYS = 60

#: Q6: baseline and target conversion; two-sided alpha 0.05, power 0.8.
BASELINE_CONVERSION = 0.04
TARGET_CONVERSION = 0.05

#: Q10: the five fold scores (ROC-AUC) of a 5-fold cross-validation.
FOLD_SCORES = (0.812, 0.845, 0.798, 0.861, 0.829)

#: Q11: the A/B test (treatment first) and the business figures.
AB_TREATMENT = (1260, 30_000)
AB_CONTROL = (1140, 30_000)
MONTHLY_VISITORS = 2_000_000
ORDER_VALUE = 40.0
_REVENUE_NUMBERS = {"x_t": AB_TREATMENT[0], "n_t": AB_TREATMENT[1], "x_c": AB_CONTROL[0],
                    "n_c": AB_CONTROL[1], "monthly": MONTHLY_VISITORS,
                    "order_value": ORDER_VALUE}


# --- Q2: gradient descent on a quadratic (week 2) ------------------------------------------


def _gd_rate(eigenvalues: tuple[float, float] = GD_EIGENVALUES) -> float:
    opt = _opt()
    return opt.convergence_rate(opt.condition_number(np.diag(np.asarray(eigenvalues, float))))


def _gd_iterations(rate: float) -> int:
    return _opt().iterations_to_tolerance(rate, tolerance=GD_TOLERANCE)


def _gd_iterations_unrounded(eigenvalues: tuple[float, float] = GD_EIGENVALUES) -> float:
    return math.log(GD_TOLERANCE) / math.log(_gd_rate(eigenvalues))


def _gd_rate_step_one_over_l(eigenvalues: tuple[float, float] = GD_EIGENVALUES) -> float:
    # with η = 1/λ_max the flat direction contracts by 1 − λ_min/λ_max = 1 − 1/κ
    lo, hi = eigenvalues
    return 1 - lo / hi


def _gd_iterations_item(lam_min: int = round(GD_EIGENVALUES[0]),
                        lam_max: int = round(GD_EIGENVALUES[1])) -> Exercise:
    """Q2b with the Hessian's extreme eigenvalues ``lam_min`` and ``lam_max``."""
    eigenvalues = (float(lam_min), float(lam_max))
    return Exercise(
        id="w12-gd-iterations",
        kind="number",
        precision=Precision(whole=True),
        prompt="Iterations of GD at the best fixed step to shrink the error 10⁴-fold when the "
               f"Hessian's eigenvalues run from {lam_min} to {lam_max}.",
        reference=lambda: _gd_iterations(_gd_rate(eigenvalues)),
        rtol=1e-3,
        mistakes=(
            Mistake("not-rounded-up", "Iterations are whole steps: round log ε / log ρ up, not "
                    "down — after the lower count the error is still above 10⁻⁴.",
                    value=lambda: math.floor(_gd_iterations_unrounded(eigenvalues))),
            Mistake("unrounded", "Right computation; now say it in whole iterations (round up).",
                    value=lambda: _gd_iterations_unrounded(eigenvalues)),
            Mistake("step-one-over-l", "That count uses the rate 1 − 1/κ of the step 1/λ_max; "
                    "at the best step 2/(λ_min + λ_max) the rate is (κ − 1)/(κ + 1).",
                    value=lambda: _gd_iterations(_gd_rate_step_one_over_l(eigenvalues))),
            Mistake("function-gap-rate", "You used ρ², the rate of f(x_k) − f*; the error here "
                    "is the distance to the minimiser, which shrinks by ρ per step.",
                    value=lambda: _gd_iterations(_gd_rate(eigenvalues) ** 2)),
        ),
    )


def _gd_iterations_is_posed(lam_min: int, lam_max: int) -> bool:
    """A condition number of 8 to 40, as hard as the workbook's 19 (37 to 185 iterations),
    and log ε / log ρ at least 0.05 above a whole number and 0.25 below the next: rounding
    up is then a step of its own, and the unrounded count is not taken for the answer."""
    if not 0 < lam_min < lam_max:
        return False
    kappa = lam_max / lam_min
    if not 8 <= kappa <= 40:
        return False
    unrounded = _gd_iterations_unrounded((float(lam_min), float(lam_max)))
    return 0.05 <= unrounded - math.floor(unrounded) <= 0.75


# --- Q5: Wilson interval at zero successes (week 5) ----------------------------------------


def _canary_ci(method: str):
    return _inf().proportion_ci(0, CANARY_DEPLOYS, method=method)


# --- Q8: ROC-AUC by pairs (week 8) ----------------------------------------------------------


def _auc_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1201)
    probes = []
    for n, prevalence in [(8, 0.5), (25, 0.3), (60, 0.1)]:
        y = np.zeros(n, dtype=int)
        y[: max(1, round(n * prevalence))] = 1
        y = rng.permutation(y)
        # rounded scores, so that ties between a positive and a negative occur
        s = np.round(0.3 * y + rng.uniform(size=n) * 0.8, 1)
        probes.append((y, s))
    probes.append((np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])))   # all tied
    probes.append((np.array([1, 0, 0]), np.array([0.9, 0.2, 0.4])))           # separable
    return probes


def _pairwise(y_true, y_score, win_tie: float, flip: bool = False) -> float:
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(y_score, dtype=float)
    pos, neg = (s[~y], s[y]) if flip else (s[y], s[~y])
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + win_tie * (diff == 0)).mean())


# --- Q10: the cross-validation standard error (week 10) ------------------------------------


def _cv(ddof: int = 1):
    return _ev().cross_validation_estimate(np.array(FOLD_SCORES), ddof=ddof)


# --- the catalogue --------------------------------------------------------------------------

_SIGMA = {"sigma": _sigma}

#: The items of the first mock, ``notebooks/w12/w12-mock-review.ipynb``.
MOCK_REVIEW = (
    # Q1 — week 1: the logistic-loss gradient, now with an L2 penalty and new symbols
    Exercise(
        id="w12-penalised-logistic-gradient",
        kind="expression",
        prompt="d/dθ of bce(σ(θu), t) + μθ² for one example with feature u and label t.",
        reference=lambda theta, u, t, mu: (
            _opt_sym().logistic_loss_gradient(theta, u, t)
            + _opt_sym().l2_penalty_gradient(theta, mu)),
        symbols={"theta": "real", "u": "real", "t": "probability", "mu": "positive"},
        functions=_SIGMA,
        mistakes=(
            Mistake("sign-flip", "Sign error in the data term: t − σ(θu) is the slope of the "
                    "log-likelihood; the loss goes the other way.",
                    form="(t - sigma(theta*u))*u + 2*mu*theta"),
            Mistake("missing-2", "The data term is right, but d/dθ μθ² = 2μθ: the 2 is only "
                    "absorbed when the penalty is written (μ/2)θ².",
                    form="(sigma(theta*u) - t)*u + mu*theta", credit=0.5),
            Mistake("missing-u", "The chain rule has a third factor: dz/dθ = u for z = θu, so "
                    "the residual is multiplied by the feature.",
                    form="(sigma(theta*u) - t) + 2*mu*theta"),
            Mistake("penalty-sign", "The penalty is added to the loss, so its gradient 2μθ is "
                    "added too: it pulls θ towards 0.",
                    form="(sigma(theta*u) - t)*u - 2*mu*theta"),
            Mistake("extra-sigma-prime", "σ(1 − σ) is already used up: dL/dp · dp/dz "
                    "simplifies to σ(z) − t, so there is no extra σ' factor.",
                    form="sigma(theta*u)*(1 - sigma(theta*u))*(sigma(theta*u) - t)*u"
                         " + 2*mu*theta"),
        ),
        hint="differentiate the two terms separately; for the first, dL/dz = σ(z) − t and "
             "z = θu.",
    ),
    # Q2a — week 2: the rate of GD at the best fixed step, in the eigenvalues
    Exercise(
        id="w12-gd-rate",
        kind="expression",
        prompt="Contraction factor per step of GD with the best fixed step on a quadratic "
               "with Hessian eigenvalues m (smallest) and L (largest).",
        reference=lambda m, L: _simplify(
            _opt_sym().convergence_rate(_opt_sym().condition_number(m, L))),
        symbols={"m": "positive", "L": "positive"},
        constraints=("m < L",),   # the smallest and the largest eigenvalue
        mistakes=(
            Mistake("step-one-over-l", "That is the factor with the safe step η = 1/L. The best "
                    "fixed step 2/(m + L) makes the flattest and the steepest directions "
                    "contract equally, which is faster.",
                    form="1 - m/L"),
            Mistake("momentum-rate", "(√L − √m)/(√L + √m) is the rate of heavy-ball momentum "
                    "or conjugate gradients (√κ); plain GD only gets κ.",
                    form="(sqrt(L) - sqrt(m))/(sqrt(L) + sqrt(m))"),
            Mistake("inverted", "A contraction factor must be below 1: check which of the "
                    "numerator and the denominator is the larger.",
                    form="(L + m)/(L - m)"),
            Mistake("function-gap-rate", "Squared, this is the rate of f(x_k) − f*; the question "
                    "asks for the distance ‖x_k − x*‖, which contracts by the factor itself.",
                    form="((L - m)/(L + m))**2"),
        ),
        hint="with step η each eigen-direction is multiplied by 1 − ηλ; put η = 2/(m + L) and "
             "look at λ = m.",
    ),
    # Q2b — week 2: iterations from the rate; in a course with variants each student has
    # eigenvalues of their own (1 to 8 and 15 to 120, a condition number of 8 to 40)
    variant(_gd_iterations_item, lam_min=Parameter(1, 8), lam_max=Parameter(15, 120),
            where=_gd_iterations_is_posed),
    # Q3 — week 3: weight decay, with the penalty written without the ½
    Exercise(
        id="w12-weight-decay-step",
        kind="expression",
        prompt="One SGD step of size α on L(θ) + μθ², with g = dL/dθ.",
        reference=lambda theta, g, alpha, mu: _opt_sym().weight_decay_update(
            theta, g, alpha, 2 * mu),
        symbols={"theta": "real", "g": "real", "alpha": "positive", "mu": "positive"},
        mistakes=(
            Mistake("half-convention", "That is the step for (μ/2)θ², the usual weight-decay "
                    "convention. Here the penalty is μθ², whose gradient is 2μθ.",
                    form="(1 - alpha*mu)*theta - alpha*g", credit=0.5),
            Mistake("decay-without-step", "The penalty's gradient is scaled by the step size "
                    "like any other gradient term: the decay factor depends on α.",
                    form="(1 - 2*mu)*theta - alpha*g"),
            Mistake("decay-sign", "The decay shrinks θ: the factor in front of θ is below 1.",
                    form="(1 + 2*alpha*mu)*theta - alpha*g"),
            Mistake("ascent", "Descent subtracts the gradient of the loss: the sign of the "
                    "α g term is wrong.",
                    form="(1 - 2*alpha*mu)*theta + alpha*g"),
            Mistake("full-ascent", "That step climbs the whole objective, θ + α(g + 2μθ): "
                    "descent subtracts the gradient, of the loss and of the penalty alike.",
                    form="theta + alpha*(g + 2*mu*theta)"),
        ),
        hint="θ − α · d/dθ[L(θ) + μθ²], then collect the θ terms.",
    ),
    # Q4 — week 4: MLE and its standard error, for the exponential rate
    Exercise(
        id="w12-exponential-rate-se",
        kind="expression",
        prompt="Asymptotic standard error of the MLE λ̂ = n/Σx of an exponential rate λ, "
               "from the Fisher information.",
        reference=lambda lam, n: 1 / _sqrt(n * _inf_sym().exponential_fisher_information(lam)),
        symbols={"lam": "positive", "n": "positive"},
        mistakes=(
            Mistake("variance-not-se", "That is the variance 1/(n I(λ)); the standard error is "
                    "its square root.", form="lam**2/n", credit=0.5),
            Mistake("fisher-not-inverted", "That is √(n I(λ)), which grows with n; the "
                    "standard error is its reciprocal.", form="sqrt(n)/lam"),
            Mistake("poisson-fisher", "λ/n under a square root is the Poisson answer (I = 1/λ). "
                    "For the exponential, −d²/dλ² log(λe^(−λx)) = 1/λ².",
                    form="sqrt(lam/n)"),
            Mistake("one-observation", "That is the standard error from one observation; n "
                    "independent ones add their information, n I(λ).", form="lam"),
            Mistake("se-of-mean", "1/(λ√n) is the standard error of x̄, the mean waiting time; "
                    "the question is about the rate λ̂ = 1/x̄.",
                    form="1/(lam*sqrt(n))"),
        ),
        hint="I(λ) = −E[d²/dλ² log f(x; λ)] for f = λe^(−λx); then SE = 1/√(n I(λ)).",
    ),
    # Q5 — week 5: the Wilson interval where Wald breaks
    Exercise(
        id="w12-wilson-zero-successes",
        kind="interval",
        precision=Precision(decimals=4),
        prompt="95 % Wilson interval for the incident rate after 0 incidents in 60 canary "
               "deploys.",
        reference=lambda: _canary_ci("wilson"),
        rtol=1e-3,
        atol=1e-4,
        mistakes=(
            Mistake("wald", "That is the Wald interval: with p̂ = 0 its standard error is 0 and "
                    "it collapses to a point — exactly the failure the Wilson interval fixes.",
                    value=lambda: _canary_ci("wald")),
            Mistake("rule-of-three", "3/n is the quick 'rule of three' upper bound, a good "
                    "sanity check; the question asks for the Wilson score interval.",
                    value=lambda: (0.0, 3 / CANARY_DEPLOYS)),
            Mistake("clopper-pearson", "That is the Clopper–Pearson (exact) interval, from beta "
                    "quantiles; the Wilson interval inverts the score test instead.",
                    value=lambda: _canary_ci("clopper_pearson")),
            Mistake("agresti-coull", "That is Agresti–Coull: Wald around the Wilson centre. "
                    "Wilson's own half-width is z/(n + z²) · √(k(n − k)/n + z²/4).",
                    value=lambda: _canary_ci("agresti_coull")),
        ),
        hint="centre (k + z²/2)/(n + z²), half-width z/(n + z²) · √(k(n − k)/n + z²/4), "
             "with k = 0.",
    ),
    # Q6 — week 6: sample size per arm (one model, tolerance and set of mistakes with w06)
    Exercise(
        id="w12-sample-size-per-arm",
        kind="number",
        prompt="Users per arm to detect 4 % → 5 % conversion, two-sided α = 0.05, power 0.8; "
               "a whole number, rounded up.",
        reference=lambda: _shared.sample_size_per_arm(BASELINE_CONVERSION, TARGET_CONVERSION),
        rtol=_shared.SAMPLE_SIZE_RTOL,
        precision=Precision(whole=True),
        mistakes=tuple(m.as_value(p1=BASELINE_CONVERSION, p2=TARGET_CONVERSION)
                       for m in _shared.SAMPLE_SIZE_MISTAKES),
        hint="n = (z₀.₉₇₅ √(2p̄q̄) + z₀.₈ √(p₁q₁ + p₂q₂))² / (p₁ − p₂)², rounded up.",
    ),
    # Q7a — week 7: ridge shrinkage along a singular direction
    Exercise(
        id="w12-ridge-shrinkage",
        kind="expression",
        prompt="The factor by which ridge (penalty γ) multiplies the least-squares coefficient "
               "along a right singular vector of X with singular value s.",
        reference=lambda s, gamma: _inf_sym().ridge_shrinkage_factor(s, gamma),
        symbols={"s": "positive", "gamma": "positive"},
        mistakes=(
            Mistake("no-squares", "XᵀX has eigenvalues s², not s: the singular value enters "
                    "squared.", form="s/(s + gamma)"),
            Mistake("amount-removed", "That is the fraction removed; the question asks for the "
                    "fraction kept (it tends to 1 when γ → 0).", form="gamma/(s**2 + gamma)"),
            Mistake("coefficient-not-factor", "s/(s² + γ) multiplies u_jᵀy in the ridge "
                    "solution; least squares multiplies it by 1/s. The shrinkage factor is the "
                    "ratio of the two.", form="s/(s**2 + gamma)"),
            Mistake("orthonormal-only", "1/(1 + γ) holds only when every singular value is 1 "
                    "(orthonormal columns); keep s in the answer.", form="1/(1 + gamma)"),
        ),
        hint="write X = U S Vᵀ; ridge solves (XᵀX + γI)w = Xᵀy, and XᵀX = V S² Vᵀ.",
    ),
    # Q7b — week 7: reading learning curves
    Exercise(
        id="w12-learning-curve-diagnosis",
        kind="choice",
        prompt="Diagnose the learning curves in the figure and pick the next step.",
        reference=lambda: "b",
        choices={
            "a": "High bias: add features or use a more flexible model.",
            "b": "High variance: get more data or regularise more (or simplify the model).",
            "c": "Both errors are at the noise floor: nothing will help.",
            "d": "The low training error proves leakage between train and validation.",
        },
        explanations={
            "a": "High bias shows as both curves flat and close together at a high error. Here "
                 "the training error is far below the validation error: the model fits noise, "
                 "and more flexibility would widen the gap.",
            "c": "At the noise floor both curves would meet at σ². Here the validation error "
                 "is still well above the training error and still falling as n grows.",
            "d": "A flexible model has a low training error without any leakage; leakage shows "
                 "as a validation (or test) error that is too good, not a training error.",
        },
    ),
    # Q8 — week 8: ROC-AUC from pairs, ties counted one half
    Exercise(
        id="w12-roc-auc-pairs",
        kind="function",
        prompt="Implement ROC-AUC = P(s₊ > s₋) + ½ P(s₊ = s₋) without scikit-learn.",
        reference=lambda: _ev().roc_auc_score,
        points=2.0,
        probes=_auc_probes,
        mistakes=(
            Mistake("ties-as-losses", "Ties count one half: with strict '>' only, tied pairs "
                    "are scored as losses and a constant score gets AUC 0 instead of 0.5.",
                    value=lambda y, s: _pairwise(y, s, 0.0)),
            Mistake("ties-as-wins", "Ties count one half: with '>=' tied pairs are scored as "
                    "wins and a constant score gets AUC 1 instead of 0.5.",
                    value=lambda y, s: _pairwise(y, s, 1.0)),
            Mistake("flipped", "You computed 1 − AUC: the pairs where the negative outscores "
                    "the positive. Compare positive − negative.",
                    value=lambda y, s: _pairwise(y, s, 0.5, flip=True)),
        ),
        forbidden_imports=("sklearn", "statsmodels"),
        hint="split the scores into positives and negatives, compare every pair with "
             "broadcasting, count a win 1 and a tie ½, and average.",
    ),
    # Q9 — week 9: the cost-optimal threshold when acting costs even on true positives
    Exercise(
        id="w12-review-threshold",
        kind="expression",
        prompt="Probability above which to review a transaction: a review costs r (fraud or "
               "not) and stops the fraud; a missed fraud costs v.",
        reference=_shared.review_threshold,
        symbols={"r": (0.5, 5.0), "v": (10.0, 500.0)},
        mistakes=tuple(m.as_form() for m in _shared.REVIEW_THRESHOLD_MISTAKES),
        hint="review when the review's cost is below the expected loss of not reviewing.",
    ),
    # Q10a — week 10: the standard error of a k-fold estimate (one model and set of
    # mistakes with w10's exercise 1.1, and np.std's default on top)
    Exercise(
        id="w12-cv-standard-error",
        kind="number",
        precision=Precision(decimals=4),
        prompt="Standard error s/√k of the 5-fold CV estimate from the fold scores.",
        reference=lambda: _cv().standard_error,
        rtol=1e-3,
        mistakes=(
            Mistake("ddof-0", "np.std divides by k by default; the sample standard deviation "
                    "divides by k − 1 (ddof=1).", value=lambda: _cv(ddof=0).standard_error,
                    credit=0.5),
            *(m.as_value(s=lambda: _cv().std, k=len(FOLD_SCORES))
              for m in _shared.CV_STANDARD_ERROR_MISTAKES),
        ),
    ),
    # Q10b — week 10: group and time leakage
    Exercise(
        id="w12-leakage-split",
        kind="choice",
        prompt="Validation split for a readmission model with many admissions per patient, "
               "2019–2023 data, used next year on new patients.",
        reference=lambda: "c",
        choices={
            "a": "Stratified 5-fold over admissions, shuffled.",
            "b": "Group 5-fold by patient, shuffled over the years.",
            "c": "Train on admissions before a cut-off date; validate on later admissions of "
                 "patients not seen in training.",
            "d": "Leave-one-admission-out cross-validation.",
        },
        explanations={
            "a": "The same patient lands in train and validation, so the model is scored on "
                 "people it has memorised, and future admissions help predict past ones: two "
                 "leaks at once.",
            "b": "Grouping by patient removes one leak, but the folds still mix years: the "
                 "model trains on 2023 to predict 2019, which deployment never allows, and "
                 "drift stays invisible.",
            "d": "Leaving one admission out keeps the patient's other admissions, past and "
                 "future, in training: both leaks, and at a high cost.",
        },
    ),
    # Q11 — weeks 6 and 11: a conversion lift in annual dollars, with its interval (one
    # model, tolerance and set of mistakes with w11's exercise 2.2)
    Exercise(
        id="w12-annual-revenue-interval",
        kind="interval",
        prompt="95 % interval of the annual revenue impact: unpooled Wald CI of Δconversion × "
               "12 × monthly visitors × order value, to the nearest thousand dollars.",
        reference=lambda: _shared.annual_revenue_interval(**_REVENUE_NUMBERS),
        rtol=_shared.REVENUE_INTERVAL_RTOL,
        precision=Precision(decimals=-3, unit="dollars"),
        mistakes=tuple(m.as_value(**_REVENUE_NUMBERS)
                       for m in _shared.REVENUE_INTERVAL_MISTAKES),
        hint="the impact is linear in Δconversion with a positive factor, so the two ends of "
             "the Δconversion interval map to the two ends of the dollar interval.",
    ),
)

#: The week's items: the first mock's, then the second's (``w12-mock-b.ipynb``, ids
#: ``w12-b-…``, in ``mlfund.exercises._w12_mock_b``). Each notebook holds its own.
EXERCISES = (*MOCK_REVIEW, *_w12_mock_b.EXERCISES)
