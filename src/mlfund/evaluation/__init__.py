"""Model evaluation: classification metrics, calibration, decisions, validation, dollars.

Numeric reference implementations (numpy) of the evaluation fundamentals, cross-checked
against scikit-learn. Naming is scikit-learn's: ``*_score`` is higher-is-better,
``*_loss`` lower-is-better; data come first, options are keyword-only; results with more
than one value are frozen dataclasses with named fields (never tuples of arrays).

Labels are 0/1 (or bool); 0/0 metrics raise :class:`UndefinedMetricError` (a
``ValueError``) unless ``zero_division`` says otherwise, and NaN is never returned.
The symbolic (sympy) forms live in :mod:`mlfund.evaluation.symbolic`, imported separately.
"""

from mlfund.evaluation._baselines import (
    RandomBaseline,
    WinnersCurse,
    majority_class_accuracy,
    random_classifier_baseline,
    winners_curse,
)
from mlfund.evaluation._calibration import (
    PlattScaling,
    ReliabilityCurve,
    brier_score_loss,
    expected_calibration_error,
    log_loss,
    platt_scaling,
    reliability_curve,
)
from mlfund.evaluation._confusion import (
    ConfusionMatrix,
    UndefinedMetricError,
    accuracy_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    precision_score,
    recall_score,
    specificity_score,
)
from mlfund.evaluation._decision import (
    cost_optimal_threshold,
    expected_cost_per_decision,
    expected_value_per_decision,
)
from mlfund.evaluation._interval import ConfidenceInterval
from mlfund.evaluation._product import (
    ChurnCampaign,
    RevenueImpact,
    churn_campaign_roi,
    conversion_lift_revenue,
    precision_lift_value,
    review_saving_at_fixed_recall,
)
from mlfund.evaluation._ranking import (
    PrecisionRecallCurve,
    RocCurve,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from mlfund.evaluation._splits import (
    CVEstimate,
    Split,
    cross_validation_estimate,
    group_kfold_splits,
    kfold_splits,
    stratified_kfold_splits,
    time_series_splits,
)

__all__ = [
    # confusion-matrix metrics
    "UndefinedMetricError",
    "ConfusionMatrix",
    "confusion_matrix",
    "precision_score",
    "recall_score",
    "specificity_score",
    "f1_score",
    "fbeta_score",
    "accuracy_score",
    # ranking metrics
    "RocCurve",
    "roc_curve",
    "roc_auc_score",
    "PrecisionRecallCurve",
    "precision_recall_curve",
    "average_precision_score",
    # probabilities and calibration
    "log_loss",
    "brier_score_loss",
    "ReliabilityCurve",
    "reliability_curve",
    "expected_calibration_error",
    "PlattScaling",
    "platt_scaling",
    # decisions
    "cost_optimal_threshold",
    "expected_value_per_decision",
    "expected_cost_per_decision",
    # validation
    "Split",
    "kfold_splits",
    "stratified_kfold_splits",
    "group_kfold_splits",
    "time_series_splits",
    "CVEstimate",
    "cross_validation_estimate",
    "ConfidenceInterval",
    # baselines and model selection
    "majority_class_accuracy",
    "RandomBaseline",
    "random_classifier_baseline",
    "WinnersCurse",
    "winners_curse",
    # product sense
    "RevenueImpact",
    "conversion_lift_revenue",
    "precision_lift_value",
    "review_saving_at_fixed_recall",
    "ChurnCampaign",
    "churn_campaign_roi",
]
