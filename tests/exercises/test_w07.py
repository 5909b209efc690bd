"""Week 7 (bias, variance, regularization): each reference against an independent computation.

The decomposition is checked on an exact two-point distribution, ridge against scikit-learn
and the hat matrix, the k-NN variance with sympy.stats, and the degree sweep against
np.polyfit on the data the notebook draws.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp
from sklearn.linear_model import Ridge

from mlfund import exercises
from mlfund.exercises import w07

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "w07" / "w07-bias-variance.ipynb"
SPECS = {s.id: s for s in exercises.week(7)}

f, m, w, beta = sp.symbols("f m w beta", real=True)
x1, x2, y1, y2 = sp.symbols("x1 x2 y1 y2", real=True)
v, sigma, lam, d = sp.symbols("v sigma lam d", positive=True)
k = sp.Symbol("k", positive=True, integer=True)


def test_is_the_decomposition_exact_on_a_two_point_distribution():
    """f̂ = m ± √v and ε = ±σ, each with probability ½, independent: expectations by hand."""
    root = sp.sqrt(v)
    outcomes = [(m + s1 * root, s2 * sigma) for s1 in (-1, 1) for s2 in (-1, 1)]
    second = sum((fh**2) for fh, _ in outcomes) / 4
    no_noise = sum((f - fh) ** 2 for fh, _ in outcomes) / 4
    full = sum((f + eps - fh) ** 2 for fh, eps in outcomes) / 4
    assert sp.expand(second - (m**2 + v)) == 0
    assert sp.expand(no_noise - ((f - m) ** 2 + v)) == 0
    assert sp.expand(full - SPECS["w07-bias-variance-derivation"].reference(
        f=f, m=m, v=v, sigma=sigma)) == 0


def test_does_the_derivations_start_evaluate_to_the_two_point_expectation():
    """The checker's E[...] of the start, with f̂ and ε as declared, is the same number."""
    from mlfund.check._chain import _start, space_of

    space = space_of(SPECS["w07-bias-variance-derivation"])
    _, (value,) = _start(space)
    names = {s.name: s for s in value.free_symbols}
    expected = (names["f"] - names["m"]) ** 2 + names["v"] + names["sigma"] ** 2
    assert sp.expand(value - expected) == 0


@pytest.mark.parametrize("probe", w07._bias_variance_probes())
def test_do_bias_squared_and_variance_add_up_to_the_mean_squared_deviation(probe):
    predictions, truth = probe
    bias2, variance = SPECS["w07-bias-variance-estimate"].reference()(predictions, truth)
    assert bias2 + variance == pytest.approx(np.mean((predictions - truth) ** 2), rel=1e-12)
    assert bias2 == pytest.approx(np.mean((predictions.mean(axis=0) - truth) ** 2))


def test_is_the_ridge_gradient_sympys_derivative_of_the_loss():
    loss = (w * x1 - y1) ** 2 + (w * x2 - y2) ** 2 + lam * w**2
    ref = SPECS["w07-ridge-gradient"].reference(w=w, x1=x1, x2=x2, y1=y1, y2=y2, lam=lam)
    assert sp.expand(ref - sp.diff(loss, w)) == 0


def test_is_the_ridge_coefficient_the_root_of_the_gradient():
    gradient = SPECS["w07-ridge-gradient"].reference(w=w, x1=x1, x2=x2, y1=y1, y2=y2, lam=lam)
    (root,) = sp.solve(gradient, w)
    ref = SPECS["w07-ridge-1d"].reference(x1=x1, x2=x2, y1=y1, y2=y2, lam=lam)
    assert sp.simplify(root - ref) == 0


@pytest.mark.parametrize("probe", w07._ridge_probes())
def test_is_the_ridge_reference_scikit_learns_ridge(probe):
    X, y, penalty = probe
    want = Ridge(alpha=penalty, fit_intercept=False, solver="svd").fit(X, y).coef_
    assert np.allclose(SPECS["w07-ridge"].reference()(X, y, penalty), want, rtol=1e-8)


def test_does_the_ridge_fit_shrink_each_principal_direction_by_the_factor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 4))
    y = rng.normal(size=25)
    penalty = 3.0
    U, D, _ = np.linalg.svd(X, full_matrices=False)
    factor = sp.lambdify((d, lam), SPECS["w07-ridge-shrinkage"].reference(d=d, lam=lam))
    fit = X @ SPECS["w07-ridge"].reference()(X, y, penalty)
    assert np.allclose(fit, U @ (factor(D, penalty) * (U.T @ y)), rtol=1e-10)


def test_are_the_ridge_degrees_of_freedom_the_trace_of_the_hat_matrix():
    X = np.array(w07.RIDGE_DOF_X)
    hat = X @ np.linalg.solve(X.T @ X + w07.RIDGE_DOF_PENALTY * np.eye(2), X.T)
    assert SPECS["w07-ridge-dof"].reference() == pytest.approx(np.trace(hat), rel=1e-12)
    # the worked numbers of the item: singular values 3 and 1, so 9/11 + 1/3
    assert np.allclose(w07._singular_values(), [3.0, 1.0])
    assert SPECS["w07-ridge-dof"].reference() == pytest.approx(9 / 11 + 1 / 3)


def test_are_the_ridge_bias_and_variance_those_of_the_linear_estimator():
    """ŵ = a·y with a = x/(Σx² + λ): E ŵ − β = β a·x − β and Var ŵ = σ²|a|²."""
    xs, beta_v, lam_v, sigma_v = np.array([0.7, -1.9]), 1.3, 2.5, 0.8
    a = xs / (xs @ xs + lam_v)
    bias = SPECS["w07-ridge-bias"].reference(beta=beta, x1=x1, x2=x2, lam=lam)
    var = SPECS["w07-ridge-variance"].reference(sigma=sigma, x1=x1, x2=x2, lam=lam)
    at = {x1: xs[0], x2: xs[1], lam: lam_v, beta: beta_v, sigma: sigma_v}
    assert float(bias.subs(at)) == pytest.approx(beta_v * (a @ xs) - beta_v, rel=1e-12)
    assert float(var.subs(at)) == pytest.approx(sigma_v**2 * (a @ a), rel=1e-12)


def test_does_ridge_trade_bias_for_variance():
    """Variance below least squares' σ²/Σx² and a bias that grows with λ, for any λ > 0."""
    var = SPECS["w07-ridge-variance"].reference(sigma=sigma, x1=x1, x2=x2, lam=lam)
    bias = SPECS["w07-ridge-bias"].reference(beta=beta, x1=x1, x2=x2, lam=lam)
    s = x1**2 + x2**2
    assert sp.simplify(var.subs(lam, 0) - sigma**2 / s) == 0
    assert sp.simplify(bias.subs(lam, 0)) == 0
    rng = np.random.default_rng(3)
    for _ in range(20):
        at = {x1: rng.normal(), x2: rng.normal(), sigma: 1.0, beta: 1.0}
        lams = np.sort(rng.uniform(0.1, 10, size=2))
        v_small, v_big = (float(var.subs({**at, lam: float(t)})) for t in lams)
        b_small, b_big = (float(bias.subs({**at, lam: float(t)})) ** 2 for t in lams)
        assert v_big < v_small < float((sigma**2 / s).subs(at))
        assert b_big > b_small > 0


def test_is_the_knn_variance_the_variance_of_a_mean_of_k_labels():
    from sympy.stats import Normal, variance

    labels = [Normal(f"e{i}", 0, sigma) for i in range(3)]
    want = variance(sum(labels) / 3)
    assert sp.simplify(want - SPECS["w07-knn-variance"].reference(sigma=sigma, k=3)) == 0


@pytest.mark.parametrize("probe", w07._poly_probes())
def test_is_the_poly_reference_np_polyfit(probe):
    x_train, y_train, x_test, y_test, degree = probe
    coef = np.polyfit(x_train, y_train, degree)
    want = [np.mean((np.polyval(coef, x_train) - y_train) ** 2),
            np.mean((np.polyval(coef, x_test) - y_test) ** 2)]
    assert np.allclose(SPECS["w07-poly-errors"].reference()(*probe), want, rtol=1e-9)


def _notebook_sweep_data():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith("# the data of the sweep")]
    namespace = {"np": np}
    exec(cell.source, namespace)  # the notebook's own cell, nothing else
    return tuple(namespace[name] for name in ("x_train", "y_train", "x_val", "y_val"))


def test_does_the_notebook_draw_the_data_of_the_sweep():
    for got, want in zip(_notebook_sweep_data(), w07.sweep_data(), strict=True):
        assert np.array_equal(got, want)


def test_is_the_best_degree_clear_and_that_of_np_polyfit():
    x_train, y_train, x_val, y_val = w07.sweep_data()
    val_err = []
    for degree in w07.SWEEP_DEGREES:
        coef = np.polyfit(x_train, y_train, degree)
        val_err.append(np.mean((np.polyval(coef, x_val) - y_val) ** 2))
    val_err = np.array(val_err)
    best = SPECS["w07-best-degree"].reference()
    assert best == w07.SWEEP_DEGREES[int(np.argmin(val_err))]
    runner_up = np.sort(val_err)[1]
    assert runner_up > 1.05 * val_err.min()  # not a near tie a rounding could flip
    assert np.allclose(w07.sweep_errors()[1], val_err, rtol=1e-6)


def test_does_the_training_error_pick_the_most_complex_model():
    train = w07.sweep_errors()[0]
    assert np.all(np.diff(train) <= 1e-12)
    wrong = next(mm for mm in SPECS["w07-best-degree"].mistakes if mm.note == "train-error")
    assert wrong.value() == max(w07.SWEEP_DEGREES)


# --- section 7: soft-thresholding, MAP penalties, early stopping -------------------------

z = sp.Symbol("z", real=True)
tau, b_scale, eta, lam_i, alpha, rho = sp.symbols("tau b eta lam_i alpha rho", positive=True)
t_steps, B = sp.symbols("t B", positive=True, integer=True)


def _soft_threshold_reference():
    return sp.lambdify((z, lam), SPECS["w07-soft-threshold"].reference(z=z, lam=lam), "numpy")


def test_is_the_positive_side_the_root_of_the_derivative_there():
    w_pos = sp.Symbol("w", positive=True)
    objective = (w_pos - z) ** 2 / 2 + lam * sp.Abs(w_pos)
    (root,) = sp.solve(sp.diff(objective, w_pos), w_pos)
    assert sp.simplify(root - SPECS["w07-soft-threshold-derivation"].reference(z=z, lam=lam)) == 0


def test_is_soft_thresholding_the_minimiser_found_by_scipy():
    """A bounded scalar minimisation of ½(w − z)² + λ|w| (no use of the closed form)."""
    from scipy.optimize import minimize_scalar

    reference = _soft_threshold_reference()
    rng = np.random.default_rng(7070)
    for z_v, lam_v in zip(rng.normal(scale=2.0, size=40), rng.uniform(0.05, 2.0, size=40),
                          strict=True):
        found = minimize_scalar(lambda w_v, z_v=z_v, lam_v=lam_v: 0.5 * (w_v - z_v) ** 2
                                + lam_v * abs(w_v), bounds=(-10, 10), method="bounded",
                                options={"xatol": 1e-10})
        assert float(reference(z_v, lam_v)) == pytest.approx(found.x, abs=1e-6)


def test_is_soft_thresholding_scikit_learns_lasso_on_an_orthonormal_design():
    """sklearn's Lasso minimises (1/2n)‖y − Xw‖² + α‖w‖₁; with XᵀX = nI that is
    ½‖w − z‖² + α‖w‖₁ + const for z = Xᵀy/n, solved coordinate by coordinate."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(7071)
    n, p = 60, 8
    Q, _ = np.linalg.qr(rng.normal(size=(n, p)))
    X = np.sqrt(n) * Q
    y = X @ np.array([2.0, -1.5, 0.3, -0.2, 0.0, 1.0, 0.05, -0.6]) + rng.normal(size=n)
    z_ls = X.T @ y / n
    function = SPECS["w07-soft-threshold-function"].reference()
    for alpha_v in (0.1, 0.4, 1.0):
        fitted = Lasso(alpha=alpha_v, fit_intercept=False, tol=1e-12,
                       max_iter=100_000).fit(X, y).coef_
        assert np.allclose(function(z_ls, alpha_v), fitted, atol=1e-8)
        assert np.allclose(_soft_threshold_reference()(z_ls, alpha_v), fitted, atol=1e-8)
        assert np.any(fitted == 0.0)          # the point of the L1 penalty: exact zeros


@pytest.mark.parametrize("probe", w07._soft_threshold_probes())
def test_does_the_function_reference_agree_with_the_formula(probe):
    z_v, lam_v = probe
    want = np.vectorize(lambda s: float(_soft_threshold_reference()(s, lam_v)))(z_v)
    got = SPECS["w07-soft-threshold-function"].reference()(z_v, lam_v)
    assert got.shape == np.shape(z_v)
    assert np.allclose(got, want, rtol=0, atol=1e-12)


def test_is_the_ridge_map_estimate_the_ridge_estimator_with_that_penalty():
    """scipy minimises −log p(y | w) − log p(w) written with scipy.stats densities."""
    from scipy.optimize import minimize
    from scipy.stats import norm

    rng = np.random.default_rng(7072)
    X = rng.normal(size=(30, 3))
    sigma_v, tau_v = 0.7, 0.4
    y = X @ rng.normal(scale=tau_v, size=3) + rng.normal(scale=sigma_v, size=30)

    def negative_log_posterior(w_v):
        return -(norm.logpdf(y, loc=X @ w_v, scale=sigma_v).sum()
                 + norm.logpdf(w_v, scale=tau_v).sum())

    found = minimize(negative_log_posterior, np.zeros(3), method="BFGS",
                     options={"gtol": 1e-10}).x
    lam_v = float(SPECS["w07-ridge-map-penalty"].reference(sigma=sigma, tau=tau).subs(
        {sigma: sigma_v, tau: tau_v}))
    assert np.allclose(SPECS["w07-ridge"].reference()(X, y, lam_v), found, atol=1e-6)


def test_is_the_lasso_map_estimate_soft_thresholding_with_that_penalty():
    """Laplace prior (scipy.stats.laplace), orthonormal design: each coordinate's MAP,
    found by a bounded scalar search, is S_λ(z_j) with λ from the reference."""
    from scipy.optimize import minimize_scalar
    from scipy.stats import laplace, norm

    rng = np.random.default_rng(7073)
    Q, _ = np.linalg.qr(rng.normal(size=(40, 5)))
    sigma_v, b_v = 0.8, 0.5
    y = Q @ np.array([1.5, -0.1, 0.6, 0.0, -2.0]) + rng.normal(scale=sigma_v, size=40)
    lam_v = float(SPECS["w07-lasso-map-penalty"].reference(sigma=sigma, b=b_scale).subs(
        {sigma: sigma_v, b_scale: b_v}))
    z_ls = Q.T @ y
    for j in range(5):
        rest = np.delete(np.arange(5), j)
        w_rest = np.zeros(4)             # the posterior factorises: other coordinates at 0

        def negative_log_posterior(w_j, j=j, rest=rest, w_rest=w_rest):
            w_v = np.empty(5)
            w_v[j], w_v[rest] = w_j, w_rest
            return -(norm.logpdf(y, loc=Q @ w_v, scale=sigma_v).sum()
                     + laplace.logpdf(w_j, scale=b_v))

        found = minimize_scalar(negative_log_posterior, bounds=(-10, 10), method="bounded",
                                options={"xatol": 1e-10}).x
        assert float(_soft_threshold_reference()(z_ls[j], lam_v)) == pytest.approx(
            found, abs=1e-6)


def test_is_the_early_stopping_factor_that_of_gradient_descent_on_least_squares():
    """Run gradient descent on ½‖y − Xw‖² from 0 and project on the eigenvectors of XᵀX."""
    rng = np.random.default_rng(7074)
    X = rng.normal(size=(50, 4)) * np.array([3.0, 1.0, 0.5, 0.1])
    y = rng.normal(size=50)
    H = X.T @ X
    eigenvalues, Q = np.linalg.eigh(H)
    w_star = np.linalg.solve(H, X.T @ y)
    step = 1.0 / eigenvalues.max()
    factor = sp.lambdify((eta, lam_i, t_steps), SPECS["w07-early-stopping-factor"].reference(
        eta=eta, lam_i=lam_i, t=t_steps))
    w_v = np.zeros(4)
    for t_v in range(1, 31):
        w_v = w_v - step * X.T @ (X @ w_v - y)
        want = factor(step, eigenvalues, t_v) * (Q.T @ w_star)
        assert np.allclose(Q.T @ w_v, want, rtol=1e-9, atol=1e-12)


def test_does_early_stopping_match_ridge_with_alpha_one_over_eta_t_in_the_limit():
    """Goodfellow et al. §7.8: for ηλ_i ≪ 1 and λ_i ≪ α the two fractions agree to first
    order, with α = 1/(ηt); and the ridge fraction is the library's shrinkage factor."""
    es = SPECS["w07-early-stopping-factor"].reference(eta=eta, lam_i=lam_i, t=t_steps)
    ridge = w07.ridge_factor_along_eigendirection(lam_i, alpha)
    assert sp.simplify(ridge - SPECS["w07-ridge-shrinkage"].reference(
        d=sp.sqrt(lam_i), lam=alpha)) == 0
    eta_v, t_v = 1e-4, 100                      # ηt = 0.01, α = 100
    for lam_v in (0.01, 0.1, 1.0):
        got = float(es.subs({eta: eta_v, lam_i: lam_v, t_steps: t_v}))
        want = float(ridge.subs({lam_i: lam_v, alpha: 1 / (eta_v * t_v)}))
        assert got == pytest.approx(want, rel=0.02)


# --- section 8: the variance of an average of correlated estimators ----------------------


def test_is_the_bagged_variance_that_of_a_seeded_monte_carlo_of_equicorrelated_gaussians():
    rng = np.random.default_rng(7075)
    reference = SPECS["w07-bagged-variance"].reference(rho=rho, sigma=sigma, B=B)
    for size, rho_v, sigma_v in [(5, 0.3, 1.5), (20, 0.6, 0.8), (50, 0.1, 2.0)]:
        cov = sigma_v**2 * (rho_v * np.ones((size, size)) + (1 - rho_v) * np.eye(size))
        draws = rng.multivariate_normal(np.zeros(size), cov, size=200_000)
        simulated = draws.mean(axis=1).var()
        want = float(reference.subs({rho: rho_v, sigma: sigma_v, B: size}))
        # the sample variance of 200,000 normals has a relative SD of sqrt(2/200000) = 0.3 %
        assert simulated == pytest.approx(want, rel=0.015)


def test_is_the_bagged_variance_that_of_a_shared_and_an_own_part():
    """X_b = σ(√ρ Z + √(1 − ρ) E_b) with Z, E_1, E_2, E_3 independent standard normals: each
    X_b has variance σ² and each pair correlation ρ; the variance of a linear combination
    of independent standard normals is the squared norm of its coefficients."""
    shared = sp.Matrix([sp.sqrt(rho), 0, 0, 0])
    members = [sigma * (shared + sp.sqrt(1 - rho) * sp.eye(4)[:, k]) for k in (1, 2, 3)]
    assert all(sp.simplify(m.dot(m) - sigma**2) == 0 for m in members)
    assert sp.simplify(members[0].dot(members[1]) - rho * sigma**2) == 0
    average = sum(members, sp.zeros(4, 1)) / 3
    got = SPECS["w07-bagged-variance"].reference(rho=rho, sigma=sigma, B=3)
    assert sp.simplify(average.dot(average) - got) == 0


def test_is_the_limit_the_reference_at_large_b_and_the_number_the_formula():
    limit = SPECS["w07-bagged-variance-limit"].reference(rho=rho, sigma=sigma)
    var = SPECS["w07-bagged-variance"].reference(rho=rho, sigma=sigma, B=B)
    assert sp.simplify(var - limit - (1 - rho) * sigma**2 / B) == 0
    assert SPECS["w07-bagged-variance-number"].reference() == pytest.approx(
        w07.BAG_RHO * w07.BAG_SIGMA**2 + (1 - w07.BAG_RHO) * w07.BAG_SIGMA**2 / w07.BAG_SIZE)


def test_does_the_notebook_state_the_bag_of_the_number_item():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    (statement,) = [c.source for c in nb.cells if c.source.startswith("**Exercise 8.3")]
    for value in (w07.BAG_SIZE, w07.BAG_SIGMA, w07.BAG_RHO):
        assert f"{value:g}" in statement


VARIANT_KEY = bytes(range(32))


def test_is_every_students_bag_well_posed_and_each_mistake_told_apart():
    """For 200 students' numbers: the reference lies between the shared part ρσ² and one
    tree's σ², every catalogued mistake is further from it than the item's tolerance, and
    at a few draws it matches the variance of the average of B exchangeable normals
    computed from their covariance matrix with numpy."""
    spec = SPECS["w07-bagged-variance-number"]
    assert spec.varies and spec.defaults == {"size": w07.BAG_SIZE, "sigma": w07.BAG_SIGMA,
                                             "rho": w07.BAG_RHO}
    draws = [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]
    assert len({tuple(sorted(d.items())) for d in draws}) > 150
    for values in draws:
        item = spec.with_values(values)
        size, sd, rho = values["size"], values["sigma"], values["rho"]
        assert f"{size} trees" in item.prompt and f"{sd:g}" in item.prompt
        reference = item.reference()
        assert np.isfinite(reference) and rho * sd**2 < reference < sd**2
        for mistake in item.mistakes:
            assert abs(mistake.value() - reference) > item.precision.atol, (values, mistake.note)
    for values in draws[:5]:
        size, sd, rho = values["size"], values["sigma"], values["rho"]
        cov = sd**2 * (rho * np.ones((size, size)) + (1 - rho) * np.eye(size))
        weights = np.full(size, 1 / size)
        assert spec.with_values(values).reference() == pytest.approx(weights @ cov @ weights)
