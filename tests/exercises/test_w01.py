"""Week 1: the items whose numbers differ per student, against independent computations.

Is the gradient of exercise 3.8 right for every student's numbers (scipy's expit, a finite
difference of the loss), and is each catalogued mistake told apart from it at the precision
the prompt asks for?
"""

from __future__ import annotations

import math

import pytest
from scipy.special import expit

from mlfund import exercises
from mlfund.check import CORRECT, capture, score
from mlfund.exercises import w01

KEY = bytes(range(32))
STUDENTS = [f"s{i}" for i in range(200)]
SPEC = exercises.get("w01-logistic-gradient-value")


def _drawn():
    return [SPEC.with_values(SPEC.draw(KEY, student)) for student in STUDENTS]


def _direct(w, x1, x2):
    """(1/2)[(σ(w x1) − 1) x1 + σ(w x2) x2], with scipy's sigmoid."""
    return ((expit(w * x1) - 1) * x1 + expit(w * x2) * x2) / 2


def _mean_loss(w, x1, x2):
    return (-math.log(expit(w * x1)) - math.log(1 - expit(w * x2))) / 2


def test_are_the_workbooks_numbers_the_defaults():
    assert SPEC.varies
    assert SPEC.defaults == {"w": 0.5, "x1": 2, "x2": -1}
    assert SPEC.reference() == pytest.approx(_direct(0.5, 2, -1))
    assert round(SPEC.reference(), 3) == -0.458
    assert "(2, 1)" in SPEC.prompt and "(-1, 0)" in SPEC.prompt and "w = 0.5" in SPEC.prompt


def test_do_students_get_different_numbers():
    assert len({tuple(sorted(SPEC.draw(KEY, s).items())) for s in STUDENTS}) > 100


@pytest.mark.parametrize("student", STUDENTS)
def test_is_every_drawn_item_well_posed(student):
    values = SPEC.draw(KEY, student)
    spec = SPEC.with_values(values)
    reference = spec.reference()
    assert math.isfinite(reference)
    # both residual terms are negative (x1 > 0 with y1 = 1, x2 < 0 with y2 = 0), each at
    # most |x| in size
    assert -(abs(values["x1"]) + abs(values["x2"])) / 2 < reference < 0
    assert values["w"] != 0 and values["x1"] > 0 > values["x2"]
    tolerance = spec.atol + spec.rtol * abs(reference)
    for mistake in spec.mistakes:
        assert abs(mistake.value() - reference) > tolerance, (values, mistake.note)
    # the prompt shows this student's numbers, and not the workbook's when they differ
    assert f"w = {values['w']:g}," in spec.prompt
    assert f"({values['x1']:g}, 1)" in spec.prompt and f"({values['x2']:g}, 0)" in spec.prompt


@pytest.mark.parametrize("student", STUDENTS[:5])
def test_does_the_reference_agree_with_scipy_and_a_finite_difference(student):
    values = SPEC.draw(KEY, student)
    reference = SPEC.with_values(values).reference()
    assert reference == pytest.approx(_direct(**values), rel=1e-12)
    w, h = values["w"], 1e-6
    numeric = (_mean_loss(w + h, values["x1"], values["x2"])
               - _mean_loss(w - h, values["x1"], values["x2"])) / (2 * h)
    assert reference == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("student", STUDENTS[:20])
def test_is_the_answer_to_3_decimals_right_and_each_mistake_named(student):
    spec = SPEC.with_values(SPEC.draw(KEY, student))
    given = round(spec.reference(), 3)
    assert score(spec, capture(spec, given)).verdict == CORRECT
    for mistake in spec.mistakes:
        result = score(spec, capture(spec, mistake.value()))
        assert result.mistake == mistake.note, (mistake.note, result.feedback)


def test_does_the_condition_reject_only_ill_posed_draws():
    # w = 0 makes every σ equal ½; the grid's other rejects are draws where a mistake
    # would come within 0.005 of the answer
    assert not w01._gradient_value_well_posed(0.0, 2, -1)
    assert w01._gradient_value_well_posed(0.5, 2, -1)
