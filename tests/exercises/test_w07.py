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
