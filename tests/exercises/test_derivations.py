"""Every whole derivation of the catalogue, checked as a careful grader would.

Is a valid chain with any one line replaced by a line that is not equivalent caught at that
very line? Do valid chains written in other styles (expanded, factored, LaTeX, sympy
objects) pass? Does the model chain of each item take its own steps, and is every item's
start, end and form consistent with its reference?
"""

from __future__ import annotations

import re

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, check
from mlfund.check._chain import _reference, _start, space_of
from mlfund.check._lines import sympy_text

DERIVATIONS = [s for s in exercises.catalogue() if s.kind == "derivation"]
IDS = [s.id for s in DERIVATIONS]
UNEVALUATED = (sp.Derivative, sp.Sum, sp.Integral, sp.core.function.AppliedUndef)


def _broken(line: str, unknown: str | None) -> str:
    """The same line made untrue: 1 added to its right-hand side (or to the whole)."""
    parts = re.split(r"(?<![<>=!])=(?!=)", line)
    if len(parts) == 2:
        return f"{parts[0]}= ({parts[1]}) + 1"
    return f"({line}) + 1"


@pytest.mark.parametrize("spec", DERIVATIONS, ids=IDS)
def test_is_any_one_line_replaced_by_a_wrong_one_caught_at_that_line(spec):
    chain = list(spec.derivation.chain)
    for k in range(len(chain)):
        wrong = chain[:k] + [_broken(chain[k], spec.derivation.unknown)] + chain[k + 1:]
        result = check(spec.id, wrong).result
        assert result.verdict == INCORRECT, (k + 1, result.feedback)
        if k == 0:
            assert result.feedback.startswith("Line 1 is not the asked-for start"), \
                result.feedback
        else:
            assert result.feedback.startswith(f"Line {k + 1} does not follow from line {k}."), \
                (k + 1, result.feedback)
        assert result.score < 1.0


_CHANGES = st.tuples(st.sampled_from(["+", "*"]),
                     st.fractions(min_value=-5, max_value=5, max_denominator=7).filter(
                         lambda c: c not in (0, 1)))


@pytest.mark.parametrize("spec", DERIVATIONS, ids=IDS)
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_is_a_random_wrong_line_anywhere_caught_at_that_line(spec, data):
    """Any line, changed by a random constant term or factor, breaks the chain there."""
    chain = list(spec.derivation.chain)
    k = data.draw(st.integers(min_value=0, max_value=len(chain) - 1), label="line")
    how, c = data.draw(_CHANGES, label="change")
    parts = re.split(r"(?<![<>=!])=(?!=)", chain[k])
    if len(parts) == 2:   # an equation: move its right-hand side (a factor may keep 0 = 0)
        wrong = f"{parts[0]}= ({parts[1]}) + {c.numerator}/{c.denominator}"
    elif how == "+":
        wrong = f"({chain[k]}) + {c.numerator}/{c.denominator}"
    else:
        wrong = f"({chain[k]})*{c.numerator}/{c.denominator}"
    result = check(spec.id, chain[:k] + [wrong] + chain[k + 1:]).result
    assert result.verdict == INCORRECT, (k + 1, wrong, result.feedback)
    expected = "Line 1 is not the asked-for start" if k == 0 else \
        f"Line {k + 1} does not follow from line {k}."
    assert result.feedback.startswith(expected), (k + 1, wrong, result.feedback)


def _display_lines(spec):
    """The model chain as read with the exercise's names kept (σ as sigma(z))."""
    space = space_of(spec)
    return space.display_reader.lines(list(spec.derivation.chain))


def _rewrite(spec, transform):
    """The model chain with every evaluated line rewritten (unevaluated lines kept)."""
    out = []
    for line, text in zip(_display_lines(spec), spec.derivation.chain, strict=True):
        sides = [s for pair in line.sides for s in (pair if line.equation else [pair])]
        if any(side.has(*UNEVALUATED[:3]) for side in sides) or \
                any(isinstance(n, sp.core.function.AppliedUndef) and type(n).__name__ in
                    ("E", "Var", "Cov") for side in sides for n in sp.preorder_traversal(side)):
            out.append(text)
            continue
        if not line.equation:
            out.append(sympy_text(transform(line.sides[0])))
        else:
            out.append(" or ".join(f"{sympy_text(transform(lhs))} = {sympy_text(transform(rhs))}"
                                   for lhs, rhs in line.sides))
    return out


def _latex_names(expr):
    """Multi-letter names typeset as \\mathrm{…}, so that LaTeX reads them back as one name."""
    from mlfund.check._parse import GREEK

    names = {}
    for symbol in expr.free_symbols:
        base, _, rest = symbol.name.partition("_")
        if len(base) > 1 and base not in GREEK:
            names[symbol] = rf"\mathrm{{{base}}}" + (f"_{{{rest}}}" if rest else "")
    return names


def _latex(spec):
    out = []
    for line in _display_lines(spec):
        def tex(e):
            return sp.latex(e, symbol_names=_latex_names(e))
        if line.equation:
            out.append(r" \quad\text{or}\quad ".join(f"{tex(lhs)} = {tex(rhs)}"
                                                    for lhs, rhs in line.sides))
        else:
            out.append(tex(line.sides[0]))
    return out


def _sympy_objects(spec):
    out = []
    for line in _display_lines(spec):
        if line.equation and len(line.sides) == 1:
            out.append(sp.Eq(*line.sides[0], evaluate=False))
        elif line.equation:
            out.append(line.shown())
        else:
            out.append(line.sides[0])
    return out


STYLES = {
    "expanded": lambda spec: _rewrite(spec, sp.expand),
    "factored": lambda spec: _rewrite(spec, sp.factor),
    "latex": _latex,
    "latex-one-string": lambda spec: "\n".join(_latex(spec)),
    "sympy": _sympy_objects,
    "python-one-string": lambda spec: "\n".join(
        ("" if k == 0 else ("<=> " if spec.derivation.unknown else "= ")) + line
        for k, line in enumerate(spec.derivation.chain)),
}


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("spec", DERIVATIONS, ids=IDS)
def test_does_a_valid_chain_pass_in_every_style(spec, style):
    answer = STYLES[style](spec)
    result = check(spec.id, answer).result
    assert result.verdict == CORRECT, (answer, result.feedback)


@pytest.mark.parametrize("spec", DERIVATIONS, ids=IDS)
def test_is_each_model_chain_consistent_with_its_spec(spec):
    d = spec.derivation
    space = space_of(spec)
    start_line, _ = _start(space)
    assert start_line.equation == (d.unknown is not None and "=" in d.start)
    assert d.chain[0] == d.start, "a model chain begins at the start as the prompt states it"
    is_equation, _ = _reference(space)
    assert is_equation == (d.unknown is not None)
    assert len(d.chain) - 1 >= d.min_steps
    assert d.hints, "the scaffolded steps stay as hints"
    for name in d.form:
        known = {*spec.symbols, *spec.functions, *d.definitions, "Sum", "Integral", "E",
                 "Var", "diff", "sqrt", "exp", "log", "abs"}
        assert name in known, name
