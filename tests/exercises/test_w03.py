"""Week 3: each reference against an independent derivation, simulation or library.

Does every reference agree with sympy (diff, solve, sympy.stats), with a seeded simulation
of the quantity it describes, with the numeric update rules of mlfund.optimization run step
by step, or with scikit-learn's own Glorot initialisation?
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from sympy import stats as sps

import mlfund.optimization as opt
from mlfund import exercises
from mlfund.check._score import namespace
from mlfund.exercises import w03
from mlfund.optimization import symbolic as S

SPECS = {spec.id: spec for spec in exercises.week(3)}


def reference(exercise_id: str):
    spec = SPECS[exercise_id]
    if spec.kind == "expression":
        return spec.reference(**namespace(spec).symbols)
    return spec.reference()


def symbols(exercise_id: str) -> dict[str, sp.Symbol]:
    return dict(namespace(SPECS[exercise_id]).symbols)


def is_zero(expr) -> bool:
    return sp.simplify(expr) == 0


# --- 1. minibatch gradients ----------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_is_the_minibatch_variance_that_of_a_mean_of_independent_draws(batch):
    s = symbols("w03-minibatch-variance")
    draws = [sps.Normal(f"g{i}", 0, s["sigma"]) for i in range(batch)]
    variance = sps.variance(sp.Add(*draws) / batch)
    assert is_zero(variance - reference("w03-minibatch-variance").subs(s["B"], batch))


def test_does_a_simulation_show_the_variance_falling_like_one_over_b():
    rng = np.random.default_rng(31)
    per_example = rng.exponential(size=5000)  # skewed on purpose: only independence matters
    s = symbols("w03-minibatch-variance")
    sigma2 = per_example.var()
    for batch in (1, 8, 64):
        means = per_example[rng.integers(0, per_example.size, size=(20_000, batch))].mean(axis=1)
        expected = float(reference("w03-minibatch-variance").subs(
            {s["sigma"]: math.sqrt(sigma2), s["B"]: batch}))
        assert means.var() == pytest.approx(expected, rel=0.05)
        assert means.mean() == pytest.approx(per_example.mean(), abs=4 * math.sqrt(expected / 2e4))


def test_is_the_std_ratio_the_square_root_of_the_batch_ratio():
    assert reference("w03-minibatch-std-ratio") == pytest.approx(
        math.sqrt(w03.SMALL_BATCH / w03.LARGE_BATCH))
    assert reference("w03-minibatch-std-ratio") == pytest.approx(0.5)


def test_is_the_scaled_rate_the_base_rate_times_the_batch_ratio():
    expected = w03.BASE_LEARNING_RATE * w03.NEW_BATCH / w03.BASE_BATCH
    assert reference("w03-linear-scaling") == pytest.approx(expected)
    assert reference("w03-linear-scaling") == pytest.approx(0.8)


# --- 3. Adam -------------------------------------------------------------------------------


def test_is_m_hat_the_unrolled_recursion_divided_by_the_correction():
    s = symbols("w03-adam-m-hat")
    g1, g2, b1 = s["g1"], s["g2"], s["beta1"]
    m1 = (1 - b1) * g1
    m2 = b1 * m1 + (1 - b1) * g2
    assert is_zero(m2 / (1 - b1**2) - reference("w03-adam-m-hat"))


@pytest.mark.parametrize(("grads", "beta1"), [((3.0, -1.0), 0.9), ((0.2, 0.7), 0.5)])
def test_does_adam_step_give_the_m_hat_of_the_formula(grads, beta1):
    first = opt.adam_step([0.0], [grads[0]], beta1=beta1)
    second = opt.adam_step(first.params, [grads[1]], first.state, beta1=beta1)
    s = symbols("w03-adam-m-hat")
    value = reference("w03-adam-m-hat").subs({s["g1"]: grads[0], s["g2"]: grads[1],
                                              s["beta1"]: beta1})
    assert second.m_hat[0] == pytest.approx(float(value))


def test_is_the_first_step_minus_eta_sign_g_from_the_moments():
    s = symbols("w03-adam-first-step")
    g, eta, b1, b2 = s["g"], s["eta"], s["beta1"], s["beta2"]
    m_hat = (1 - b1) * g / (1 - b1)
    v_hat = (1 - b2) * g**2 / (1 - b2)
    step = -eta * m_hat / sp.sqrt(v_hat)
    for value in (-3, sp.Rational(1, 7), 1000):
        assert is_zero((step - reference("w03-adam-first-step")).subs(g, value))
        assert is_zero(reference("w03-adam-first-step").subs(g, value) + eta * sp.sign(value))


@pytest.mark.parametrize("gradient", [1000.0, -0.001, 2.5])
def test_does_adams_first_numeric_step_have_size_eta_whatever_the_gradient(gradient):
    step = opt.adam_step([0.0], [gradient], learning_rate=0.1, eps=1e-12)
    s = symbols("w03-adam-first-step")
    expected = reference("w03-adam-first-step").subs({s["g"]: gradient, s["eta"]: 0.1})
    assert step.params[0] == pytest.approx(float(expected), rel=1e-6)


# --- 4. vanishing gradients ------------------------------------------------------------------


def test_is_the_bound_the_maximum_slope_of_the_sigmoid_to_the_power_l():
    z = sp.Symbol("z", real=True)
    slope = sp.diff(S.sigmoid(z), z)
    (peak,) = sp.solve(sp.diff(slope, z), z)
    L = symbols("w03-sigmoid-chain-bound")["L"]
    assert is_zero(slope.subs(z, peak) ** L - reference("w03-sigmoid-chain-bound"))


def test_does_no_random_chain_exceed_the_bound():
    rng = np.random.default_rng(32)
    L = symbols("w03-sigmoid-chain-bound")["L"]
    for depth in (1, 5, 20):
        z = rng.normal(scale=2.0, size=(1000, depth))
        products = np.prod(opt.sigmoid_derivative(z), axis=1)
        assert products.max() <= float(reference("w03-sigmoid-chain-bound").subs(L, depth))


def test_is_ten_the_first_depth_below_one_in_a_million():
    depth = reference("w03-sigmoid-depth")
    assert depth == 10
    assert 0.25**depth <= w03.VANISHING_LEVEL < 0.25 ** (depth - 1)


def test_is_tanh_slope_at_zero_one_by_sympy():
    z = sp.Symbol("z", real=True)
    assert float(sp.diff(sp.tanh(z), z).subs(z, 0)) == reference("w03-tanh-derivative-zero") == 1
    # tanh(z) = 2σ(2z) − 1, the identity the sigmoid-slope mistake's feedback relies on
    assert is_zero((2 * S.sigmoid(2 * z) - 1 - sp.tanh(z)).rewrite(sp.exp))


def test_is_the_relu_chain_option_the_product_of_relu_derivatives():
    assert reference("w03-relu-chain") == "b"
    active = np.linspace(0.01, 5, 20)
    assert np.prod(opt.relu_derivative(active)) == 1.0
    assert np.prod(opt.relu_derivative(np.r_[active[:19], -0.01])) == 0.0


# --- 5. initialisation ----------------------------------------------------------------------


def test_is_xavier_the_solution_of_the_averaged_condition():
    s = symbols("w03-xavier-variance")
    v = sp.Symbol("v", positive=True)
    (root,) = sp.solve(sp.Eq((s["n_in"] + s["n_out"]) / 2 * v, 1), v)
    assert is_zero(root - reference("w03-xavier-variance"))
    # with equal fans it is LeCun's forward condition n_in·Var(W) = 1
    assert is_zero(reference("w03-xavier-variance").subs(s["n_out"], s["n_in"]) - 1 / s["n_in"])


def test_is_he_the_forward_condition_with_relu_halving_the_second_moment():
    z = sps.Normal("z", 0, sp.Symbol("s", positive=True))
    half = sps.E(sp.Piecewise((z**2, z > 0), (0, True))) / sps.E(z**2)
    assert half == sp.Rational(1, 2)
    s = symbols("w03-he-variance")
    v = sp.Symbol("v", positive=True)
    (root,) = sp.solve(sp.Eq(half * s["n_in"] * v, 1), v)
    assert is_zero(root - reference("w03-he-variance"))


def test_is_the_variance_of_a_relu_output_smaller_than_its_second_moment():
    # the notebook's claim: E[ReLU(z)²] = σ²/2, Var(ReLU(z)) = (1/2 − 1/(2π))σ² for a
    # Gaussian z; checked by scipy's quadrature against the normal density
    from scipy import integrate, stats

    sigma = 1.7
    second = integrate.quad(lambda x: x**2 * stats.norm.pdf(x, scale=sigma), 0, np.inf)[0]
    first = integrate.quad(lambda x: x * stats.norm.pdf(x, scale=sigma), 0, np.inf)[0]
    assert second == pytest.approx(sigma**2 / 2)
    assert second - first**2 == pytest.approx((0.5 - 1 / (2 * math.pi)) * sigma**2)


def test_is_the_variance_of_a_sum_the_second_moment_of_nonzero_mean_inputs():
    # Var(Σ W_j x_j) = n Var(W) E[x²] for zero-mean W independent of x, whatever E[x]
    rng = np.random.default_rng(34)
    n_in, draws = 50, 200_000
    x = rng.exponential(1.0, size=(draws, n_in))             # E[x] = 1, E[x²] = 2
    w = rng.normal(scale=0.1, size=(draws, n_in))
    y = np.sum(w * x, axis=1)
    assert y.var() == pytest.approx(n_in * 0.01 * 2.0, rel=0.02)


def test_does_he_keep_the_second_moment_through_a_deep_relu_net():
    rng = np.random.default_rng(33)
    width = 400
    s = symbols("w03-he-variance")
    variance = float(reference("w03-he-variance").subs({s["n_in"]: width, s["n_out"]: width}))
    h = rng.normal(size=(width, 64))
    start = np.mean(h**2)
    for _ in range(20):
        h = np.maximum(rng.normal(scale=math.sqrt(variance), size=(width, width)) @ h, 0)
    assert np.mean(h**2) / start == pytest.approx(1.0, rel=0.5)   # not 2**±20


def test_is_the_uniform_bound_the_one_whose_variance_is_xavier():
    r = sp.Symbol("r", positive=True)
    assert sps.variance(sps.Uniform("u", -r, r)) == r**2 / 3
    s = symbols("w03-xavier-variance")
    var = reference("w03-xavier-variance").subs({s["n_in"]: w03.FAN_IN, s["n_out"]: w03.FAN_OUT})
    assert reference("w03-xavier-uniform-bound") == pytest.approx(math.sqrt(3 * float(var)))


def test_does_scikit_learn_draw_glorot_weights_within_the_same_bound():
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(activation="tanh")
    mlp._random_state = np.random.RandomState(0)
    try:
        coef, _ = mlp._init_coef(w03.FAN_IN, w03.FAN_OUT, np.float64)
    except (AttributeError, TypeError):  # a private helper; its signature may change
        pytest.skip("scikit-learn's MLP no longer exposes _init_coef")
    bound = reference("w03-xavier-uniform-bound")
    assert np.abs(coef).max() <= bound
    assert np.abs(coef).max() == pytest.approx(bound, rel=1e-3)
    assert coef.var() == pytest.approx(opt.xavier_variance(w03.FAN_IN, w03.FAN_OUT), rel=0.02)


# --- 6. weight decay -------------------------------------------------------------------------


def test_is_weight_decay_a_gradient_step_on_the_penalised_loss():
    s = symbols("w03-weight-decay")
    w, g, eta, lam = s["w"], s["g"], s["eta"], s["lam"]
    loss = sp.Function("L")
    penalised = loss(w) + lam / 2 * w**2
    step = w - eta * sp.diff(penalised, w)
    step = step.subs(sp.Derivative(loss(w), w), g)
    assert is_zero(step - reference("w03-weight-decay"))


def test_does_the_numeric_weight_decay_step_agree():
    s = symbols("w03-weight-decay")
    value = reference("w03-weight-decay").subs({s["w"]: 2.0, s["g"]: 1.0, s["eta"]: 0.1,
                                                s["lam"]: 0.5})
    numeric = opt.weight_decay_step([2.0], [1.0], learning_rate=0.1, weight_decay=0.5)
    assert numeric[0] == pytest.approx(float(value))
