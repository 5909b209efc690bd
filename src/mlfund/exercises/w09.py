"""Week 9 — probabilities, calibration and thresholds.

The library is imported lazily, inside the references: the notebook forbids the learner's
cells to import ``mlfund.evaluation`` (the answers of the function items), and probes run
in the learner's kernel, so nothing at module level or in a probe may import it.
"""

from __future__ import annotations

import numpy as np

from mlfund.exercises import _shared
from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant

# Implementations must be the learner's own: no metric or logistic-regression library.
_NO_LIBRARY = ("sklearn", "mlfund.evaluation", "scipy.stats", "statsmodels")

# A review costs $5 on every payment reviewed, fraud or not, and stops the fraud; a fraud
# that is not reviewed costs a $200 chargeback (week 12's Q9 with r = 5, v = 200).
REVIEW_COST, CHARGEBACK_COST = 5.0, 200.0


def _sym():
    from mlfund.evaluation import symbolic

    return symbolic


def _ev():
    import mlfund.evaluation as ev

    return ev


def _sigma():
    from mlfund.optimization import symbolic

    return symbolic.sigmoid


def _matrix(entries):
    import sympy as sp

    return sp.Matrix(entries)


def _expected_log_loss_derivative(p, q):
    import sympy as sp

    return sp.diff(_sym().expected_log_loss(p, q), p)


def _log_loss_minimiser(q):
    """The p where the expected log loss is stationary: q (the rule is proper)."""
    import sympy as sp

    p = sp.Symbol("p", positive=True)
    (minimiser,) = sp.solve(_expected_log_loss_derivative(p, q), p)
    return minimiser


def _log_loss_curvature_at_minimum(q):
    import sympy as sp

    p = sp.Symbol("p", positive=True)
    curvature = sp.diff(_sym().expected_log_loss(p, q), p, 2)
    return curvature.subs(p, _log_loss_minimiser(q))


def _fraud_threshold(review: float = REVIEW_COST, chargeback: float = CHARGEBACK_COST) -> float:
    # the review is paid on frauds too: C_TP = r, so t* = r/v
    return _ev().cost_optimal_threshold(review, chargeback, cost_tp=review)


# In a course with variants each student's review costs $2 to $20 and each chargeback $80 to
# $600 (by $10); a draw is kept when t* = r/v is at most 0.2 and every catalogued mistake is
# at least ten tolerances from t* (more than "close"), so no mistake, even rounded to the 4
# decimals asked, is scored correct. The nearest mistakes are r/(r + v) and r/(v − r), at
# r²/(v(r + v)) and r²/(v(v − r)) from r/v.
_FRAUD_PRECISION = Precision(decimals=4)
_FRAUD_GAP = 10 * _FRAUD_PRECISION.atol


def _fraud_draw_ok(review: int, chargeback: int) -> bool:
    threshold = review / chargeback
    if not 0 < threshold <= 0.2:
        return False
    return all(abs(float(m.formula(r=review, v=chargeback)) - threshold) >= _FRAUD_GAP
               for m in _shared.REVIEW_THRESHOLD_MISTAKES)


def _fraud_threshold_item(review: int = int(REVIEW_COST),
                          chargeback: int = int(CHARGEBACK_COST)) -> Exercise:
    return Exercise(
        id="w09-fraud-threshold",
        kind="number",
        precision=_FRAUD_PRECISION,
        prompt=f"A review costs ${review} on every payment reviewed (fraud or not) and stops "
               f"the fraud; a missed fraud costs a ${chargeback} chargeback. Above which "
               "calibrated fraud probability should a payment be reviewed?",
        reference=lambda: _fraud_threshold(review, chargeback),
        mistakes=tuple(m.as_value(r=float(review), v=float(chargeback))
                       for m in _shared.REVIEW_THRESHOLD_MISTAKES),
        hint="review when the review's cost is below the expected loss of not reviewing.",
    )


# --- probes (pure numpy: they run in the learner's kernel) --------------------------------


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _probability_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(901)
    probes = [(np.array([1, 0]), np.array([0.9, 0.2])),
              # confident and right: p exactly 0 for a negative and 1 for a positive
              (np.array([0, 1, 1, 0, 1]), np.array([0.0, 1.0, 0.7, 0.3, 0.999]))]
    for n in (50, 1000):
        p = rng.uniform(0.01, 0.99, size=n)
        y = (rng.random(n) < p).astype(int)
        probes.append((y, p))
    return probes


def _calibration_probes() -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(902)
    probes = [(np.array([1, 0, 0, 0, 0, 1, 1, 1, 0, 0]), np.array([0.2] * 5 + [0.8] * 5), 5)]
    logits = rng.normal(0, 1.5, size=500)
    y = (rng.random(500) < _expit(logits)).astype(int)
    probes.append((y, _expit(2.5 * logits), 10))            # over-confident
    p = rng.random(300)
    y = (rng.random(300) < 0.2 + 0.6 * p).astype(int)        # under-confident
    # p = 1 belongs to the last bin: there its gap (−1/2) has the opposite sign of the
    # rest of the bin's (all positives), so a separate bin for p = 1 gives another ECE
    p[:3], y[:3] = [0.0, 1.0, 1.0], [0, 0, 1]
    y[p > 14 / 15] = 1
    y[1] = 0
    probes.append((y, p, 15))
    p = rng.beta(0.5, 3.0, size=40)                          # many empty bins
    probes.append(((rng.random(40) < p).astype(int), p, 10))
    return probes


def _platt_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(903)
    probes = []
    for n, transform in [(400, lambda z: 2.0 * z),            # logits twice too large
                         (300, lambda z: z + 1.5),             # shifted logits
                         (200, lambda z: _expit(0.5 * z))]:    # squashed probabilities
        logits = rng.normal(0.0, 2.0, size=n)
        y = (rng.random(n) < _expit(logits)).astype(int)
        probes.append((y, transform(logits)))
    return probes


# --- reference and wrong implementations ---------------------------------------------------

_EPS = float(np.finfo(float).eps)


def _clipped(y_prob) -> np.ndarray:
    return np.clip(np.asarray(y_prob, dtype=float), _EPS, 1 - _EPS)


def _log_terms(y_true, y_prob) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, p = np.asarray(y_true, dtype=float), _clipped(y_prob)
    return y, np.log(p), np.log1p(-p)


def _log_loss_sum(y_true, y_prob):
    y, log_p, log_q = _log_terms(y_true, y_prob)
    return -np.sum(y * log_p + (1 - y) * log_q)


def _log_loss_unclipped(y_true, y_prob):
    y, p = np.asarray(y_true, dtype=float), np.asarray(y_prob, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def _log_loss_bits(y_true, y_prob):
    return _ev().log_loss(y_true, y_prob) / np.log(2)


def _log_loss_log10(y_true, y_prob):
    return _ev().log_loss(y_true, y_prob) / np.log(10)


def _log_loss_negative(y_true, y_prob):
    return -_ev().log_loss(y_true, y_prob)


def _ece(y_true, y_prob, n_bins):
    return _ev().expected_calibration_error(y_true, y_prob, n_bins=int(n_bins))


def _gaps(y_true, y_prob, n_bins) -> tuple[np.ndarray, np.ndarray]:
    curve = _ev().reliability_curve(y_true, y_prob, n_bins=int(n_bins))
    return curve.fraction_positive - curve.mean_predicted, curve.counts / curve.counts.sum()


def _ece_unclipped_top(y_true, y_prob, n_bins):
    """Bins [k/n, (k+1)/n) with p = 1 left alone in an extra bin n_bins."""
    y, p = np.asarray(y_true, dtype=float), np.asarray(y_prob, dtype=float)
    bins = np.floor(p * int(n_bins)).astype(int)
    total = 0.0
    for k in np.unique(bins):
        inside = bins == k
        total += inside.mean() * abs(y[inside].mean() - p[inside].mean())
    return float(total)


def _ece_unweighted(y_true, y_prob, n_bins):
    gaps, _ = _gaps(y_true, y_prob, n_bins)
    return float(np.mean(np.abs(gaps)))


def _ece_max(y_true, y_prob, n_bins):
    gaps, _ = _gaps(y_true, y_prob, n_bins)
    return float(np.max(np.abs(gaps)))


def _ece_signed(y_true, y_prob, n_bins):
    gaps, weights = _gaps(y_true, y_prob, n_bins)
    return float(np.sum(weights * gaps))


def _ece_squared(y_true, y_prob, n_bins):
    gaps, weights = _gaps(y_true, y_prob, n_bins)
    return float(np.sum(weights * gaps**2))


def _platt(y_true, y_score):
    fit = _ev().platt_scaling(y_true, y_score)
    return np.array([fit.slope, fit.intercept])


def _platt_smoothed(y_true, y_score):
    fit = _ev().platt_scaling(y_true, y_score, prior_correction=True)
    return np.array([fit.slope, fit.intercept])


def _platt_swapped(y_true, y_score):
    return _platt(y_true, y_score)[::-1].copy()


def _platt_no_intercept(y_true, y_score):
    """Newton's method for σ(a·s) alone: the intercept left out."""
    y, s = np.asarray(y_true, dtype=float), np.asarray(y_score, dtype=float)
    a = 0.0
    for _ in range(100):
        p = _expit(a * s)
        step = np.sum((p - y) * s) / np.sum(p * (1 - p) * s * s)
        a -= step
        if abs(step) < 1e-12:
            break
    return np.array([a, 0.0])


def _platt_least_squares(y_true, y_score):
    s = np.asarray(y_score, dtype=float)
    design = np.column_stack([s, np.ones_like(s)])
    coef, *_ = np.linalg.lstsq(design, np.asarray(y_true, dtype=float), rcond=None)
    return coef


_COSTS = {"p": "probability", "C_FP": "positive", "C_FN": "positive"}
_PLATT_SYMBOLS = {"y": "probability", "s": "real", "a": "real", "b": "real"}


def _platt_gradient_variant(y, s, a, b, *, sign=1, with_s=True, extra_slope=False):
    sig = _sigma()(a * s + b)
    residual = sign * (sig - y)
    if extra_slope:
        residual = residual * sig * (1 - sig)
    return _matrix([residual * s if with_s else residual, residual])


EXERCISES = (
    Exercise(
        id="w09-log-loss",
        kind="function",
        prompt="Implement the mean log loss −(1/n) Σ [y log p + (1 − y) log(1 − p)] in nats, "
               "finite when p is exactly 0 or 1 and right.",
        reference=lambda: _ev().log_loss,
        probes=_probability_probes,
        mistakes=(
            Mistake("sum-not-mean", "The log loss is a mean over the n examples: divide the "
                    "sum by n, so that it does not grow with the size of the data set.",
                    value=_log_loss_sum, credit=0.5),
            Mistake("bits", "That is the log loss in bits (log base 2); the convention is the "
                    "natural log (nats), as np.log.", value=_log_loss_bits, credit=0.5),
            Mistake("log10", "That is log base 10; use the natural log, np.log.",
                    value=_log_loss_log10, credit=0.5),
            Mistake("sign-flip", "Sign error: that is the mean log-likelihood, which is ≤ 0; "
                    "the loss is its negative.", value=_log_loss_negative),
            Mistake("not-clipped", "Right, except where p is exactly 0 or 1: there numpy "
                    "computes 0·log 0 = nan. Clip p to [eps, 1 − eps] first, so that a "
                    "confident right prediction costs (almost) 0.",
                    value=_log_loss_unclipped, credit=0.5),
        ),
        forbidden_imports=_NO_LIBRARY,
        hint="a prediction of exactly 0 or 1 gives 0·log 0 = nan in numpy: clip p to "
             "[eps, 1 − eps] with eps = np.finfo(float).eps first.",
    ),
    Exercise(
        id="w09-expected-log-loss",
        kind="expression",
        prompt="Step 1: the expected log loss of predicting p when y ~ Bernoulli(q).",
        reference=lambda p, q: _sym().expected_log_loss(p, q),
        symbols={"p": "probability", "q": "probability"},
        mistakes=(
            Mistake("roles-swapped", "The roles of p and q are swapped: the outcome y is drawn "
                    "with probability q, and the loss takes the log of your prediction p: "
                    "−[q log p + (1 − q) log(1 − p)].",
                    form="-(p*log(q) + (1 - p)*log(1 - q))"),
            Mistake("sign-flip", "Sign error: that is the expected log-likelihood; the loss is "
                    "its negative.", form="q*log(p) + (1 - q)*log(1 - p)"),
            Mistake("positive-only", "y = 0 also happens, with probability 1 − q, and then the "
                    "loss is −log(1 − p).", form="-q*log(p)"),
        ),
        hint="E[L] = P(y = 1)·L(p, 1) + P(y = 0)·L(p, 0).",
    ),
    Exercise(
        id="w09-expected-log-loss-derivative",
        kind="expression",
        prompt="Step 2: the derivative of the expected log loss with respect to p.",
        reference=lambda p, q: _expected_log_loss_derivative(p, q),
        symbols={"p": "probability", "q": "probability"},
        mistakes=(
            Mistake("sign-flip", "Sign error: differentiate −q log p to −q/p, and "
                    "−(1 − q) log(1 − p) to +(1 − q)/(1 − p).",
                    form="q/p - (1 - q)/(1 - p)"),
            Mistake("chain-rule-1-minus-p", "d/dp log(1 − p) = −1/(1 − p): the inner "
                    "derivative −1 was lost.", form="-q/p - (1 - q)/(1 - p)"),
        ),
    ),
    Exercise(
        id="w09-log-loss-curvature",
        kind="expression",
        prompt="Step 3: the derivative vanishes at p = q. The second derivative there, in "
               "terms of q (positive: a minimum).",
        reference=lambda q: _log_loss_curvature_at_minimum(q),
        symbols={"q": "probability"},
        mistakes=(
            Mistake("sign-flip", "Both terms of the second derivative are positive: "
                    "d/dp (−q/p) = +q/p² and d/dp ((1 − q)/(1 − p)) = +(1 − q)/(1 − p)². A "
                    "negative curvature would make p = q a maximum.",
                    form="-1/q - 1/(1 - q)"),
            Mistake("second-term-sign", "d/dp (1 − p)⁻¹ = +(1 − p)⁻²: the two minus signs "
                    "(the power and the inner derivative) cancel.", form="1/q - 1/(1 - q)"),
            Mistake("missing-weights", "Each term keeps its weight: the second derivative is "
                    "q/p² + (1 − q)/(1 − p)², and only then is p set to q.",
                    form="1/q**2 + 1/(1 - q)**2"),
        ),
        hint="differentiate −q/p + (1 − q)/(1 − p) once more, then set p = q.",
    ),
    Exercise(
        id="w09-expected-brier",
        kind="expression",
        prompt="The expected Brier score E[(p − y)²] when y ~ Bernoulli(q).",
        reference=lambda p, q: _sym().expected_brier_score(p, q),
        symbols={"p": "probability", "q": "probability"},
        mistakes=(
            Mistake("no-noise-term", "(p − q)² is the part you control, but even the perfect "
                    "forecast p = q leaves the outcome's variance: E[(p − y)²] = "
                    "(p − q)² + q(1 − q).", form="(p - q)**2"),
            Mistake("positive-only", "y = 0 also happens, with probability 1 − q, and then the "
                    "score is p².", form="q*(1 - p)**2"),
            Mistake("noise-only", "q(1 − q) is only the irreducible part; the expectation "
                    "also depends on your prediction p.", form="q*(1 - q)"),
        ),
        hint="E[(p − y)²] = q·(p − 1)² + (1 − q)·p².",
    ),
    Exercise(
        id="w09-ece",
        kind="function",
        prompt="Implement the expected calibration error with n_bins equal-width bins on "
               "[0, 1]: Σ_b (n_b/n)·|ȳ_b − p̄_b| over the non-empty bins.",
        reference=lambda: _ece,
        probes=_calibration_probes,
        mistakes=(
            Mistake("unweighted", "Weight each bin's gap by its share of the examples, n_b/n: a "
                    "bin of 3 examples should not count as much as a bin of 300.",
                    value=_ece_unweighted),
            Mistake("max-gap", "That is the maximum calibration error (MCE), the largest gap; "
                    "the ECE averages the gaps, weighted by the bin sizes.", value=_ece_max),
            Mistake("signed", "Take the absolute value of each gap: with signed gaps, "
                    "over-confident and under-confident bins cancel (the weighted sum is just "
                    "mean(y) − mean(p)).", value=_ece_signed),
            Mistake("top-bin", "Almost: p = 1 ended up in a bin of its own. With "
                    "floor(p·n_bins) the index of p = 1 is n_bins; clip it to n_bins − 1 so "
                    "that it joins the last bin.", value=_ece_unclipped_top, credit=0.5),
            Mistake("squared", "Use the absolute gap |ȳ_b − p̄_b|, not its square (that is the "
                    "reliability term of the Brier decomposition).", value=_ece_squared),
        ),
        forbidden_imports=_NO_LIBRARY,
        hint="bin index: np.minimum((p * n_bins).astype(int), n_bins - 1) puts p = 1 in the "
             "last bin; then np.bincount with weights gives each bin's sums.",
    ),
    Exercise(
        id="w09-cost-threshold-derivation",
        kind="derivation",
        points=2,
        prompt="Derive the threshold on a calibrated probability p above which flagging is "
               "cheaper (a false positive costs C_FP, a false negative C_FN): start from "
               "cost_flag = cost_pass, the expected costs of flagging and of passing, and solve "
               "for p, line by line.",
        reference=lambda C_FP, C_FN: _sym().cost_optimal_threshold(C_FP, C_FN),
        symbols=_COSTS,
        derivation=Derivation(
            start="cost_flag = cost_pass",
            chain=("cost_flag = cost_pass",
                   "(1 - p)*C_FP = p*C_FN",
                   "C_FP = p*(C_FP + C_FN)",
                   "p = C_FP/(C_FP + C_FN)"),
            form=("C_FP", "C_FN"),
            form_phrase="solved for p, in C_FP and C_FN",
            unknown="p",
            definitions={"cost_flag": "(1 - p)*C_FP", "cost_pass": "p*C_FN"},
            hints=("Flagging is a mistake when the example is negative (probability 1 − p): "
                   "cost_flag = (1 − p)·C_FP.",
                   "Passing is a mistake when it is positive (probability p): "
                   "cost_pass = p·C_FN.",
                   "Collect the p terms on one side."),
        ),
        mistakes=(
            Mistake("probability-swapped", "Flagging is a mistake when the example is "
                    "negative, which happens with probability 1 − p; passing one when it is "
                    "positive, with probability p.", form="p*C_FP = (1 - p)*C_FN"),
            Mistake("costs-swapped", "The costs are swapped: flag when (1 − p)·C_FP < p·C_FN, "
                    "i.e. p > C_FP/(C_FP + C_FN). Expensive misses (large C_FN) should lower "
                    "the threshold.", form="p = C_FN/(C_FP + C_FN)"),
            Mistake("cost-ratio", "C_FP/C_FN is the break-even odds p/(1 − p), not the "
                    "probability; convert: t* = C_FP/(C_FP + C_FN).", form="p = C_FP/C_FN"),
            Mistake("one-half", "1/2 is right only when the two mistakes cost the same.",
                    form="p = 1/2"),
        ),
    ),
    variant(_fraud_threshold_item, review=Parameter(2, 20),
            chargeback=Parameter(80, 600, step=10), where=_fraud_draw_ok),
    Exercise(
        id="w09-monotone-transform",
        kind="choice",
        prompt="The scores p of a calibrated model are replaced by p³. What happens to ROC-AUC "
               "and to calibration?",
        reference=lambda: "b",
        choices={
            "a": "Both are unchanged: p³ carries the same information as p.",
            "b": "ROC-AUC is unchanged; the model is no longer calibrated.",
            "c": "ROC-AUC changes; calibration is unchanged.",
            "d": "Both change.",
        },
        explanations={
            "a": "Not this one. The information (the ranking) is the same, so ROC-AUC is "
                 "unchanged, but calibration is about the values: an example with p = 0.5 "
                 "now says 0.125 while half of such examples are positive.",
            "c": "Not this one. ROC-AUC depends only on the order of the scores, and p ↦ p³ "
                 "is strictly increasing on [0, 1], so no pair changes order. Calibration "
                 "is what breaks: the values move.",
            "d": "Not this one. A strictly increasing transform keeps every pair's order, so "
                 "ROC-AUC cannot change; only calibration does. This is why Platt scaling "
                 "(also monotone) fixes calibration without touching the AUC.",
        },
    ),
    Exercise(
        id="w09-platt-gradient",
        kind="expression",
        prompt="Gradient of the log loss of σ(a·s + b) for one example (s, y) with respect "
               "to (a, b), as a 2×1 column.",
        reference=lambda y, s, a, b: _sym().platt_log_loss_gradient(y, s, a, b),
        symbols=_PLATT_SYMBOLS,
        functions={"sigma": _sigma},
        mistakes=(
            Mistake("sign-flip", "Sign error: (y − σ)·(s, 1) is the gradient of the "
                    "log-likelihood; the loss's gradient is (σ(a·s + b) − y)·(s, 1).",
                    form=lambda y, s, a, b: _platt_gradient_variant(y, s, a, b, sign=-1)),
            Mistake("missing-s", "The chain rule multiplies by ∂z/∂a = s for the slope (and "
                    "∂z/∂b = 1 for the intercept), with z = a·s + b.",
                    form=lambda y, s, a, b: _platt_gradient_variant(y, s, a, b, with_s=False)),
            Mistake("extra-sigma-prime", "The factor σ(1 − σ) cancels with the log loss: "
                    "dL/dz = σ(z) − y (week 1). Keeping it gives the gradient of the squared "
                    "error of the probability.",
                    form=lambda y, s, a, b: _platt_gradient_variant(y, s, a, b,
                                                                    extra_slope=True)),
        ),
        hint="with z = a·s + b, dL/dz = σ(z) − y; then ∂z/∂a = s and ∂z/∂b = 1.",
    ),
    Exercise(
        id="w09-platt-scaling",
        kind="function",
        prompt="Fit Platt scaling P(y = 1 | s) = σ(a·s + b) by maximum likelihood on 0/1 "
               "labels; return np.array([a, b]).",
        reference=lambda: _platt,
        probes=_platt_probes,
        rtol=1e-4,
        atol=1e-6,
        mistakes=(
            Mistake("swapped", "Return the slope first: np.array([a, b]).",
                    value=_platt_swapped, credit=0.5),
            Mistake("no-intercept", "Fit the intercept b too: σ(a·s) forces P = 1/2 at s = 0, "
                    "which a shifted score does not satisfy. Add a column of ones.",
                    value=_platt_no_intercept),
            Mistake("smoothed-targets", "You fitted Platt's smoothed targets "
                    "(n₊ + 1)/(n₊ + 2) and 1/(n₋ + 2), as scikit-learn's "
                    "CalibratedClassifierCV does; this exercise asks for plain maximum "
                    "likelihood on the 0/1 labels.", value=_platt_smoothed, credit=0.5),
            Mistake("least-squares", "That is a straight line fitted by least squares (a "
                    "linear probability model). Platt scaling fits a logistic curve by "
                    "minimising the log loss; use Newton's method.",
                    value=_platt_least_squares),
        ),
        forbidden_imports=_NO_LIBRARY,
        hint="Newton's method on θ = (a, b) with X = [s, 1]: g = Xᵀ(σ(Xθ) − y), "
             "H = Xᵀ diag(σ(1 − σ)) X, θ ← θ − H⁻¹g; 25 iterations from θ = 0 are plenty. "
             "Plain gradient descent is too slow to reach the tolerance.",
    ),
)
