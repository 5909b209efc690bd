"""Week 9: each reference against an independent derivation or library, and the facts used.

Is the expected log loss the expectation under sympy.stats' Bernoulli, its derivative
zero only at p = q, its curvature there positive? Is the expected Brier score
(p − q)² + q(1 − q)? Does the log loss agree with scikit-learn, the ECE with a slow
bin-by-bin count (and with the notebook's floor binning on every probe)? Is the threshold
where the two expected costs meet? Is the Platt fit scikit-learn's and statsmodels'
unpenalised logistic regression? Do probes import nothing the notebook forbids?
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sklearn.metrics as skm
import sympy as sp
from sklearn.linear_model import LogisticRegression
from sympy.stats import Bernoulli, E

from mlfund import exercises
from mlfund.check._score import score
from mlfund.evaluation import symbolic
from mlfund.exercises import w09
from mlfund.optimization.symbolic import sigmoid

p, q = sp.symbols("p q", positive=True)
C_FP, C_FN = sp.symbols("C_FP C_FN", positive=True)
y, s, a, b = sp.symbols("y s a b", real=True)


def _ref(exercise_id, **symbols):
    spec = exercises.get(exercise_id)
    return spec.reference(**symbols) if spec.kind == "expression" else spec.reference()


# --- proper scoring rules ---------------------------------------------------------------------


def _bernoulli_expectation(score):
    outcome = Bernoulli("Y", q)
    return E(score(outcome))


def test_is_the_expected_log_loss_its_expectation_under_a_bernoulli():
    want = _bernoulli_expectation(lambda Y: -(Y * sp.log(p) + (1 - Y) * sp.log(1 - p)))
    assert sp.simplify(_ref("w09-expected-log-loss", p=p, q=q) - want) == 0


def test_is_the_derivative_of_the_expected_log_loss_zero_only_at_p_equal_q():
    derivative = _ref("w09-expected-log-loss-derivative", p=p, q=q)
    expected = sp.diff(_bernoulli_expectation(
        lambda Y: -(Y * sp.log(p) + (1 - Y) * sp.log(1 - p))), p)
    assert sp.simplify(derivative - expected) == 0
    assert sp.simplify(derivative - (p - q) / (p * (1 - p))) == 0
    assert sp.solve(derivative, p) == [q]


def test_is_the_curvature_at_the_minimum_the_bernoulli_fisher_information():
    curvature = _ref("w09-log-loss-curvature", q=q)
    assert sp.simplify(curvature - 1 / (q * (1 - q))) == 0
    assert sp.simplify(curvature - sp.diff(symbolic.expected_log_loss(p, q), p, 2)
                       .subs(p, q)) == 0
    assert all(float(curvature.subs(q, v)) > 0 for v in (0.01, 0.3, 0.5, 0.99))


def test_is_the_expected_brier_score_distance_plus_noise():
    reference = _ref("w09-expected-brier", p=p, q=q)
    assert sp.simplify(reference - _bernoulli_expectation(lambda Y: (p - Y) ** 2)) == 0
    assert sp.expand(reference - ((p - q) ** 2 + q * (1 - q))) == 0
    assert sp.solve(sp.diff(reference, p), p) == [q]


@pytest.mark.parametrize("args", w09._probability_probes())
def test_is_the_log_loss_reference_sklearns(args):
    y_true, y_prob = args
    reference = exercises.get("w09-log-loss").reference()(y_true, y_prob)
    assert reference == pytest.approx(skm.log_loss(y_true, y_prob, labels=[0, 1]), abs=1e-12)


def test_does_a_probe_hold_confident_right_predictions():
    """The probe that makes a learner clip: p exactly 0 or 1, and right."""
    found = False
    for y_true, y_prob in w09._probability_probes():
        exact = (y_prob == 0) | (y_prob == 1)
        if exact.any():
            found = True
            assert np.all(y_true[exact] == y_prob[exact])   # never a confident miss
    assert found


# --- calibration -----------------------------------------------------------------------------


def _slow_ece(y_true, y_prob, n_bins):
    """Bin by bin, bins (low, high] and the first [0, high], as scikit-learn's calibration."""
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for k in range(n_bins):
        low, high = edges[k], edges[k + 1]
        inside = (y_prob > low) & (y_prob <= high) if k else (y_prob <= high)
        if inside.any():
            gap = abs(y_true[inside].mean() - y_prob[inside].mean())
            total += inside.sum() / y_prob.size * gap
    return total


def _floor_ece(y_true, y_prob, n_bins):
    """The notebook's solution: bins [low, high), p = 1 in the last."""
    bins = np.minimum((y_prob * n_bins).astype(int), n_bins - 1)
    total = 0.0
    for k in np.unique(bins):
        inside = bins == k
        total += inside.mean() * abs(y_true[inside].mean() - y_prob[inside].mean())
    return total


@pytest.mark.parametrize("args", w09._calibration_probes())
def test_is_the_ece_reference_the_slow_bin_count_for_either_edge_convention(args):
    y_true, y_prob, n_bins = args
    reference = exercises.get("w09-ece").reference()(y_true, y_prob, n_bins)
    assert reference == pytest.approx(_slow_ece(y_true, y_prob, n_bins))
    assert reference == pytest.approx(_floor_ece(y_true, y_prob, n_bins))


@pytest.mark.parametrize("args", w09._calibration_probes())
def test_are_the_ece_bins_sklearns_calibration_curve(args):
    from sklearn.calibration import calibration_curve

    y_true, y_prob, n_bins = args
    prob_true, prob_pred = calibration_curve(y_true, y_prob, n_bins=n_bins)
    gaps, _ = w09._gaps(y_true, y_prob, n_bins)
    np.testing.assert_allclose(gaps, prob_true - prob_pred, atol=1e-12)


def test_do_the_ece_probes_put_probabilities_at_the_ends():
    assert any(np.any(p_ == 1.0) for _, p_, _ in w09._calibration_probes())


# --- the cost-optimal threshold -------------------------------------------------------------


def test_is_the_threshold_where_the_expected_costs_meet():
    spec = exercises.get("w09-cost-threshold-derivation")
    # the derivation's expected costs are the library's
    cost_flag = symbolic.expected_cost_of_positive(p, C_FP)
    cost_pass = symbolic.expected_cost_of_negative(p, C_FN)
    names = {"p": p, "C_FP": C_FP, "C_FN": C_FN}
    stated = {k: sp.sympify(v, locals=names) for k, v in spec.derivation.definitions.items()}
    assert sp.simplify(stated["cost_flag"] - cost_flag) == 0     # only a false positive costs
    assert sp.simplify(stated["cost_pass"] - cost_pass) == 0     # only a false negative costs
    (meet,) = sp.solve(sp.Eq(cost_flag, cost_pass), p)
    assert sp.simplify(spec.reference(C_FP=C_FP, C_FN=C_FN) - meet) == 0


def test_is_the_fraud_threshold_the_review_cost_over_the_chargeback():
    # the review is paid on frauds too: review when 5 < 200·p
    assert _ref("w09-fraud-threshold") == pytest.approx(5 / 200)
    # the same threshold from the generic formula, with C_FN the regret 200 − 5
    t_star = symbolic.cost_optimal_threshold(C_FP, C_FN).subs({C_FP: 5, C_FN: 200 - 5})
    assert float(t_star) == pytest.approx(5 / 200)


def test_does_the_fraud_threshold_minimise_the_simulated_cash_cost():
    rng = np.random.default_rng(9)
    prob = rng.beta(0.3, 12, size=400_000)
    fraud = rng.random(prob.size) < prob
    thresholds = np.linspace(0.0, 0.2, 201)
    # in cash: every reviewed payment costs $5, every fraud not reviewed $200
    cost = [np.mean(np.where(prob >= t, 5.0, 200.0 * fraud)) for t in thresholds]
    assert thresholds[int(np.argmin(cost))] == pytest.approx(_ref("w09-fraud-threshold"),
                                                             abs=0.005)


def test_is_the_fraud_threshold_the_mock_reviews_formula_at_these_costs():
    formula = exercises.get("w12-review-threshold").reference
    r, v = sp.symbols("r v", positive=True)
    value = float(formula(r=r, v=v).subs({r: w09.REVIEW_COST, v: w09.CHARGEBACK_COST}))
    assert _ref("w09-fraud-threshold") == pytest.approx(value)


# --- the fraud threshold with each student's numbers (a course with variants) --------------

VARIANT_KEY = bytes(range(100, 132))


def _fraud_draws():
    spec = exercises.get("w09-fraud-threshold")
    return spec, [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]


def test_do_the_fraud_thresholds_numbers_default_to_the_notebooks():
    spec = exercises.get("w09-fraud-threshold")
    assert spec.varies
    assert spec.defaults == {"review": w09.REVIEW_COST, "chargeback": w09.CHARGEBACK_COST}
    assert spec.with_values(spec.defaults).prompt == spec.prompt
    assert spec.with_values(spec.defaults).reference() == pytest.approx(5 / 200)


def test_is_every_drawn_fraud_threshold_well_posed_and_apart_from_its_mistakes():
    spec, draws = _fraud_draws()
    assert len({tuple(sorted(v.items())) for v in draws}) > 100     # students differ
    for values in draws:
        item = spec.with_values(values)
        r, v = values["review"], values["chargeback"]
        assert 2 <= r <= 20 and 80 <= v <= 600 and v % 10 == 0
        assert f"${r} " in item.prompt and f"${v} " in item.prompt
        t_star = item.reference()
        assert np.isfinite(t_star) and 0 < t_star <= 0.2
        tolerance = item.atol + item.rtol * abs(t_star)
        for mistake in item.mistakes:
            assert abs(mistake.value() - t_star) > 2 * tolerance, (values, mistake.note)
            # the mistake as a learner gives it, to 4 decimals, still gets its note
            given = round(mistake.value(), 4)
            result = score(item, {"type": "number", "value": given})
            assert result.mistake == mistake.note, (values, mistake.note, result.feedback)
        assert score(item, {"type": "number", "value": round(t_star, 4)}).verdict == "correct"


def test_is_a_drawn_fraud_threshold_where_the_cash_costs_meet():
    spec, draws = _fraud_draws()
    pr = sp.Symbol("p", positive=True)
    for values in draws[:5]:
        r, v = values["review"], values["chargeback"]
        # in cash: reviewing costs r whether or not it is a fraud; passing costs p·v
        (meet,) = sp.solve(sp.Eq(r, pr * v), pr)
        assert spec.with_values(values).reference() == pytest.approx(float(meet))
        # and the generic regret formula, C_FP = r, C_FN = v − r
        regret = symbolic.cost_optimal_threshold(C_FP, C_FN).subs({C_FP: r, C_FN: v - r})
        assert spec.with_values(values).reference() == pytest.approx(float(regret))


def test_does_a_drawn_fraud_threshold_minimise_the_simulated_cash_cost():
    spec, draws = _fraud_draws()
    rng = np.random.default_rng(19)
    prob = rng.uniform(0, 0.4, size=400_000)
    fraud = rng.random(prob.size) < prob
    thresholds = np.linspace(0.0, 0.3, 301)
    for values in draws[:3]:
        r, v = values["review"], values["chargeback"]
        cost = [np.mean(np.where(prob >= t, r, v * fraud)) for t in thresholds]
        assert thresholds[int(np.argmin(cost))] == pytest.approx(
            spec.with_values(values).reference(), abs=0.01)


def test_is_auc_unchanged_and_calibration_changed_by_cubing():
    rng = np.random.default_rng(3)
    prob = rng.random(5_000)
    label = (rng.random(5_000) < prob).astype(int)
    assert skm.roc_auc_score(label, prob ** 3) == pytest.approx(skm.roc_auc_score(label, prob))
    assert (w09._ece(label, prob ** 3, 10) > 0.1 > w09._ece(label, prob, 10))
    assert exercises.get("w09-monotone-transform").reference() == "b"


# --- Platt scaling ---------------------------------------------------------------------------


def test_is_the_platt_gradient_the_derivative_of_the_log_loss():
    z = a * s + b
    loss = -(y * sp.log(sigmoid(z)) + (1 - y) * sp.log(1 - sigmoid(z)))
    gradient = _ref("w09-platt-gradient", y=y, s=s, a=a, b=b)
    for component, parameter in zip(gradient, (a, b), strict=True):
        difference = component - sp.diff(loss, parameter)
        values = {y: sp.Rational(1, 3), s: sp.Rational(-7, 5), a: sp.Rational(2, 3),
                  b: sp.Rational(1, 4)}
        assert abs(float(difference.subs(values))) < 1e-12
        assert sp.simplify(difference) == 0


@pytest.mark.parametrize("args", w09._platt_probes())
def test_is_the_platt_fit_an_unpenalised_logistic_regression(args):
    import statsmodels.api as sm

    y_true, y_score = args
    reference = exercises.get("w09-platt-scaling").reference()(y_true, y_score)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    model.fit(y_score.reshape(-1, 1), y_true)
    np.testing.assert_allclose(reference, [model.coef_[0, 0], model.intercept_[0]], rtol=1e-4)
    design = np.column_stack([y_score, np.ones_like(y_score)])
    logit = sm.Logit(y_true, design).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(reference, logit.params, rtol=1e-6)


def test_are_the_platt_probes_not_separated():
    for y_true, y_score in w09._platt_probes():
        positives, negatives = y_score[y_true == 1], y_score[y_true == 0]
        assert positives.min() < negatives.max() and negatives.min() < positives.max()


@pytest.mark.parametrize("args", w09._platt_probes())
def test_does_plain_newton_from_zero_converge_on_the_probes(args):
    """The notebook tells the learner to start Newton at θ = 0 without step halving."""
    y_true, y_score = args
    X = np.column_stack([y_score, np.ones_like(y_score)])
    theta = np.zeros(2)
    for _ in range(50):
        prob = 1 / (1 + np.exp(-(X @ theta)))
        theta = theta - np.linalg.solve((X.T * (prob * (1 - prob))) @ X, X.T @ (prob - y_true))
    np.testing.assert_allclose(theta, w09._platt(y_true, y_score), rtol=1e-8)


# --- what the learner's kernel runs ----------------------------------------------------------


def test_do_the_module_and_its_probes_import_nothing_the_notebook_forbids():
    code = (
        "import sys\n"
        "from mlfund import exercises\n"
        "for spec in exercises.week(9):\n"
        "    if spec.probes is not None:\n"
        "        spec.probes()\n"
        "banned = ('sklearn', 'mlfund.evaluation', 'scipy.stats', 'statsmodels')\n"
        "print([m for m in sys.modules if m.startswith(banned)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_do_the_function_items_forbid_the_metric_libraries():
    for spec in exercises.week(9):
        if spec.kind == "function":
            assert {"sklearn", "mlfund.evaluation"} <= set(spec.forbidden_imports)
