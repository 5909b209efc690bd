"""Question tests, generated from every exercise spec (as STACK does).

For each exercise: Does the reference pass? Does each catalogued mistake get its note? Is an
invalid input called invalid, with a message? Does nonsense score 0? Is the verdict the same
after the answer goes through JSON, as it does between the kernel and the grader?
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, INVALID, check, make_bundle, score_bundle
from mlfund.check._score import namespace

SPECS = list(exercises.catalogue())
IDS = [s.id for s in SPECS]


def reference_answer(spec):
    """The reference, in the form a learner would hand it in (a derivation: its chain)."""
    if spec.kind == "expression":
        return spec.reference(**namespace(spec).symbols)
    if spec.kind == "derivation":
        return list(spec.derivation.chain)
    return spec.reference()


def _derivation_line(spec, value):
    """A derivation's wrong value as the line a learner would write after the start."""
    from mlfund.check._chain import space_of
    from mlfund.check._lines import sympy_text

    if isinstance(value, str):
        return value
    space = space_of(spec)
    value = space.call(value)
    if spec.derivation.unknown is None:
        return value
    values = value if isinstance(value, (list, tuple)) else [value]
    return " or ".join(f"{spec.derivation.unknown} = {sympy_text(sp.sympify(v))}"
                       for v in values)


def mistake_answer(spec, mistake):
    if spec.kind == "derivation":
        return [spec.derivation.start, _derivation_line(spec, mistake.form)]
    if spec.kind == "expression":
        if callable(mistake.form):
            return mistake.form(**namespace(spec).symbols)
        return mistake.form
    if spec.kind == "function":
        return mistake.value
    if spec.kind == "choice":
        return mistake.value
    return mistake.value()


def invalid_answer(spec):
    if spec.kind == "derivation":
        return [spec.derivation.start, "__import__('os').system('true')"]
    return {
        "expression": "__import__('os').system('true')",
        "number": "import os",
        "interval": "not an interval",
        "array": {"not": "an array"},
        "function": 42,
        "choice": "zz-not-an-option",
    }[spec.kind]


def nonsense_answer(spec):
    """A readable answer that is wrong."""
    if spec.kind == "derivation":
        unknown = spec.derivation.unknown
        return [spec.derivation.start, f"{unknown} = 987654321" if unknown else "987654321"]
    if spec.kind == "expression":
        ref = reference_answer(spec)
        if isinstance(ref, sp.MatrixBase):
            return sp.Matrix([sp.Integer(987654321)] * len(ref)).reshape(*ref.shape)
        return sp.Integer(987654321)
    if spec.kind == "number":
        return -987654.321
    if spec.kind == "interval":
        return (-987654.0, -987653.0)
    if spec.kind == "array":
        return np.full(np.shape(spec.reference()), -987654.321)
    if spec.kind == "function":
        return lambda *args: np.array([-987654.321])
    right = spec.reference()
    return next(option for option in spec.choices if option != right)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_does_the_reference_pass(spec):
    result = check(spec.id, reference_answer(spec)).result
    assert result.verdict == CORRECT, result.feedback
    assert result.score == 1.0


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_does_each_catalogued_mistake_get_its_note(spec):
    for mistake in spec.mistakes:
        result = check(spec.id, mistake_answer(spec, mistake)).result
        assert result.verdict == INCORRECT, (mistake.note, result.feedback)
        assert result.mistake == mistake.note, (mistake.note, result.feedback)
        if spec.kind == "derivation":   # the note follows the line it is about
            assert mistake.feedback in result.feedback
            assert "line 2" in result.feedback.lower()
        else:
            assert result.feedback == mistake.feedback
        assert result.score == pytest.approx(mistake.credit)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.kind == "choice"],
                         ids=[s.id for s in SPECS if s.kind == "choice"])
def test_is_each_wrong_option_explained(spec):
    for option in spec.choices:
        if option == spec.reference():
            continue
        result = check(spec.id, option).result
        assert result.verdict == INCORRECT
        assert result.feedback == spec.explanations[option]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_is_invalid_input_called_invalid_with_a_message(spec):
    result = check(spec.id, invalid_answer(spec)).result
    assert result.verdict in (INVALID, INCORRECT)
    assert result.score == 0.0
    assert len(result.feedback) > 10


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_does_a_missing_answer_score_zero(spec):
    result = check(spec.id, None).result
    assert result.verdict == INVALID
    assert result.score == 0.0
    assert "No answer yet" in result.feedback


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_does_nonsense_score_zero(spec):
    result = check(spec.id, nonsense_answer(spec)).result
    assert result.verdict == INCORRECT
    assert result.score == 0.0


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_is_the_verdict_the_same_after_json(spec):
    for answer in (reference_answer(spec), nonsense_answer(spec)):
        bundle = make_bundle(spec.id, answer)
        direct = score_bundle(bundle)
        travelled = score_bundle(json.loads(json.dumps(bundle)), exercise_id=spec.id)
        assert travelled == direct


DERIVATIONS = [s for s in SPECS if s.kind == "derivation"]


@pytest.mark.parametrize("spec", DERIVATIONS, ids=[s.id for s in DERIVATIONS])
def test_is_an_unreadable_line_of_a_derivation_named(spec):
    chain = list(spec.derivation.chain)
    chain[1] = f"({chain[1]}"
    result = check(spec.id, chain).result
    assert result.verdict == INVALID
    assert "line 2" in result.feedback


@pytest.mark.parametrize("spec", [s for s in SPECS if s.kind in ("expression", "derivation")],
                         ids=[s.id for s in SPECS if s.kind in ("expression", "derivation")])
def test_is_the_reference_never_shown_when_wrong(spec):
    if spec.kind == "derivation":
        from mlfund.check._chain import space_of

        value = space_of(spec).call(spec.reference)
        reference = value[0] if isinstance(value, (list, tuple)) else value
    else:
        reference = reference_answer(spec)
    for answer in [*(mistake_answer(spec, m) for m in spec.mistakes), nonsense_answer(spec)]:
        result = check(spec.id, answer).result
        # a derivation's feedback echoes the learner's own lines: those may hold anything
        told = re.sub(r"reads .*?(; |\. )", "", result.feedback)
        assert sp.sstr(reference) not in told


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_is_a_bundle_for_another_exercise_refused(spec):
    other = next(s for s in SPECS if s.id != spec.id)
    bundle = make_bundle(other.id, reference_answer(other))
    result = score_bundle(bundle, exercise_id=spec.id)
    assert result.verdict == INVALID
    assert result.score == 0.0


def test_are_ids_unique_and_well_formed():
    assert len(IDS) == len(set(IDS))
    for spec in SPECS:
        assert spec.id.startswith(spec.assignment + "-")


def test_do_mistake_forms_differ_from_the_reference():
    """A mistake equal to the reference would never be reported; catch it in the catalogue."""
    for spec in SPECS:
        for mistake in spec.mistakes:
            if spec.kind == "expression":
                assert check(spec.id, mistake_answer(spec, mistake)).result.verdict != CORRECT
