"""Symbolic (sympy) forms of the inference fundamentals: the references for derivations.

Every function takes sympy symbols or expressions (plain numbers are sympified) and
returns a sympy expression, a :class:`sympy.Tuple` for an interval, or a
:class:`sympy.Matrix`. They are the exact formulas of the numeric functions in
:mod:`mlfund.inference`, which the tests check against each other at random points.

Log-likelihoods are written with sufficient statistics — ``successes`` ``k`` of ``n``
trials, the ``total`` ``sum x_i`` and ``total_squares`` ``sum x_i**2`` — so that ``n`` can
stay a symbol. Quantiles of the normal distribution appear as symbols ``z``,
``z_alpha`` (``z_{1-alpha/2}`` for a two-sided test) and ``z_beta`` (``z_{1-beta}``).

Importing this module imports sympy; ``import mlfund.inference`` does not.

Examples
--------
The Bernoulli MLE from its log-likelihood, as a learner would derive it:

>>> import sympy as sp
>>> from mlfund.inference import symbolic
>>> p, k, n = sp.symbols("p k n", positive=True)
>>> score = sp.diff(symbolic.bernoulli_log_likelihood(p, k, n), p)
>>> sp.solve(sp.Eq(score, 0), p) == [symbolic.bernoulli_mle(k, n)]
True
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = [
    # estimation
    "bernoulli_log_likelihood",
    "poisson_log_likelihood",
    "exponential_log_likelihood",
    "gaussian_log_likelihood",
    "bernoulli_mle",
    "poisson_mle",
    "exponential_mle",
    "gaussian_mean_mle",
    "gaussian_variance_mle",
    "variance_mle_expectation",
    "variance_mle_bias",
    "bernoulli_fisher_information",
    "poisson_fisher_information",
    "exponential_fisher_information",
    "gaussian_fisher_information",
    "proportion_standard_error",
    "standard_error_of_mean",
    # intervals
    "wald_half_width",
    "wald_interval",
    "wilson_centre",
    "wilson_half_width",
    "wilson_interval",
    # A/B testing
    "pooled_proportion",
    "two_proportion_z",
    "unpooled_standard_error",
    "sample_size_two_proportions",
    "sample_size_two_means",
    "welch_satterthwaite_df",
    "delta_method_ratio_variance",
    "cuped_theta",
    "cuped_adjusted_variance",
    "cuped_variance_factor",
    # bias and variance
    "squared_bias",
    "expected_squared_error",
    "ridge_estimator",
    "ridge_shrinkage_factor",
    "knn_variance",
]


def _s(*values: Any) -> list[sp.Expr]:
    return [sp.sympify(v) for v in values]


# --- estimation (week 4) -------------------------------------------------------------


def bernoulli_log_likelihood(p: Any, successes: Any, n: Any) -> sp.Expr:
    """``k log p + (n - k) log(1 - p)``: ``k`` successes in ``n`` Bernoulli trials.

    Examples
    --------
    >>> p, k, n = sp.symbols("p k n", positive=True)
    >>> bernoulli_log_likelihood(p, k, n)
    k*log(p) + (-k + n)*log(1 - p)
    """
    p, k, n = _s(p, successes, n)
    return k * sp.log(p) + (n - k) * sp.log(1 - p)


def poisson_log_likelihood(rate: Any, total: Any, n: Any) -> sp.Expr:
    """``total log(lambda) - n lambda``: Poisson log-likelihood up to ``-sum log(x_i!)``.

    The dropped constant does not depend on ``lambda``, so the MLE and the Fisher
    information are unchanged.

    Examples
    --------
    >>> lam, s, n = sp.symbols("lambda s n", positive=True)
    >>> poisson_log_likelihood(lam, s, n)
    -lambda*n + s*log(lambda)
    """
    lam, s, n = _s(rate, total, n)
    return s * sp.log(lam) - n * lam


def exponential_log_likelihood(rate: Any, total: Any, n: Any) -> sp.Expr:
    """``n log(lambda) - lambda total`` for ``n`` exponential waiting times summing to ``total``.

    Examples
    --------
    >>> lam, s, n = sp.symbols("lambda s n", positive=True)
    >>> exponential_log_likelihood(lam, s, n)
    -lambda*s + n*log(lambda)
    """
    lam, s, n = _s(rate, total, n)
    return n * sp.log(lam) - lam * s


def gaussian_log_likelihood(
    mean: Any, variance: Any, total: Any, total_squares: Any, n: Any
) -> sp.Expr:
    """Gaussian log-likelihood ``-n/2 log(2 pi sigma**2) - sum (x_i - mu)**2 / (2 sigma**2)``.

    The sum of squares is written with sufficient statistics:
    ``sum (x_i - mu)**2 = total_squares - 2 mu total + n mu**2``.

    Examples
    --------
    >>> mu, s, s2, n = sp.symbols("mu s s2 n", real=True)
    >>> v = sp.Symbol("v", positive=True)
    >>> ll = gaussian_log_likelihood(mu, v, s, s2, n)
    >>> sp.solve(sp.diff(ll, mu), mu)
    [s/n]
    """
    mu, v, s, s2, n = _s(mean, variance, total, total_squares, n)
    return -n / 2 * sp.log(2 * sp.pi * v) - (s2 - 2 * mu * s + n * mu**2) / (2 * v)


def bernoulli_mle(successes: Any, n: Any) -> sp.Expr:
    """``k / n``.

    Examples
    --------
    >>> k, n = sp.symbols("k n", positive=True)
    >>> bernoulli_mle(k, n)
    k/n
    """
    k, n = _s(successes, n)
    return k / n


def poisson_mle(total: Any, n: Any) -> sp.Expr:
    """``total / n``, the sample mean.

    Examples
    --------
    >>> poisson_mle(20, 5)
    4
    """
    s, n = _s(total, n)
    return s / n


def exponential_mle(total: Any, n: Any) -> sp.Expr:
    """``n / total``, one over the sample mean.

    Examples
    --------
    >>> exponential_mle(4, 4)
    1
    """
    s, n = _s(total, n)
    return n / s


def gaussian_mean_mle(total: Any, n: Any) -> sp.Expr:
    """``total / n``, the sample mean.

    Examples
    --------
    >>> gaussian_mean_mle(12, 4)
    3
    """
    s, n = _s(total, n)
    return s / n


def gaussian_variance_mle(total: Any, total_squares: Any, n: Any) -> sp.Expr:
    """``total_squares / n - (total / n)**2 = (1/n) sum (x_i - x_bar)**2``.

    Examples
    --------
    The sample 1, 2, 3, 6 has total 12 and total of squares 50:

    >>> gaussian_variance_mle(12, 50, 4)
    7/2
    """
    s, s2, n = _s(total, total_squares, n)
    return s2 / n - (s / n) ** 2


def variance_mle_expectation(variance: Any, n: Any) -> sp.Expr:
    """``E[sigma_hat**2] = (n - 1) sigma**2 / n``.

    Examples
    --------
    >>> sigma2, n = sp.symbols("sigma2 n", positive=True)
    >>> sp.factor(variance_mle_expectation(sigma2, n))
    sigma2*(n - 1)/n
    """
    v, n = _s(variance, n)
    return (n - 1) * v / n


def variance_mle_bias(variance: Any, n: Any) -> sp.Expr:
    """``E[sigma_hat**2] - sigma**2 = -sigma**2 / n``.

    Examples
    --------
    >>> sigma2, n = sp.symbols("sigma2 n", positive=True)
    >>> variance_mle_bias(sigma2, n)
    -sigma2/n
    """
    v, n = _s(variance, n)
    return -v / n


def bernoulli_fisher_information(p: Any) -> sp.Expr:
    """``1 / (p (1 - p))`` per trial.

    Examples
    --------
    >>> bernoulli_fisher_information(sp.Rational(1, 2))
    4
    """
    (p,) = _s(p)
    return 1 / (p * (1 - p))


def poisson_fisher_information(rate: Any) -> sp.Expr:
    """``1 / lambda`` per observation.

    Examples
    --------
    >>> poisson_fisher_information(sp.Symbol("lambda", positive=True))
    1/lambda
    """
    (lam,) = _s(rate)
    return 1 / lam


def exponential_fisher_information(rate: Any) -> sp.Expr:
    """``1 / lambda**2`` per observation.

    Examples
    --------
    >>> exponential_fisher_information(sp.Symbol("lambda", positive=True))
    lambda**(-2)
    """
    (lam,) = _s(rate)
    return 1 / lam**2


def gaussian_fisher_information(variance: Any) -> sp.Matrix:
    """``diag(1 / sigma**2, 1 / (2 sigma**4))`` per observation, in ``(mu, sigma**2)``.

    Examples
    --------
    >>> gaussian_fisher_information(sp.Symbol("v", positive=True))
    Matrix([
    [1/v,            0],
    [  0, 1/(2*v**2)]])
    """
    (v,) = _s(variance)
    return sp.Matrix([[1 / v, 0], [0, 1 / (2 * v**2)]])


def proportion_standard_error(p: Any, n: Any) -> sp.Expr:
    """``sqrt(p (1 - p) / n)``, i.e. ``1 / sqrt(n I(p))``.

    Examples
    --------
    >>> proportion_standard_error(sp.Rational(1, 2), 100)
    1/20
    """
    p, n = _s(p, n)
    return sp.sqrt(p * (1 - p) / n)


def standard_error_of_mean(sigma: Any, n: Any) -> sp.Expr:
    """``sigma / sqrt(n)``.

    Examples
    --------
    >>> sigma, n = sp.symbols("sigma n", positive=True)
    >>> standard_error_of_mean(sigma, n)
    sigma/sqrt(n)
    """
    sigma, n = _s(sigma, n)
    return sigma / sp.sqrt(n)


# --- intervals (week 5) --------------------------------------------------------------


def wald_half_width(p_hat: Any, n: Any, z: Any) -> sp.Expr:
    """``z sqrt(p_hat (1 - p_hat) / n)``.

    Examples
    --------
    Half of 100 trials with ``z = 2``: plus or minus 10 points.

    >>> wald_half_width(sp.Rational(1, 2), 100, 2)
    1/10
    """
    p, n, z = _s(p_hat, n, z)
    return z * sp.sqrt(p * (1 - p) / n)


def wald_interval(p_hat: Any, n: Any, z: Any) -> sp.Tuple:
    """``(p_hat - z sqrt(p_hat (1 - p_hat) / n), p_hat + ...)`` (not clipped).

    Examples
    --------
    Zero successes: the interval collapses to a point.

    >>> wald_interval(0, 20, sp.Symbol("z"))
    (0, 0)
    """
    half = wald_half_width(p_hat, n, z)
    (p,) = _s(p_hat)
    return sp.Tuple(p - half, p + half)


def wilson_centre(successes: Any, n: Any, z: Any) -> sp.Expr:
    """``(x + z**2 / 2) / (n + z**2)``: the estimate pulled towards 1/2.

    Examples
    --------
    >>> x, n, z = sp.symbols("x n z", positive=True)
    >>> wilson_centre(x, n, z)
    (x + z**2/2)/(n + z**2)
    """
    x, n, z = _s(successes, n, z)
    return (x + z**2 / 2) / (n + z**2)


def wilson_half_width(successes: Any, n: Any, z: Any) -> sp.Expr:
    """``z / (n + z**2) * sqrt(x (n - x) / n + z**2 / 4)``.

    Examples
    --------
    At zero successes the half-width equals the centre, so the lower bound is 0:

    >>> z = sp.Symbol("z", positive=True)
    >>> sp.simplify(wilson_half_width(0, 20, z) - wilson_centre(0, 20, z))
    0
    """
    x, n, z = _s(successes, n, z)
    return z / (n + z**2) * sp.sqrt(x * (n - x) / n + z**2 / 4)


def wilson_interval(successes: Any, n: Any, z: Any) -> sp.Tuple:
    """``(centre - half_width, centre + half_width)`` of the Wilson score interval.

    The bounds are the roots in ``p`` of ``(x/n - p)**2 = z**2 p (1 - p) / n``.

    Examples
    --------
    >>> low, high = wilson_interval(0, 20, 2)
    >>> low, high
    (0, 1/6)
    """
    centre = wilson_centre(successes, n, z)
    half = wilson_half_width(successes, n, z)
    return sp.Tuple(sp.simplify(centre - half), sp.simplify(centre + half))


# --- A/B testing (week 6) ------------------------------------------------------------


def pooled_proportion(successes_a: Any, n_a: Any, successes_b: Any, n_b: Any) -> sp.Expr:
    """``(x_a + x_b) / (n_a + n_b)``, the common proportion under the null hypothesis.

    Examples
    --------
    >>> pooled_proportion(150, 1000, 120, 1000)
    27/200
    """
    x_a, n_a, x_b, n_b = _s(successes_a, n_a, successes_b, n_b)
    return (x_a + x_b) / (n_a + n_b)


def two_proportion_z(successes_a: Any, n_a: Any, successes_b: Any, n_b: Any) -> sp.Expr:
    """``(x_a/n_a - x_b/n_b) / sqrt(p (1 - p) (1/n_a + 1/n_b))`` with the pooled ``p``.

    Examples
    --------
    >>> round(float(two_proportion_z(150, 1000, 120, 1000)), 3)
    1.963
    """
    x_a, n_a, x_b, n_b = _s(successes_a, n_a, successes_b, n_b)
    p = pooled_proportion(x_a, n_a, x_b, n_b)
    return (x_a / n_a - x_b / n_b) / sp.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))


def unpooled_standard_error(p_a: Any, n_a: Any, p_b: Any, n_b: Any) -> sp.Expr:
    """``sqrt(p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b)``: SE of ``p_a_hat - p_b_hat``.

    The right standard error for a confidence interval of the difference (no null
    hypothesis says the proportions are equal).

    Examples
    --------
    >>> unpooled_standard_error(sp.Rational(1, 2), 100, sp.Rational(1, 2), 100)
    sqrt(2)/20
    """
    p_a, n_a, p_b, n_b = _s(p_a, n_a, p_b, n_b)
    return sp.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)


def sample_size_two_proportions(p_a: Any, p_b: Any, z_alpha: Any, z_beta: Any) -> sp.Expr:
    """``(z_alpha sqrt(2 p_bar q_bar) + z_beta sqrt(p_a q_a + p_b q_b))**2 / (p_a - p_b)**2``.

    ``p_bar = (p_a + p_b) / 2`` and ``q = 1 - p``; ``z_alpha`` is ``z_{1-alpha/2}``
    (two-sided) and ``z_beta`` is ``z_{1-beta}``. The result is ``n`` per group.

    Examples
    --------
    >>> za, zb = sp.symbols("z_alpha z_beta", positive=True)
    >>> n = sample_size_two_proportions(sp.Rational(1, 10), sp.Rational(12, 100), za, zb)
    >>> round(float(n.subs({za: 1.959964, zb: 0.841621})), 1)
    3840.9
    """
    p_a, p_b, z_a, z_b = _s(p_a, p_b, z_alpha, z_beta)
    p_bar = (p_a + p_b) / 2
    root = z_a * sp.sqrt(2 * p_bar * (1 - p_bar)) + z_b * sp.sqrt(
        p_a * (1 - p_a) + p_b * (1 - p_b)
    )
    return root**2 / (p_a - p_b) ** 2


def sample_size_two_means(delta: Any, sigma: Any, z_alpha: Any, z_beta: Any) -> sp.Expr:
    """``2 (z_alpha + z_beta)**2 sigma**2 / delta**2`` per group.

    Examples
    --------
    With ``z_alpha + z_beta = 2.8`` this is about ``16 sigma**2 / delta**2``:

    >>> sigma, delta = sp.symbols("sigma delta", positive=True)
    >>> sample_size_two_means(delta, sigma, 1.96, 0.84)
    15.68*sigma**2/delta**2
    """
    delta, sigma, z_a, z_b = _s(delta, sigma, z_alpha, z_beta)
    return 2 * (z_a + z_b) ** 2 * sigma**2 / delta**2


def welch_satterthwaite_df(var_a: Any, n_a: Any, var_b: Any, n_b: Any) -> sp.Expr:
    """``(v_a/n_a + v_b/n_b)**2 / ((v_a/n_a)**2/(n_a-1) + (v_b/n_b)**2/(n_b-1))``.

    Examples
    --------
    >>> welch_satterthwaite_df(4, 10, 4, 10)
    18
    """
    v_a, n_a, v_b, n_b = _s(var_a, n_a, var_b, n_b)
    w_a, w_b = v_a / n_a, v_b / n_b
    return (w_a + w_b) ** 2 / (w_a**2 / (n_a - 1) + w_b**2 / (n_b - 1))


def delta_method_ratio_variance(
    mean_x: Any, mean_y: Any, var_x: Any, var_y: Any, cov_xy: Any, n: Any
) -> sp.Expr:
    """``(1/n)(s_x**2/mu_y**2 - 2 mu_x s_xy/mu_y**3 + mu_x**2 s_y**2/mu_y**4)``.

    The first-order (delta-method) variance of ``x_bar / y_bar``: ``grad g^T Sigma grad g
    / n`` with ``g(a, b) = a / b`` and ``grad g = (1/mu_y, -mu_x/mu_y**2)``.

    Examples
    --------
    With a constant denominator only the numerator's variance is left:

    >>> mx, my, vx, n = sp.symbols("mu_x mu_y s_x2 n", positive=True)
    >>> delta_method_ratio_variance(mx, my, vx, 0, 0, n)
    s_x2/(mu_y**2*n)
    """
    mx, my, vx, vy, cxy, n = _s(mean_x, mean_y, var_x, var_y, cov_xy, n)
    return (vx / my**2 - 2 * mx * cxy / my**3 + mx**2 * vy / my**4) / n


def cuped_theta(cov_yx: Any, var_x: Any) -> sp.Expr:
    """``theta = cov(Y, X) / var(X)``, the variance-minimising coefficient.

    Examples
    --------
    >>> c, v = sp.symbols("c v", positive=True)
    >>> cuped_theta(c, v)
    c/v
    """
    c, v = _s(cov_yx, var_x)
    return c / v


def cuped_adjusted_variance(var_y: Any, var_x: Any, cov_yx: Any) -> sp.Expr:
    """``Var(Y - theta X) = var(Y) - cov(Y, X)**2 / var(X)`` at the optimal ``theta``.

    Equal to ``var(Y) (1 - rho**2)`` with ``rho = cov / sqrt(var(X) var(Y))``.

    Examples
    --------
    >>> cuped_adjusted_variance(4, 1, 1)
    3
    """
    vy, vx, c = _s(var_y, var_x, cov_yx)
    return vy - c**2 / vx


def cuped_variance_factor(rho: Any) -> sp.Expr:
    """``1 - rho**2``: the share of the variance CUPED keeps.

    Examples
    --------
    A pre-period correlation of 0.7 halves the variance (roughly):

    >>> cuped_variance_factor(sp.Rational(7, 10))
    51/100
    """
    (r,) = _s(rho)
    return 1 - r**2


# --- bias, variance and regularization (week 7) ---------------------------------------


def squared_bias(true_value: Any, expected_prediction: Any) -> sp.Expr:
    """``(f(x) - E[f_hat(x)])**2``.

    Examples
    --------
    >>> f, m = sp.symbols("f m", real=True)
    >>> squared_bias(f, m)
    (f - m)**2
    """
    f, m = _s(true_value, expected_prediction)
    return (f - m) ** 2


def expected_squared_error(
    true_value: Any, expected_prediction: Any, prediction_variance: Any, noise_variance: Any
) -> sp.Expr:
    """``E[(y - f_hat)**2] = (f - E f_hat)**2 + Var(f_hat) + sigma**2``.

    Examples
    --------
    >>> f, m, v, s2 = sp.symbols("f m v sigma2", real=True)
    >>> expected_squared_error(f, m, v, s2)
    sigma2 + v + (f - m)**2
    """
    f, m, v, s2 = _s(true_value, expected_prediction, prediction_variance, noise_variance)
    return squared_bias(f, m) + v + s2


def ridge_estimator(X: Any, y: Any, penalty: Any) -> sp.Matrix:
    """``(X^T X + lambda I)^{-1} X^T y`` as a sympy Matrix (a column).

    Parameters
    ----------
    X : sympy.Matrix or nested list, shape (n, p)
    y : sympy.Matrix or list, length n
    penalty : sympy expression
        ``lambda``.

    Examples
    --------
    One feature: ridge divides by ``sum x**2 + lambda`` instead of ``sum x**2``.

    >>> lam = sp.Symbol("lambda", positive=True)
    >>> ridge_estimator([[1], [2]], [1, 3], lam)
    Matrix([[7/(lambda + 5)]])
    """
    X_m = sp.Matrix(X)
    y_m = sp.Matrix(y)
    (lam,) = _s(penalty)
    gram = X_m.T * X_m + lam * sp.eye(X_m.shape[1])
    return sp.simplify(gram.inv() * X_m.T * y_m)


def ridge_shrinkage_factor(singular_value: Any, penalty: Any) -> sp.Expr:
    """``d**2 / (d**2 + lambda)``: how much ridge keeps along a direction with singular value ``d``.

    Examples
    --------
    >>> d, lam = sp.symbols("d lambda", positive=True)
    >>> ridge_shrinkage_factor(d, lam)
    d**2/(d**2 + lambda)
    """
    d, lam = _s(singular_value, penalty)
    return d**2 / (d**2 + lam)


def knn_variance(noise_variance: Any, k: Any) -> sp.Expr:
    """``sigma**2 / k``: variance of the mean of ``k`` independent noisy labels.

    Examples
    --------
    >>> s2, k = sp.symbols("sigma2 k", positive=True)
    >>> knn_variance(s2, k)
    sigma2/k
    """
    s2, k = _s(noise_variance, k)
    return s2 / k
