"""Week 12 (two mock reviews): each reference against an independent derivation or computation.

Every question is a variant of an earlier week; here each reference is re-derived with sympy
from first principles or recomputed with scipy, statsmodels or scikit-learn, and the facts
the questions rely on (the figure shows high variance, the probes have ties, the notebook
states the numbers the specs use) are checked.
"""

from __future__ import annotations

import math
import re

import nbformat
import numpy as np
import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check._score import namespace
from mlfund.course._nbgrader import notebooks_dir
from mlfund.exercises import _w12_mock_b as mock_b
from mlfund.exercises import w12
from mlfund.optimization import symbolic as opt_sym


def _spec(exercise_id: str):
    return exercises.get(exercise_id)


def _reference_expression(exercise_id: str):
    spec = _spec(exercise_id)
    symbols = namespace(spec).symbols
    return spec.reference(**symbols), symbols


def _same(a, b) -> bool:
    return sp.simplify(a - b) == 0


# --- Q1 -------------------------------------------------------------------------------------


def test_is_the_penalised_gradient_the_derivative_of_the_penalised_loss():
    ref, sym = _reference_expression("w12-penalised-logistic-gradient")
    theta, u, t, mu = sym["theta"], sym["u"], sym["t"], sym["mu"]
    loss = opt_sym.bce(opt_sym.sigmoid(theta * u), t) + mu * theta**2
    assert _same(sp.diff(loss, theta), ref)


# --- Q2 -------------------------------------------------------------------------------------


def test_is_the_gd_rate_the_worst_factor_at_the_balancing_step():
    ref, sym = _reference_expression("w12-gd-rate")
    m, L = sym["m"], sym["L"]
    eta = 2 / (m + L)
    # for m < L: 1 − ηm > 0 and 1 − ηL < 0, and the two have the same size
    assert _same(1 - eta * m, ref)
    assert _same(-(1 - eta * L), ref)


def test_does_gd_reach_the_tolerance_after_exactly_the_reference_iterations():
    k = _spec("w12-gd-iterations").reference()
    lo, hi = w12.GD_EIGENVALUES
    A = np.diag(w12.GD_EIGENVALUES)
    eta = 2 / (lo + hi)
    x = np.array([1.0, 1.0])          # both directions contract by the same factor 0.9
    norms = [np.linalg.norm(x)]
    for _ in range(k):
        x = x - eta * A @ x
        norms.append(np.linalg.norm(x))
    ratio = np.array(norms) / norms[0]
    assert ratio[k] <= w12.GD_TOLERANCE < ratio[k - 1]



def _gd_steps_to_tolerance(lam_min: float, lam_max: float) -> int:
    """GD at the step 2/(λ_min + λ_max) on diag(λ_min, λ_max), run until the distance to the
    minimiser is 10⁻⁴ of what it was (both directions contract by the same factor)."""
    A = np.diag([float(lam_min), float(lam_max)])
    eta = 2 / (lam_min + lam_max)
    x = np.array([1.0, 1.0])
    start, steps = np.linalg.norm(x), 0
    while np.linalg.norm(x) > w12.GD_TOLERANCE * start:
        x = x - eta * A @ x
        steps += 1
    return steps


VARIANT_KEY = bytes(range(200, 232))


def test_are_every_students_gd_iterations_posed_and_apart_from_the_mistakes():
    spec = _spec("w12-gd-iterations")
    draws = [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]
    assert spec.varies and len({tuple(sorted(d.items())) for d in draws}) > 150
    for values in draws:
        item = spec.with_values(values)
        k = item.reference()
        tolerance = item.atol + item.rtol * abs(k)
        assert isinstance(k, int) and 37 <= k <= 185, values
        assert 8 <= values["lam_max"] / values["lam_min"] <= 40
        for mistake in item.mistakes:
            assert abs(float(mistake.value()) - k) > tolerance, (values, mistake.note)
    # the reference is the count of GD steps, run, at a few students' eigenvalues
    for values in draws[:: 25]:
        assert spec.with_values(values).reference() == _gd_steps_to_tolerance(
            values["lam_min"], values["lam_max"])


def test_does_the_workbooks_gd_question_keep_its_eigenvalues():
    spec = _spec("w12-gd-iterations")
    assert spec.defaults == {"lam_min": 2, "lam_max": 38}
    assert tuple(map(float, spec.defaults.values())) == w12.GD_EIGENVALUES
    assert spec.reference() == 88 == _gd_steps_to_tolerance(2, 38)

# --- Q3 -------------------------------------------------------------------------------------


def test_is_the_weight_decay_step_one_gd_step_on_the_penalised_loss():
    ref, sym = _reference_expression("w12-weight-decay-step")
    theta, g, alpha, mu = sym["theta"], sym["g"], sym["alpha"], sym["mu"]
    loss = sp.Function("L")
    objective = loss(theta) + mu * theta**2
    step = theta - alpha * sp.diff(objective, theta)
    step = step.subs(sp.Derivative(loss(theta), theta), g)
    assert _same(step, ref)


# --- Q4 -------------------------------------------------------------------------------------


def test_is_the_exponential_se_one_over_root_n_times_the_fisher_information():
    ref, sym = _reference_expression("w12-exponential-rate-se")
    lam, n = sym["lam"], sym["n"]
    x = sp.Symbol("x", positive=True)
    density = lam * sp.exp(-lam * x)
    info = -sp.integrate(sp.diff(sp.log(density), lam, 2) * density, (x, 0, sp.oo))
    assert _same(info, 1 / lam**2)
    assert _same(1 / sp.sqrt(n * info), ref)


def test_does_the_se_match_the_spread_of_simulated_mles():
    ref, sym = _reference_expression("w12-exponential-rate-se")
    rate, size = 2.0, 400
    rng = np.random.default_rng(4)
    mles = size / rng.exponential(1 / rate, size=(4000, size)).sum(axis=1)
    predicted = float(ref.subs({sym["lam"]: rate, sym["n"]: size}))
    assert mles.std() == pytest.approx(predicted, rel=0.05)


# --- Q5 -------------------------------------------------------------------------------------


def test_is_the_wilson_interval_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    ref = _spec("w12-wilson-zero-successes").reference()
    low, high = proportion_confint(0, w12.CANARY_DEPLOYS, alpha=0.05, method="wilson")
    assert (ref.low, ref.high) == pytest.approx((low, high), abs=1e-12)
    # at zero successes the upper end is z²/(n + z²)
    z = 1.959963984540054
    assert ref.high == pytest.approx(z**2 / (w12.CANARY_DEPLOYS + z**2), rel=1e-9)


# --- Q6 -------------------------------------------------------------------------------------


def test_is_the_sample_size_statsmodels_and_the_textbook_formula_rounded_up():
    from scipy.stats import norm
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    ref = _spec("w12-sample-size-per-arm").reference()
    p1, p2 = w12.BASELINE_CONVERSION, w12.TARGET_CONVERSION
    pbar = (p1 + p2) / 2
    by_hand = (norm.ppf(0.975) * math.sqrt(2 * pbar * (1 - pbar))
               + norm.ppf(0.8) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    by_statsmodels = samplesize_proportions_2indep_onetail(p2 - p1, p1, 0.8, alpha=0.05)
    assert ref == math.ceil(by_hand) == math.ceil(by_statsmodels)


def test_does_rounding_the_z_values_still_pass():
    spec = _spec("w12-sample-size-per-arm")
    p1, p2 = w12.BASELINE_CONVERSION, w12.TARGET_CONVERSION
    pbar = (p1 + p2) / 2
    rounded = (1.96 * math.sqrt(2 * pbar * (1 - pbar))
               + 0.84 * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    assert abs(math.ceil(rounded) - spec.reference()) <= spec.rtol * spec.reference()


# --- Q7 -------------------------------------------------------------------------------------


def test_is_the_shrinkage_factor_the_ratio_of_ridge_to_ols_along_each_direction():
    ref, sym = _reference_expression("w12-ridge-shrinkage")
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 4)) * np.array([4.0, 2.0, 1.0, 0.2])
    y = rng.normal(size=30)
    penalty = 3.0
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    ridge = np.linalg.solve(X.T @ X + penalty * np.eye(4), X.T @ y)
    _, singular, vt = np.linalg.svd(X, full_matrices=False)
    factors = [float(ref.subs({sym["s"]: sv, sym["gamma"]: penalty})) for sv in singular]
    assert vt @ ridge == pytest.approx(np.array(factors) * (vt @ ols), rel=1e-9)


def test_do_the_learning_curves_of_the_figure_show_high_variance():
    # the notebook's simulation, shortened: the gap stays wide and the validation error falls
    rng = np.random.default_rng(12)
    noise = 0.3
    x_val = rng.uniform(0, 1, 2000)
    y_val = np.sin(2 * np.pi * x_val) + noise * rng.normal(size=2000)
    train, val = [], []
    for size in (16, 25, 40):
        tr, va = [], []
        for _ in range(50):
            x = rng.uniform(0, 1, size)
            y = np.sin(2 * np.pi * x) + noise * rng.normal(size=size)
            model = np.polynomial.Polynomial.fit(x, y, 9)
            tr.append(np.mean((model(x) - y) ** 2))
            va.append(np.mean((model(x_val) - y_val) ** 2))
        train.append(np.median(tr))
        val.append(np.median(va))
    assert val[0] > val[1] > val[2]
    assert val[-1] > 1.3 * noise**2 > noise**2 > train[-1]
    assert _spec("w12-learning-curve-diagnosis").reference() == "b"


# --- Q8 -------------------------------------------------------------------------------------


def test_is_the_auc_reference_sklearn_on_every_probe():
    from sklearn.metrics import roc_auc_score

    spec = _spec("w12-roc-auc-pairs")
    reference = spec.reference()
    for y, s in spec.probes():
        assert reference(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_do_the_auc_probes_have_ties_between_classes():
    spec = _spec("w12-roc-auc-pairs")
    probes = spec.probes()
    with_ties = [np.intersect1d(s[y == 1], s[y == 0]).size > 0 for y, s in probes]
    assert sum(with_ties) >= 3
    reference = spec.reference()
    for mistake in spec.mistakes:
        assert any(abs(mistake.value(y, s) - reference(y, s)) > 1e-6 for y, s in probes)


# --- Q9 -------------------------------------------------------------------------------------


def test_is_the_review_threshold_where_the_expected_costs_meet():
    ref, sym = _reference_expression("w12-review-threshold")
    r, v = sym["r"], sym["v"]
    p = sp.Symbol("p", positive=True)
    # reviewing costs r whatever the truth; not reviewing costs v with probability p
    assert sp.solve(sp.Eq(r, p * v), p) == [ref]


def test_does_the_numeric_library_agree_on_the_review_threshold():
    from mlfund.evaluation import cost_optimal_threshold

    ref, sym = _reference_expression("w12-review-threshold")
    value = float(ref.subs({sym["r"]: 4, sym["v"]: 250}))
    assert cost_optimal_threshold(4.0, 250.0, cost_tp=4.0) == pytest.approx(value)


# --- Q10 ------------------------------------------------------------------------------------


def test_is_the_cv_standard_error_scipys_sem():
    from scipy.stats import sem

    ref = _spec("w12-cv-standard-error").reference()
    assert ref == pytest.approx(sem(w12.FOLD_SCORES), rel=1e-12)


# --- Q11 ------------------------------------------------------------------------------------


def test_is_the_revenue_interval_the_statsmodels_wald_interval_scaled():
    from statsmodels.stats.proportion import confint_proportions_2indep

    ref = _spec("w12-annual-revenue-interval").reference()
    (x_t, n_t), (x_c, n_c) = w12.AB_TREATMENT, w12.AB_CONTROL
    low, high = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", compare="diff")
    factor = 12 * w12.MONTHLY_VISITORS * w12.ORDER_VALUE
    assert ref == pytest.approx((factor * low, factor * high), rel=1e-9)
    assert ref[0] > 0   # the lift is significant, which Q12's model answer takes for granted


# --- the notebook -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notebook_text() -> str:
    path = notebooks_dir() / "w12" / "w12-mock-review.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_does_the_notebook_state_the_numbers_the_specs_use(notebook_text):
    for score in w12.FOLD_SCORES:
        assert f"{score}" in notebook_text
    assert "eigenvalues are 2 and 38" in notebook_text and "10^{-4}" in notebook_text
    assert f"{w12.CANARY_DEPLOYS} canary deploys" in notebook_text
    assert "4 %" in notebook_text and "5 %" in notebook_text
    assert "1,260" in notebook_text and "1,140" in notebook_text and "30,000" in notebook_text
    assert "2 million visitors a month" in notebook_text and "\\$40" in notebook_text


def test_does_the_mock_revisit_every_earlier_week(notebook_text):
    table = notebook_text.split("| # |", 1)[1].split("\n\n", 1)[0]
    weeks = {int(w) for w in re.findall(r"\bw(\d\d)\b", table)}
    assert weeks >= set(range(1, 12))
    minutes = [int(x) for x in re.findall(r"\| (\d+) min \|", table)]
    assert len(minutes) == 12 and 70 <= sum(minutes) <= 80


# --- the second mock (w12-mock-b.ipynb) ----------------------------------------------------


def test_is_the_pm1_logistic_slope_the_derivative_and_the_zero_one_slope_relabelled():
    ref, sym = _reference_expression("w12-b-logistic-pm1-derivation")
    y, h = sym["y"], sym["h"]
    assert _same(sp.diff(sp.log(1 + sp.exp(-y * h)), h), ref)
    # with y = 2·label − 1, the ±1 form is week 1's σ(h) − label
    for label in (0, 1):
        assert _same(ref.subs(y, 2 * label - 1), opt_sym.sigmoid(h) - label)


def test_is_the_moving_average_the_solution_of_its_recurrence():
    ref, sym = _reference_expression("w12-b-ema-bias")
    g, beta, t = sym["g"], sym["beta"], sym["t"]
    m = sp.Function("m")
    solved = sp.rsolve(m(t) - beta * m(t - 1) - (1 - beta) * g, m(t), {m(0): 0})
    assert _same(solved, ref)
    value, decay = 0.0, 0.9
    for step in range(1, 31):
        value = decay * value + (1 - decay) * 2.5
        assert value == pytest.approx(float(ref.subs({g: 2.5, beta: decay, t: step})))


def _gd_on_penalised_least_squares(step: float, iterations: int = 1000) -> float:
    # a design whose XᵀX/n has the stated eigenvalues, and GD on (1/n)‖Xw − y‖² + λ‖w‖²
    rng = np.random.default_rng(1203)
    size = 50
    q_left, _ = np.linalg.qr(rng.normal(size=(size, 2)))
    q_right, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    X = np.sqrt(size) * q_left @ np.diag(np.sqrt(mock_b.GRAM_EIGENVALUES)) @ q_right.T
    y = rng.normal(size=size)
    lam = mock_b.RIDGE_WEIGHT
    best = np.linalg.solve(X.T @ X / size + lam * np.eye(2), X.T @ y / size)
    w = best + np.array([1.0, -1.0])
    for _ in range(iterations):
        w = w - step * (2 / size * X.T @ (X @ w - y) + 2 * lam * w)
    return float(np.linalg.norm(w - best))


def test_does_gd_converge_just_below_the_stable_step_and_diverge_just_above():
    step = _spec("w12-b-stable-step").reference()
    assert _gd_on_penalised_least_squares(0.99 * step) < 1e-3
    assert _gd_on_penalised_least_squares(1.01 * step) > 1e3


def test_is_the_laplace_scale_scipys_fit_and_the_score_equations_root():
    from scipy import stats

    spec = _spec("w12-b-laplace-scale-derivation")
    b, D, n = (sp.Symbol(name, positive=True) for name in ("b", "D", "n"))
    score = sp.diff(-n * sp.log(2 * b) - D / b, b)
    assert sp.solve(score, b) == [spec.reference(D=D, n=n)]
    x = stats.laplace.rvs(loc=3.0, scale=1.7, size=500, random_state=1204)
    _, scale = stats.laplace.fit(x, floc=3.0)
    total = float(np.abs(x - 3.0).sum())
    assert scale == pytest.approx(float(spec.reference(D=total, n=len(x))), rel=1e-6)


def test_is_the_log_rate_se_the_delta_method_and_the_spread_of_simulated_logs():
    ref, sym = _reference_expression("w12-b-log-rate-se")
    c, m = sym["c"], sym["m"]
    assert _same(sp.diff(sp.log(c), c) ** 2 * c * (1 - c) / m, ref**2)
    rate, users = 0.2, 5000
    rng = np.random.default_rng(1205)
    logs = np.log(rng.binomial(users, rate, size=20_000) / users)
    assert logs.std() == pytest.approx(float(ref.subs({c: rate, m: users})), rel=0.03)


def test_is_the_relative_lift_interval_statsmodels_log_ratio_interval_minus_one():
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = _spec("w12-b-relative-lift-interval").reference()
    (x_t, n_t), (x_c, n_c) = mock_b.LIFT_TREATMENT, mock_b.LIFT_CONTROL
    ratio_low, ratio_high = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="log",
                                                       compare="ratio")
    assert (low, high) == pytest.approx((ratio_low - 1, ratio_high - 1), rel=1e-9)
    assert 0 < low < x_t / x_c - 1 < high   # significant, and around the estimate


def test_does_the_relative_lift_interval_accept_the_textbook_quantile():
    from mlfund.check import check

    (x_t, n_t), (x_c, n_c) = mock_b.LIFT_TREATMENT, mock_b.LIFT_CONTROL
    p_t, p_c = x_t / n_t, x_c / n_c
    se = math.sqrt((1 - p_t) / x_t + (1 - p_c) / x_c)
    ends = tuple(math.exp(math.log(p_t / p_c) + s * 1.96 * se) - 1 for s in (-1, 1))
    assert check("w12-b-relative-lift-interval", ends).result.verdict == "correct"


def test_does_the_undersampling_correction_follow_from_bayes_and_fix_a_fitted_model():
    from sklearn.linear_model import LogisticRegression

    ref, sym = _reference_expression("w12-b-undersampling-correction")
    p_s, phi = sym["p_s"], sym["phi"]
    prior, like_pos, like_neg = sp.symbols("prior f_pos f_neg", positive=True)
    population = prior * like_pos / (prior * like_pos + (1 - prior) * like_neg)
    sample = prior * like_pos / (prior * like_pos + phi * (1 - prior) * like_neg)
    assert _same(ref.subs(p_s, sample), population)

    # a logistic model fitted on undersampled data, corrected, against the true probability
    rng = np.random.default_rng(1207)
    x = rng.normal(size=400_000)
    truth = 1 / (1 + np.exp(-(-4.0 + 1.5 * x)))
    labels = rng.uniform(size=x.size) < truth
    keep_rate = 0.1
    kept = labels | (rng.uniform(size=x.size) < keep_rate)
    model = LogisticRegression(C=1e6).fit(x[kept, None], labels[kept])
    grid = np.array([-1.0, 0.0, 1.0, 2.0])
    on_sample = model.predict_proba(grid[:, None])[:, 1]
    corrected = [float(ref.subs({p_s: p, phi: keep_rate})) for p in on_sample]
    true_values = 1 / (1 + np.exp(-(-4.0 + 1.5 * grid)))
    assert corrected == pytest.approx(true_values, rel=0.1)
    assert not on_sample == pytest.approx(true_values, rel=0.5)   # uncorrected: far off


def test_is_the_precision_at_the_new_prevalence_the_confusion_counts_and_a_simulation():
    from sklearn.metrics import precision_score

    ref = _spec("w12-b-precision-at-new-prevalence").reference()
    tpr = 0.6   # any TPR: the FPR that gives the launch precision follows from it
    pi1, q1, pi2 = (mock_b.LAUNCH_PREVALENCE, mock_b.LAUNCH_PRECISION,
                    mock_b.CURRENT_PREVALENCE)
    fpr = tpr * pi1 * (1 - q1) / (q1 * (1 - pi1))
    assert pi1 * tpr / (pi1 * tpr + (1 - pi1) * fpr) == pytest.approx(q1)
    assert ref == pytest.approx(pi2 * tpr / (pi2 * tpr + (1 - pi2) * fpr), rel=1e-12)
    rng = np.random.default_rng(1208)
    size = 4_000_000
    y = rng.uniform(size=size) < pi2
    flagged = np.where(y, rng.uniform(size=size) < tpr, rng.uniform(size=size) < fpr)
    assert precision_score(y, flagged) == pytest.approx(ref, rel=0.05)


def test_are_the_test_days_statsmodels_sample_size_over_the_daily_users():
    from scipy.stats import norm
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    days = _spec("w12-b-test-duration-days").reference()
    p1 = mock_b.DURATION_BASELINE
    p2 = p1 * (1 + mock_b.DURATION_RELATIVE_LIFT)
    per_arm = samplesize_proportions_2indep_onetail(p2 - p1, p1, 0.8, alpha=0.05)
    assert days == math.ceil(2 * math.ceil(per_arm) / mock_b.DAILY_USERS)
    pbar = (p1 + p2) / 2
    for z_alpha, z_beta in ((norm.ppf(0.975), norm.ppf(0.8)), (1.96, 0.84)):
        n = (z_alpha * math.sqrt(2 * pbar * (1 - pbar))
             + z_beta * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
        assert math.ceil(2 * math.ceil(n) / mock_b.DAILY_USERS) == days


@pytest.fixture(scope="module")
def mock_b_text() -> str:
    path = notebooks_dir() / "w12" / "w12-mock-b.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_does_the_second_mock_state_the_numbers_its_specs_use(mock_b_text):
    assert "eigenvalues of $X^\\top X/n$ are 0.8 and 6" in mock_b_text
    assert "$\\lambda = 0.1$" in mock_b_text
    text = " ".join(mock_b_text.split())
    assert "690 of 15,000" in text and "600 of 15,000" in text
    assert "fraud at 1 % of payments" in mock_b_text and "0.30" in mock_b_text
    assert "0.25 % of payments" in mock_b_text
    assert "converts at 8 %" in mock_b_text and "5 % *relative* lift" in mock_b_text
    assert "12,000 new users" in mock_b_text


def test_does_the_second_mock_mix_the_pillars_in_about_an_hour(mock_b_text):
    table = mock_b_text.split("| # |", 1)[1].split("\n\n", 1)[0]
    for pillar in ("optimization", "inference", "evaluation", "product sense"):
        assert pillar in table
    minutes = [int(x) for x in re.findall(r"\| (\d+) min \|", table)]
    assert len(minutes) == 11 and 55 <= sum(minutes) <= 65


def test_do_the_two_mocks_hold_disjoint_items_that_make_up_the_week():
    ids = [s.id for s in exercises.week(12)]
    second = [i for i in ids if i.startswith("w12-b-")]
    assert [s.id for s in mock_b.EXERCISES] == second
    assert [s.id for s in w12.MOCK_REVIEW] == [i for i in ids if i not in second]
    assert len(second) >= 10
    assert sum(s.kind in ("expression", "derivation") for s in mock_b.EXERCISES) >= 4
    assert any(s.kind == "derivation" for s in mock_b.EXERCISES)
