"""Week 12 (mock review): each reference against an independent derivation or computation.

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
