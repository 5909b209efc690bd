"""Questions about the week-4 estimators: MLEs, Fisher information, standard errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from mlfund import inference as inf

SETTINGS = settings(max_examples=60, deadline=None)


def _second_derivative(f, x: float, h: float) -> float:
    return (f(x + h) - 2 * f(x) + f(x - h)) / h**2


# --- MLEs ------------------------------------------------------------------------------


def test_does_the_bernoulli_mle_maximise_the_likelihood_with_the_observed_information_se():
    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(2, 500))
        k = int(rng.integers(1, n))
        est = inf.bernoulli_mle(k, n)

        def loglik(p, k=k, n=n):
            return stats.binom.logpmf(k, n, p)

        found = optimize.minimize_scalar(
            lambda p, f=loglik: -f(p), bounds=(1e-9, 1 - 1e-9), method="bounded",
            options={"xatol": 1e-12},
        )
        assert est.estimate == pytest.approx(found.x, abs=1e-6)
        observed = -_second_derivative(loglik, est.estimate, 1e-5 * min(est.estimate,
                                                                       1 - est.estimate))
        assert est.standard_error == pytest.approx(1 / math.sqrt(observed), rel=1e-4)


def test_is_the_bernoulli_se_zero_at_the_edges():
    assert inf.bernoulli_mle(0, 10) == inf.Estimate(0.0, 0.0)
    assert inf.bernoulli_mle(10, 10) == inf.Estimate(1.0, 0.0)
    assert inf.bernoulli_mle(1, 1) == inf.Estimate(1.0, 0.0)


def test_does_the_poisson_mle_maximise_the_likelihood():
    rng = np.random.default_rng(2)
    for _ in range(30):
        x = rng.poisson(rng.uniform(0.5, 20), size=int(rng.integers(2, 200)))
        if x.sum() == 0:
            continue
        est = inf.poisson_mle(x)

        def loglik(lam, x=x):
            return stats.poisson.logpmf(x, lam).sum()

        found = optimize.minimize_scalar(
            lambda lam, f=loglik: -f(lam), bounds=(1e-6, 100), method="bounded",
            options={"xatol": 1e-10},
        )
        assert est.estimate == pytest.approx(found.x, rel=1e-6)
        observed = -_second_derivative(loglik, est.estimate, 1e-4 * est.estimate)
        assert est.standard_error == pytest.approx(1 / math.sqrt(observed), rel=1e-4)


def test_does_the_exponential_mle_match_scipy_fit():
    rng = np.random.default_rng(3)
    for _ in range(30):
        x = rng.exponential(rng.uniform(0.1, 10), size=int(rng.integers(1, 300)))
        est = inf.exponential_mle(x)
        _, scale = stats.expon.fit(x, floc=0)
        assert est.estimate == pytest.approx(1 / scale, rel=1e-12)
        assert est.standard_error == pytest.approx(
            1 / math.sqrt(x.size * inf.exponential_fisher_information(est.estimate)), rel=1e-12
        )


def test_does_the_gaussian_mle_match_scipy_fit_and_the_inverse_hessian():
    rng = np.random.default_rng(4)
    for _ in range(30):
        x = rng.normal(rng.normal(0, 5), rng.uniform(0.5, 5), size=int(rng.integers(2, 300)))
        est = inf.gaussian_mle(x)
        loc, scale = stats.norm.fit(x)
        assert est.mean == pytest.approx(loc, rel=1e-12, abs=1e-12)
        assert est.variance == pytest.approx(scale**2, rel=1e-12)

        def negloglik(theta, x=x):
            return -stats.norm.logpdf(x, theta[0], math.sqrt(theta[1])).sum()

        theta = np.array([est.mean, est.variance])
        h = np.array([1e-4, 1e-4]) * np.sqrt(est.variance)
        hess = np.empty((2, 2))
        for i in range(2):
            for j in range(2):
                ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
                hess[i, j] = (
                    negloglik(theta + ei + ej) - negloglik(theta + ei - ej)
                    - negloglik(theta - ei + ej) + negloglik(theta - ei - ej)
                ) / (4 * h[i] * h[j])
        cov = np.linalg.inv(hess)
        assert est.mean_standard_error == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-3)
        assert est.variance_standard_error == pytest.approx(math.sqrt(cov[1, 1]), rel=1e-3)


def test_does_a_single_observation_give_zero_variance():
    est = inf.gaussian_mle([3.0])
    assert (est.mean, est.variance, est.mean_standard_error) == (3.0, 0.0, 0.0)


@SETTINGS
@given(st.lists(st.integers(0, 50), min_size=1, max_size=40), st.randoms())
def test_are_the_sample_mles_invariant_to_order_and_to_list_input(values, random):
    shuffled = list(values)
    random.shuffle(shuffled)
    assert inf.poisson_mle(values) == inf.poisson_mle(np.array(shuffled[::-1]))
    floats = [v + 0.5 for v in values]
    assert inf.exponential_mle(floats).estimate == pytest.approx(
        inf.exponential_mle(np.array(shuffled) + 0.5).estimate, rel=1e-12
    )
    a, b = inf.gaussian_mle(floats), inf.gaussian_mle(np.array(shuffled, dtype=float) + 0.5)
    assert a.mean == pytest.approx(b.mean, rel=1e-12)
    assert a.variance == pytest.approx(b.variance, rel=1e-9, abs=1e-12)


# --- Fisher information ------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.01, 0.2, 0.5, 0.77, 0.999])
def test_is_bernoulli_information_the_variance_of_the_score(p):
    score = np.array([-1 / (1 - p), 1 / p])  # d/dp log f at x = 0 and x = 1
    assert inf.bernoulli_fisher_information(p) == pytest.approx(
        (1 - p) * score[0] ** 2 + p * score[1] ** 2, rel=1e-12
    )


@pytest.mark.parametrize("rate", [0.3, 1.0, 4.5, 30.0])
def test_is_poisson_information_the_variance_of_the_score(rate):
    x = np.arange(0, int(rate * 10 + 50))
    score = x / rate - 1
    expected = float(np.sum(stats.poisson.pmf(x, rate) * score**2))
    assert inf.poisson_fisher_information(rate) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("rate", [0.2, 1.0, 7.0])
def test_is_exponential_information_the_variance_of_the_score(rate):
    value, _ = integrate.quad(lambda x: rate * math.exp(-rate * x) * (1 / rate - x) ** 2, 0, np.inf)
    assert inf.exponential_fisher_information(rate) == pytest.approx(value, rel=1e-8)


@pytest.mark.parametrize("variance", [0.25, 1.0, 9.0])
def test_is_the_gaussian_information_matrix_the_covariance_of_the_score(variance):
    sd = math.sqrt(variance)

    def score(x):
        return np.array([x / variance, -1 / (2 * variance) + x**2 / (2 * variance**2)])

    expected = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j], _ = integrate.quad(
                lambda x, i=i, j=j: stats.norm.pdf(x, 0, sd) * score(x)[i] * score(x)[j],
                -12 * sd, 12 * sd,
            )
    np.testing.assert_allclose(
        inf.gaussian_fisher_information(variance), expected, rtol=1e-8, atol=1e-12
    )


# --- bias of the variance MLE, standard errors ------------------------------------------


def test_is_the_variance_mle_biased_by_minus_sigma2_over_n_in_simulation():
    rng = np.random.default_rng(5)
    for n in (2, 3, 5, 10):
        draws = rng.normal(1.0, 2.0, size=(200_000, n))
        mean_mle = np.var(draws, axis=1, ddof=0).mean()
        assert mean_mle == pytest.approx(inf.variance_mle_expectation(4.0, n), rel=0.01)
        assert inf.variance_mle_expectation(4.0, n) - 4.0 == pytest.approx(
            inf.variance_mle_bias(4.0, n)
        )
    assert inf.variance_mle_expectation(4.0, 1) == 0.0


def test_does_the_proportion_se_match_the_binomial_sd():
    rng = np.random.default_rng(6)
    for _ in range(50):
        p, n = float(rng.uniform()), int(rng.integers(1, 10**6))
        assert inf.proportion_standard_error(p, n) == pytest.approx(
            stats.binom.std(n, p) / n, rel=1e-12
        )


def test_does_the_se_of_the_mean_match_scipy_sem():
    rng = np.random.default_rng(7)
    for _ in range(30):
        x = rng.normal(size=int(rng.integers(3, 100)))
        for ddof in (0, 1, 2):
            assert inf.standard_error_of_mean(x, ddof=ddof) == pytest.approx(
                stats.sem(x, ddof=ddof), rel=1e-12
            )
    assert inf.standard_error_of_mean(list(x)) == inf.standard_error_of_mean(x)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.bernoulli_mle(-1, 10), ValueError, "successes"),
        (lambda: inf.bernoulli_mle(11, 10), ValueError, r"successes \(11\) must be <= n"),
        (lambda: inf.bernoulli_mle(1, 0), ValueError, "n"),
        (lambda: inf.bernoulli_mle(1.5, 10), ValueError, "successes"),
        (lambda: inf.bernoulli_mle("3", 10), TypeError, "successes"),
        (lambda: inf.poisson_mle([1, -2]), ValueError, ">= 0"),
        (lambda: inf.poisson_mle([1.5, 2]), ValueError, "whole numbers"),
        (lambda: inf.poisson_mle([]), ValueError, "at least 1"),
        (lambda: inf.poisson_mle([1, np.nan]), ValueError, "NaN"),
        (lambda: inf.exponential_mle([0.0, 0.0]), ValueError, "all zeros"),
        (lambda: inf.gaussian_mle([[1.0, 2.0]]), ValueError, "1-dimensional"),
        (lambda: inf.bernoulli_fisher_information(0.0), ValueError, "p"),
        (lambda: inf.bernoulli_fisher_information(1.2), ValueError, "strictly between"),
        (lambda: inf.poisson_fisher_information(0.0), ValueError, "rate"),
        (lambda: inf.exponential_fisher_information(-1.0), ValueError, "rate"),
        (lambda: inf.gaussian_fisher_information(np.nan), ValueError, "variance"),
        (lambda: inf.variance_mle_expectation(-1.0, 3), ValueError, "variance"),
        (lambda: inf.variance_mle_bias(1.0, 0), ValueError, "n"),
        (lambda: inf.proportion_standard_error(1.5, 10), ValueError, "p"),
        (lambda: inf.standard_error_of_mean([1.0], ddof=1), ValueError, "more than ddof"),
        (lambda: inf.standard_error_of_mean([1.0, 2.0], ddof=-1), ValueError, "ddof"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()
