"""Where answers are compared: domains and the relations a question states."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.check import CORRECT, INCORRECT, compare_expressions
from mlfund.check._equiv import make_symbol
from mlfund.check._parse import Namespace
from mlfund.check._region import Region, in_domain, parse_relation, split_relation
from mlfund.exercises._spec import Exercise


def region(domains, *relations):
    ns = Namespace(symbols={n: make_symbol(n, d) for n, d in domains.items()}, functions={})
    return Region(domains, [parse_relation(text, ns) for text in relations])


@pytest.mark.parametrize("domains, relations, test", [
    ({"w": "real"}, ("w != 0",), lambda p: p["w"] != 0),
    ({"g": "integer"}, ("g != 0",), lambda p: p["g"] != 0),
    ({"a": "positive", "b": "positive"}, ("a < b",), lambda p: p["a"] < p["b"]),
    ({"p1": "probability", "p2": "probability", "p3": "probability"}, ("p1 + p2 + p3 == 1",),
     lambda p: abs(p["p1"] + p["p2"] + p["p3"] - 1) < 1e-12),
    ({"c": "real", "u": "positive", "v": "positive"}, ("c**2 < u*v",),
     lambda p: p["c"] ** 2 < p["u"] * p["v"]),
    ({"x": "real", "y": "real"}, ("x < y", "y < 2*x"), lambda p: p["x"] < p["y"] < 2 * p["x"]),
])
def test_are_sampled_points_inside_the_region(domains, relations, test):
    where = region(domains, *relations)
    points = where.sample(list(domains), seed=11, n_random=10)
    assert len(points) >= 10
    for point in points:
        assert test({k: float(v) for k, v in point.items()}), point
        for name, value in point.items():
            assert in_domain(float(value), domains[name])


def test_is_a_symbol_tied_by_a_relation_sampled_with_the_others():
    # an answer in p2 and p3 only is still compared on the simplex: p1 comes with them
    where = region({"p1": "probability", "p2": "probability", "p3": "probability"},
                   "p1 + p2 + p3 == 1")
    for point in where.sample(["p2", "p3"], seed=3, n_random=5):
        assert set(point) == {"p1", "p2", "p3"}


def test_does_a_solved_symbol_keep_the_equality_to_many_digits():
    import mpmath

    where = region({"p1": "probability", "p2": "probability", "p3": "probability"},
                   "p1 + p2 + p3 == 1")
    with mpmath.workdps(30):
        for point in where.sample(["p1"], seed=5, n_random=10):
            total = sum(mpmath.mpf(point[n]) for n in ("p1", "p2", "p3"))
            assert abs(total - 1) < mpmath.mpf(10) ** -28


@pytest.mark.parametrize("answer, reference, constraints, domains, verdict", [
    ("x/Abs(x)", "sign(x)", ["x != 0"], None, CORRECT),
    ("x/Abs(x)", "sign(x)", [], None, INCORRECT),                 # 0/0 at x = 0
    ("x", "sign(x)", ["x != 0"], None, INCORRECT),                # still wrong
    ("Abs(a - b)", "b - a", ["a < b"], None, CORRECT),
    ("Abs(a - b)", "a - b", ["a < b"], None, INCORRECT),          # the ordering the other way
    ("-(q + r)", "p - 1", ["p + q + r == 1"], {"p": "probability", "q": "probability",
                                               "r": "probability"}, CORRECT),
    ("-(q + r) + 1e-12", "p - 1", ["p + q + r == 1"],
     {"p": "probability", "q": "probability", "r": "probability"}, INCORRECT),
    ("q + r", "p - 1", ["p + q + r == 1"], {"p": "probability", "q": "probability",
                                            "r": "probability"}, INCORRECT),
    ("sqrt((v - c**2/u)**2)", "v - c**2/u", ["c**2 < u*v"], {"u": "positive", "v": "positive"},
     CORRECT),
    ("sqrt((v - c**2/u)**2)", "v - c**2/u", [], {"u": "positive", "v": "positive"}, INCORRECT),
])
def test_do_relations_decide_where_forms_are_compared(answer, reference, constraints, domains,
                                                      verdict):
    result = compare_expressions(answer, reference, domains=domains, constraints=constraints)
    assert result.verdict == verdict, result.feedback


@pytest.mark.parametrize("text", ["w", "w = 0", "w < 0 < 1", "< 0", "w !="])
def test_is_a_malformed_relation_refused(text):
    with pytest.raises(ValueError, match="one of"):
        split_relation(text)


def test_does_a_spec_check_its_constraints():
    common = dict(kind="expression", prompt="p", reference=lambda w: w, symbols={"w": "real"})
    Exercise(id="w01-ok", constraints=("w != 0",), **common)
    with pytest.raises(ValueError, match="must compare"):
        Exercise(id="w01-bad", constraints=("w",), **common)
    with pytest.raises(ValueError, match="not its symbols"):
        Exercise(id="w01-bad", constraints=("v != 0",), **common)
    with pytest.raises(ValueError, match="tuple"):
        Exercise(id="w01-bad", constraints=["w != 0"], **common)
    with pytest.raises(ValueError, match="only expression"):
        Exercise(id="w01-bad", kind="number", prompt="p", reference=lambda: 1.0,
                 constraints=("w != 0",))


def test_is_an_unsolvable_equality_refused_with_a_message():
    with pytest.raises(ValueError, match="cannot be solved"):
        region({"x": "real"}, "x**2 == 4")   # two roots: neither determines x


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**31))
def test_does_every_seed_respect_the_ordering(seed):
    where = region({"lo": "real", "hi": "real"}, "lo < hi")
    for point in where.sample(["lo", "hi"], seed=seed, n_random=10):
        assert point["lo"] < point["hi"]
