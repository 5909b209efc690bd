"""sympy's own output — a Piecewise, a Sum — pasted as text or handed in as an object."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from mlfund.check._equiv import make_symbol
from mlfund.check._parse import Namespace, ParseError, parse_python
from mlfund.check._tree import TreeError, from_tree, to_tree

beta = make_symbol("beta", (0, 1))
t = make_symbol("t", "positive_integer")
g = make_symbol("g")
NS = Namespace(symbols={"beta": beta, "t": t, "g": g}, functions={})


@pytest.mark.parametrize("text", [
    "Piecewise((g*t, Eq(beta, 1)), (g*(1 - beta**t)/(1 - beta), True))",
    "Piecewise((g, (beta > 0) & (beta < 1)), (0, True))",
    "Piecewise((g, 0 < beta < 1), (0, True))",
    "Piecewise((g, beta < 1 and not beta < 0), (0, True))",
    "Piecewise((g, Ne(beta, 1) | Ge(beta, 2)), (0, True))",
    "Piecewise((g, ~(beta > 1)), (0, True))",
    "Sum(g*beta**k, (k, 0, t - 1))",
    "Sum(Sum(beta**(i + j), (i, 0, t)), (j, 0, 2))",
    "Sum(g*beta**t, (t, 0, t - 1))",        # the index shadows t inside its sum only
])
def test_does_pasted_text_survive_the_trip_to_the_grader(text):
    expr = parse_python(text, NS)
    tree = json.loads(json.dumps(to_tree(expr)))
    back = from_tree(tree, {"beta": beta, "t": t, "g": g}, {})
    assert back == expr


@pytest.mark.parametrize("text, message", [
    ("Eq(beta, 1)", "not a function"),                       # a condition alone
    ("beta < 1", "comparisons"),
    ("Piecewise((g, beta))", "condition must compare"),
    ("Piecewise(g, True)", "pairs"),
    ("Piecewise((g, __import__('os')), (0, True))", "condition must compare"),
    ("Sum(g, k, 0, t)", "Sum\\(term, \\(k, low, high\\)\\)"),
    ("Sum(g, (k.real, 0, t))", "Sum\\(term, \\(k, low, high\\)\\)"),
    ("Sum(g, (k, 0, q))", "unknown name 'q'"),
    ("k + Sum(g, (k, 0, t))", "unknown name 'k'"),           # the index is bound inside only
])
def test_is_malformed_pasted_text_refused_with_a_message(text, message):
    with pytest.raises(ParseError, match=message):
        parse_python(text, NS)


@pytest.mark.parametrize("tree, message", [
    ({"t": "Equality", "args": [{"t": "Symbol", "name": "beta"}, {"t": "One"}]}, "not an answer"),
    ({"t": "Piecewise", "pieces": [[{"t": "Symbol", "name": "g"}, {"t": "Symbol", "name": "g"}]]},
     "pairs"),
    ({"t": "Piecewise", "pieces": [[{"t": "One"}, {"t": "BooleanTrue"}]] * 21}, "malformed"),
    ({"t": "Sum", "args": [{"t": "One"}], "limits": [["os.system", {"t": "Zero"}, {"t": "One"}]]},
     "plain name"),
    ({"t": "Sum", "args": [{"t": "Symbol", "name": "k"}],
      "limits": [["j", {"t": "Zero"}, {"t": "One"}]]}, "unknown symbol 'k'"),
    ({"t": "Sum", "args": [{"t": "One"}], "limits": "k"}, "malformed"),
])
def test_is_a_malformed_tree_refused(tree, message):
    with pytest.raises(TreeError, match=message):
        from_tree(tree, {"beta": beta, "t": t, "g": g}, {})


def test_are_unevaluated_operators_refused_with_what_to_do():
    with pytest.raises(TreeError, match=r"\.doit\(\)"):
        to_tree(sp.Derivative(g * beta, beta))
    with pytest.raises(TreeError, match=r"\.doit\(\)"):
        to_tree(sp.Integral(g, (beta, 0, 1)))
