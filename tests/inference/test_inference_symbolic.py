"""Questions about the symbolic forms: derivations by sympy, and agreement with the numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats
from sympy import stats as sps

from mlfund import inference as inf
from mlfund.inference import symbolic as sym

RNG = np.random.default_rng(80)
N_POINTS = 25


def _close(expr, value, rel=1e-10):
    assert float(expr) == pytest.approx(value, rel=rel, abs=1e-12)


# --- derivations: MLEs, Fisher information, bias ------------------------------------------


def test_do_the_mles_solve_the_score_equations():
    p, lam, k, n, s, s2 = sp.symbols("p lambda k n s s2", positive=True)
    mu = sp.Symbol("mu", real=True)
    v = sp.Symbol("v", positive=True)
    assert sp.solve(sp.diff(sym.bernoulli_log_likelihood(p, k, n), p), p) == [
        sym.bernoulli_mle(k, n)
    ]
    assert sp.solve(sp.diff(sym.poisson_log_likelihood(lam, s, n), lam), lam) == [
        sym.poisson_mle(s, n)
    ]
    assert sp.solve(sp.diff(sym.exponential_log_likelihood(lam, s, n), lam), lam) == [
        sym.exponential_mle(s, n)
    ]
    ll = sym.gaussian_log_likelihood(mu, v, s, s2, n)
    mu_hat = sp.solve(sp.diff(ll, mu), mu)[0]
    assert sp.simplify(mu_hat - sym.gaussian_mean_mle(s, n)) == 0
    v_hat = sp.solve(sp.diff(ll.subs(mu, mu_hat), v), v)[0]
    assert sp.simplify(v_hat - sym.gaussian_variance_mle(s, s2, n)) == 0


def test_is_the_bernoulli_information_minus_the_expected_second_derivative():
    p = sp.Symbol("p", positive=True)
    x = sps.Bernoulli("X", p)
    one_trial = sym.bernoulli_log_likelihood(p, x, 1)  # log f(X; p)
    info = -sps.E(sp.diff(one_trial, p, 2))
    assert sp.simplify(info - sym.bernoulli_fisher_information(p)) == 0
    # and from the n-trial log-likelihood: E[k] = n p, divided by n
    k, n = sp.symbols("k n", positive=True)
    total = -sp.diff(sym.bernoulli_log_likelihood(p, k, n), p, 2).subs(k, n * p) / n
    assert sp.simplify(total - sym.bernoulli_fisher_information(p)) == 0
    # the standard error is one over the root of the total information
    assert sp.simplify(
        sym.proportion_standard_error(p, n) ** 2 - 1 / (n * sym.bernoulli_fisher_information(p))
    ) == 0


def test_are_the_poisson_exponential_and_gaussian_informations_derived_by_sympy():
    lam = sp.Symbol("lambda", positive=True)
    x = sps.Poisson("X", lam)
    log_f = x * sp.log(lam) - lam  # up to -log(X!)
    info = -sps.E(sp.diff(log_f, lam, 2))
    assert sp.simplify(info - sym.poisson_fisher_information(lam)) == 0
    t = sps.Exponential("T", lam)
    info = -sps.E(sp.diff(sym.exponential_log_likelihood(lam, t, 1), lam, 2))
    assert sp.simplify(info - sym.exponential_fisher_information(lam)) == 0
    mu = sp.Symbol("mu", real=True)
    v = sp.Symbol("v", positive=True)
    z = sps.Normal("Z", mu, sp.sqrt(v))
    log_f = sym.gaussian_log_likelihood(mu, v, z, z**2, 1)
    params = (mu, v)
    matrix = sp.Matrix(2, 2, lambda i, j: sp.simplify(
        -sps.E(sp.expand(sp.diff(log_f, params[i], params[j])))))
    assert sp.simplify(matrix - sym.gaussian_fisher_information(v)) == sp.zeros(2, 2)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_is_the_expected_variance_mle_n_minus_1_over_n_sigma2(n):
    mu, s2 = sp.symbols("mu sigma2", positive=True)
    xs = sp.symbols(f"x0:{n}", real=True)
    x_bar = sum(xs) / n
    sigma_hat2 = sp.expand(sum((x - x_bar) ** 2 for x in xs) / n)
    # E[x_i**2] = mu**2 + sigma2, E[x_i x_j] = mu**2 (i != j), E[x_i] = mu
    poly = sp.Poly(sigma_hat2, *xs)
    expectation = 0
    for powers, coeff in poly.terms():
        term = coeff
        for power in powers:
            term *= {0: 1, 1: mu, 2: mu**2 + s2}[power]
        expectation += term
    assert sp.simplify(expectation - sym.variance_mle_expectation(s2, n)) == 0
    assert sp.simplify(expectation - s2 - sym.variance_mle_bias(s2, n)) == 0


def test_is_the_wilson_interval_the_solution_of_the_score_equation():
    p = sp.Symbol("p")
    for x, n, z in [(0, 10, 1.96), (3, 10, 1.645), (17, 40, 2.576), (40, 40, 1.0)]:
        roots = sorted(float(r) for r in sp.solve((sp.Rational(x, n) - p) ** 2
                                                   - z**2 * p * (1 - p) / n, p))
        low, high = sym.wilson_interval(x, n, z)
        assert (float(low), float(high)) == pytest.approx(roots, abs=1e-12)


def test_is_the_delta_method_the_quadratic_form_of_the_gradient():
    a, b, mx, my, vx, vy, cxy, n = sp.symbols("a b mu_x mu_y s_x2 s_y2 s_xy n", positive=True)
    g = a / b
    grad = sp.Matrix([sp.diff(g, a), sp.diff(g, b)]).subs({a: mx, b: my})
    sigma = sp.Matrix([[vx, cxy], [cxy, vy]])
    derived = (grad.T * sigma * grad)[0] / n
    assert sp.simplify(derived - sym.delta_method_ratio_variance(mx, my, vx, vy, cxy, n)) == 0


def test_does_theta_minimise_the_adjusted_variance():
    theta, vy, vx, c = sp.symbols("theta v_y v_x c", positive=True)
    variance = vy - 2 * theta * c + theta**2 * vx  # Var(Y - theta X)
    best = sp.solve(sp.diff(variance, theta), theta)
    assert best == [sym.cuped_theta(c, vx)]
    assert sp.simplify(variance.subs(theta, best[0]) - sym.cuped_adjusted_variance(vy, vx, c)) == 0
    rho = c / sp.sqrt(vx * vy)
    assert sp.simplify(sym.cuped_adjusted_variance(vy, vx, c)
                       - vy * sym.cuped_variance_factor(rho)) == 0


def test_does_the_ridge_estimator_zero_the_gradient_of_the_penalised_loss():
    lam = sp.Symbol("lambda", positive=True)
    b = sp.Matrix(sp.symbols("b0 b1", real=True))
    X = sp.Matrix([[1, 2], [0, 1], [3, -1]])
    y = sp.Matrix([1, -2, 4])
    loss = ((y - X * b).T * (y - X * b))[0] + lam * (b.T * b)[0]
    gradient = sp.Matrix([sp.diff(loss, bi) for bi in b])
    solution = sp.solve(list(gradient), list(b), dict=True)[0]
    estimator = sym.ridge_estimator(X, y, lam)
    for i, bi in enumerate(b):
        assert sp.simplify(solution[bi] - estimator[i]) == 0


def test_is_the_bias_variance_decomposition_the_expansion_of_the_squared_error():
    f, m, v, s2, eps, dev = sp.symbols("f m v sigma2 epsilon delta", real=True)
    # y = f + eps, f_hat = m + dev; E eps = E dev = 0, E eps**2 = sigma2, E dev**2 = v,
    # E eps*dev = 0 (new noise is independent of the training set).
    squared = sp.expand((f + eps - (m + dev)) ** 2)
    expectation = squared.subs({eps**2: s2, dev**2: v}).subs({eps: 0, dev: 0})
    assert sp.simplify(expectation - sym.expected_squared_error(f, m, v, s2)) == 0


def test_is_the_knn_variance_the_variance_of_a_mean_of_k_labels():
    s2 = sp.Symbol("sigma2", positive=True)
    for k in range(1, 6):
        variance_of_mean = sum(s2 for _ in range(k)) / k**2
        assert sp.simplify(variance_of_mean - sym.knn_variance(s2, k)) == 0


def test_is_the_sample_size_the_root_of_the_power_equation():
    p_a, p_b, za, zb = 0.1, 0.13, 1.959964, 0.841621
    n = sym.sample_size_two_proportions(p_a, p_b, za, zb)
    p_bar = (p_a + p_b) / 2
    argument = (abs(p_a - p_b) * sp.sqrt(n) - za * math.sqrt(2 * p_bar * (1 - p_bar))) / (
        math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    )
    assert float(argument) == pytest.approx(zb)


# --- symbolic vs numeric at random points --------------------------------------------------


def _points():
    for _ in range(N_POINTS):
        n = int(RNG.integers(2, 500))
        yield n, int(RNG.integers(1, n)), float(RNG.uniform(0.5, 0.999))


def test_do_the_log_likelihoods_match_scipy():
    for _ in range(N_POINTS):
        n = int(RNG.integers(1, 30))
        p = float(RNG.uniform(0.01, 0.99))
        k = int(RNG.integers(0, n + 1))
        _close(sym.bernoulli_log_likelihood(p, k, n),
               k * math.log(p) + (n - k) * math.log(1 - p))
        x = RNG.poisson(3.0, size=n)
        lam = float(RNG.uniform(0.5, 6))
        constant = float(np.sum([math.lgamma(xi + 1) for xi in x]))
        _close(sym.poisson_log_likelihood(lam, int(x.sum()), n) - constant,
               stats.poisson.logpmf(x, lam).sum())
        t = RNG.exponential(2.0, size=n)
        _close(sym.exponential_log_likelihood(lam, float(t.sum()), n),
               stats.expon.logpdf(t, scale=1 / lam).sum())
        g = RNG.normal(1, 2, size=n)
        mu, var = float(RNG.normal()), float(RNG.uniform(0.5, 4))
        _close(sym.gaussian_log_likelihood(mu, var, float(g.sum()), float((g**2).sum()), n),
               stats.norm.logpdf(g, mu, math.sqrt(var)).sum(), rel=1e-9)


def test_do_the_symbolic_mles_and_ses_match_the_numeric_ones():
    for _ in range(N_POINTS):
        n = int(RNG.integers(2, 100))
        k = int(RNG.integers(0, n + 1))
        _close(sym.bernoulli_mle(k, n), inf.bernoulli_mle(k, n).estimate)
        p = k / n
        _close(sym.proportion_standard_error(sp.Float(p), n),
               inf.bernoulli_mle(k, n).standard_error)
        x = RNG.poisson(4.0, size=n)
        _close(sym.poisson_mle(int(x.sum()), n), inf.poisson_mle(x).estimate)
        t = RNG.exponential(2.0, size=n)
        _close(sym.exponential_mle(float(t.sum()), n), inf.exponential_mle(t).estimate)
        g = RNG.normal(3, 2, size=n)
        est = inf.gaussian_mle(g)
        _close(sym.gaussian_mean_mle(float(g.sum()), n), est.mean)
        _close(sym.gaussian_variance_mle(float(g.sum()), float((g**2).sum()), n), est.variance,
               rel=1e-8)
        _close(sym.standard_error_of_mean(float(np.std(g, ddof=1)), n),
               inf.standard_error_of_mean(g), rel=1e-9)
        var = float(RNG.uniform(0.1, 25))
        _close(sym.variance_mle_expectation(var, n), inf.variance_mle_expectation(var, n))
        _close(sym.variance_mle_bias(var, n), inf.variance_mle_bias(var, n))


def test_do_the_symbolic_informations_match_the_numeric_ones():
    for _ in range(N_POINTS):
        p, lam, var = (float(v) for v in RNG.uniform(0.01, 0.99, size=3) * [1, 10, 5])
        _close(sym.bernoulli_fisher_information(p), inf.bernoulli_fisher_information(p))
        _close(sym.poisson_fisher_information(lam), inf.poisson_fisher_information(lam))
        _close(sym.exponential_fisher_information(lam), inf.exponential_fisher_information(lam))
        np.testing.assert_allclose(np.array(sym.gaussian_fisher_information(var), dtype=float),
                                   inf.gaussian_fisher_information(var), rtol=1e-12)


def test_do_the_interval_forms_match_proportion_ci():
    for n, k, level in _points():
        z = stats.norm.ppf(0.5 + level / 2)
        wald = inf.proportion_ci(k, n, confidence_level=level, method="wald")
        low, high = sym.wald_interval(sp.Rational(k, n), n, z)
        if 0 < float(low) and float(high) < 1:  # the numeric interval is clipped
            assert (float(low), float(high)) == pytest.approx((wald.low, wald.high), rel=1e-10)
            _close(sym.wald_half_width(sp.Rational(k, n), n, z), (wald.high - wald.low) / 2,
                   rel=1e-9)
        wilson = inf.proportion_ci(k, n, confidence_level=level)
        _close(sym.wilson_centre(k, n, z), (wilson.low + wilson.high) / 2)
        _close(sym.wilson_half_width(k, n, z), (wilson.high - wilson.low) / 2, rel=1e-9)


def test_do_the_ab_forms_match_the_numeric_ones():
    for _ in range(N_POINTS):
        n_a, n_b = (int(v) for v in RNG.integers(2, 5000, size=2))
        k_a, k_b = int(RNG.integers(1, n_a)), int(RNG.integers(1, n_b))
        _close(sym.two_proportion_z(k_a, n_a, k_b, n_b),
               inf.two_proportion_ztest(k_a, n_a, k_b, n_b).statistic, rel=1e-9)
        _close(sym.pooled_proportion(k_a, n_a, k_b, n_b), (k_a + k_b) / (n_a + n_b))
        level = float(RNG.uniform(0.5, 0.99))
        z = stats.norm.ppf(0.5 + level / 2)
        wald = inf.diff_proportions_ci(k_a, n_a, k_b, n_b, confidence_level=level,
                                       method="wald")
        se = sym.unpooled_standard_error(sp.Rational(k_a, n_a), n_a, sp.Rational(k_b, n_b), n_b)
        if -1 < wald.low and wald.high < 1:
            _close(z * se, (wald.high - wald.low) / 2, rel=1e-9)
        p_a, p_b = (float(v) for v in RNG.uniform(0.02, 0.98, size=2))
        alpha, power = float(RNG.choice([0.01, 0.05, 0.1])), float(RNG.uniform(0.6, 0.95))
        za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
        if abs(p_a - p_b) > 1e-3:
            _close(sym.sample_size_two_proportions(p_a, p_b, za, zb),
                   inf.sample_size_two_proportions(p_a, p_b, alpha=alpha, power=power), rel=1e-9)
        delta, sigma = float(RNG.uniform(0.1, 2)), float(RNG.uniform(0.5, 3))
        _close(sym.sample_size_two_means(delta, sigma, za, zb),
               inf.sample_size_two_means(delta, sigma, alpha=alpha, power=power), rel=1e-9)
        a = RNG.normal(0, RNG.uniform(0.5, 3), size=int(RNG.integers(2, 40)))
        b = RNG.normal(0, RNG.uniform(0.5, 3), size=int(RNG.integers(2, 40)))
        args = (np.var(a, ddof=1), a.size, np.var(b, ddof=1), b.size)
        _close(sym.welch_satterthwaite_df(*(float(v) for v in args)),
               inf.welch_ttest(a, b).df, rel=1e-9)
        _close(sym.welch_satterthwaite_df(*(float(v) for v in args)),
               inf.welch_satterthwaite_df(*args), rel=1e-12)


def test_do_the_variance_reduction_forms_match_the_numeric_ones():
    for _ in range(N_POINTS):
        n = int(RNG.integers(3, 300))
        y_den = RNG.poisson(8, size=n) + 1.0
        x_num = RNG.binomial(y_den.astype(int), 0.3).astype(float)
        cov = np.cov(x_num, y_den)
        _close(sym.delta_method_ratio_variance(x_num.mean(), y_den.mean(), cov[0, 0],
                                               cov[1, 1], cov[0, 1], n),
               inf.delta_method_ratio_variance(x_num, y_den), rel=1e-9)
        pre = RNG.gamma(2, 5, size=n)
        post = 0.8 * pre + RNG.normal(0, 3, size=n)
        res = inf.cuped(post, pre)
        c = np.cov(post, pre)
        _close(sym.cuped_theta(c[0, 1], c[1, 1]), res.theta, rel=1e-9)
        _close(sym.cuped_variance_factor(res.correlation), res.variance_factor, rel=1e-9)
        _close(sym.cuped_adjusted_variance(c[0, 0], c[1, 1], c[0, 1]),
               np.var(res.adjusted, ddof=1), rel=1e-8)


def test_do_the_week7_forms_match_the_numeric_ones():
    for _ in range(10):
        n, p = int(RNG.integers(2, 7)), int(RNG.integers(1, 4))
        X, y = RNG.integers(-5, 6, size=(n, p)), RNG.integers(-5, 6, size=n)
        lam = float(RNG.uniform(0.1, 5))
        symbolic = np.array(sym.ridge_estimator(X.tolist(), y.tolist(), lam), dtype=float)
        np.testing.assert_allclose(symbolic.ravel(),
                                   inf.ridge_estimator(X, y, penalty=lam), rtol=1e-9, atol=1e-12)
        d = np.linalg.svd(X.astype(float), compute_uv=False)
        np.testing.assert_allclose(
            [float(sym.ridge_shrinkage_factor(di, lam)) for di in d],
            inf.ridge_shrinkage_factors(X, penalty=lam), rtol=1e-10, atol=1e-14,
        )
        k, s2 = int(RNG.integers(1, 20)), float(RNG.uniform(0.1, 9))
        _close(sym.knn_variance(s2, k), inf.knn_variance(s2, k))
        preds = RNG.normal(size=(30, 1))
        truth = float(RNG.normal())
        res = inf.bias_variance_decomposition(preds, [truth], noise_variance=s2)
        _close(sym.squared_bias(truth, preds.mean()), res.bias_squared)
        _close(sym.expected_squared_error(truth, preds.mean(), preds.var(), s2),
               res.expected_error)


def test_do_symbolic_functions_accept_symbols_and_return_sympy_objects():
    x, n, z = sp.symbols("x n z", positive=True)
    assert isinstance(sym.wilson_centre(x, n, z), sp.Expr)
    assert isinstance(sym.wald_interval(x / n, n, z), sp.Tuple)
    assert isinstance(sym.gaussian_fisher_information(x), sp.MatrixBase)
    assert sym.wald_interval(0, 20, z) == sp.Tuple(0, 0)
