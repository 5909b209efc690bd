"""Learning-rate schedules: vectorised forms against slow per-step loops written with math."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.optimization import (
    cosine_annealing,
    exponential_decay,
    gradient_descent,
    inverse_time_decay,
    linear_warmup,
    step_decay,
)

T = np.arange(0, 301)


def slow(f, ts):
    return np.array([f(int(t)) for t in ts])


def test_step_decay_matches_a_loop():
    def ref(t):
        eta = 0.3
        for k in range(1, t + 1):
            if k % 7 == 0:
                eta *= 0.6
        return eta

    np.testing.assert_allclose(
        step_decay(T, initial_learning_rate=0.3, gamma=0.6, step_size=7), slow(ref, T),
        rtol=1e-12)


def test_exponential_and_inverse_time_match_math():
    np.testing.assert_allclose(
        exponential_decay(T, initial_learning_rate=0.2, decay_rate=0.03),
        slow(lambda t: 0.2 * math.exp(-0.03 * t), T), rtol=1e-13)
    np.testing.assert_allclose(
        inverse_time_decay(T, initial_learning_rate=0.2, decay_rate=0.03),
        slow(lambda t: 0.2 / (1 + 0.03 * t), T), rtol=1e-13)


def test_cosine_matches_math_and_stays_at_the_minimum_after_t():
    def ref(t):
        t = min(t, 120)
        return 0.001 + 0.5 * (0.1 - 0.001) * (1 + math.cos(math.pi * t / 120))

    got = cosine_annealing(T, initial_learning_rate=0.1, total_steps=120, min_learning_rate=0.001)
    np.testing.assert_allclose(got, slow(ref, T), rtol=1e-12)
    assert got[0] == pytest.approx(0.1) and got[120] == pytest.approx(0.001)
    assert got[60] == pytest.approx((0.1 + 0.001) / 2)


def test_linear_warmup_constant_and_handover():
    def ref(t):
        if t < 10:
            return 0.5 * t / 10
        return 0.5 * 0.9 ** ((t - 10) // 5)

    after = functools.partial(step_decay, initial_learning_rate=0.5, gamma=0.9, step_size=5)
    np.testing.assert_allclose(
        linear_warmup(T, learning_rate=0.5, warmup_steps=10, after=after), slow(ref, T),
        rtol=1e-12)
    np.testing.assert_allclose(linear_warmup(T, learning_rate=0.5, warmup_steps=10),
                               np.minimum(T, 10) / 10 * 0.5)
    assert linear_warmup(12, learning_rate=0.5, warmup_steps=10, after=after) == 0.5


SCHEDULES = [
    functools.partial(step_decay, initial_learning_rate=0.1, gamma=0.5, step_size=3),
    functools.partial(exponential_decay, initial_learning_rate=0.1, decay_rate=0.1),
    functools.partial(inverse_time_decay, initial_learning_rate=0.1, decay_rate=0.1),
    functools.partial(cosine_annealing, initial_learning_rate=0.1, total_steps=50),
]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_scalar_gives_float_and_array_keeps_shape(schedule):
    assert isinstance(schedule(3), float)
    assert schedule(0) == pytest.approx(0.1)
    grid = np.arange(12.0).reshape(3, 4)
    out = schedule(grid)
    assert out.shape == (3, 4)
    np.testing.assert_array_equal(out.ravel(), [schedule(t) for t in grid.ravel()])
    np.testing.assert_array_equal(schedule(list(range(5))), schedule(np.arange(5)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e4), min_size=2, max_size=30))
def test_decays_never_increase(ts):
    ts = np.sort(ts)
    for schedule in SCHEDULES:
        assert np.all(np.diff(schedule(ts)) <= 1e-15)
        assert np.all(schedule(ts) >= 0)


def test_a_schedule_drives_gradient_descent():
    sched = functools.partial(inverse_time_decay, initial_learning_rate=0.5, decay_rate=1.0)
    run = gradient_descent(lambda x: x, [1.0], learning_rate=sched, n_steps=3)
    expected = 1.0
    for t in range(3):
        expected *= 1 - 0.5 / (1 + t)
    assert run.x[0] == pytest.approx(expected)


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="t must be >= 0; found -1.0"):
        step_decay([0, -1], initial_learning_rate=0.1, gamma=0.5, step_size=2)
    with pytest.raises(ValueError, match="t must contain only finite numbers"):
        exponential_decay([np.nan], initial_learning_rate=0.1, decay_rate=0.1)
    with pytest.raises(ValueError, match=r"initial_learning_rate \(0\) must be > 0"):
        inverse_time_decay(1, initial_learning_rate=0, decay_rate=0.1)
    with pytest.raises(ValueError, match=r"gamma \(1.5\) must be in \(0, 1\]"):
        step_decay(1, initial_learning_rate=0.1, gamma=1.5, step_size=2)
    with pytest.raises(ValueError, match=r"step_size \(0\) must be >= 1"):
        step_decay(1, initial_learning_rate=0.1, gamma=0.5, step_size=0)
    with pytest.raises(ValueError, match=r"decay_rate \(-0.1\) must be >= 0"):
        exponential_decay(1, initial_learning_rate=0.1, decay_rate=-0.1)
    with pytest.raises(ValueError, match="min_learning_rate .* must be <= initial_learning_rate"):
        cosine_annealing(1, initial_learning_rate=0.1, total_steps=10, min_learning_rate=0.2)
    with pytest.raises(TypeError, match="after .* must be a callable schedule"):
        linear_warmup(1, learning_rate=0.1, warmup_steps=2, after=0.1)
    with pytest.raises(ValueError, match="after must return finite learning rates"):
        linear_warmup(5, learning_rate=0.1, warmup_steps=2, after=lambda s: -s)
