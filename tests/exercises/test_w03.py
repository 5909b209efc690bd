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


# --- 3. batch size and generalization ----------------------------------------------------------


def _population(rng, n=4000, dim=3):
    """Per-example gradients of a skewed population, and its G and tr(Σ) (divisor n)."""
    grads = rng.exponential(size=(n, dim)) * np.array([1.0, 2.0, 0.5]) - 0.6
    return grads, grads.mean(axis=0), float(grads.var(axis=0).sum())


def test_does_a_simulation_give_the_expected_squared_norm_of_a_minibatch_gradient():
    rng = np.random.default_rng(35)
    grads, G, trace = _population(rng)
    s = symbols("w03-expected-grad-norm")
    for batch in (1, 10, 100):
        means = grads[rng.integers(0, len(grads), size=(20_000, batch))].mean(axis=1)
        simulated = np.mean(np.sum(means**2, axis=1))
        expected = float(reference("w03-expected-grad-norm").subs(
            {s["G2"]: float(G @ G), s["trSigma"]: trace, s["B"]: batch}))
        assert simulated == pytest.approx(expected, rel=0.03)


def test_is_the_expected_squared_norm_the_bias_variance_identity_by_sympy_stats():
    # two independent 2-D draws, coordinates independent with their own variances
    s = symbols("w03-expected-grad-norm")
    mu1, mu2 = sp.symbols("mu1 mu2", real=True)
    s1, s2 = sp.symbols("s1 s2", positive=True)
    draws = [(sps.Normal(f"a{i}", mu1, s1), sps.Normal(f"b{i}", mu2, s2)) for i in range(2)]
    mean = [(draws[0][k] + draws[1][k]) / 2 for k in range(2)]
    second = sp.expand(sps.E(mean[0] ** 2 + mean[1] ** 2))
    expected = reference("w03-expected-grad-norm").subs(
        {s["G2"]: mu1**2 + mu2**2, s["trSigma"]: s1**2 + s2**2, s["B"]: 2})
    assert is_zero(second - expected)


def test_do_the_two_measurements_solve_to_the_stated_noise_scale():
    # the two equations ‖G_B‖² = ‖G‖² + tr(Σ)/B solved by numpy, not by the library
    A = np.array([[1.0, 1 / w03.NORM_SMALL_BATCH], [1.0, 1 / w03.NORM_LARGE_BATCH]])
    g2, trace = np.linalg.solve(A, [w03.NORM_SQ_SMALL, w03.NORM_SQ_LARGE])
    assert reference("w03-noise-scale-estimate") == pytest.approx(trace / g2)
    assert reference("w03-noise-scale-estimate") == pytest.approx(300.0)


KEY = bytes(range(100, 132))   # a course's variants key, fixed for the tests


def test_does_every_students_pair_of_measurements_give_a_well_posed_noise_scale():
    # in a course with variants each student has their own two measurements: for every draw
    # the answer is a batch size between the two, and no mistake is within the tolerance
    spec = SPECS["w03-noise-scale-estimate"]
    assert spec.varies and spec.where(**spec.defaults)
    drawn = [spec.draw(KEY, f"s{i}") for i in range(200)]
    assert len({tuple(sorted(v.items())) for v in drawn}) > 150
    for values in drawn:
        item = spec.with_values(values)
        answer = item.reference()
        assert math.isfinite(answer)
        assert 2 * values["b_small"] <= answer <= values["b_large"] / 2, values
        tolerance = item.atol + item.rtol * abs(answer)
        for mistake in item.mistakes:
            assert abs(mistake.value() - answer) > tolerance, (values, mistake.note)
            assert round(mistake.value()) != round(answer), (values, mistake.note)
        assert f"= {values['sq_small']:g} at B = {values['b_small']}" in item.prompt
    for values in drawn[:5]:
        # the two equations ‖G_B‖² = ‖G‖² + tr(Σ)/B solved by numpy, not by the library
        A = np.array([[1.0, 1 / values["b_small"]], [1.0, 1 / values["b_large"]]])
        g2, trace = np.linalg.solve(A, [values["sq_small"], values["sq_large"]])
        assert spec.with_values(values).reference() == pytest.approx(trace / g2, rel=1e-12)


def test_does_the_two_batch_estimator_recover_a_simulated_noise_scale():
    rng = np.random.default_rng(36)
    grads, G, trace = _population(rng)
    measured = {}
    for batch in (8, 256):
        means = grads[rng.integers(0, len(grads), size=(40_000, batch))].mean(axis=1)
        measured[batch] = float(np.mean(np.sum(means**2, axis=1)))
    est = opt.estimate_noise_scale(measured[8], measured[256], small_batch_size=8,
                                   large_batch_size=256)
    assert est.simple_noise_scale == pytest.approx(trace / float(G @ G), rel=0.05)


def test_is_the_optimal_step_the_minimiser_of_the_expected_quadratic_loss():
    # E[L(w − εG_B)] − L(w) = −ε‖G‖² + ½ε²(GᵀHG + tr(HΣ)/B) for a quadratic L; minimise in ε
    eps, g2, gHg, trHS, B = sp.symbols("epsilon g2 gHg trHS B", positive=True)
    decrease = -eps * g2 + eps**2 / 2 * (gHg + trHS / B)
    (best,) = sp.solve(sp.diff(decrease, eps), eps)
    noise = trHS / gHg                                     # B_noise
    ratio = sp.simplify(best.subs(B, w03.NEW_BATCH) / best.subs(B, w03.BASE_BATCH))
    ratio = ratio.subs(trHS, w03.NOISE_SCALE * gHg)
    assert reference("w03-noise-scale-learning-rate") == pytest.approx(
        w03.BASE_LEARNING_RATE * float(ratio))
    # and the model's form ε_max/(1 + B_noise/B), with ε_max = ‖G‖²/GᵀHG
    assert is_zero(best - (g2 / gHg) / (1 + noise / B))


def test_does_a_simulated_quadratic_find_the_same_best_step():
    # H = I in 2-D, Gaussian gradient noise: the best step on a grid, by Monte Carlo
    rng = np.random.default_rng(37)
    G = np.array([1.0, 0.0])
    sigma2_per_coord = w03.NOISE_SCALE / 2               # tr(Σ) = B_noise·‖G‖², H = I
    grid = np.linspace(0.05, 1.0, 96)

    def best_step(batch):
        noise = rng.normal(scale=math.sqrt(sigma2_per_coord / batch), size=(200_000, 2))
        GB = G + noise
        decrease = [np.mean(-e * GB @ G + e**2 / 2 * np.sum(GB**2, axis=1)) for e in grid]
        return grid[int(np.argmin(decrease))]

    ratio = best_step(w03.NEW_BATCH) / best_step(w03.BASE_BATCH)
    assert w03.BASE_LEARNING_RATE * ratio == pytest.approx(
        reference("w03-noise-scale-learning-rate"), rel=0.06)


def test_does_scikit_learn_count_the_same_batches_per_epoch():
    from sklearn.utils import gen_batches

    per_epoch = len(list(gen_batches(w03.TRAIN_SIZE, w03.EPOCH_BATCH)))
    assert reference("w03-updates-total") == per_epoch * w03.N_EPOCHS == 9800


@pytest.mark.parametrize(("N", "B"), [(5, 2), (6, 3), (7, 1), (7, 6)])
def test_is_the_without_replacement_variance_exact_over_all_batches(N, B):
    from itertools import combinations

    rng = np.random.default_rng(N * 10 + B)
    values = rng.exponential(size=N)
    means = np.array([values[list(c)].mean() for c in combinations(range(N), B)])
    s = symbols("w03-without-replacement-variance")
    expected = reference("w03-without-replacement-variance").subs(
        {s["sigma"]: math.sqrt(values.var()), s["B"]: B, s["N"]: N})
    assert means.var() == pytest.approx(float(expected))
    assert opt.minibatch_gradient_variance(values.var(), batch_size=B, population_size=N) == \
        pytest.approx(float(expected))


def test_does_sampling_without_replacement_simulate_the_same_variance():
    rng = np.random.default_rng(38)
    values = rng.normal(size=200) ** 2
    N, B = len(values), 50
    means = np.array([rng.choice(values, size=B, replace=False).mean() for _ in range(20_000)])
    s = symbols("w03-without-replacement-variance")
    expected = reference("w03-without-replacement-variance").subs(
        {s["sigma"]: math.sqrt(values.var()), s["B"]: B, s["N"]: N})
    assert means.var() == pytest.approx(float(expected), rel=0.05)


# --- 8. keeping deep-net training stable ------------------------------------------------------


def _clip_direct(g, c):
    g = np.asarray(g, dtype=float)
    norm = math.sqrt(sum(float(x) ** 2 for x in g))
    return g if norm <= c else np.array([float(x) * c / norm for x in g])


def test_does_the_clipping_reference_agree_with_a_direct_computation_on_every_probe():
    clip = SPECS["w03-clip-by-norm"].reference()
    for g, c in SPECS["w03-clip-by-norm"].probes():
        np.testing.assert_allclose(clip(g, c), _clip_direct(g, c), rtol=1e-12, atol=0)


def test_does_clipping_match_scikit_learns_unit_normalisation_scaled_to_c():
    from sklearn.preprocessing import normalize

    clip = SPECS["w03-clip-by-norm"].reference()
    g = np.array([3.0, -1.0, 7.0, 2.0])
    np.testing.assert_allclose(clip(g, 2.0), 2.0 * normalize(g[None, :])[0])
    np.testing.assert_allclose(clip(g, 100.0), g)


def test_does_clipping_keep_the_direction_and_cap_the_norm():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    clip = SPECS["w03-clip-by-norm"].reference()
    floats = st.floats(-1e3, 1e3, allow_nan=False)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(floats, min_size=1, max_size=10), st.floats(1e-3, 1e3))
    def prop(values, c):
        g = np.array(values)
        out = clip(g, c)
        assert np.linalg.norm(out) <= c * (1 + 1e-12) or np.allclose(out, g)
        norm = np.linalg.norm(g)
        assert np.allclose(out, g * min(1.0, c / norm) if norm > 0 else g)

    prop()


def test_is_the_clipped_coordinate_the_direct_computation():
    expected = _clip_direct(w03.CLIP_GRADIENT, w03.CLIP_THRESHOLD)[-1]
    assert reference("w03-clipped-coordinate") == pytest.approx(expected)
    assert reference("w03-clipped-coordinate") == pytest.approx(24 * 5 / 26)


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_is_the_residual_factor_the_derivative_of_the_composed_blocks_by_sympy(depth):
    # branches F_l(x) = d·sin(x) + x²: at x₀ = 0 every x_l is 0 and every slope is d
    s = symbols("w03-residual-chain")
    d, x = s["d"], sp.Symbol("x", real=True)
    out = x
    for _ in range(depth):
        out = out + d * sp.sin(out) + out**2
    slope = sp.diff(out, x).subs(x, 0)
    assert is_zero(slope - reference("w03-residual-chain").subs(s["L"], depth))


def test_does_a_numeric_residual_chain_have_the_finite_difference_slope():
    rng = np.random.default_rng(39)
    weights = rng.normal(size=(12, 3))
    x0, h = 0.3, 1e-6

    def forward(x):
        slopes = []
        for a, b, c in weights:
            slopes.append(0.1 * a * (1 - np.tanh(b * x + c) ** 2) * b)   # F' at the input
            x = x + 0.1 * a * np.tanh(b * x + c)
        return x, slopes

    numeric = (forward(x0 + h)[0] - forward(x0 - h)[0]) / (2 * h)
    _, slopes = forward(x0)
    # every block multiplies by 1 + F_l'(x_l); with equal slopes d that is the reference
    assert numeric == pytest.approx(float(np.prod(1 + np.array(slopes))), rel=1e-6)


def test_are_the_normalisations_scikit_learns_standard_scaling_along_the_right_axis():
    from sklearn.preprocessing import StandardScaler

    X = np.random.default_rng(40).normal(loc=[1.0, -5.0, 20.0], scale=[0.5, 3.0, 9.0],
                                         size=(32, 3))
    np.testing.assert_allclose(opt.batch_norm(X, eps=0.0), StandardScaler().fit_transform(X))
    np.testing.assert_allclose(opt.layer_norm(X, eps=0.0),
                               StandardScaler().fit_transform(X.T).T)
    assert reference("w03-norm-axes") == "a"


def _adam_by_hand(w, grads, *, lr, lam, decoupled, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with weight decay, written as a plain loop over steps and coordinates."""
    w = [float(x) for x in w]
    m = [0.0] * len(w)
    v = [0.0] * len(w)
    for t, g in enumerate(grads, start=1):
        for i in range(len(w)):
            gi = g[i] if decoupled else g[i] + lam * w[i]
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            if decoupled:
                w[i] -= lr * lam * w[i]
            w[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return np.array(w)


@pytest.mark.parametrize("decoupled", [True, False])
def test_does_the_library_adamw_match_a_hand_written_loop(decoupled):
    rng = np.random.default_rng(41)
    w0 = rng.normal(size=4)
    grads = rng.normal(size=(6, 4)) * np.array([100.0, 1.0, 0.01, 5.0])
    step, w = None, w0
    for g in grads:
        step = opt.adamw_step(w, g, None if step is None else step.state, learning_rate=0.01,
                              weight_decay=0.1, decoupled=decoupled)
        w = step.params
    expected = _adam_by_hand(w0, grads, lr=0.01, lam=0.1, decoupled=decoupled)
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_is_the_adam_l2_step_what_adam_does_with_the_penalty_in_the_gradient():
    # β₁ = 0, two steps: at the second step v̂ mixes both gradients; ε negligible
    s = symbols("w03-adam-l2-step")
    w0, grads, lr, lam = 1.5, (0.4, -0.2), 0.05, 0.3
    first = opt.adamw_step([w0], [grads[0]], learning_rate=lr, weight_decay=lam,
                           decoupled=False, beta1=0.0, eps=1e-14)
    second = opt.adamw_step(first.params, [grads[1]], first.state, learning_rate=lr,
                            weight_decay=lam, decoupled=False, beta1=0.0, eps=1e-14)
    value = reference("w03-adam-l2-step").subs(
        {s["w"]: float(first.params[0]), s["g"]: grads[1], s["eta"]: lr, s["lam"]: lam,
         s["v"]: float(second.v_hat[0])})
    assert second.params[0] == pytest.approx(float(value), rel=1e-10)


def test_does_the_equivalent_l2_strength_solve_the_equated_steps_by_sympy():
    spec = SPECS["w03-adamw-equivalent-l2"]
    s = dict(namespace(spec).symbols)
    w, g, eta, lam, v, lam2 = (s[k] for k in ("w", "g", "eta", "lam", "v", "lam2"))
    l2_step = w - eta * sp.diff(sp.Function("L")(w) + lam2 * w**2 / 2, w) / sp.sqrt(v)
    l2_step = l2_step.subs(sp.Derivative(sp.Function("L")(w), w), g)
    adamw = (1 - eta * lam) * w - eta * g / sp.sqrt(v)
    (root,) = sp.solve(sp.Eq(l2_step, adamw), lam2)
    assert is_zero(root - spec.reference(w=w, g=g, eta=eta, lam=lam, v=v))
    # the L2 step of Exercise 8.5 is the left-hand side
    assert is_zero(l2_step.subs(lam2, lam) - reference("w03-adam-l2-step").subs(
        {symbols("w03-adam-l2-step")[k]: s[k] for k in ("w", "g", "eta", "lam", "v")}))


def test_does_the_equivalent_l2_strength_reproduce_adamw_numerically():
    # β₁ = 0 and a fixed v̂: Adam on the L2 loss with λ₂ = λ√v̂ takes AdamW's step
    spec = SPECS["w03-adamw-equivalent-l2"]
    w, g, eta, lam, v = 0.8, -0.3, 0.01, 0.05, 2.5
    lam2 = float(spec.reference(w=w, g=g, eta=eta, lam=lam, v=sp.Float(v)))
    assert w - eta * (g + lam2 * w) / math.sqrt(v) == pytest.approx(
        (1 - eta * lam) * w - eta * g / math.sqrt(v))
