"""The checker's time limit: raised in the guarded block, never lost where Python ignores it."""

from __future__ import annotations

import gc
import sys
import time

import pytest

from mlfund.check._limits import TimeLimitExceeded, time_limit


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


@pytest.fixture
def slow_gc_callback():
    """A garbage-collector callback that takes CPU time, as a profiler's GC timer may."""
    def callback(phase, info):  # noqa: ARG001
        _spin(0.004)

    gc.callbacks.append(callback)
    yield
    gc.callbacks.remove(callback)


def test_is_the_limit_raised_in_the_block(slow_gc_callback):
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    give_up = time.process_time() + 20
    try:
        for _ in range(20):             # ticks land in the callback many times
            with pytest.raises(TimeLimitExceeded):
                with time_limit(0.03):
                    while time.process_time() < give_up:
                        gc.collect(0)   # about half the time is spent in the callback
                        _spin(0.004)
    finally:
        sys.unraisablehook = previous
    assert unraisable == []            # nothing raised where Python would ignore it


def test_does_a_block_within_its_limit_run_to_the_end():
    with time_limit(1.0):
        _spin(0.01)
    _spin(0.2)                          # and no tick arrives after the block


def test_is_a_wall_clock_limit_raised_in_a_sleep():
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        with time_limit(0.1, clock="wall"):
            time.sleep(5)
    assert time.monotonic() - started < 2
