"""Optimization: losses with their gradients and Hessians, gradient checks, update rules,
learning-rate schedules, and the facts about gradient descent the workbook derives.

Numeric (numpy) forms live here; the symbolic (sympy) forms of the same quantities are in
:mod:`mlfund.optimization.symbolic`, which is imported only on request.

Conventions:

- every loss of several examples is the MEAN over them, and its gradient and Hessian are
  those of the returned mean (checkable by :func:`gradient_check`);
- a penalty of strength λ is λ‖w‖² (gradient 2λw); weight decay λ corresponds to (λ/2)‖w‖²;
- labels are 0 and 1; the logistic model predicts σ(Xw).

Topics: activations (:func:`sigmoid`, :func:`softmax`, ...); losses of predictions
(:func:`binary_cross_entropy`, :func:`softmax_cross_entropy`, ...); losses of linear models
(:func:`logistic_loss`, :func:`mse_loss`, Newton's step); finite differences
(:func:`gradient_check`); update rules (:func:`gradient_descent_step`, :func:`momentum_step`,
:func:`adam_step`, :func:`sgd`); schedules (:func:`step_decay`, :func:`cosine_annealing`, ...);
quadratics (:func:`max_stable_learning_rate`, :func:`convergence_rate`, ...); deep nets
(:func:`xavier_variance`, :func:`he_variance`, :func:`sigmoid_chain_gradient_bound`,
:func:`clip_by_norm`, :func:`batch_norm`, :func:`layer_norm`, :func:`adamw_step`); batch
size (:func:`estimate_noise_scale`, :func:`noise_scale_learning_rate`).
"""

from __future__ import annotations

from ._activations import (
    log_sigmoid,
    log_softmax,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh_derivative,
)
from ._deep_nets import adamw_step, batch_norm, clip_by_norm, layer_norm
from ._gradient_check import (
    GradientCheckResult,
    gradient_check,
    numerical_gradient,
    numerical_hessian,
)
from ._initialization import he_variance, sigmoid_chain_gradient_bound, xavier_variance
from ._linear_models import (
    logistic_loss,
    logistic_loss_gradient,
    logistic_loss_hessian,
    logistic_newton_step,
    mse_loss,
    mse_loss_gradient,
    mse_loss_hessian,
    newton_step,
    normal_equations_solution,
)
from ._losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_hessian,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    binary_cross_entropy_with_logits_hessian,
    l1_penalty,
    l1_penalty_subgradient,
    l2_penalty,
    l2_penalty_gradient,
    l2_penalty_hessian,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    softmax_cross_entropy_hessian,
)
from ._optimizers import (
    AdamState,
    AdamStep,
    MomentumStep,
    Trajectory,
    adam_step,
    gradient_descent,
    gradient_descent_step,
    momentum_effective_learning_rate,
    momentum_step,
    weight_decay_step,
)
from ._quadratic import (
    condition_number,
    contraction_factor,
    convergence_rate,
    iterations_to_tolerance,
    max_stable_learning_rate,
    optimal_learning_rate,
    quadratic_gd_trajectory,
)
from ._schedules import (
    cosine_annealing,
    exponential_decay,
    inverse_time_decay,
    linear_warmup,
    step_decay,
)
from ._stochastic import (
    NoiseScaleEstimate,
    SGDResult,
    estimate_noise_scale,
    linear_scaling_learning_rate,
    minibatch_gradient_variance,
    minibatch_indices,
    noise_scale_learning_rate,
    sgd,
)

__all__ = [
    # activations
    "sigmoid",
    "log_sigmoid",
    "sigmoid_derivative",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "softmax",
    "log_softmax",
    # losses of predictions
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "binary_cross_entropy_hessian",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_gradient",
    "binary_cross_entropy_with_logits_hessian",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "softmax_cross_entropy_hessian",
    "l2_penalty",
    "l2_penalty_gradient",
    "l2_penalty_hessian",
    "l1_penalty",
    "l1_penalty_subgradient",
    # losses of linear models
    "logistic_loss",
    "logistic_loss_gradient",
    "logistic_loss_hessian",
    "mse_loss",
    "mse_loss_gradient",
    "mse_loss_hessian",
    "normal_equations_solution",
    "newton_step",
    "logistic_newton_step",
    # finite differences
    "numerical_gradient",
    "numerical_hessian",
    "gradient_check",
    "GradientCheckResult",
    # update rules
    "gradient_descent_step",
    "weight_decay_step",
    "momentum_step",
    "MomentumStep",
    "adam_step",
    "AdamState",
    "AdamStep",
    "momentum_effective_learning_rate",
    "gradient_descent",
    "Trajectory",
    "minibatch_indices",
    "sgd",
    "SGDResult",
    "minibatch_gradient_variance",
    "linear_scaling_learning_rate",
    "estimate_noise_scale",
    "NoiseScaleEstimate",
    "noise_scale_learning_rate",
    "adamw_step",
    # schedules
    "step_decay",
    "exponential_decay",
    "inverse_time_decay",
    "cosine_annealing",
    "linear_warmup",
    # quadratics
    "condition_number",
    "max_stable_learning_rate",
    "optimal_learning_rate",
    "convergence_rate",
    "contraction_factor",
    "iterations_to_tolerance",
    "quadratic_gd_trajectory",
    # deep nets
    "xavier_variance",
    "he_variance",
    "sigmoid_chain_gradient_bound",
    "clip_by_norm",
    "batch_norm",
    "layer_norm",
]
