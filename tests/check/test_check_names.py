"""The names a week's formulas may use: a formula typed without quotes is checked too."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, _api, check, formula_names
from mlfund.check._score import namespace, reference_expression

EXPRESSIONS = [s for s in exercises.catalogue() if s.kind == "expression"]


@pytest.mark.parametrize("spec", EXPRESSIONS, ids=[s.id for s in EXPRESSIONS])
def test_does_the_reference_typed_without_quotes_pass(spec):
    # what a learner types, as Python, in a notebook whose set-up cell gave the week's names
    typed = sp.sstr(reference_expression(spec, namespace(spec, for_display=True)))
    if typed.startswith("Matrix("):
        typed = typed[len("Matrix("):-1]
    names = formula_names(spec.id[:3])
    answer = eval(typed, {"__builtins__": {}}, dict(names))   # noqa: S307 (our own text)
    if isinstance(answer, list):
        answer = [row[0] if isinstance(row, list) else row for row in answer]
    result = check(spec.id, answer).result
    assert result.verdict == CORRECT, (typed, result.feedback)


def test_is_an_unquoted_wrong_formula_still_wrong():
    names = formula_names("w05")
    z, x, n, sqrt = names["z"], names["x"], names["n"], names["sqrt"]
    assert check("w05-wald-half-width", z * sqrt(x / n * (1 - x / n) / n)).result.verdict == \
        CORRECT
    assert check("w05-wald-half-width", z * sqrt(x / n * (1 - x / n))).result.verdict == \
        INCORRECT


def test_are_the_names_the_same_in_a_graded_kernel(monkeypatch):
    """In a graded kernel only the public facts are there; the names must not change."""
    week = "w01"
    public = {s.id: _api.public_entry(s) for s in exercises.catalogue()
              if s.id.startswith(week + "-")}
    public = json.loads(json.dumps(public))            # as the kernel receives them
    learner = formula_names(week)
    monkeypatch.setattr(_api, "_PUBLIC", None)
    _api.use_public_catalogue(public)
    try:
        graded = formula_names(week)
    finally:
        _api._PUBLIC = None
    assert set(graded) == set(learner)
    for name, value in learner.items():
        if isinstance(value, sp.Symbol):
            assert graded[name] == value, name      # same name, same assumptions
    z, sigma = graded["z"], graded["sigma"]
    bundle = _api.make_bundle("w01-sigmoid-derivative", sigma(z) * (1 - sigma(z)))
    assert _api.score_bundle(bundle).verdict == CORRECT


@pytest.mark.parametrize("week", ["w13", "x01", 0, "week1", None])
def test_is_an_unknown_week_refused(week):
    with pytest.raises(ValueError, match="must be 'w01'"):
        formula_names(week)
