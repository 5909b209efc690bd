"""Does every number or interval prompt state its precision, and accept an answer given to it?

A learner who is right must be told so: the exercise statement above each number or
interval answer cell says how precise to be ("to 3 decimals", "to the nearest dollar", "a
whole number"); the reference rounded to that precision is correct; an answer a little
further off is told it is close (its rounding or its quantiles), not simply wrong.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, check
from mlfund.check._score import CLOSE
from mlfund.course._nbgrader import notebooks_dir

NUMERIC = [s for s in exercises.catalogue() if s.kind in ("number", "interval")]
IDS = [s.id for s in NUMERIC]


def _statements() -> dict[str, str]:
    """Exercise id -> the markdown between the previous graded cell and its answer cell."""
    found: dict[str, str] = {}
    for path in sorted(notebooks_dir().glob("w*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        text: list[str] = []
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "markdown" and not meta:
                text.append(cell.source)
            elif meta.get("solution") and cell.cell_type == "code":
                found[meta["grade_id"]] = "\n".join(text)
                text = []
            elif meta.get("grade"):
                text = []
    return found


STATEMENTS = _statements()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pair(value):
    if hasattr(value, "low"):
        return (float(value.low), float(value.high))
    return tuple(float(v) for v in value)


def _reference(spec):
    ref = spec.reference()
    return _pair(ref) if spec.kind == "interval" else float(ref)


def _tolerance(spec, value: float) -> float:
    return spec.atol + spec.rtol * abs(value)


@pytest.mark.parametrize("spec", NUMERIC, ids=IDS)
def test_does_the_prompt_state_its_precision(spec):
    assert spec.precision is not None, f"{spec.id} states no precision"
    statement = _flat(STATEMENTS[spec.id])
    assert spec.precision.phrase.lower() in statement.lower(), (spec.precision.phrase, statement)


@pytest.mark.parametrize("spec", NUMERIC, ids=IDS)
def test_is_the_reference_given_to_the_stated_precision_correct(spec):
    ref = _reference(spec)
    if spec.kind == "interval":
        answer = tuple(spec.precision.round(end) for end in ref)
    else:
        answer = spec.precision.round(ref)
    result = check(spec.id, answer).result
    assert result.verdict == CORRECT, (answer, result.feedback)


def _is_a_mistake(spec, answer) -> bool:
    for mistake in spec.mistakes:
        wrong = mistake.value()
        if spec.kind == "interval":
            wrong = _pair(wrong)
            if all(abs(a - w) <= _tolerance(spec, w) for a, w in zip(answer, wrong, strict=True)):
                return True
        elif abs(answer - float(wrong)) <= _tolerance(spec, float(wrong)):
            return True
    return False


@pytest.mark.parametrize("spec", NUMERIC, ids=IDS)
def test_is_a_near_miss_told_to_check_its_rounding(spec):
    ref = _reference(spec)
    for factor in (3.0, -3.0):
        if spec.kind == "interval":
            answer = tuple(end + factor * _tolerance(spec, end) for end in ref)
        else:
            answer = ref + factor * _tolerance(spec, ref)
        if _is_a_mistake(spec, answer):
            continue
        result = check(spec.id, answer).result
        assert result.verdict == INCORRECT
        assert result.feedback.startswith(CLOSE), result.feedback


@pytest.mark.parametrize("spec", NUMERIC, ids=IDS)
def test_is_the_precision_finer_than_the_gap_to_every_mistake(spec):
    """No catalogued mistake is accepted as an answer given to the stated precision."""
    for mistake in spec.mistakes:
        wrong = mistake.value()
        wrong = _pair(wrong) if spec.kind == "interval" else float(wrong)
        result = check(spec.id, wrong).result
        assert result.verdict != CORRECT, mistake.note
        rounded = (tuple(spec.precision.round(w) for w in wrong) if spec.kind == "interval"
                   else spec.precision.round(wrong))
        if np.allclose(rounded, _reference(spec), rtol=0, atol=0):
            pytest.fail(f"{mistake.note} rounds to the reference")


def test_are_the_precision_phrases_those_an_interviewer_says():
    from mlfund.exercises import Precision

    assert Precision(decimals=3).phrase == "to 3 decimals"
    assert Precision(decimals=1).phrase == "to 1 decimal"
    assert Precision(decimals=0, unit="dollar").phrase == "to the nearest dollar"
    assert Precision(decimals=-3, unit="dollars").phrase == "to the nearest thousand dollars"
    assert Precision(significant=3).phrase == "to 3 significant figures"
    assert Precision(whole=True).phrase == "a whole number"
    with pytest.raises(ValueError):
        Precision(decimals=2, whole=True)


@pytest.mark.parametrize(("exercise_id", "answer"), [
    ("w05-wald-interval", (0.072, 0.228)),
    ("w07-ridge-dof", 1.1515),
    ("w07-ridge-dof", 1.152),
    ("w06-sample-size", 31_198),
    ("w06-sample-size", 31_234),
    ("w12-sample-size-per-arm", 6_745),
    ("w11-precision-lift-dollars", 9_000),
    ("w09-fraud-threshold", 0.025),
])
def test_are_answers_an_interviewer_accepts_correct(exercise_id, answer):
    assert check(exercise_id, answer).result.verdict == CORRECT
