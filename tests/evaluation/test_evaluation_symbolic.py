"""Symbolic forms: each against its numeric twin at random points, and the derivations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import mlfund.evaluation as ev
from mlfund.evaluation import symbolic as sym

RNG = np.random.default_rng(2024)
N_POINTS = 25


def _counts(rng):
    tp, fp, fn, tn = (int(v) for v in rng.integers(1, 200, size=4))
    return tp, fp, fn, tn


def _f(expr) -> float:
    return float(sp.N(expr, 30))


def test_confusion_forms_match_numeric_twins():
    """Do precision, recall, specificity, accuracy, F1 and F-beta match ConfusionMatrix?"""
    for _ in range(N_POINTS):
        tp, fp, fn, tn = _counts(RNG)
        beta = float(RNG.uniform(0.1, 4))
        cm = ev.ConfusionMatrix(tp=tp, fp=fp, fn=fn, tn=tn)
        assert _f(sym.precision(tp, fp)) == pytest.approx(cm.precision(), rel=1e-12)
        assert _f(sym.recall(tp, fn)) == pytest.approx(cm.recall(), rel=1e-12)
        assert _f(sym.specificity(tn, fp)) == pytest.approx(cm.specificity(), rel=1e-12)
        assert _f(sym.accuracy(tp, fp, fn, tn)) == pytest.approx(cm.accuracy(), rel=1e-12)
        assert _f(sym.f1(tp, fp, fn)) == pytest.approx(cm.f1(), rel=1e-12)
        assert _f(sym.fbeta(tp, fp, fn, beta)) == pytest.approx(cm.fbeta(beta=beta), rel=1e-12)
        p, r = cm.precision(), cm.recall()
        assert _f(sym.f1_from_precision_recall(p, r)) == pytest.approx(cm.f1(), rel=1e-12)
        assert _f(sym.fbeta_from_precision_recall(p, r, beta)) == pytest.approx(
            cm.fbeta(beta=beta), rel=1e-12)


def test_f_scores_from_counts_equal_forms_from_precision_and_recall():
    """Symbolically, is 2tp/(2tp+fp+fn) the harmonic mean of P and R (and F-beta too)?"""
    tp, fp, fn, beta = sp.symbols("tp fp fn beta", positive=True)
    p, r = sym.precision(tp, fp), sym.recall(tp, fn)
    assert sp.simplify(sym.f1(tp, fp, fn) - sym.f1_from_precision_recall(p, r)) == 0
    assert sp.simplify(sym.fbeta(tp, fp, fn, beta)
                       - sym.fbeta_from_precision_recall(p, r, beta)) == 0
    assert sp.simplify(sym.fbeta(tp, fp, fn, 1) - sym.f1(tp, fp, fn)) == 0


def test_rank_sum_auc_matches_roc_auc_score():
    """Is (R₊ - n₊(n₊+1)/2)/(n₊n₋) with scipy's mid-ranks our ROC-AUC?"""
    for _ in range(N_POINTS):
        n = int(RNG.integers(2, 50))
        y = (RNG.random(n) < 0.4).astype(int)
        y[:2] = [0, 1]
        s = RNG.integers(0, 5, size=n).astype(float)
        rank_sum = stats.rankdata(s)[y == 1].sum()
        want = ev.roc_auc_score(y, s)
        got = _f(sym.roc_auc_from_rank_sum(sp.nsimplify(rank_sum), int(y.sum()),
                                           int(n - y.sum())))
        assert got == pytest.approx(want, abs=1e-12)


def test_binormal_auc_matches_normal_cdf_and_simulation():
    """Is the binormal AUC Φ(d/√(σ₊²+σ₋²)), and close to ROC-AUC of large normal samples?"""
    for _ in range(N_POINTS):
        m1, m0 = RNG.normal(size=2)
        s1, s0 = RNG.uniform(0.3, 3, size=2)
        want = stats.norm.cdf((m1 - m0) / math.hypot(s1, s0))
        assert _f(sym.binormal_roc_auc(m1, m0, s1, s0)) == pytest.approx(want, rel=1e-10)
    rng = np.random.default_rng(0)
    pos, neg = rng.normal(1.0, 1.0, 20_000), rng.normal(0.0, 2.0, 20_000)
    y = np.r_[np.ones(pos.size), np.zeros(neg.size)]
    empirical = ev.roc_auc_score(y, np.r_[pos, neg])
    assert empirical == pytest.approx(_f(sym.binormal_roc_auc(1, 0, 1, 2)), abs=0.01)


def test_loss_forms_match_numeric_twins():
    """Do the one-example and expected log loss and Brier match the numeric functions?"""
    for _ in range(N_POINTS):
        p, q = RNG.uniform(0.01, 0.99, size=2)
        for y in (0, 1):
            assert _f(sym.log_loss(y, p)) == pytest.approx(ev.log_loss([y], [p]), rel=1e-12)
            assert _f(sym.brier_score(y, p)) == pytest.approx(
                ev.brier_score_loss([y], [p]), rel=1e-12)
        want_log = q * ev.log_loss([1], [p]) + (1 - q) * ev.log_loss([0], [p])
        want_brier = q * ev.brier_score_loss([1], [p]) + (1 - q) * ev.brier_score_loss([0], [p])
        assert _f(sym.expected_log_loss(p, q)) == pytest.approx(want_log, rel=1e-12)
        assert _f(sym.expected_brier_score(p, q)) == pytest.approx(want_brier, rel=1e-12)
        # on a large sample drawn with probability q, the mean loss approaches the expectation
        y = (RNG.random(20_000) < q).astype(int)
        assert ev.brier_score_loss(y, np.full(y.size, p)) == pytest.approx(want_brier, abs=0.02)


@pytest.mark.parametrize("expected_score", [sym.expected_log_loss, sym.expected_brier_score])
def test_scoring_rules_are_proper(expected_score):
    """Is the expected score stationary only at p = q, with positive curvature there?"""
    p, q = sp.symbols("p q", positive=True)
    score = expected_score(p, q)
    first = sp.diff(score, p)
    assert sp.solve(sp.Eq(first, 0), p) == [q]
    second = sp.simplify(sp.diff(score, p, 2).subs(p, q))
    for q_value in (0.05, 0.3, 0.5, 0.9):
        assert _f(second.subs(q, q_value)) > 0
    # numerically: a grid search over p lands on q
    grid = np.linspace(0.001, 0.999, 999)
    f = sp.lambdify((p, q), score, "numpy")
    for q_value in (0.1, 0.37, 0.8):
        assert grid[np.argmin(f(grid, q_value))] == pytest.approx(q_value, abs=1e-3)


def test_log_loss_derivative_and_brier_decomposition():
    """Is d/dp E[log loss] = -q/p + (1-q)/(1-p), and E[Brier] = (p-q)² + q(1-q)?"""
    p, q = sp.symbols("p q", positive=True)
    assert sp.simplify(sp.diff(sym.expected_log_loss(p, q), p)
                       - (-q / p + (1 - q) / (1 - p))) == 0
    assert sp.expand(sym.expected_brier_score(p, q) - ((p - q) ** 2 + q * (1 - q))) == 0


def test_cost_threshold_is_solution_of_indifference():
    """Does solving equal expected costs for p give t*, with and without costs of hits?"""
    p = sp.Symbol("p", positive=True)
    c_fp, c_fn, c_tp, c_tn = sp.symbols("C_FP C_FN C_TP C_TN", real=True)
    solved = sp.solve(sp.Eq(sym.expected_cost_of_positive(p, c_fp, c_tp),
                            sym.expected_cost_of_negative(p, c_fn, c_tn)), p)
    assert len(solved) == 1
    assert sp.simplify(solved[0] - sym.cost_optimal_threshold(c_fp, c_fn, c_tp, c_tn)) == 0
    assert sp.simplify(sym.cost_optimal_threshold(c_fp, c_fn) - c_fp / (c_fp + c_fn)) == 0
    for _ in range(N_POINTS):
        fp_cost, fn_cost = RNG.uniform(1, 100, size=2)
        tp_cost, tn_cost = RNG.uniform(-1, 0.9, size=2)
        want = ev.cost_optimal_threshold(fp_cost, fn_cost, cost_tp=tp_cost, cost_tn=tn_cost)
        got = _f(sym.cost_optimal_threshold(fp_cost, fn_cost, tp_cost, tn_cost))
        assert got == pytest.approx(want, rel=1e-12)
        p_val = float(RNG.random())
        assert _f(sym.expected_cost_of_positive(p_val, fp_cost, tp_cost)) == pytest.approx(
            p_val * tp_cost + (1 - p_val) * fp_cost)


def test_decision_and_dollar_forms_match_numeric_twins():
    """Do expected value, revenue impact, precision lift and CV SE match their twins?"""
    for _ in range(N_POINTS):
        tp, fp, fn, tn = _counts(RNG)
        values = dict(zip(["value_tp", "value_fp", "value_fn", "value_tn"],
                          RNG.uniform(-50, 50, size=4).tolist(), strict=True))
        want = ev.ConfusionMatrix(tp=tp, fp=fp, fn=fn, tn=tn).value_per_decision(**values)
        got = _f(sym.expected_value_per_decision(tp, fp, fn, tn, **values))
        assert got == pytest.approx(want, rel=1e-10, abs=1e-12)

        traffic, delta, value = RNG.uniform(0, 1e7), RNG.uniform(-0.01, 0.01), RNG.uniform(1, 99)
        assert _f(sym.revenue_impact(traffic, delta, value)) == pytest.approx(
            ev.conversion_lift_revenue(traffic, delta, value).estimate, rel=1e-12)

        before, after = RNG.random(2)
        n_flagged = float(RNG.uniform(1, 1e4))
        want = ev.precision_lift_value(before, after, n_flagged=n_flagged, **values)
        got = _f(sym.precision_lift_value(n_flagged, after - before, *values.values()))
        assert got == pytest.approx(want, rel=1e-10, abs=1e-9)

        scores = RNG.normal(0.8, 0.05, size=int(RNG.integers(2, 15)))
        s = float(np.std(scores, ddof=1))
        assert _f(sym.cv_standard_error(s, scores.size)) == pytest.approx(
            ev.cross_validation_estimate(scores).standard_error, rel=1e-12)


def test_platt_forms_match_numeric_and_gradient_matches_diff():
    """Do Platt's probability and loss match the numeric fit's, and the gradient sympy's?"""
    y, s, a, b = sp.symbols("y s a b", real=True)
    loss = sym.platt_log_loss(y, s, a, b)
    grad = sym.platt_log_loss_gradient(y, s, a, b)
    assert sp.simplify(grad - sp.Matrix([sp.diff(loss, a), sp.diff(loss, b)])) == sp.zeros(2, 1)
    # the logit form equals the probability form of the log loss
    direct = sym.log_loss(y, sym.platt_probability(s, a, b))
    for _ in range(N_POINTS):
        point = {y: int(RNG.integers(0, 2)), s: RNG.normal(), a: RNG.normal(), b: RNG.normal()}
        assert _f(loss.subs(point)) == pytest.approx(_f(direct.subs(point)), rel=1e-10)
        fit = ev.PlattScaling(slope=point[a], intercept=point[b], n_iter=1,
                              prior_correction=False)
        prob = fit.predict_proba([point[s]])[0]
        assert _f(sym.platt_probability(s, a, b).subs(point)) == pytest.approx(prob, rel=1e-12)
        assert _f(loss.subs(point)) == pytest.approx(ev.log_loss([point[y]], [prob]), rel=1e-9)


def test_platt_gradient_vanishes_at_the_numeric_fit():
    """At the fitted (a, b), is the summed symbolic gradient zero (first-order condition)?"""
    rng = np.random.default_rng(6)
    scores = rng.normal(size=200)
    labels = (rng.random(200) < 1 / (1 + np.exp(-(1.3 * scores - 0.2)))).astype(int)
    fit = ev.platt_scaling(labels, scores)
    y, s, a, b = sp.symbols("y s a b", real=True)
    grad = sp.lambdify((y, s, a, b), sym.platt_log_loss_gradient(y, s, a, b), "numpy")
    total = sum(np.asarray(grad(yi, si, fit.slope, fit.intercept), dtype=float).ravel()
                for yi, si in zip(labels, scores, strict=True))
    np.testing.assert_allclose(total, 0.0, atol=1e-8)


def test_every_symbolic_form_returns_sympy():
    """Does each public symbolic function return a sympy object for symbol arguments?"""
    x = sp.symbols("x0:8", positive=True)
    for name in sym.__all__:
        fn = getattr(sym, name)
        n_args = fn.__code__.co_argcount
        out = fn(*x[:n_args])
        assert isinstance(out, (sp.Expr, sp.MatrixBase)), name
