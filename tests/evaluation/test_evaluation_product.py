"""From metrics to dollars: revenue of a lift, value of precision, churn-campaign ROI."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mlfund.evaluation import (
    ChurnCampaign,
    ConfidenceInterval,
    ConfusionMatrix,
    RevenueImpact,
    churn_campaign_roi,
    conversion_lift_revenue,
    precision_lift_value,
    review_saving_at_fixed_recall,
)


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 1e8), st.floats(-0.05, 0.05), st.floats(0, 500), st.floats(0, 0.02),
       st.floats(0, 0.02))
def test_revenue_is_product_and_interval_is_carried(traffic, delta, value, below, above):
    """Is Δ$ = traffic·Δconv·value, with the Δconv interval mapped end to end?"""
    impact = conversion_lift_revenue(traffic, delta, value,
                                     delta_conversion_ci=(delta - below, delta + above))
    assert isinstance(impact, RevenueImpact)
    assert impact.estimate == pytest.approx(traffic * delta * value, abs=1e-6)
    ci = impact.confidence_interval
    assert ci.low == pytest.approx(traffic * (delta - below) * value, abs=1e-6)
    assert ci.high == pytest.approx(traffic * (delta + above) * value, abs=1e-6)
    tol = 1e-9 * (1 + abs(impact.estimate))
    assert ci.low - tol <= impact.estimate <= ci.high + tol


def test_revenue_interval_has_the_level_of_the_conversion_interval():
    """By simulation: does the mapped 95 % interval cover the true Δ$ about 95 % of the time?"""
    rng = np.random.default_rng(12)
    p_a, p_b, n, traffic, value = 0.050, 0.056, 20_000, 1_000_000, 40.0
    true_impact = traffic * (p_b - p_a) * value
    z = stats.norm.ppf(0.975)
    covered = 0
    for _ in range(2000):
        a, b = rng.binomial(n, p_a) / n, rng.binomial(n, p_b) / n
        se = np.sqrt(a * (1 - a) / n + b * (1 - b) / n)
        impact = conversion_lift_revenue(traffic, b - a, value,
                                         delta_conversion_ci=(b - a - z * se, b - a + z * se))
        covered += impact.confidence_interval.low <= true_impact <= impact.confidence_interval.high
    assert 0.93 < covered / 2000 < 0.97


def test_revenue_accepts_interval_objects_and_none():
    """Does an object with .low/.high (scipy's, ours) work, and no interval give None?"""
    ci = stats.binomtest(30, 100).proportion_ci()
    impact = conversion_lift_revenue(1000, 0.3, 2.0, delta_conversion_ci=ci)
    assert impact.confidence_interval.low == pytest.approx(2000 * ci.low)
    ours = conversion_lift_revenue(1000, 0.3, 2.0,
                                   delta_conversion_ci=ConfidenceInterval(0.2, 0.4))
    assert ours.confidence_interval == ConfidenceInterval(low=400.0, high=800.0)
    assert conversion_lift_revenue(1000, 0.3, 2.0).confidence_interval is None


def test_revenue_bad_input():
    """Are negative traffic, impossible Δconv and malformed intervals refused by name?"""
    with pytest.raises(ValueError, match=r"traffic \(-1\) must be >= 0"):
        conversion_lift_revenue(-1, 0.01, 10.0)
    with pytest.raises(ValueError, match=r"delta_conversion \(2\) must be between -1 and 1"):
        conversion_lift_revenue(100, 2, 10.0)
    with pytest.raises(ValueError, match=r"delta_conversion_ci .* must have low <= high"):
        conversion_lift_revenue(100, 0.01, 10.0, delta_conversion_ci=(0.02, 0.0))
    with pytest.raises(TypeError, match="delta_conversion_ci .* must be a \\(low, high\\) pair"):
        conversion_lift_revenue(100, 0.01, 10.0, delta_conversion_ci=0.01)
    with pytest.raises(TypeError, match="delta_conversion_ci.low .* must be a real number"):
        conversion_lift_revenue(100, 0.01, 10.0, delta_conversion_ci=("a", 0.02))
    with pytest.raises(TypeError, match="order_value .* must be a real number"):
        conversion_lift_revenue(100, 0.01, None)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 50), st.integers(0, 1000), st.integers(0, 1000),
       st.integers(0, 1000), st.lists(st.floats(-100, 100), min_size=4, max_size=4))
def test_precision_lift_value_equals_recounting_outcomes(m10, tp_before, delta_tp, extra, vals):
    """Is the formula the change in total payoff when TP rises at a fixed flagged volume?"""
    n_flagged = 10 * m10 + tp_before + delta_tp  # room for both precisions
    tp_after = tp_before + delta_tp
    n_pos = tp_after + extra
    n_neg = n_flagged + extra + 5
    v = dict(zip(["value_tp", "value_fp", "value_fn", "value_tn"], vals, strict=True))

    def total(tp):
        fp = n_flagged - tp
        cm = ConfusionMatrix(tp=tp, fp=fp, fn=n_pos - tp, tn=n_neg - fp)
        return cm.value_per_decision(**v) * cm.n

    want = total(tp_after) - total(tp_before)
    got = precision_lift_value(tp_before / n_flagged, tp_after / n_flagged,
                               n_flagged=n_flagged, **v)
    assert got == pytest.approx(want, abs=1e-6 * (1 + abs(want)))


def test_precision_lift_story():
    """Is 10,000 flags with precision 0.80 → 0.82, $5 FP and $100 FN, worth $21,000?"""
    assert precision_lift_value(0.80, 0.82, n_flagged=10_000, value_fp=-5.0,
                                value_fn=-100.0) == pytest.approx(21_000)
    assert precision_lift_value(0.80, 0.82, n_flagged=10_000, value_tp=100.0,
                                value_fp=-5.0) == pytest.approx(21_000)
    assert precision_lift_value(0.5, 0.5, value_tp=1.0) == 0.0
    with pytest.raises(ValueError, match=r"precision_after \(1.2\) must be between 0 and 1"):
        precision_lift_value(0.5, 1.2)
    with pytest.raises(ValueError, match=r"n_flagged \(-5\) must be >= 0"):
        precision_lift_value(0.5, 0.6, n_flagged=-5)


@settings(max_examples=80, deadline=None)
@given(st.floats(1, 1e5), st.floats(0, 1), st.floats(0.01, 100), st.floats(0, 1),
       st.floats(0, 5000), st.floats(0, 1e4))
def test_churn_campaign_accounting(n, precision, offer, save, value, fixed):
    """Do the campaign's numbers add up: net = retained - cost and roi = net / cost?"""
    c = churn_campaign_roi(n, precision, offer_cost=offer, save_rate=save,
                           customer_value=value, fixed_cost=fixed)
    assert isinstance(c, ChurnCampaign)
    assert c.expected_saves == pytest.approx(n * precision * save)
    assert c.retained_value == pytest.approx(n * precision * save * value)
    assert c.campaign_cost == pytest.approx(n * offer + fixed)
    assert c.net_value == pytest.approx(c.retained_value - c.campaign_cost)
    assert c.roi == pytest.approx(c.net_value / c.campaign_cost)


def test_churn_campaign_by_simulation():
    """Does a simulated campaign's average net value match the expected one?"""
    rng = np.random.default_rng(8)
    c = churn_campaign_roi(500, 0.3, offer_cost=20.0, save_rate=0.25, customer_value=400.0)
    churners = rng.binomial(500, 0.3, size=20_000)
    saved = rng.binomial(churners, 0.25)
    net = saved * 400.0 - 500 * 20.0
    assert np.mean(net) == pytest.approx(c.net_value, abs=4 * np.std(net) / np.sqrt(net.size))


def test_churn_campaign_bad_input():
    """Are impossible rates and a free campaign refused by name?"""
    with pytest.raises(ValueError, match=r"save_rate \(1.5\) must be between 0 and 1"):
        churn_campaign_roi(100, 0.3, offer_cost=1.0, save_rate=1.5, customer_value=10.0)
    with pytest.raises(ValueError, match=r"precision \(-0.1\) must be between 0 and 1"):
        churn_campaign_roi(100, -0.1, offer_cost=1.0, save_rate=0.5, customer_value=10.0)
    with pytest.raises(ValueError, match="campaign costs nothing"):
        churn_campaign_roi(100, 0.3, offer_cost=0.0, save_rate=0.5, customer_value=10.0)
    with pytest.raises(TypeError, match="churn_campaign_roi.*offer_cost"):
        churn_campaign_roi(100, 0.3)


def test_review_saving_at_fixed_recall_recounts_the_flags():
    # 4,000 positives at precision 0.80 need 5,000 flags; at 0.82, 4,000/0.82
    got = review_saving_at_fixed_recall(0.80, 0.82, true_positives=4_000, review_cost=5.0)
    assert got == pytest.approx(5.0 * (5_000 - 4_000 / 0.82))
    assert review_saving_at_fixed_recall(0.5, 0.5, true_positives=10, review_cost=1.0) == 0.0
    # a drop in precision costs reviews
    assert review_saving_at_fixed_recall(0.6, 0.5, true_positives=10, review_cost=1.0) < 0
    with pytest.raises(ValueError, match="precision_before"):
        review_saving_at_fixed_recall(0.0, 0.5, true_positives=10, review_cost=1.0)
    with pytest.raises(ValueError, match="review_cost"):
        review_saving_at_fixed_recall(0.4, 0.5, true_positives=10, review_cost=-1.0)
