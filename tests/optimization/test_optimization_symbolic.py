"""Symbolic forms: each against its numeric twin at random points, and each symbolic
derivative against sympy's own diff of the symbolic loss."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import mlfund.optimization as O
from mlfund.optimization import symbolic as S

RNG = np.random.default_rng(12345)
z, p, y, w, x, a, eta, lam = sp.symbols("z p y w x a eta lambda", real=True)
W = sp.symbols("w1:4", real=True)
XV = sp.symbols("x1:4", real=True)


def value(expr, subs):
    return float(sp.N(sp.sympify(expr).subs(subs), 30))


def matrix_value(mat, subs):
    return np.array(sp.N(sp.Matrix(mat).subs(subs), 30), dtype=float)


def assert_same(e1, e2, variables, domain=(-3.0, 3.0), n=15, symbolic=True):
    """e1 == e2: equal at n random points of the domain and, for small expressions, also
    simplified to 0 by sympy (large ones, such as data-set losses, are checked numerically)."""
    is_matrix = isinstance(e1, sp.MatrixBase)
    diff = sp.Matrix(e1) - sp.Matrix(e2) if is_matrix else e1 - e2
    f1, f2 = (sp.lambdify(variables, e, "mpmath") for e in (e1, e2))

    def evaluate(f, pt):
        # 50 digits: forms such as 1 − σ(z) lose digits to cancellation for large z
        with mpmath.workdps(50):
            out = f(*(mpmath.mpf(v) for v in pt))
            return np.array(sp.Matrix(out) if is_matrix else out, dtype=complex)

    for _ in range(n):
        pt = RNG.uniform(*domain, size=len(variables))
        np.testing.assert_allclose(evaluate(f1, pt), evaluate(f2, pt), rtol=1e-9, atol=1e-12)
    if symbolic and sp.count_ops(diff) <= 120:
        simplified = diff.applyfunc(sp.simplify) if isinstance(diff, sp.MatrixBase) \
            else sp.simplify(diff)
        assert simplified == 0 or getattr(simplified, "is_zero_matrix", False), simplified


# --- activations -------------------------------------------------------------------------


def test_sigmoid_and_derivative():
    assert_same(S.sigmoid_derivative(z), sp.diff(S.sigmoid(z), z), [z])
    for zv in RNG.normal(0, 4, size=20):
        assert value(S.sigmoid(z), {z: zv}) == pytest.approx(O.sigmoid(zv), rel=1e-12)
        assert value(S.sigmoid_derivative(z), {z: zv}) == pytest.approx(
            O.sigmoid_derivative(zv), rel=1e-10)
    assert S.sigmoid_derivative(0) == sp.Rational(1, 4)
    # the maximum: the derivative of σ' vanishes at 0 only
    assert sp.solve(sp.diff(S.sigmoid_derivative(z), z), z) == [0]


def test_tanh_relu_softmax():
    assert_same(S.tanh_derivative(z), sp.diff(sp.tanh(z), z), [z])
    for zv in [-2.5, -0.3, 0.0, 0.7, 3.0]:
        assert value(S.tanh_derivative(z), {z: zv}) == pytest.approx(O.tanh_derivative(zv))
        assert value(S.relu(z), {z: zv}) == O.relu(zv)
        assert value(S.relu_derivative(z), {z: zv}) == O.relu_derivative(zv)
    # sympy's d/dz Max(0, z) is Heaviside(z) with an undefined value at 0: compare off 0
    assert_same(S.relu_derivative(z), sp.diff(S.relu(z), z), [z], domain=(0.1, 5),
                symbolic=False)
    assert_same(S.relu_derivative(z), sp.diff(S.relu(z), z), [z], domain=(-5, -0.1),
                symbolic=False)
    zs = sp.symbols("z1:4")
    for _ in range(10):
        pt = RNG.normal(0, 3, size=3)
        np.testing.assert_allclose(matrix_value(S.softmax(zs), dict(zip(zs, pt, strict=True)))
                                   .ravel(), O.softmax(pt), rtol=1e-12)


# --- binary cross-entropy ----------------------------------------------------------------


def test_bce_forms_against_numeric_and_diff():
    assert_same(S.bce_dp(p, y), sp.diff(S.bce(p, y), p), [p, y], domain=(0.05, 0.95))
    assert_same(S.bce_d2p(p, y), sp.diff(S.bce(p, y), p, 2), [p, y], domain=(0.05, 0.95))
    assert_same(S.bce_dz(z, y), sp.diff(S.bce_with_logits(z, y), z), [z, y])
    assert_same(S.bce_d2z(z, y), sp.diff(S.bce_with_logits(z, y), z, 2), [z, y])
    # the chain rule written out: dL/dp · dp/dz
    assert_same(S.bce_dz(z, y), S.bce_dp(S.sigmoid(z), y) * S.sigmoid_derivative(z), [z, y])
    for _ in range(20):
        pv, zv, yv = RNG.uniform(0.01, 0.99), RNG.normal(0, 3), int(RNG.integers(0, 2))
        assert value(S.bce(p, y), {p: pv, y: yv}) == pytest.approx(
            O.binary_cross_entropy([pv], [yv]), rel=1e-10)
        assert value(S.bce_dp(p, y), {p: pv, y: yv}) == pytest.approx(
            O.binary_cross_entropy_gradient([pv], [yv])[0], rel=1e-10)
        assert value(S.bce_d2p(p, y), {p: pv, y: yv}) == pytest.approx(
            O.binary_cross_entropy_hessian([pv], [yv])[0, 0], rel=1e-10)
        assert value(S.bce_with_logits(z, y), {z: zv, y: yv}) == pytest.approx(
            O.binary_cross_entropy_with_logits([zv], [yv]), rel=1e-10)
        assert value(S.bce_dz(z, y), {z: zv, y: yv}) == pytest.approx(
            O.binary_cross_entropy_with_logits_gradient([zv], [yv])[0], rel=1e-10, abs=1e-14)
        assert value(S.bce_d2z(z, y), {z: zv, y: yv}) == pytest.approx(
            O.binary_cross_entropy_with_logits_hessian([zv], [yv])[0, 0], rel=1e-10)


# --- logistic regression -----------------------------------------------------------------


@pytest.mark.parametrize("label", [0, 1])
def test_single_example_logistic_vector_forms(label):
    loss = S.logistic_loss(W, XV, label)
    assert_same(S.logistic_loss_gradient(W, XV, label), S.gradient(loss, W), [*W, *XV])
    assert_same(S.logistic_loss_hessian(W, XV, label), S.hessian(loss, W), [*W, *XV])
    for _ in range(5):
        wv, xv = RNG.normal(size=3), RNG.normal(size=3)
        subs = {**dict(zip(W, wv, strict=True)), **dict(zip(XV, xv, strict=True))}
        X1 = xv[None, :]
        assert value(loss, subs) == pytest.approx(O.logistic_loss(wv, X1, [label]), rel=1e-10)
        np.testing.assert_allclose(
            matrix_value(S.logistic_loss_gradient(W, XV, label), subs).ravel(),
            O.logistic_loss_gradient(wv, X1, [label]), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(matrix_value(S.logistic_loss_hessian(W, XV, label), subs),
                                   O.logistic_loss_hessian(wv, X1, [label]), rtol=1e-10)


def test_single_example_logistic_scalar_forms():
    loss = S.logistic_loss(w, x, y)
    assert_same(S.logistic_loss_gradient(w, x, y), sp.diff(loss, w), [w, x, y])
    assert_same(S.logistic_loss_hessian(w, x, y), sp.diff(loss, w, 2), [w, x, y])


def test_mean_logistic_forms_against_numeric_and_diff():
    X = RNG.integers(-3, 4, size=(4, 3)).astype(float)
    labels = [1, 0, 0, 1]
    Xs = sp.Matrix(X.astype(int).tolist())
    loss = S.mean_logistic_loss(W, Xs, labels)
    assert_same(S.mean_logistic_loss_gradient(W, Xs, labels), S.gradient(loss, W), list(W))
    assert_same(S.mean_logistic_loss_hessian(W, Xs, labels), S.hessian(loss, W), list(W))
    for _ in range(5):
        wv = RNG.normal(size=3)
        subs = dict(zip(W, wv, strict=True))
        assert value(loss, subs) == pytest.approx(O.logistic_loss(wv, X, labels), rel=1e-10)
        np.testing.assert_allclose(
            matrix_value(S.mean_logistic_loss_gradient(W, Xs, labels), subs).ravel(),
            O.logistic_loss_gradient(wv, X, labels), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(
            matrix_value(S.mean_logistic_loss_hessian(W, Xs, labels), subs),
            O.logistic_loss_hessian(wv, X, labels), rtol=1e-9)


# --- softmax -----------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 2])
def test_softmax_cross_entropy_gradient_for_three_classes(k):
    zs = sp.symbols("z1:4", real=True)
    onehot = [1 if j == k else 0 for j in range(3)]
    loss = S.softmax_cross_entropy(zs, onehot)
    assert_same(S.softmax_cross_entropy_gradient(zs, onehot), S.gradient(loss, zs), list(zs))
    for _ in range(5):
        pt = RNG.normal(0, 2, size=3)
        subs = dict(zip(zs, pt, strict=True))
        assert value(loss, subs) == pytest.approx(O.softmax_cross_entropy(pt, k), rel=1e-10)
        np.testing.assert_allclose(
            matrix_value(S.softmax_cross_entropy_gradient(zs, onehot), subs).ravel(),
            O.softmax_cross_entropy_gradient(pt, k), rtol=1e-10, atol=1e-14)


def test_softmax_gradient_with_symbolic_targets_summing_to_one():
    zs = sp.symbols("z1:4", real=True)
    y1, y2 = sp.symbols("y1 y2", positive=True)
    targets = [y1, y2, 1 - y1 - y2]
    loss = S.softmax_cross_entropy(zs, targets)
    assert_same(S.softmax_cross_entropy_gradient(zs, targets), S.gradient(loss, zs),
                [*zs, y1, y2], domain=(0.05, 0.45))


# --- least squares -----------------------------------------------------------------------


def test_squared_error_and_mse_forms():
    assert_same(S.squared_error_gradient(w, x, y), sp.diff(S.squared_error(w, x, y), w),
                [w, x, y])
    assert_same(S.squared_error_gradient(W, XV, y), S.gradient(S.squared_error(W, XV, y), W),
                [*W, *XV, y])
    X = RNG.integers(-3, 4, size=(5, 3)).astype(float)
    t = RNG.integers(-5, 6, size=5).astype(float)
    Xs = sp.Matrix(X.astype(int).tolist())
    ts = t.astype(int).tolist()
    loss = S.mse_loss(W, Xs, ts)
    assert_same(S.mse_loss_gradient(W, Xs, ts), S.gradient(loss, W), list(W))
    assert_same(S.mse_loss_hessian(W, Xs, ts), S.hessian(loss, W), list(W))
    wv = RNG.normal(size=3)
    subs = dict(zip(W, wv, strict=True))
    assert value(loss, subs) == pytest.approx(O.mse_loss(wv, X, t), rel=1e-10)
    np.testing.assert_allclose(matrix_value(S.mse_loss_gradient(W, Xs, ts), subs)
                               .ravel(), O.mse_loss_gradient(wv, X, t), rtol=1e-9)
    np.testing.assert_allclose(matrix_value(S.mse_loss_hessian(W, Xs, ts), subs),
                               O.mse_loss_hessian(wv, X, t), rtol=1e-10)
    np.testing.assert_allclose(
        np.array(S.normal_equations_solution(Xs, ts), dtype=float).ravel(),
        O.normal_equations_solution(X, t), rtol=1e-9)
    # the solution zeroes the symbolic gradient
    sol = S.normal_equations_solution(Xs, ts)
    assert S.mse_loss_gradient(list(sol), Xs, ts).is_zero_matrix


# --- penalties ---------------------------------------------------------------------------


def test_penalties_against_diff_and_numeric():
    assert_same(S.l2_penalty_gradient(W, lam), S.gradient(S.l2_penalty(W, lam), W), [*W, lam])
    assert_same(S.l2_penalty_gradient(w, lam), sp.diff(S.l2_penalty(w, lam), w), [w, lam])
    d_abs = S.gradient(S.l1_penalty(W, lam), W)
    assert_same(S.l1_penalty_subgradient(W, lam), d_abs, [*W, lam], domain=(0.1, 3))
    assert_same(S.l1_penalty_subgradient(W, lam), d_abs, [*W, lam], domain=(-3, -0.1))
    wv, lv = RNG.normal(size=3), 0.7
    subs = {**dict(zip(W, wv, strict=True)), lam: lv}
    assert value(S.l2_penalty(W, lam), subs) == pytest.approx(O.l2_penalty(wv, lam=lv))
    assert value(S.l1_penalty(W, lam), subs) == pytest.approx(O.l1_penalty(wv, lam=lv))
    np.testing.assert_allclose(matrix_value(S.l2_penalty_gradient(W, lam), subs).ravel(),
                               O.l2_penalty_gradient(wv, lam=lv))
    np.testing.assert_allclose(matrix_value(S.l1_penalty_subgradient(W, lam), subs).ravel(),
                               O.l1_penalty_subgradient(wv, lam=lv))
    assert S.l1_penalty_subgradient(0, lam) == 0


# --- gradient descent facts ----------------------------------------------------------------


def test_quadratic_facts_against_numeric():
    apos, etap = sp.symbols("a eta", positive=True)
    # |1 − ηa| < 1  <=>  0 < η < 2/a
    region = sp.solve_univariate_inequality(sp.Abs(S.gd_step_multiplier(apos, etap)) < 1, etap,
                                            relational=False)
    assert region == sp.Interval.open(0, S.max_stable_learning_rate(apos))
    assert sp.solve(S.gd_step_multiplier(apos, etap), etap) == [S.optimal_learning_rate(apos)]
    assert_same(S.gradient_descent_step(x, sp.diff(a * x**2 / 2, x), eta),
                S.gd_step_multiplier(a, eta) * x, [x, a, eta])
    for _ in range(10):
        lo, hi = sorted(RNG.uniform(0.1, 20, size=2))
        A = np.diag([lo, hi])
        assert float(S.max_stable_learning_rate(hi)) == pytest.approx(O.max_stable_learning_rate(A))
        assert float(S.optimal_learning_rate(lo, hi)) == pytest.approx(O.optimal_learning_rate(A))
        kappa = S.condition_number(lo, hi)
        assert float(kappa) == pytest.approx(O.condition_number(A))
        assert float(S.convergence_rate(kappa)) == pytest.approx(O.convergence_rate(float(kappa)))
        assert float(S.optimal_learning_rate(lo)) == pytest.approx(O.optimal_learning_rate(lo))
    for rate, tol in [(0.5, 1e-3), (0.9, 1e-6), (0.99, 0.01), (0.3, 0.2)]:
        k = S.iterations_to_tolerance(sp.Float(rate), sp.Float(tol), ceiling=True)
        assert int(k) == O.iterations_to_tolerance(rate, tolerance=tol)
    assert S.iterations_to_tolerance(sp.Rational(1, 10), sp.Rational(1, 1000), ceiling=True) == 3
    # the convergence rate at the optimal step, for λ_max = κ·λ_min
    m, kap = sp.symbols("m kappa", positive=True)
    assert sp.simplify(1 - S.optimal_learning_rate(m, kap * m) * m - S.convergence_rate(kap)) == 0


def test_newton_step_solves_quadratics_exactly():
    b = sp.Symbol("b", real=True)
    assert sp.simplify(S.newton_step(a * x**2 / 2 - b * x, x) - b / a) == 0
    x1, x2 = sp.symbols("x1 x2", real=True)
    f = 3 * x1**2 + 2 * x1 * x2 + x2**2 - 4 * x1 + x2
    step = S.newton_step(f, [x1, x2])
    A = np.array([[6.0, 2.0], [2.0, 2.0]])
    np.testing.assert_allclose(np.array(step, dtype=float).ravel(),
                               np.linalg.solve(A, [4.0, -1.0]))
    np.testing.assert_allclose(np.array(step, dtype=float).ravel(),
                               O.newton_step([5.0, -7.0], A @ [5.0, -7.0] - [4.0, -1.0], A))


def test_momentum_adam_and_sgd_facts_against_numeric():
    beta = sp.Symbol("beta", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    series = sp.summation(beta**k, (k, 0, sp.oo)).args[0][0]  # the |β| < 1 branch
    assert sp.simplify(eta * series - S.momentum_effective_learning_rate(eta, beta)) == 0
    assert float(S.momentum_effective_learning_rate(0.01, 0.9)) == pytest.approx(
        O.momentum_effective_learning_rate(0.01, beta=0.9))

    b1, b2 = sp.symbols("beta1 beta2", positive=True)
    g = sp.Symbol("g", real=True)
    assert S.adam_m_hat(g, b1) == g
    assert S.adam_v_hat(g, b2) == g**2
    gs = RNG.normal(size=4)
    state, params = None, np.zeros(1)
    for t, gv in enumerate(gs, start=1):
        step = O.adam_step(params, [gv], state, learning_rate=0.1, beta1=0.8, beta2=0.95)
        params, state = step.params, step.state
        assert float(S.adam_m_hat(list(map(sp.Float, gs[:t])), sp.Float(0.8))) == \
            pytest.approx(step.m_hat[0], rel=1e-10)
        assert float(S.adam_v_hat(list(map(sp.Float, gs[:t])), sp.Float(0.95))) == \
            pytest.approx(step.v_hat[0], rel=1e-10)
    for gv in [-3.0, 0.01, 250.0]:
        num = O.adam_step([0.0], [gv], learning_rate=0.1).params[0]
        assert float(S.adam_first_step(gv, 0.1, 1e-8)) == pytest.approx(num, rel=1e-12)
    gpos, gneg = sp.Symbol("g", positive=True), sp.Symbol("g", negative=True)
    assert S.adam_first_step(gpos, eta) == -eta
    assert S.adam_first_step(gneg, eta) == eta

    gg = sp.Symbol("g")
    assert_same(S.weight_decay_update(w, gg, eta, lam),
                S.gradient_descent_step(w, gg + sp.diff(S.l2_penalty(w, lam / 2), w), eta),
                [w, gg, eta, lam])
    wv, gv = RNG.normal(size=3), RNG.normal(size=3)
    np.testing.assert_allclose(
        np.array(S.weight_decay_update(list(wv), list(gv), 0.1, 0.5), dtype=float).ravel(),
        O.weight_decay_step(wv, gv, learning_rate=0.1, weight_decay=0.5))

    assert float(S.minibatch_gradient_variance(4.0, 16)) == O.minibatch_gradient_variance(
        4.0, batch_size=16)
    # the variance of a mean of B iid terms, from sympy.stats
    from sympy.stats import Normal, variance
    sigma = sp.Symbol("sigma", positive=True)
    terms = [Normal(f"G{i}", 0, sigma) for i in range(4)]
    assert sp.simplify(variance(sum(terms) / 4) - S.minibatch_gradient_variance(sigma**2, 4)) == 0
    assert float(S.linear_scaling_learning_rate(0.1, 256, 1024)) == pytest.approx(
        O.linear_scaling_learning_rate(0.1, base_batch_size=256, batch_size=1024))


def test_deep_net_facts_against_numeric():
    for n_in, n_out in [(1, 1), (300, 100), (784, 10)]:
        assert float(S.xavier_variance(n_in, n_out)) == O.xavier_variance(n_in, n_out)
        assert float(S.he_variance(n_in)) == O.he_variance(n_in)
    for depth in range(8):
        assert S.sigmoid_chain_gradient_bound(depth) == sp.Rational(1, 4) ** depth
        assert float(S.sigmoid_chain_gradient_bound(depth)) == O.sigmoid_chain_gradient_bound(
            depth)
    # the bound is the product of the maximal derivatives
    assert S.sigmoid_chain_gradient_bound(3) == S.sigmoid_derivative(0) ** 3


def test_calculus_helpers_match_sympy():
    f = W[0] ** 2 * sp.sin(W[1]) + sp.exp(W[2] * W[0])
    assert S.gradient(f, W) == sp.Matrix([sp.diff(f, v) for v in W])
    assert S.hessian(f, W) == sp.hessian(f, W)


# --- bad input ---------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="z must be a sympy symbol or expression, not a string"):
        S.sigmoid("z")
    with pytest.raises(TypeError, match="p must be a sympy symbol or expression"):
        S.bce("__import__('os')", y)
    with pytest.raises(TypeError, match="y must be a sympy symbol or expression"):
        S.bce_dz(z, object())
    with pytest.raises(ValueError, match=r"y \(2\) must be a label in \[0, 1\]"):
        S.bce(p, 2)
    with pytest.raises(ValueError, match=r"y \(-1\) must be a label"):
        S.logistic_loss(w, x, -1)
    with pytest.raises(ValueError, match="w and x must have the same length"):
        S.logistic_loss([w, w], [x], 1)
    with pytest.raises(ValueError, match="w must have one entry per column of X"):
        S.mean_logistic_loss_gradient([w], [[1, 2], [3, 4]], [0, 1])
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        S.mse_loss([w], [[1], [2]], [1])
    with pytest.raises(ValueError, match="z and y must have the same length"):
        S.softmax_cross_entropy([z, z, z], [1, 0])
    with pytest.raises(ValueError, match="z must hold at least 2 logits"):
        S.softmax_cross_entropy_gradient([z], [1])
    with pytest.raises(ValueError, match="singular"):
        S.normal_equations_solution([[1, 1], [2, 2]], [1, 2])
    with pytest.raises(TypeError, match="variables must be sympy Symbols"):
        S.gradient(w**2, [w**2])
    with pytest.raises(TypeError, match="X must hold sympy expressions, not strings"):
        S.mse_loss([w], [["a"]], [1])
    with pytest.raises(TypeError, match=r"y\[0\] must be a sympy symbol or expression, not a"):
        S.mse_loss([w], [[1]], ["a"])
    with pytest.raises(ValueError, match="gradients must hold at least one gradient"):
        S.adam_m_hat([], 0.9)
