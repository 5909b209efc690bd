"""Questions about power, sample size and the minimum detectable effect."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
)

from mlfund import inference as inf

SETTINGS = settings(max_examples=60, deadline=None)
SIDES = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}


def _closed_form(p_a, p_b, alpha, power, two_sided=True):
    z_a = stats.norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha)
    z_b = stats.norm.ppf(power)
    p_bar = (p_a + p_b) / 2
    root = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p_a * (1 - p_a) + p_b * (1 - p_b)
    )
    return root**2 / (p_a - p_b) ** 2


def _proportion_cases():
    rng = np.random.default_rng(40)
    cases = []
    while len(cases) < 80:
        p_a, p_b = (float(v) for v in rng.uniform(0.01, 0.99, size=2))
        if abs(p_a - p_b) < 0.005:
            continue
        cases.append((p_a, p_b, float(rng.choice([0.01, 0.05, 0.1])),
                      float(rng.choice([0.6, 0.8, 0.9, 0.95]))))
    return cases


PROPORTION_CASES = _proportion_cases()


# --- two proportions ---------------------------------------------------------------------


def test_does_the_sample_size_match_the_closed_form_and_statsmodels():
    for p_a, p_b, alpha, power in PROPORTION_CASES:
        n = inf.sample_size_two_proportions(p_a, p_b, alpha=alpha, power=power)
        assert n == pytest.approx(_closed_form(p_a, p_b, alpha, power), rel=1e-12)
        ref = samplesize_proportions_2indep_onetail(p_a - p_b, p_b, power, alpha=alpha)
        assert n == pytest.approx(ref, rel=1e-9)
        side = "greater" if p_a > p_b else "less"
        one = inf.sample_size_two_proportions(p_a, p_b, alpha=alpha, power=power,
                                              alternative=side)
        assert one == pytest.approx(_closed_form(p_a, p_b, alpha, power, two_sided=False))
        ref = samplesize_proportions_2indep_onetail(p_a - p_b, p_b, power, alpha=alpha,
                                                    alternative=SIDES[side])
        assert one == pytest.approx(ref, rel=1e-9)


def test_is_the_sample_size_bracketed_by_the_one_variance_normal_ind_power_answers():
    # NormalIndPower uses one standard deviation for both hypotheses. With the pooled sd
    # sqrt(p_bar q_bar) and with the unpooled sd sqrt((p_a q_a + p_b q_b)/2) it gives the
    # two "one-variance" sample sizes; ours mixes them (pooled under H0, unpooled under H1)
    # and so lies between. The two-sided NormalIndPower also counts the far tail, which
    # changes n by far less than the gap checked here.
    for p_a, p_b, alpha, power in PROPORTION_CASES:
        if _closed_form(p_a, p_b, alpha, power) < 20:
            continue  # NormalIndPower's root finder does not converge for tiny n
        p_bar = (p_a + p_b) / 2
        sds = (math.sqrt(p_bar * (1 - p_bar)),
               math.sqrt((p_a * (1 - p_a) + p_b * (1 - p_b)) / 2))
        sizes = [
            NormalIndPower().solve_power(effect_size=abs(p_a - p_b) / sd, alpha=alpha,
                                         power=power, ratio=1.0)
            for sd in sds
        ]
        n = inf.sample_size_two_proportions(p_a, p_b, alpha=alpha, power=power)
        assert min(sizes) * (1 - 1e-6) <= n <= max(sizes) * (1 + 1e-6)


def test_does_it_reproduce_the_examples_of_r_power_prop_test():
    # R's ?power.prop.test (default strict = FALSE, the formula used here):
    #   power.prop.test(n = 50, p1 = .50, p2 = .75)      ## => power = 0.740
    #   power.prop.test(p1 = .50, p2 = .75, power = .90)  ## =>     n = 76.7
    #   power.prop.test(n = 50, p1 = .5, power = .90)     ## =>    p2 = 0.8
    # The first prints "power = 0.7401659" (closed form: no root finding involved).
    # n and p2 come from R's uniroot (tol ~1e-4), so only the documented digits are checked.
    assert inf.power_two_proportions(0.50, 0.75, 50) == pytest.approx(0.7401659, abs=1e-7)
    assert inf.sample_size_two_proportions(0.50, 0.75, power=0.90) == pytest.approx(
        76.7, abs=0.05
    )
    assert 0.5 + inf.mde_two_proportions(0.5, 50, power=0.90) == pytest.approx(0.8, abs=0.05)


@pytest.mark.parametrize("alternative", tuple(SIDES))
def test_does_the_power_match_statsmodels(alternative):
    for p_a, p_b, alpha, _ in PROPORTION_CASES:
        for n in (10.0, 123.4, 5000.0):
            ours = inf.power_two_proportions(p_a, p_b, n, alpha=alpha, alternative=alternative)
            ref = power_proportions_2indep(p_a - p_b, p_b, n, alpha=alpha,
                                           alternative=SIDES[alternative]).power
            if alternative == "two-sided":
                # statsmodels adds the far tail; ours ignores it (R's strict = FALSE).
                assert ours <= ref + 1e-12
                assert ref - ours <= stats.norm.cdf(-stats.norm.ppf(1 - alpha / 2)) + 1e-12
                if ours > 0.5:  # where power calculations are used, the far tail is tiny
                    assert ours == pytest.approx(ref, abs=1e-3)
            else:
                assert ours == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_do_power_sample_size_and_mde_invert_each_other():
    for p_a, p_b, alpha, power in PROPORTION_CASES:
        side = "greater" if p_a > p_b else "less"
        for alternative in ("two-sided", side):
            n = inf.sample_size_two_proportions(p_a, p_b, alpha=alpha, power=power,
                                                alternative=alternative)
            assert inf.power_two_proportions(p_a, p_b, n, alpha=alpha,
                                             alternative=alternative) == pytest.approx(power)
            if alternative == "two-sided" and p_b < p_a:
                continue  # the two-sided MDE searches upwards from p_a
            mde = inf.mde_two_proportions(p_a, n, alpha=alpha, power=power,
                                          alternative=alternative)
            assert mde == pytest.approx(abs(p_b - p_a), rel=1e-8)


probs = st.floats(0.02, 0.98)


@SETTINGS
@given(probs, probs, st.floats(0.55, 0.99), st.floats(0.55, 0.99))
def test_does_the_sample_size_grow_with_power_and_shrink_with_the_effect(p_a, p_b, pw1, pw2):
    if abs(p_a - p_b) < 1e-3:
        return
    lo, hi = sorted((pw1, pw2))
    assert inf.sample_size_two_proportions(p_a, p_b, power=lo) <= (
        inf.sample_size_two_proportions(p_a, p_b, power=hi) * (1 + 1e-12)
    )
    assert inf.sample_size_two_proportions(p_a, p_b) == pytest.approx(
        inf.sample_size_two_proportions(p_b, p_a), rel=1e-12
    )


# --- two means ---------------------------------------------------------------------------


def test_does_the_means_sample_size_match_normal_ind_power():
    rng = np.random.default_rng(41)
    for _ in range(60):
        sigma = float(rng.uniform(0.1, 5))
        delta = float(rng.uniform(0.02, 0.8)) * sigma  # n >= ~10: NormalIndPower converges
        alpha, power = float(rng.choice([0.01, 0.05, 0.1])), float(rng.uniform(0.6, 0.95))
        one = inf.sample_size_two_means(delta, sigma, alpha=alpha, power=power,
                                        alternative="greater")
        ref = NormalIndPower().solve_power(effect_size=delta / sigma, alpha=alpha, power=power,
                                           ratio=1.0, alternative="larger")
        assert one == pytest.approx(ref, rel=1e-6)
        two = inf.sample_size_two_means(delta, sigma, alpha=alpha, power=power)
        ref = NormalIndPower().solve_power(effect_size=delta / sigma, alpha=alpha, power=power,
                                           ratio=1.0)
        assert two == pytest.approx(ref, rel=1e-3)  # statsmodels adds the far tail
        for n in (5.0, 50.0, 500.0):
            assert inf.power_two_means(delta, sigma, n, alpha=alpha, alternative="greater") == (
                pytest.approx(NormalIndPower().power(delta / sigma, n, alpha, ratio=1.0,
                                                     alternative="larger"), rel=1e-9)
            )
        assert inf.power_two_means(delta, sigma, two, alpha=alpha) == pytest.approx(power)
        assert inf.mde_two_means(sigma, two, alpha=alpha, power=power) == pytest.approx(delta)


def test_is_the_rule_of_thumb_close_to_the_formula_at_alpha_5_power_80():
    for delta, sigma in [(0.1, 1.0), (2.0, 10.0), (5.0, 3.0)]:
        exact = inf.sample_size_two_means(delta, sigma)
        thumb = inf.rule_of_thumb_sample_size(delta, sigma)
        assert thumb == pytest.approx(16 * sigma**2 / delta**2)
        assert 1.0 < thumb / exact < 1.03
    assert inf.rule_of_thumb_sample_size(-2.0, 10.0) == 400.0


def test_are_means_sample_sizes_symmetric_in_the_sign_of_delta():
    assert inf.sample_size_two_means(-0.5, 1.0) == inf.sample_size_two_means(0.5, 1.0)
    assert inf.sample_size_two_means(-0.5, 1.0, alternative="less") == pytest.approx(
        inf.sample_size_two_means(0.5, 1.0, alternative="greater")
    )
    assert inf.power_two_means(0.5, 1.0, 10, alternative="less") < 0.05


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.sample_size_two_proportions(0.1, 0.1), ValueError,
         r"p_a \(0.1\) equals p_b"),
        (lambda: inf.sample_size_two_proportions(0.1, 0.12, alternative="greater"), ValueError,
         r"p_a \(0.1\) must be > p_b \(0.12\) when alternative is 'greater'"),
        (lambda: inf.sample_size_two_proportions(0.2, 0.12, alternative="less"), ValueError,
         "when alternative is 'less'"),
        (lambda: inf.sample_size_two_proportions(0.0, 0.12), ValueError, "p_a"),
        (lambda: inf.sample_size_two_proportions(0.1, np.nan), ValueError, "p_b"),
        (lambda: inf.sample_size_two_proportions(0.1, 0.2, alpha=0.0), ValueError, "alpha"),
        (lambda: inf.sample_size_two_proportions(0.1, 0.2, power=1.0), ValueError, "power"),
        (lambda: inf.sample_size_two_proportions(0.1, 0.2, power=0.01), ValueError, "too low"),
        (lambda: inf.sample_size_two_proportions(0.1, 0.2, alternative="one-sided"),
         ValueError, "alternative"),
        (lambda: inf.power_two_proportions(0.1, 0.2, 0), ValueError, r"n \(0\)"),
        (lambda: inf.power_two_proportions(0.1, 0.2, 100, alpha=1.5), ValueError, "alpha"),
        (lambda: inf.mde_two_proportions(0.5, 3), ValueError, "too small"),
        (lambda: inf.mde_two_proportions(0.5, 100, power=0.01), ValueError, "too low"),
        (lambda: inf.mde_two_proportions(1.0, 100), ValueError, "p_a"),
        (lambda: inf.sample_size_two_means(0.0, 1.0), ValueError, "delta"),
        (lambda: inf.sample_size_two_means(0.5, 0.0), ValueError, "sigma"),
        (lambda: inf.sample_size_two_means(-0.5, 1.0, alternative="greater"), ValueError,
         r"delta \(-0.5\) must be > 0"),
        (lambda: inf.sample_size_two_means(0.5, 1.0, alternative="less"), ValueError,
         "must be < 0"),
        (lambda: inf.sample_size_two_means(0.5, 1.0, power=0.01), ValueError, "too low"),
        (lambda: inf.power_two_means(0.5, 1.0, -3), ValueError, "n"),
        (lambda: inf.mde_two_means(1.0, 0.0), ValueError, "n"),
        (lambda: inf.rule_of_thumb_sample_size(0.0, 1.0), ValueError, "delta"),
        (lambda: inf.rule_of_thumb_sample_size("1", 1.0), TypeError, "delta"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()
