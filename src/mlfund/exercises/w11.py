"""Week 11 — from metrics to dollars: revenue of a lift, relative lift and Bayesian read-outs,
value of precision, churn ROI, the cost of notifications that harm."""

from __future__ import annotations

import numpy as np

from mlfund.exercises import _shared
from mlfund.exercises._spec import Exercise, Mistake, Parameter, Precision, variant

# The notebook forbids these in the learner's cells: the value functions are the answers.
_FORBIDDEN = ("sklearn", "mlfund.evaluation")


def _ev():
    import mlfund.evaluation as ev

    return ev


def _esym():
    from mlfund.evaluation import symbolic

    return symbolic


def _isym():
    from mlfund.inference import symbolic

    return symbolic


def _inf():
    import mlfund.inference as inference

    return inference


# --- the numbers of the questions -----------------------------------------------------------

# Checkout test: monthly traffic, conversion of control and treatment, average order value.
MONTHLY_TRAFFIC = 2_000_000
CONTROL_RATE, TREATMENT_RATE = 0.030, 0.0315
ORDER_VALUE = 80.0
# The A/B test behind the rates: visitors per arm and conversions.
N_PER_ARM, CONTROL_CONVERSIONS, TREATMENT_CONVERSIONS = 50_000, 1_500, 1_575
_REVENUE_NUMBERS = {"x_t": TREATMENT_CONVERSIONS, "n_t": N_PER_ARM,
                    "x_c": CONTROL_CONVERSIONS, "n_c": N_PER_ARM,
                    "monthly": MONTHLY_TRAFFIC, "order_value": ORDER_VALUE}

# Fraud review: flags reviewed a day, precision now and after a 2 % relative lift; in cash,
# every flag is reviewed (fraud or not) and every missed fraud is lost.
FLAGS_PER_DAY, PRECISION_NOW, RELATIVE_LIFT = 5_000, 0.60, 0.02
REVIEW_COST, MISSED_FRAUD_COST = 8.0, 150.0

# Churn campaign.
CHURN_CONTACTED, CHURN_PRECISION = 5_000, 0.22
OFFER_COST, SAVE_RATE, CUSTOMER_VALUE = 25.0, 0.35, 500.0

# Relative lift of a sign-up test: control A and treatment B, users and conversions.
LIFT_N_A, LIFT_X_A, LIFT_N_B, LIFT_X_B = 40_000, 2_000, 40_000, 2_140
_LIFT_NUMBERS = {"x_t": LIFT_X_B, "n_t": LIFT_N_B, "x_c": LIFT_X_A, "n_c": LIFT_N_A}
# Bayesian read-out of a smaller test: users and conversions of A and B, Beta(1, 1) priors.
BAYES_N_A, BAYES_X_A, BAYES_N_B, BAYES_X_B = 10_000, 500, 10_000, 545
# Simpson's paradox: (users, conversions) of each arm in each segment; a bug in the app's
# assignment sent B mostly mobile users, where everyone converts less.
SEGMENTS = {"desktop": {"A": (5_000, 500), "B": (1_000, 108)},
            "mobile": {"A": (5_000, 100), "B": (9_000, 216)}}

# Push notifications: users in the segment, the share who want the push (precision), the
# value of a wanted push, the 30-day churn of an unwanted push's receiver with and without
# it, and the lifetime value lost with a churned user.
PUSH_USERS, PUSH_PRECISION, PUSH_BENEFIT = 250_000, 0.25, 0.50
PUSH_CHURN_WITH, PUSH_CHURN_WITHOUT, PUSH_LTV = 0.006, 0.002, 45.0


def _annual_traffic(months: int = 12) -> float:
    return months * MONTHLY_TRAFFIC


def _delta_conversion() -> float:
    return TREATMENT_RATE - CONTROL_RATE


def _revenue(*, months: int = 12, delta: float | None = None,
             order_value: float = ORDER_VALUE) -> float:
    delta = _delta_conversion() if delta is None else delta
    return _ev().conversion_lift_revenue(_annual_traffic(months), delta, order_value).estimate


def _precision_after(lift: float = RELATIVE_LIFT) -> float:
    return PRECISION_NOW * (1 + lift)


def _precision_value(*, after: float | None = None, value_tp: float = -REVIEW_COST,
                     value_fp: float = -REVIEW_COST,
                     value_fn: float = -MISSED_FRAUD_COST) -> float:
    """Daily cash value of the lift with the n flags fixed: every flag pays a review."""
    after = _precision_after() if after is None else after
    return _ev().precision_lift_value(PRECISION_NOW, after, n_flagged=FLAGS_PER_DAY,
                                      value_tp=value_tp, value_fp=value_fp, value_fn=value_fn)


def _fewer_flags_saving(*, after: float | None = None,
                        review_cost: float = REVIEW_COST) -> float:
    """Daily review saving with the frauds caught fixed: the same TP at fewer flags."""
    after = _precision_after() if after is None else after
    return _ev().review_saving_at_fixed_recall(
        PRECISION_NOW, after, true_positives=FLAGS_PER_DAY * PRECISION_NOW,
        review_cost=review_cost)


def _churn(**changes):
    args = {"n_contacted": CHURN_CONTACTED, "precision": CHURN_PRECISION,
            "offer_cost": OFFER_COST, "save_rate": SAVE_RATE,
            "customer_value": CUSTOMER_VALUE} | changes
    n = args.pop("n_contacted")
    p = args.pop("precision")
    return _ev().churn_campaign_roi(n, p, **args)


def churn_breakeven_precision(offer_cost, save_rate, customer_value):
    """Precision at which contacting breaks even: E[value per contact] = 0.

    A contacted would-be churner is a true positive worth sV - c (kept with probability s,
    the offer paid); a contacted loyal customer a false positive worth -c. With the
    library's expected value per decision, p (sV - c) - (1 - p) c = 0 gives p = c/(sV).
    """
    import sympy as sp

    p = sp.Symbol("p", positive=True)
    c, s, v = offer_cost, save_rate, customer_value
    value = _esym().expected_value_per_decision(p, 1 - p, 0, 0, value_tp=s * v - c,
                                                value_fp=-c)
    (root,) = sp.solve(sp.Eq(value, 0), p)
    return root


# --- the churn campaign's ROI: its numbers differ per student ------------------------------


def _churn_roi(n_contacted: int = CHURN_CONTACTED, precision: float = CHURN_PRECISION,
               offer_cost: float = OFFER_COST, customer_value: float = CUSTOMER_VALUE
               ) -> Exercise:
    """The ROI item for ``n_contacted`` customers flagged at ``precision``, an offer costing
    ``offer_cost`` and a kept customer worth ``customer_value``; the save rate is the
    section's own."""

    def churn(**changes):
        return _churn(**({"n_contacted": n_contacted, "precision": precision,
                          "offer_cost": offer_cost, "customer_value": customer_value}
                         | changes))

    return Exercise(
        id="w11-churn-roi",
        kind="number",
        precision=Precision(decimals=2),
        prompt=f"ROI of the retention campaign: {n_contacted:,} contacted, precision "
               f"{precision:.2f}, ${offer_cost:,.0f} offer, save rate {SAVE_RATE:.2f}, "
               f"customer value ${customer_value:,.0f}.",
        reference=lambda: churn().roi,
        mistakes=(
            Mistake("gross-return", "That is retained value over cost, the gross return; ROI "
                    "subtracts the cost first: (value − cost)/cost.",
                    value=lambda: churn().retained_value / churn().campaign_cost),
            Mistake("net-value", "That is the net value in dollars; ROI divides it by the cost.",
                    value=lambda: churn().net_value),
            Mistake("percent", "Give the ROI as a fraction (0.25 for 25 %).",
                    value=lambda: 100 * churn().roi),
            Mistake("no-save-rate", "Not every churner who gets the offer stays: only a share "
                    f"{SAVE_RATE:.2f} is saved.", value=lambda: churn(save_rate=1.0).roi),
            Mistake("no-precision", f"Only the {100 * precision:.0f} % of contacted customers "
                    "who would churn can be saved; the others would have stayed anyway.",
                    value=lambda: churn(precision=1.0).roi),
            Mistake("over-retained", "ROI is relative to the money spent: divide the net value "
                    "by the campaign cost, not by the retained value.",
                    value=lambda: churn().net_value / churn().retained_value),
        ),
    )


def _churn_roi_is_posed(n_contacted, precision, offer_cost, customer_value) -> bool:
    """A campaign that pays, by 0.2 to 2.5 times its cost: every catalogued mistake is then
    more than a hundredth from the ROI (the nearest, ROI/(1 + ROI), by ROI²/(1 + ROI))."""
    roi = precision * SAVE_RATE * customer_value / offer_cost - 1
    return 0 < precision < 1 and n_contacted > 0 and 0.2 <= roi <= 2.5


# In a course with variants each student's campaign has its own size, precision, offer cost
# and customer value; the save rate stays the section's 35 %.
CHURN_ROI = variant(_churn_roi, n_contacted=Parameter(2_000, 12_000, step=500),
                    precision=Parameter(0.18, 0.40, step=0.01),
                    offer_cost=Parameter(15.0, 35.0, step=5.0),
                    customer_value=Parameter(300.0, 700.0, step=50.0),
                    where=_churn_roi_is_posed)


# --- relative lift, Bayesian read-out, Simpson's paradox -------------------------------------


def log_ratio_variance(p_A, p_B, n_A, n_B):
    """Delta-method variance of log(p̂_B/p̂_A) = log p̂_B − log p̂_A, arms independent.

    One arm: Var log p̂ ≈ (d log p/dp)²·Var p̂ = (1/p)²·p(1 − p)/n; the two arms add.
    """
    import sympy as sp

    p, m = sp.symbols("p m", positive=True)
    one_arm = sp.diff(sp.log(p), p) ** 2 * _isym().proportion_standard_error(p, m) ** 2
    return one_arm.subs({p: p_A, m: n_A}) + one_arm.subs({p: p_B, m: n_B})


def probability_b_beats_a(x_a: int = BAYES_X_A, n_a: int = BAYES_N_A, x_b: int = BAYES_X_B,
                          n_b: int = BAYES_N_B, *, prior: tuple[float, float] = (1.0, 1.0)
                          ) -> float:
    """P(p_B > p_A | data) with independent Beta priors: ∫ f_B(t)·F_A(t) dt, by quadrature."""
    from scipy import integrate, stats

    a0, b0 = prior
    post_a = stats.beta(a0 + x_a, b0 + n_a - x_a)
    post_b = stats.beta(a0 + x_b, b0 + n_b - x_b)
    # the posteriors are a few thousandths wide: integrate over B's bulk (outside it the
    # integrand is below 1e-12), telling quad where both posteriors peak
    low, high = float(post_b.ppf(1e-12)), float(post_b.ppf(1 - 1e-12))
    peaks = sorted(m for m in (float(post_a.mean()), float(post_b.mean())) if low < m < high)
    value, _ = integrate.quad(lambda t: post_b.pdf(t) * post_a.cdf(t), low, high,
                              points=peaks or None, limit=200, epsabs=1e-12, epsrel=1e-10)
    return float(value)


def _one_minus_two_sided_p() -> float:
    test = _inf().two_proportion_ztest(BAYES_X_B, BAYES_N_B, BAYES_X_A, BAYES_N_A)
    return 1 - test.pvalue


def _segment_rate(segment: str, arm: str) -> float:
    users, conversions = SEGMENTS[segment][arm]
    return conversions / users


def _overall_rate(arm: str) -> float:
    users = sum(SEGMENTS[s][arm][0] for s in SEGMENTS)
    return sum(SEGMENTS[s][arm][1] for s in SEGMENTS) / users


def _segment_weights(mix: str = "both") -> dict[str, float]:
    """Each segment's share of the users: of both arms together, or of one arm."""
    arms = ("A", "B") if mix == "both" else (mix,)
    users = {s: sum(SEGMENTS[s][a][0] for a in arms) for s in SEGMENTS}
    total = sum(users.values())
    return {s: u / total for s, u in users.items()}


def standardized_lift(mix: str = "both") -> float:
    """Σ_s w_s (p_B,s − p_A,s): the segments' differences weighted by one common mix."""
    weights = _segment_weights(mix)
    return sum(w * (_segment_rate(s, "B") - _segment_rate(s, "A")) for s, w in weights.items())


def _unweighted_segment_lift() -> float:
    lifts = [_segment_rate(s, "B") - _segment_rate(s, "A") for s in SEGMENTS]
    return sum(lifts) / len(lifts)


# --- notifications that harm: the cost of an unwanted push, the value of a send --------------


def unwanted_push_cost(q1, q0, L):
    """Expected lifetime value lost by one unwanted push: churn q1 with it, q0 without."""
    return q1 * L - q0 * L


def push_breakeven_precision(B_TP, C_FP):
    """Precision at which sending breaks even: p·B_TP − (1 − p)·C_FP = 0."""
    import sympy as sp

    p = sp.Symbol("p", positive=True)
    value = _esym().expected_value_per_decision(p, 1 - p, 0, 0, value_tp=B_TP, value_fp=-C_FP)
    (root,) = sp.solve(sp.Eq(value, 0), p)
    return root


def _push_value(*, users: float = PUSH_USERS, precision: float = PUSH_PRECISION,
                benefit: float = PUSH_BENEFIT, cost_fp: float | None = None) -> float:
    """Expected value of sending to the whole segment: the library's value per decision."""
    if cost_fp is None:
        cost_fp = unwanted_push_cost(PUSH_CHURN_WITH, PUSH_CHURN_WITHOUT, PUSH_LTV)
    per_user = _esym().expected_value_per_decision(precision, 1 - precision, 0, 0,
                                                   value_tp=benefit, value_fp=-cost_fp)
    return float(users * per_user)


# --- expected value per decision: reference and catalogued wrong implementations ------------


def _ev_reference(y_true, y_score, threshold, value_tp, value_fp, value_fn, value_tn):
    return _ev().expected_value_per_decision(y_true, y_score, threshold=threshold,
                                             value_tp=value_tp, value_fp=value_fp,
                                             value_fn=value_fn, value_tn=value_tn)


def _outcomes(y_true, y_score, threshold, *, strict=False):
    y = np.asarray(y_true).astype(bool)
    score = np.asarray(y_score, dtype=float)
    act = score > threshold if strict else score >= threshold
    return (np.sum(act & y), np.sum(act & ~y), np.sum(~act & y), np.sum(~act & ~y))


def _ev_strict(y_true, y_score, threshold, v_tp, v_fp, v_fn, v_tn):
    tp, fp, fn, tn = _outcomes(y_true, y_score, threshold, strict=True)
    return (tp * v_tp + fp * v_fp + fn * v_fn + tn * v_tn) / len(y_true)


def _ev_over_flagged(y_true, y_score, threshold, v_tp, v_fp, v_fn, v_tn):
    tp, fp, fn, tn = _outcomes(y_true, y_score, threshold)
    return (tp * v_tp + fp * v_fp + fn * v_fn + tn * v_tn) / (tp + fp)


def _ev_acted_only(y_true, y_score, threshold, v_tp, v_fp, v_fn, v_tn):
    tp, fp, _, _ = _outcomes(y_true, y_score, threshold)
    return (tp * v_tp + fp * v_fp) / len(y_true)


def _ev_probes():
    rng = np.random.default_rng(1101)
    probes = []
    for n, threshold, values in [(12, 0.5, (100.0, -5.0, 0.0, 0.0)),
                                 (30, 0.3, (50.0, -10.0, -20.0, 1.0)),
                                 (20, 0.7, (0.0, -1.0, -10.0, 0.0)),
                                 (25, 0.4, (20.0, -3.0, -40.0, 2.0))]:
        y = rng.integers(0, 2, size=n)
        # scores on a grid of tenths, so that some equal the threshold
        score = np.clip(np.round(0.35 * y + rng.uniform(0, 0.7, size=n), 1), 0, 1)
        score[0] = threshold
        probes.append((y, score, threshold, *values))
    return probes


EXERCISES = (
    Exercise(
        id="w11-revenue-impact",
        kind="expression",
        prompt="Revenue impact of a relative conversion lift r on baseline conversion c0, for "
               "N visitors and order value v.",
        reference=lambda N, c0, r, v: _esym().revenue_impact(N, c0 * r, v),
        symbols={"N": "positive", "c0": "probability", "r": "positive", "v": "positive"},
        mistakes=(
            Mistake("relative-as-absolute", "r is a relative lift: the absolute change in the "
                    "conversion rate is c0·r, not r.", form="N*r*v"),
            Mistake("treatment-revenue", "That is the treatment's whole revenue; the impact is "
                    "the change from the control's N·c0·v.", form="N*c0*(1 + r)*v"),
            Mistake("no-order-value", "That counts the extra orders; each is worth the order "
                    "value v.", form="N*c0*r"),
        ),
        hint="Δ$ = traffic × (absolute change in conversion) × order value.",
    ),
    Exercise(
        id="w11-revenue-annual",
        kind="number",
        precision=Precision(decimals=0, unit="dollar"),
        prompt="Annual revenue impact of rolling out the checkout change (dollars).",
        reference=lambda: _revenue(),
        mistakes=(
            Mistake("monthly", "That is one month's impact; the question asks for a year: "
                    "12 months of traffic.", value=lambda: _revenue(months=1)),
            Mistake("relative-as-absolute", "5 % is the relative lift; the absolute change in "
                    "conversion is 3.15 % − 3.0 % = 0.15 points.",
                    value=lambda: _revenue(delta=TREATMENT_RATE / CONTROL_RATE - 1)),
            Mistake("no-order-value", "That is the number of extra orders; multiply by the "
                    "order value.", value=lambda: _revenue(order_value=1.0)),
            Mistake("treatment-revenue", "That is the treatment's total revenue, not the change.",
                    value=lambda: _revenue(delta=TREATMENT_RATE)),
        ),
    ),
    Exercise(
        id="w11-revenue-se",
        kind="expression",
        prompt="Standard error of the estimated Δ$ = N·v·(p̂_t − p̂_c), n visitors per arm.",
        reference=lambda N, v, p_c, p_t, n: _esym().revenue_impact(
            N, _isym().unpooled_standard_error(p_t, n, p_c, n), v),
        symbols={"N": "positive", "v": "positive", "p_c": "probability",
                 "p_t": "probability", "n": "positive"},
        mistakes=(
            Mistake("not-scaled", "That is the standard error of Δconversion. Δ$ is N·v times "
                    "it, so its standard error is N·v times as large.",
                    form="sqrt(p_c*(1 - p_c)/n + p_t*(1 - p_t)/n)"),
            Mistake("pooled", "The pooled proportion belongs to the test under H₀: p_t = p_c. An "
                    "error bar for the difference uses each arm's own rate (unpooled).",
                    form="N*v*sqrt((p_c + p_t)/2*(1 - (p_c + p_t)/2)*2/n)"),
            Mistake("sum-of-ses", "Standard errors do not add: the variances of the two "
                    "independent arms add, then take the square root.",
                    form="N*v*(sqrt(p_c*(1 - p_c)/n) + sqrt(p_t*(1 - p_t)/n))"),
            Mistake("one-arm", "Both estimates are noisy: the variance of p̂_t − p̂_c is the sum "
                    "of both arms' variances.", form="N*v*sqrt(p_t*(1 - p_t)/n)"),
            Mistake("n-total", "n is already the number of visitors per arm; do not split it "
                    "in two.", form="N*v*sqrt(2*(p_c*(1 - p_c) + p_t*(1 - p_t))/n)"),
        ),
        hint="Var(p̂) = p(1 − p)/n in each arm; Var(a·X) = a²·Var(X).",
    ),
    Exercise(
        id="w11-revenue-ci",
        kind="interval",
        prompt="95 % interval of the annual revenue impact, carrying the Wald (unpooled) CI of "
               "Δconversion through, to the nearest thousand dollars.",
        reference=lambda: _shared.annual_revenue_interval(**_REVENUE_NUMBERS),
        rtol=_shared.REVENUE_INTERVAL_RTOL,
        precision=Precision(decimals=-3, unit="dollars"),
        mistakes=tuple(m.as_value(**_REVENUE_NUMBERS)
                       for m in _shared.REVENUE_INTERVAL_MISTAKES),
        hint="CI of Δconversion: d ± 1.96·√(p_t(1 − p_t)/n + p_c(1 − p_c)/n); Δ$ is linear in "
             "it.",
    ),
    Exercise(
        id="w11-log-ratio-variance",
        kind="expression",
        prompt="Delta method: the approximate variance of log(p̂_B/p̂_A) for independent arms "
               "of n_A and n_B users with true rates p_A and p_B.",
        reference=lambda p_A, p_B, n_A, n_B: log_ratio_variance(p_A, p_B, n_A, n_B),
        symbols={"p_A": "probability", "p_B": "probability", "n_A": "positive",
                 "n_B": "positive"},
        mistakes=(
            Mistake("difference-variance", "That is Var(p̂_B − p̂_A), the variance of the "
                    "difference of the rates. The log's derivative is 1/p, so each arm's "
                    "variance p(1 − p)/n is multiplied by 1/p².",
                    form="p_A*(1 - p_A)/n_A + p_B*(1 - p_B)/n_B"),
            Mistake("derivative-not-squared", "The delta method multiplies the variance by the "
                    "square of the derivative, (1/p)², not by 1/p.",
                    form="(1 - p_A)/n_A + (1 - p_B)/n_B"),
            Mistake("poisson", "That is the rare-event (Poisson) approximation, one over the "
                    "expected conversions of each arm; for a conversion rate each arm's term "
                    "is (1 − p)/(n·p). The two agree only as p → 0.",
                    form="1/(n_A*p_A) + 1/(n_B*p_B)"),
            Mistake("ratio-variance", "That is the delta-method variance of the ratio "
                    "p̂_B/p̂_A itself; on the log scale the factor (p_B/p_A)² is not there.",
                    form="(p_B/p_A)**2*((1 - p_A)/(n_A*p_A) + (1 - p_B)/(n_B*p_B))"),
            Mistake("minus", "log p̂_B − log p̂_A is a difference of independent estimates: "
                    "their variances add.",
                    form="(1 - p_B)/(n_B*p_B) - (1 - p_A)/(n_A*p_A)"),
            Mistake("standard-error", "That is the standard error; the question asks for the "
                    "variance (its square).",
                    form="sqrt((1 - p_A)/(n_A*p_A) + (1 - p_B)/(n_B*p_B))"),
        ),
        hint="Var g(p̂) ≈ g'(p)²·Var p̂ with g = log and Var p̂ = p(1 − p)/n; independent "
             "arms: the variances add.",
    ),
    Exercise(
        id="w11-relative-lift-ci",
        kind="interval",
        prompt="95 % interval of the relative lift (p_B − p_A)/p_A of a sign-up test (2,000 of "
               "40,000 in A, 2,140 of 40,000 in B): Wald on the log ratio, exponentiated, "
               "minus 1, each end to 3 decimals.",
        reference=lambda: _shared.relative_lift_interval(**_LIFT_NUMBERS),
        rtol=_shared.RELATIVE_LIFT_INTERVAL_RTOL,
        precision=Precision(decimals=3),
        mistakes=tuple(m.as_value(**_LIFT_NUMBERS)
                       for m in _shared.RELATIVE_LIFT_INTERVAL_MISTAKES),
        hint="log(p̂_B/p̂_A) ± 1.96·√((1 − p̂_A)/(n_A p̂_A) + (1 − p̂_B)/(n_B p̂_B)), then "
             "exp(·) − 1 at each end.",
    ),
    Exercise(
        id="w11-prob-b-beats-a",
        kind="number",
        precision=Precision(decimals=3),
        # a Monte Carlo estimate from 10^6 posterior draws is within 0.001 (3.7 standard errors)
        atol=1e-3,
        prompt="P(p_B > p_A | data) with independent uniform Beta(1, 1) priors: 500 of 10,000 "
               "converted in A, 545 of 10,000 in B; to 3 decimals.",
        reference=lambda: probability_b_beats_a(),
        mistakes=(
            Mistake("reversed", "That is P(p_A > p_B), the probability that A is better; the "
                    "question asks for B.",
                    value=lambda: 1 - probability_b_beats_a()),
            Mistake("one-minus-two-sided-p", "1 − (two-sided p-value) is not the probability "
                    "that B is better. With a flat prior and many users, P(p_B > p_A) is close "
                    "to 1 − the *one-sided* p-value, because the posterior of p_B − p_A is "
                    "nearly normal around the observed difference; compute it from the two "
                    "Beta posteriors.",
                    value=_one_minus_two_sided_p),
        ),
        hint="Posterior of each arm: Beta(1 + x, 1 + n − x). P(p_B > p_A) = ∫ f_B(t)·F_A(t) dt "
             "(scipy.stats.beta and scipy.integrate.quad), or the share of draws with p_B > p_A.",
    ),
    Exercise(
        id="w11-simpson-choice",
        kind="choice",
        prompt="B converts better than A on desktop and on mobile but worse overall, and B's "
               "users were 90 % mobile against A's 50 %. What do you report?",
        reference=lambda: "b",
        choices={
            "a": "A wins: the overall conversion rate is what the business earns, and segments "
                 "are only for exploration.",
            "b": "B converts better in both segments; its overall rate is lower because its "
                 "users are mostly mobile, who convert less in either arm. Compare within "
                 "segments and combine them with one common mix, and first find out why the "
                 "arms got different mixes: randomisation should have given them the same.",
            "c": "The data must be wrong: a variant cannot win in every segment and lose "
                 "overall, so discard the test.",
            "d": "With two segments, one of them shows B ahead by chance (multiple testing): "
                 "trust the overall result.",
        },
        explanations={
            "a": "The overall rates compare a mostly-desktop arm with a mostly-mobile one: the "
                 "gap is the difference in traffic mix, not the effect of B. Rolled out to "
                 "everyone, B would meet the same mix as A.",
            "c": "It is arithmetic, not an error: each overall rate is an average of the "
                 "segment rates weighted by that arm's own mix, and different weights can "
                 "reverse the order (Simpson's paradox). What is suspicious is the unequal mix, "
                 "which the assignment bug explains.",
            "d": "B is ahead in both segments, and the reversal comes from the mix, which is "
                 "the same whatever the noise; multiple testing cannot turn two wins into a "
                 "loss.",
        },
    ),
    Exercise(
        id="w11-simpson-standardized-lift",
        kind="number",
        precision=Precision(decimals=4),
        prompt="The lift of B over A, each segment's difference p_B − p_A weighted by the "
               "segment's share of all the test's users (both arms together), as an absolute "
               "difference (0.01 for one percentage point), to 4 decimals.",
        reference=lambda: standardized_lift(),
        mistakes=(
            Mistake("overall", "That compares the overall rates, which mix the effect of B with "
                    "the difference in traffic mix; weight each segment's difference by one "
                    "common mix.",
                    value=lambda: _overall_rate("B") - _overall_rate("A")),
            Mistake("unweighted", "That is the plain average of the two segments' differences "
                    "(here also A's own 50/50 mix); weight each by its share of all the "
                    "test's users: 6,000 desktop and 14,000 mobile of 20,000.",
                    value=_unweighted_segment_lift),
            Mistake("b-mix", "That weights the segments by B's own users (10 % desktop); the "
                    "question weights them by all the test's users, both arms together.",
                    value=lambda: standardized_lift("B")),
            Mistake("relative", "That weights the relative lifts (p_B − p_A)/p_A; the question "
                    "asks for the absolute difference p_B − p_A.",
                    value=lambda: sum(w * (_segment_rate(s, "B") / _segment_rate(s, "A") - 1)
                                      for s, w in _segment_weights().items())),
            Mistake("percentage-points", "Give the lift as a fraction (0.01 for one percentage "
                    "point), not in points.",
                    value=lambda: 100 * standardized_lift()),
        ),
        hint="Σ over segments of (share of all users in the segment) × (p_B − p_A in the "
             "segment).",
    ),
    Exercise(
        id="w11-precision-fn-change",
        kind="expression",
        prompt="Step 1: change in the number of false negatives a day when precision rises by "
               "Delta (absolute) with n flags a day and the number of frauds fixed.",
        reference=lambda n, Delta: -n * Delta,
        symbols={"n": "positive", "Delta": "positive"},
        mistakes=(
            Mistake("unchanged", "The frauds are a fixed number: every new true positive among "
                    "the flags is a fraud that is no longer missed.", form="0"),
            Mistake("sign-flip", "More true positives means fewer misses: the change is "
                    "negative.", form="n*Delta"),
            Mistake("per-flag", "That is per flagged case; with n flags the counts change n "
                    "times as much.", form="-Delta"),
        ),
        hint="TP = precision · n; TP + FN = number of frauds, which does not change.",
    ),
    Exercise(
        id="w11-precision-lift-value",
        kind="expression",
        prompt="Step 2: daily cash saving from an absolute precision lift Delta with n flags a "
               "day, each reviewed at C_R (fraud or not), and C_FN lost per missed fraud.",
        reference=lambda n, Delta, C_R, C_FN: _esym().precision_lift_value(
            n, Delta, value_tp=-C_R, value_fp=-C_R, value_fn=-C_FN),
        symbols={"n": "positive", "Delta": "positive", "C_R": "positive", "C_FN": "positive"},
        mistakes=(
            Mistake("double-count", "That counts the review twice. All n flags are reviewed "
                    "and paid for whatever the precision, so the review bill does not change; "
                    "what changes is the n·Δ frauds no longer missed.",
                    form="n*Delta*(C_R + C_FN)"),
            Mistake("review-only", "The reviews are paid on every flag, before and after the "
                    "lift: they save nothing. The saving is the frauds now caught (step 1).",
                    form="n*Delta*C_R"),
            Mistake("net-of-review", "A flag that turns from a false alarm into a caught fraud "
                    "was reviewed before too: its review is not an extra cost.",
                    form="n*Delta*(C_FN - C_R)"),
            Mistake("per-flag", "That is the saving per flagged case; there are n a day.",
                    form="Delta*C_FN"),
        ),
        hint="daily cash = n·C_R (reviews) + (frauds − TP)·C_FN (losses); compare the two "
             "precisions.",
    ),
    Exercise(
        id="w11-precision-lift-dollars",
        kind="number",
        precision=Precision(decimals=0, unit="dollar"),
        prompt="Daily cash value of a 2 % relative precision lift from 0.60 with 5,000 flags a "
               "day, an $8 review on every flag and $150 lost per missed fraud.",
        reference=lambda: _precision_value(),
        mistakes=(
            Mistake("absolute-lift", "A 2 % lift on a precision of 0.60 is relative: "
                    "0.60 × 1.02 = 0.612, not 0.62 (that would be 2 percentage points).",
                    value=lambda: _precision_value(after=PRECISION_NOW + RELATIVE_LIFT)),
            Mistake("double-count", "That counts the review twice: every flag is reviewed and "
                    "paid for whatever the precision, so the review bill is unchanged; only the "
                    "frauds now caught save money.",
                    value=lambda: _precision_value(value_tp=0.0)),
            Mistake("review-only", "The reviews are paid on every flag before and after: they "
                    "save nothing. The saving is the frauds now caught, $150 each.",
                    value=lambda: _precision_value(value_tp=0.0, value_fn=0.0)),
            Mistake("net-of-review", "A converted flag was reviewed before too: its review is "
                    "not an extra cost to subtract.",
                    value=lambda: _precision_value(value_tp=-2 * REVIEW_COST)),
        ),
    ),
    Exercise(
        id="w11-precision-lift-fewer-flags",
        kind="number",
        precision=Precision(decimals=0, unit="dollar"),
        prompt="Daily review saving of the same 2 % relative lift from 0.60 when the team keeps "
               "catching the same frauds (5,000 flags today) and flags fewer payments, $8 a "
               "review.",
        reference=lambda: _fewer_flags_saving(),
        mistakes=(
            Mistake("fixed-capacity", "That is the value with the number of flags fixed "
                    "(exercise 4.3). Here the frauds caught stay the same and the flags fall: "
                    "only reviews are saved.", value=lambda: _precision_value()),
            Mistake("flags-times-lift", "The flags do not fall by n·Δ: catching the same "
                    "3,000 frauds at precision 0.612 takes 3,000/0.612 flags.",
                    value=lambda: FLAGS_PER_DAY * (_precision_after() - PRECISION_NOW)
                    * REVIEW_COST),
            Mistake("absolute-lift", "A 2 % lift on a precision of 0.60 is relative: "
                    "0.60 × 1.02 = 0.612, not 0.62 (that would be 2 percentage points).",
                    value=lambda: _fewer_flags_saving(after=PRECISION_NOW + RELATIVE_LIFT)),
            Mistake("reviews-not-dollars", "That is the number of reviews saved a day; each "
                    "costs $8.", value=lambda: _fewer_flags_saving(review_cost=1.0)),
        ),
        hint="flags needed = frauds caught / precision, before and after; each flag costs a "
             "review.",
    ),
    Exercise(
        id="w11-expected-value",
        kind="function",
        prompt="Implement the mean payoff per example of acting on y_score >= threshold, with "
               "values of TP, FP, FN and TN.",
        reference=lambda: _ev_reference,
        probes=_ev_probes,
        mistakes=(
            Mistake("strict-threshold", "Act when the score is at least the threshold: a score "
                    "equal to it is flagged (score >= threshold).", value=_ev_strict, credit=0.5),
            Mistake("over-flagged", "That is the mean payoff per flagged case; the expected "
                    "value per decision averages over all n examples, the unflagged ones "
                    "included.", value=_ev_over_flagged),
            Mistake("acted-only", "The unflagged examples have payoffs too: a missed positive "
                    "(FN) and a correct rejection (TN) count.", value=_ev_acted_only),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    CHURN_ROI,
    Exercise(
        id="w11-churn-breakeven",
        kind="expression",
        prompt="Break-even precision of the campaign, in terms of offer cost c, save rate s and "
               "customer value V.",
        reference=lambda c, s, V: churn_breakeven_precision(c, s, V),
        symbols={"c": "positive", "s": "probability", "V": "positive"},
        mistakes=(
            Mistake("no-save-rate", "A contacted churner is kept only with probability s: the "
                    "expected gain of contacting one is s·V.", form="c/V"),
            Mistake("regret-without-offer", "This treats a missed churner as costing s·V, but "
                    "a contacted churner also receives the offer: the regret is s·V − c, and "
                    "the costs C_FP = c, C_FN = s·V − c give the threshold.",
                    form="c/(c + s*V)"),
            Mistake("inverted", "Upside down: the break-even precision grows with the offer "
                    "cost.", form="s*V/c"),
        ),
        hint="Per contacted customer: with probability p a churner (kept with probability s, "
             "worth V), always paying c. Set the expected value to zero.",
    ),
    Exercise(
        id="w11-unwanted-push-cost",
        kind="expression",
        prompt="Expected lifetime value lost by one unwanted push: a user who does not want it "
               "churns within 30 days with probability q1 if pushed and q0 if not; a churned "
               "user takes L of lifetime value with them.",
        reference=lambda q1, q0, L: unwanted_push_cost(q1, q0, L),
        symbols={"q1": "probability", "q0": "probability", "L": "positive"},
        constraints=("q0 < q1",),
        mistakes=(
            Mistake("total-churn", "Some of these users would have churned anyway, with "
                    "probability q0: only the extra churn caused by the push is its cost.",
                    form="q1*L"),
            Mistake("no-ltv", "That is the extra probability of churning; each churned user "
                    "takes L of lifetime value.", form="q1 - q0"),
            Mistake("sign", "As a cost it is positive: the push raises churn from q0 to q1.",
                    form="(q0 - q1)*L"),
            Mistake("relative-risk", "The expected loss uses the difference of the two "
                    "probabilities, not their ratio: q1/q0 − 1 is a relative increase.",
                    form="(q1/q0 - 1)*L"),
        ),
        hint="Expected loss with the push minus the expected loss without it.",
    ),
    Exercise(
        id="w11-push-segment-value",
        kind="number",
        precision=Precision(decimals=0, unit="dollar"),
        prompt="Expected value of pushing all 250,000 users of a segment: a share 0.25 want it "
               "(+$0.50 each); the others churn with probability 0.006 instead of 0.002, "
               "losing $45 each; not pushing is worth $0. To the nearest dollar.",
        reference=lambda: _push_value(),
        mistakes=(
            Mistake("clicks-only", "That counts only the wanted pushes; the 75 % who did not "
                    "want it each cost the extra churn times the lifetime value.",
                    value=lambda: _push_value(cost_fp=0.0)),
            Mistake("total-churn", "That charges every unwanted push its whole churn, 0.006 × "
                    "$45; those users would churn with probability 0.002 anyway: only the extra "
                    "0.004 is the push's doing.",
                    value=lambda: _push_value(cost_fp=PUSH_CHURN_WITH * PUSH_LTV)),
            Mistake("harm-on-everyone", "The harm falls only on the users who did not want the "
                    "push (75 %), not on every user pushed.",
                    value=lambda: PUSH_USERS * (PUSH_PRECISION * PUSH_BENEFIT - unwanted_push_cost(
                        PUSH_CHURN_WITH, PUSH_CHURN_WITHOUT, PUSH_LTV))),
            Mistake("per-user", "That is the value per user pushed; the question asks for the "
                    "whole segment of 250,000.",
                    value=lambda: _push_value(users=1)),
            Mistake("sign", "Sending loses money here, so its expected value is negative: "
                    "give it with its sign.",
                    value=lambda: -_push_value()),
        ),
        hint="Per user pushed: 0.25 × (benefit) − 0.75 × (extra churn × lifetime value); times "
             "the users.",
    ),
    Exercise(
        id="w11-push-breakeven",
        kind="expression",
        prompt="Break-even precision of a push: a user who wants it is worth B_TP, one who "
               "does not costs C_FP, not pushing is worth 0.",
        reference=lambda B_TP, C_FP: push_breakeven_precision(B_TP, C_FP),
        symbols={"B_TP": "positive", "C_FP": "positive"},
        mistakes=(
            Mistake("odds-or-harm-on-all", "C_FP/B_TP is the break-even odds p/(1 − p), or what "
                    "you get by charging the harm on every push; the harm falls only on the "
                    "share 1 − p who did not want it. Solve p·B_TP − (1 − p)·C_FP = 0 for p.",
                    form="C_FP/B_TP"),
            Mistake("swapped", "Swapped: a costlier unwanted push must raise the bar, so C_FP "
                    "belongs in the numerator.", form="B_TP/(B_TP + C_FP)"),
            Mistake("half", "1/2 is the break-even only when a wanted push is worth exactly "
                    "what an unwanted one costs.", form="1/2"),
        ),
        hint="Per user pushed: p·B_TP − (1 − p)·C_FP. Set it to zero.",
    ),
    Exercise(
        id="w11-latency-choice",
        kind="choice",
        prompt="Logistic regression (AUC 0.781, 0.3 ms) or a deep net (AUC 0.789, 35 ms p99) "
               "under a 10 ms p99 budget?",
        reference=lambda: "c",
        choices={
            "a": "Ship the deep net: ROC-AUC is what matters, and hardware can be added later.",
            "b": "Ship the deep net with a 10 ms timeout that falls back to a constant score "
                 "when it is late.",
            "c": "Ship the logistic regression; put a dollar value on the 0.008 AUC gap "
                 "(online test or replay), and pursue a faster version of the net (distillation, "
                 "quantisation, fewer features) only if it pays.",
            "d": "Average the scores of the two models to get the best of both.",
        },
        explanations={
            "a": "The budget is a hard constraint: at 35 ms p99 the bids arrive too late and are "
                 "lost, and \"add hardware\" is a cost that the 0.008 of AUC has to pay for.",
            "b": "With a 35 ms p99 a large share of requests would time out, so in production "
                 "you would mostly serve the constant: worse than the logistic regression.",
            "d": "The average needs both scores, so every request still waits for the deep net: "
                 "the latency is that of the slower model.",
        },
    ),
)
