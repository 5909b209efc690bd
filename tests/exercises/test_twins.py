"""Do twin items — one situation posed in two weeks — give the same answers the same verdicts?

The mock review of week 12 revisits earlier weeks with other numbers or with symbols. Where
two items pose the same situation, they share one model, one tolerance and one set of
mistakes (``mlfund.exercises._shared``). Each twin group lists the items and the numbers
(or symbols) each one is posed with; every answer is a formula in the situation's
parameters — the reference, each catalogued mistake, the textbook-rounded computation an
interviewer accepts, near misses — applied to each item's own numbers, and must get the same
verdict, the same mistake note and the same score in every item of the group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check import check
from mlfund.check._score import CLOSE, namespace
from mlfund.exercises import _shared, w06, w09, w11, w12


@dataclass(frozen=True)
class Twin:
    """One item of a twin group and the parameters it is posed with."""

    exercise_id: str
    numbers: dict[str, Any]

    @property
    def spec(self):
        return exercises.get(self.exercise_id)

    def answer(self, formula):
        """The formula applied as this item's learner would: with its symbols or numbers."""
        if self.spec.kind == "expression":
            symbols = namespace(self.spec).symbols
            return formula(**{name: symbols[name] for name in self.numbers})
        value = formula(**{k: v() if callable(v) else v for k, v in self.numbers.items()})
        return tuple(float(v) for v in value) if isinstance(value, tuple) else float(value)


def _cv_std():
    return float(np.std(w12.FOLD_SCORES, ddof=1))


GROUPS = {
    "review threshold (w09, w12)": (
        [Twin("w09-fraud-threshold", {"r": w09.REVIEW_COST, "v": w09.CHARGEBACK_COST}),
         Twin("w12-review-threshold", {"r": None, "v": None})],
        _shared.review_threshold, _shared.REVIEW_THRESHOLD_MISTAKES),
    "sample size per arm (w06, w12)": (
        [Twin("w06-sample-size", {"p1": w06.SAMPLE_SIZE_BASELINE,
                                  "p2": w06._target_proportion()}),
         Twin("w12-sample-size-per-arm", {"p1": w12.BASELINE_CONVERSION,
                                          "p2": w12.TARGET_CONVERSION})],
        _shared.sample_size_per_arm, _shared.SAMPLE_SIZE_MISTAKES),
    "annual revenue interval (w11, w12)": (
        [Twin("w11-revenue-ci", w11._REVENUE_NUMBERS),
         Twin("w12-annual-revenue-interval", w12._REVENUE_NUMBERS)],
        _shared.annual_revenue_interval, _shared.REVENUE_INTERVAL_MISTAKES),
    "standard error of a k-fold estimate (w10, w12)": (
        [Twin("w10-cv-standard-error", {"s": None, "k": None}),
         Twin("w12-cv-standard-error", {"s": _cv_std, "k": len(w12.FOLD_SCORES)})],
        _shared.cv_standard_error, _shared.CV_STANDARD_ERROR_MISTAKES),
}


def _textbook_sample_size(p1, p2, *, rounded_up=True):
    """The interview computation: z = 1.96 and 0.84."""
    bar = (p1 + p2) / 2
    n = (1.96 * math.sqrt(2 * bar * (1 - bar))
         + 0.84 * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))**2 / (p2 - p1)**2
    return math.ceil(n) if rounded_up else n


def _textbook_revenue_interval(x_t, n_t, x_c, n_c, monthly, order_value):
    """By hand, with z = 1.96 and the ends rounded to the nearest thousand dollars."""
    pt, pc = x_t / n_t, x_c / n_c
    half = 1.96 * math.sqrt(pt * (1 - pt) / n_t + pc * (1 - pc) / n_c)
    scale = 12 * monthly * order_value
    return (round(scale * (pt - pc - half), -3), round(scale * (pt - pc + half), -3))


EXTRA_ANSWERS = {
    "review threshold (w09, w12)": {
        "regret formula": lambda r, v: r / (r + (v - r)),
        "one minus the threshold": lambda r, v: 1 - r / v,
    },
    "sample size per arm (w06, w12)": {
        "textbook quantiles, rounded up": _textbook_sample_size,
        "textbook quantiles, not rounded": lambda p1, p2: _textbook_sample_size(
            p1, p2, rounded_up=False),
        "a unit test at z = 2 and 1": lambda p1, p2: (
            (2 * math.sqrt(p1 * (1 - p1)) + math.sqrt(p2 * (1 - p2)))**2 / (p2 - p1)**2),
    },
    "annual revenue interval (w11, w12)": {
        "by hand, z = 1.96, to the nearest thousand": _textbook_revenue_interval,
    },
    "standard error of a k-fold estimate (w10, w12)": {
        "sqrt of k times s": lambda s, k: s * _shared._sqrt(k),
    },
}


def _verdict(twin: Twin, answer) -> tuple[str, str | None, float, bool]:
    result = check(twin.exercise_id, answer).result
    return (result.verdict, result.mistake, result.score, result.feedback.startswith(CLOSE))


def _answers(group: str):
    twins, reference, mistakes = GROUPS[group]
    yield "reference", reference
    for mistake in mistakes:
        yield mistake.note, mistake.formula
    yield from EXTRA_ANSWERS[group].items()


@pytest.mark.parametrize("group", list(GROUPS))
def test_do_twins_share_their_mistakes_tolerance_and_precision(group):
    twins, _, mistakes = GROUPS[group]
    specs = [t.spec for t in twins]
    notes = [tuple((m.note, m.feedback, m.credit) for m in s.mistakes
                   if m.note in {x.note for x in mistakes}) for s in specs]
    assert all(n == notes[0] for n in notes), "the twins' catalogued mistakes differ"
    assert len(notes[0]) == len(mistakes)
    numeric = [s for s in specs if s.kind != "expression"]
    assert len({(s.rtol, s.atol, s.precision) for s in numeric}) == 1, \
        "the twins' tolerances differ"


@pytest.mark.parametrize("group", list(GROUPS))
def test_do_the_same_answers_get_the_same_verdicts(group):
    twins = GROUPS[group][0]
    for name, formula in _answers(group):
        verdicts = [_verdict(t, t.answer(formula)) for t in twins]
        assert all(v == verdicts[0] for v in verdicts), (name, verdicts)
    assert _verdict(twins[0], twins[0].answer(GROUPS[group][1]))[0] == "correct"


@pytest.mark.parametrize("group", [g for g, (twins, *_) in GROUPS.items()
                                   if all(t.spec.kind != "expression" for t in twins)])
def test_are_near_misses_judged_alike(group):
    """Off by a share of each item's own tolerance: inside, just outside, far outside."""
    twins, reference, _ = GROUPS[group]
    for factor in (0.5, 0.95, 1.5, 5.0, 50.0):
        verdicts = []
        for twin in twins:
            ref = twin.answer(reference)
            ends = ref if isinstance(ref, tuple) else (ref,)
            spec = twin.spec
            moved = tuple(e + factor * (spec.atol + spec.rtol * abs(e)) for e in ends)
            verdicts.append(_verdict(twin, moved if isinstance(ref, tuple) else moved[0]))
        assert all(v == verdicts[0] for v in verdicts), (factor, verdicts)


def test_are_the_twin_numbers_stated_in_both_notebooks():
    """The w09 item is w12's formula at r = 5, v = 200; the w12 worked example is not."""
    r, v = sp.symbols("r v", positive=True)
    formula = _shared.review_threshold(r, v)
    assert float(formula.subs({r: 5, v: 200})) == pytest.approx(
        exercises.get("w09-fraud-threshold").reference())
