"""Week 11: do the references equal independent derivations and computations?"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mlfund import exercises
from mlfund.exercises import w11

N, v, r, n, Delta = sp.symbols("N v r n Delta", positive=True)
c0, p_c, p_t = sp.symbols("c0 p_c p_t", positive=True)
C_R, C_FN = sp.symbols("C_R C_FN", positive=True)
c, s, V = sp.symbols("c s V", positive=True)

ANNUAL_SCALE = 12 * w11.MONTHLY_TRAFFIC * w11.ORDER_VALUE


def _reference(exercise_id, **symbols):
    return exercises.get(exercise_id).reference(**symbols)


def test_is_the_revenue_impact_the_difference_of_two_revenues():
    treatment = N * c0 * (1 + r) * v
    control = N * c0 * v
    assert sp.expand(_reference("w11-revenue-impact", N=N, c0=c0, r=r, v=v)
                     - (treatment - control)) == 0


def test_does_the_symbolic_revenue_impact_match_the_numeric_library():
    from mlfund.evaluation import conversion_lift_revenue

    expr = _reference("w11-revenue-impact", N=N, c0=c0, r=r, v=v)
    values = {N: 1_234_567, c0: 0.027, r: 0.08, v: 64.5}
    numeric = conversion_lift_revenue(1_234_567, 0.027 * 0.08, 64.5).estimate
    assert float(expr.subs(values)) == pytest.approx(numeric)


def test_is_the_annual_revenue_the_arithmetic():
    assert exercises.get("w11-revenue-annual").reference() == pytest.approx(
        12 * 2_000_000 * (0.0315 - 0.030) * 80)


def test_is_the_revenue_se_the_root_of_a_scaled_binomial_variance():
    # Var(p̂) = Var(Binomial(n, p))/n² = p(1 - p)/n; Var(a(X - Y)) = a²(Var X + Var Y)
    def var_rate(p):
        return n * p * (1 - p) / n**2

    variance = (N * v) ** 2 * (var_rate(p_t) + var_rate(p_c))
    ref = _reference("w11-revenue-se", N=N, v=v, p_c=p_c, p_t=p_t, n=n)
    assert sp.simplify(ref**2 - variance) == 0
    assert ref.subs({N: 1, v: 1, p_c: sp.Rational(1, 3), p_t: sp.Rational(1, 2), n: 10}) > 0


def test_is_the_revenue_ci_statsmodels_wald_interval_scaled():
    from statsmodels.stats.proportion import confint_proportions_2indep

    # Wald, unpooled: d ± z·sqrt(p_t(1 - p_t)/n + p_c(1 - p_c)/n)
    low, high = confint_proportions_2indep(
        w11.TREATMENT_CONVERSIONS, w11.N_PER_ARM, w11.CONTROL_CONVERSIONS, w11.N_PER_ARM,
        method="wald", compare="diff")
    ref = exercises.get("w11-revenue-ci").reference()
    assert ref == pytest.approx((ANNUAL_SCALE * low, ANNUAL_SCALE * high))


def test_does_the_revenue_interval_include_a_loss():
    # the notebook's discussion relies on it
    low, high = exercises.get("w11-revenue-ci").reference()
    assert low < 0 < high


def _error_counts(precision, flags, frauds):
    tp = precision * flags
    return flags - tp, frauds - tp  # false positives, false negatives


def _daily_cash(precision, flags, frauds, review, missed):
    """What is paid in cash: a review on every flag, the loss of every unflagged fraud."""
    _, fn = _error_counts(precision, flags, frauds)
    return flags * review + fn * missed


def test_is_the_fn_change_the_difference_of_two_confusion_tables():
    P, F = sp.symbols("P F", positive=True)
    _, fn_before = _error_counts(P, n, F)
    _, fn_after = _error_counts(P + Delta, n, F)
    assert sp.expand(_reference("w11-precision-fn-change", n=n, Delta=Delta)
                     - (fn_after - fn_before)) == 0


def test_is_the_precision_saving_the_difference_of_two_daily_cash_bills():
    P, F = sp.symbols("P F", positive=True)
    saving = _daily_cash(P, n, F, C_R, C_FN) - _daily_cash(P + Delta, n, F, C_R, C_FN)
    ref = _reference("w11-precision-lift-value", n=n, Delta=Delta, C_R=C_R, C_FN=C_FN)
    assert sp.expand(ref - saving) == 0
    assert sp.expand(ref - n * Delta * C_FN) == 0   # the review bill does not move


def _cash_from_sklearn(precision, frauds=4_000, payments=100_000):
    """The daily cash bill recounted from scikit-learn's confusion matrix of one day."""
    from sklearn.metrics import confusion_matrix

    flags = w11.FLAGS_PER_DAY
    caught = round(precision * flags)
    y_true = np.zeros(payments, dtype=int)
    y_true[:frauds] = 1
    y_pred = np.zeros(payments, dtype=int)
    y_pred[:caught] = 1                                   # flagged frauds
    y_pred[frauds:frauds + flags - caught] = 1            # flagged legitimate payments
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    assert tp + fp == flags
    return (tp + fp) * w11.REVIEW_COST + fn * w11.MISSED_FRAUD_COST


def test_is_the_precision_lift_in_dollars_the_daily_cash_difference():
    after = w11.PRECISION_NOW * (1 + w11.RELATIVE_LIFT)
    want = _cash_from_sklearn(w11.PRECISION_NOW) - _cash_from_sklearn(after)
    assert exercises.get("w11-precision-lift-dollars").reference() == pytest.approx(want)
    assert want == pytest.approx(5_000 * 0.012 * 150)  # $9,000 a day, not 5,000·0.012·158


def test_is_the_expected_value_sklearns_confusion_matrix_weighted():
    from sklearn.metrics import confusion_matrix

    reference = exercises.get("w11-expected-value").reference()
    for y, score, threshold, v_tp, v_fp, v_fn, v_tn in w11._ev_probes():
        tn, fp, fn, tp = confusion_matrix(y, (score >= threshold).astype(int),
                                          labels=[0, 1]).ravel()
        expected = (tp * v_tp + fp * v_fp + fn * v_fn + tn * v_tn) / y.size
        assert reference(y, score, threshold, v_tp, v_fp, v_fn, v_tn) == pytest.approx(expected)


def test_does_every_probe_flag_something_and_sit_on_the_threshold():
    for y, score, threshold, *_ in w11._ev_probes():
        assert np.any(score >= threshold)
        assert np.any(score == threshold)
        assert 0 < y.sum() < y.size


def test_is_the_churn_roi_the_arithmetic():
    retained = 5_000 * 0.22 * 0.35 * 500
    cost = 5_000 * 25
    assert exercises.get("w11-churn-roi").reference() == pytest.approx((retained - cost) / cost)


def test_does_the_breakeven_precision_zero_the_librarys_net_value():
    from mlfund.evaluation import churn_campaign_roi, cost_optimal_threshold

    ref = _reference("w11-churn-breakeven", c=c, s=s, V=V)
    assert sp.simplify(ref - c / (s * V)) == 0
    for offer, save, value in [(25.0, 0.35, 500.0), (10.0, 0.2, 300.0), (40.0, 0.5, 900.0)]:
        p = float(ref.subs({c: offer, s: save, V: value}))
        campaign = churn_campaign_roi(1_000, p, offer_cost=offer, save_rate=save,
                                      customer_value=value)
        assert campaign.net_value == pytest.approx(0.0, abs=1e-6)
        # the cost-optimal threshold with C_FP = c and C_FN = sV - c
        assert cost_optimal_threshold(offer, save * value - offer) == pytest.approx(p)


def test_is_the_fewer_flags_saving_the_reviews_of_the_same_frauds_at_two_precisions():
    # 51 days at once, so that both numbers of flags are whole: 153,000 frauds caught by
    # 255,000 flags (precision 0.60) or by 250,000 (precision 0.612), checked by sklearn
    from sklearn.metrics import precision_score

    days, caught = 51, 51 * 3_000
    for flags, precision in ((255_000, 0.60), (250_000, 0.612)):
        y_pred = np.ones(flags, dtype=int)
        y_true = np.r_[np.ones(caught), np.zeros(flags - caught)].astype(int)
        assert precision_score(y_true, y_pred) == pytest.approx(precision)
    want = (255_000 - 250_000) / days * w11.REVIEW_COST
    assert exercises.get("w11-precision-lift-fewer-flags").reference() == pytest.approx(want)
    assert want == pytest.approx(784.31, abs=0.01)
