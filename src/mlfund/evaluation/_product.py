"""From metrics to dollars: revenue of a conversion lift, value of precision, churn ROI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlfund._validation import _show, check_positive, check_probability, check_real
from mlfund.evaluation._interval import ConfidenceInterval

__all__ = [
    "RevenueImpact",
    "conversion_lift_revenue",
    "precision_lift_value",
    "review_saving_at_fixed_recall",
    "ChurnCampaign",
    "churn_campaign_roi",
]


@dataclass(frozen=True, slots=True)
class RevenueImpact:
    """Revenue impact of a conversion lift.

    Attributes
    ----------
    estimate : float
        traffic × Δconversion × order value.
    confidence_interval : ConfidenceInterval or None
        The interval of Δconversion carried through, or None if none was given.
    """

    estimate: float
    confidence_interval: ConfidenceInterval | None


def _check_difference(name: str, value: Any) -> float:
    out = check_real(name, value)
    if not -1 <= out <= 1:
        raise ValueError(f"{name} ({_show(value)}) must be between -1 and 1.")
    return out


def _interval_ends(name: str, interval: Any) -> tuple[float, float]:
    if hasattr(interval, "low") and hasattr(interval, "high"):
        low, high = interval.low, interval.high
    else:
        try:
            low, high = interval
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} ({_show(interval)}) must be a (low, high) pair or have .low and "
                f".high attributes."
            ) from exc
    low = _check_difference(f"{name}.low", low)
    high = _check_difference(f"{name}.high", high)
    if low > high:
        raise ValueError(f"{name} ({_show(interval)}) must have low <= high.")
    return low, high


def conversion_lift_revenue(traffic: float, delta_conversion: float, order_value: float, *,
                            delta_conversion_ci: Any = None) -> RevenueImpact:
    """Revenue from a conversion lift: Δ$ = traffic × Δconversion × order value.

    The impact is linear in Δconversion with a non-negative factor, so the ends of a
    confidence interval for Δconversion map to the ends of one for Δ$ at the same level
    (traffic and order value are taken as known).

    Parameters
    ----------
    traffic : float
        Visitors in the period of interest (annual visitors for an annual impact), >= 0.
    delta_conversion : float
        Absolute change in conversion rate (0.002 is +0.2 percentage points).
    order_value : float
        Average revenue per conversion, >= 0.
    delta_conversion_ci : (low, high) or object with .low and .high, optional
        A confidence interval for Δconversion, e.g. from an A/B test.

    Returns
    -------
    RevenueImpact

    Examples
    --------
    Ten million visitors a year, +0.2 points of conversion (95 % CI 0.05 to 0.35
    points), $50 a basket:

    >>> impact = conversion_lift_revenue(10_000_000, 0.002, 50.0,
    ...                                  delta_conversion_ci=(0.0005, 0.0035))
    >>> round(impact.estimate)
    1000000
    >>> round(impact.confidence_interval.low), round(impact.confidence_interval.high)
    (250000, 1750000)
    """
    n = check_positive("traffic", traffic, strict=False)
    delta = _check_difference("delta_conversion", delta_conversion)
    value = check_positive("order_value", order_value, strict=False)
    factor = n * value
    interval = None
    if delta_conversion_ci is not None:
        low, high = _interval_ends("delta_conversion_ci", delta_conversion_ci)
        interval = ConfidenceInterval(low=factor * low, high=factor * high)
    return RevenueImpact(estimate=factor * delta, confidence_interval=interval)


def precision_lift_value(precision_before: float, precision_after: float, *,
                         n_flagged: float = 1.0, value_tp: float = 0.0, value_fp: float = 0.0,
                         value_fn: float = 0.0, value_tn: float = 0.0) -> float:
    """Value of raising precision when the number flagged stays the same.

    With ``n_flagged`` cases acted on and the number of actual positives fixed, a gain
    Δ = precision_after - precision_before turns Δ·n_flagged false positives into true
    positives, and so also Δ·n_flagged false negatives (among the unflagged) into true
    negatives. The value gained is

        n_flagged · Δ · (v_TP - v_FP - v_FN + v_TN),

    With regrets (C_FP, C_FN relative to the right decision, correct decisions worth
    nothing) it is n_flagged · Δ · (C_FP + C_FN). In cash, when every flagged case is
    reviewed at a cost r (v_TP = v_FP = -r) and a missed positive loses C_FN, the review
    bill does not change and the value is n_flagged · Δ · C_FN: counting a converted
    flag's review as saved as well counts it twice. With the default ``n_flagged=1`` it is
    the value per flagged case.

    Parameters
    ----------
    precision_before, precision_after : float
        Precision of the current and the improved model, in [0, 1].
    n_flagged : float, default 1.0
        Number of cases acted on (per day, per year...), >= 0.
    value_tp, value_fp, value_fn, value_tn : float, default 0.0
        Signed payoff of each outcome: gains positive, costs negative.

    Returns
    -------
    float

    Examples
    --------
    A fraud team reviews 10,000 flags a day at $5 a review, fraud or not, and a missed
    fraud costs $100. Precision 0.80 → 0.82 saves, in cash, the 200 frauds now caught:

    >>> round(precision_lift_value(0.80, 0.82, n_flagged=10_000, value_tp=-5.0,
    ...                            value_fp=-5.0, value_fn=-100.0))
    20000
    """
    before = check_probability("precision_before", precision_before)
    after = check_probability("precision_after", precision_after)
    n = check_positive("n_flagged", n_flagged, strict=False)
    v = {name: check_real(name, val) for name, val in
         {"value_tp": value_tp, "value_fp": value_fp, "value_fn": value_fn,
          "value_tn": value_tn}.items()}
    per_converted = v["value_tp"] - v["value_fp"] - v["value_fn"] + v["value_tn"]
    return float(n * (after - before) * per_converted)


def review_saving_at_fixed_recall(precision_before: float, precision_after: float, *,
                                  true_positives: float, review_cost: float) -> float:
    """Reviews saved when the same positives are caught at a higher precision.

    The other way to use a precision lift: keep catching the same ``true_positives`` (the
    same recall) and flag fewer cases. Catching them at precision P takes
    ``true_positives / P`` flags, each reviewed at ``review_cost``, so the saving is

        review_cost · true_positives · (1/precision_before - 1/precision_after).

    No loss changes: the same positives are caught.

    Parameters
    ----------
    precision_before, precision_after : float
        Precision of the current and the improved model, in (0, 1].
    true_positives : float
        Positives caught per period (a day, a year...), >= 0.
    review_cost : float
        Cost of reviewing one flagged case, >= 0.

    Returns
    -------
    float

    Examples
    --------
    4,000 frauds caught a day at precision 0.80 take 5,000 flags; at 0.82, 4,878. At $5 a
    review:

    >>> round(review_saving_at_fixed_recall(0.80, 0.82, true_positives=4_000,
    ...                                     review_cost=5.0))
    610
    """
    before = check_probability("precision_before", precision_before)
    after = check_probability("precision_after", precision_after)
    for name, value in (("precision_before", before), ("precision_after", after)):
        if value == 0:
            raise ValueError(f"{name} ({_show(value)}) must be above 0: at precision 0 no "
                             f"number of flags catches a positive.")
    tp = check_positive("true_positives", true_positives, strict=False)
    cost = check_positive("review_cost", review_cost, strict=False)
    return float(cost * tp * (1 / before - 1 / after))


@dataclass(frozen=True, slots=True)
class ChurnCampaign:
    """Economics of a retention campaign aimed by a churn model.

    Attributes
    ----------
    expected_saves : float
        Churners kept: n_contacted × precision × save_rate.
    retained_value : float
        expected_saves × customer_value.
    campaign_cost : float
        n_contacted × offer_cost + fixed_cost.
    net_value : float
        retained_value - campaign_cost.
    roi : float
        net_value / campaign_cost (1.0 means each dollar spent returns two).
    """

    expected_saves: float
    retained_value: float
    campaign_cost: float
    net_value: float
    roi: float


def churn_campaign_roi(n_contacted: float, precision: float, *, offer_cost: float,
                       save_rate: float, customer_value: float,
                       fixed_cost: float = 0.0) -> ChurnCampaign:
    """ROI of contacting the customers a churn model flags with a retention offer.

    Of ``n_contacted`` customers a share ``precision`` would have churned; the offer
    keeps a share ``save_rate`` of those, each worth ``customer_value``. Every contact
    costs ``offer_cost`` (non-churners are assumed to cost the offer and gain nothing).

    Parameters
    ----------
    n_contacted : float
        Customers contacted, >= 0.
    precision : float
        Share of contacted customers who would churn without the offer, in [0, 1].
    offer_cost : float
        Cost per contacted customer, >= 0.
    save_rate : float
        Share of would-be churners the offer retains, in [0, 1].
    customer_value : float
        Value of keeping a customer (e.g. margin over a year), >= 0.
    fixed_cost : float, default 0.0
        Campaign cost independent of its size, >= 0.

    Returns
    -------
    ChurnCampaign

    Raises
    ------
    ValueError
        If the campaign costs nothing (ROI is then undefined).

    Examples
    --------
    Contact 2,000 customers flagged at precision 0.30 with a $20 offer that keeps a
    quarter of churners worth $400 each:

    >>> c = churn_campaign_roi(2_000, 0.30, offer_cost=20.0, save_rate=0.25,
    ...                        customer_value=400.0)
    >>> c.expected_saves, c.retained_value, c.campaign_cost, c.net_value, c.roi
    (150.0, 60000.0, 40000.0, 20000.0, 0.5)
    """
    n = check_positive("n_contacted", n_contacted, strict=False)
    p = check_probability("precision", precision)
    cost = check_positive("offer_cost", offer_cost, strict=False)
    save = check_probability("save_rate", save_rate)
    value = check_positive("customer_value", customer_value, strict=False)
    fixed = check_positive("fixed_cost", fixed_cost, strict=False)
    campaign_cost = n * cost + fixed
    if campaign_cost == 0:
        raise ValueError(
            "the campaign costs nothing (n_contacted * offer_cost + fixed_cost = 0), so its "
            "ROI is undefined."
        )
    saves = n * p * save
    retained = saves * value
    net = retained - campaign_cost
    return ChurnCampaign(expected_saves=saves, retained_value=retained,
                         campaign_cost=campaign_cost, net_value=net, roi=net / campaign_cost)
