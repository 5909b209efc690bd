"""check() in a learner's notebook of a graded course: how the answer was read, no verdict."""

from __future__ import annotations

import pytest

from mlfund.check import _api, check, graded_course
from mlfund.check._api import public_entry
from mlfund.exercises import get


@pytest.fixture
def graded():
    """A course that grades w01's first items: their public facts only."""
    entries = {i: {**public_entry(get(i)), "probes": None}
               for i in ("w01-sigmoid-derivative", "w01-sigmoid-derivative-max")}
    graded_course(entries)
    yield
    _api._PUBLIC, _api._GRADED = None, False


def test_does_a_right_answer_get_no_verdict(graded):
    shown = check("w01-sigmoid-derivative", "sigma(z)*(1 - sigma(z))")
    assert shown.result is None
    text = repr(shown)
    assert text.startswith("Recorded. Read as (1 - sigma(z))*sigma(z)")
    assert "only names this exercise allows" in text
    assert "Correct" not in text


def test_is_a_wrong_answer_not_told_wrong_either(graded):
    right = repr(check("w01-sigmoid-derivative", "sigma(z)*(1 - sigma(z))"))
    wrong = repr(check("w01-sigmoid-derivative", "sigma(z)*(1 + sigma(z))"))
    assert "Not yet" not in wrong and wrong.split(";")[1:] == right.split(";")[1:]


@pytest.mark.parametrize(("answer", "said"), [
    ("sigma(w)*(1 - sigma(w))", "unknown name 'w'"),
    ("sigma(z", "Cannot read this formula"),
    (None, "No answer yet."),
    ({"a": 1}, "Cannot read this answer: a formula is expected"),
])
def test_is_the_form_of_an_answer_reported(graded, answer, said):
    assert said in repr(check("w01-sigmoid-derivative", answer))


def test_is_a_number_read_back(graded):
    assert "Read as the number 0.25" in repr(check("w01-sigmoid-derivative-max", 0.25))


def test_is_an_exercise_outside_the_course_named(graded):
    assert "not an exercise of this notebook" in repr(check("w02-best-lr-1d", "1/a"))


def test_does_a_graded_kernel_ignore_the_notebooks_table(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    graded_course({"w01-sigmoid-derivative": {"id": "w01-sigmoid-derivative",
                                              "kind": "number"}})
    assert _api._PUBLIC is None and not _api._GRADED
