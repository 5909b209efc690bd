"""Does anything above an exercise's check cell give its answer away?

Rule of the curriculum: nothing above an exercise states its answer; a worked example uses
a different instance, and a figure that shows an answer comes after the item's check cell.
For every autograded item, everything a learner can read above its check cell — markdown
(written answers' model answers excepted: the learner's version has none), code comments,
the strings of code cells (figure titles, labels, printed text) and the part of answer
cells that stays in the learner's version — is searched for the item's reference:

- an expression's sympy form (``sstr`` of the reference and of its simplified, factored and
  expanded forms, spaces ignored), and any formula in that text (a ``$…$`` or ``$$…$$``
  segment, an inline code span, a comment or a string, each side of an ``=``) that the
  checking engine reads as equal to the reference at sample points;
- a number's value to 3 significant digits (and a fraction a/b equal to it), for each end
  of an interval. Round numbers with fewer than two significant digits (0.5, 3, 10) and
  whole numbers below 100 are too common in any text to count.

The README is checked too: its example must not be the answer of an item.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check._equiv import make_symbol, sample_points
from mlfund.check._parse import Namespace, parse_formula
from mlfund.course._nbgrader import notebooks_dir

README = Path(__file__).resolve().parents[2] / "README.md"
SOLUTION = re.compile(r"### BEGIN SOLUTION.*?### END SOLUTION", re.S)


@dataclass(frozen=True)
class Visible:
    """A piece of text a learner reads, and where it is."""

    where: str
    text: str


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _code_text(source: str) -> list[str]:
    """Comments and string literals of a code cell: what it says, not what it computes."""
    found: list[str] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [source]
    for token in tokens:
        if token.type == tokenize.COMMENT:
            found.append(token.string.lstrip("#").strip())
        elif token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str):
                found.append(value)
    return found


def _learner_text(cell) -> list[str]:
    """What the learner's version of a cell shows."""
    meta = _meta(cell)
    if cell.cell_type == "markdown":
        if meta.get("solution"):
            return []        # a written answer: the model answer is not in the release
        return [cell.source]
    if meta.get("grade") and not meta.get("solution"):
        return []            # a check cell
    return _code_text(SOLUTION.sub("", cell.source))


@cache
def _notebook_items() -> dict[str, tuple[str, list[Visible]]]:
    """Item id -> (week, everything visible above its check cell)."""
    items: dict[str, tuple[str, list[Visible]]] = {}
    for path in sorted(notebooks_dir().glob("w*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        week = path.parent.name
        above: list[Visible] = []
        for index, cell in enumerate(nb.cells):
            meta = _meta(cell)
            grade_id = meta.get("grade_id", "")
            if meta.get("grade") and not meta.get("solution") and grade_id.endswith("-test"):
                items[grade_id[: -len("-test")]] = (week, list(above))
            for text in _learner_text(cell):
                above.append(Visible(f"{path.name} cell {index}", text))
    return items


# --- formulas ---------------------------------------------------------------------------

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|`([^`]+)`", re.S)
_RELATION = re.compile(r"=|\\(?:approx|le|leq|ge|geq|to|quad|qquad|sim)(?![A-Za-z])|,\s|;|:\s")


def _segments(text: str) -> set[str]:
    """Candidate formulas of a text: its math and code spans, and each side of a relation."""
    text = re.sub(r"^```.*$", "", text, flags=re.M)       # code fences: keep their lines
    spans = [next(g for g in m.groups() if g is not None) for m in _MATH.finditer(text)]
    spans += [line for line in _MATH.sub(" ", text).splitlines()
              if re.search(r"[(*/^]", line)]
    found: set[str] = set()
    for span in spans:
        span = re.sub(r'^r?["\']|["\']$', "", span.strip())
        for part in _RELATION.split(span):
            part = re.sub(r"\s#.*$", "", part).strip()
            part = re.sub(r'^r?["\']|["\']$', "", part).strip()
            if 0 < len(part) <= 200 and re.search(r"[A-Za-z]", part):
                found.add(part)
    return found


def _squash(text: str) -> str:
    text = re.sub(r"\\left|\\right|\\,|\\;|\\!|\\big|\\Big", "", text)
    return re.sub(r"\s+", "", text)


def _forms(reference) -> set[str]:
    """Spellings of an expression reference as a learner might read it."""
    forms = set()
    for variant in (reference, sp.simplify(reference), sp.factor(reference),
                    sp.expand(reference)):
        text = _squash(sp.sstr(variant))
        if len(text) >= 4:
            forms.add(text)
    return forms


def _namespace(spec) -> Namespace:
    symbols = {name: make_symbol(name, domain) for name, domain in spec.symbols.items()}
    functions = {name: factory() for name, factory in spec.functions.items()}
    return Namespace(symbols=symbols, functions=functions, exact=False)


def _values(expr, spec, points) -> np.ndarray | None:
    symbols = {s.name: s for s in expr.free_symbols}
    try:
        out = []
        for point in points:
            value = complex(sp.N(expr.subs({symbols[n]: v for n, v in point.items()
                                           if n in symbols})))
            out.append(value)
        return np.array(out)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None


@cache
def _parsed(spec_id: str, segment: str):
    spec = exercises.get(spec_id)
    try:
        expr = parse_formula(segment, _namespace(spec))
    except Exception:   # a sentence, not a formula: nothing to compare
        return None
    if not isinstance(expr, sp.Expr) or not expr.free_symbols:
        return None
    return expr


def _formula_giveaways(spec, seen: list[Visible]) -> list[str]:
    ns = _namespace(spec)
    reference = spec.reference(**ns.symbols)
    if isinstance(reference, sp.MatrixBase):
        # bare symbols (p2) say nothing alone; the other elements must all be stated
        references = [e for e in reference if e.free_symbols and not e.is_Symbol]
    else:
        references = [reference] if reference.free_symbols else []
    # a column vector is given away when all its elements are (a prompt may fix one)
    found_by_element: list[list[str]] = []
    points = sample_points(spec.symbols, seed=13, n_random=2)[-3:]
    for ref in references:
        forms = _forms(ref)
        want = _values(ref, spec, points)
        names = {s.name for s in ref.free_symbols}
        found = []
        for visible in seen:
            squashed = _squash(visible.text)
            found += [f"{visible.where}: {form}" for form in forms if form in squashed]
            for segment in _segments(visible.text):
                expr = _parsed(spec.id, segment)
                if expr is None or want is None or \
                        not names <= {s.name for s in expr.free_symbols}:
                    continue
                values = _values(expr, spec, points)
                if values is not None and np.allclose(values, want, rtol=1e-9, atol=1e-12):
                    found.append(f"{visible.where}: {segment!r}")
        found_by_element.append(found)
    if found_by_element and all(found_by_element):
        return [hit for hits in found_by_element for hit in hits]
    return []


# --- numbers ----------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)(?:\s*/\s*(\d+))?"
                     r"|\\[dt]?frac\{(\d+)\}\{(\d+)\}")


def _significant(value: float) -> int:
    if value == 0:
        return 0
    text = f"{abs(value):.12g}"
    digits = text.replace(".", "").lstrip("0")
    if "e" in digits:
        digits = digits.split("e")[0]
    return len(digits.rstrip("0")) if "." in text or abs(value) < 1 else \
        len(str(int(round(abs(value)))).rstrip("0"))


def _is_distinctive(value: float) -> bool:
    if not math.isfinite(value) or value == 0:
        return False
    if float(value).is_integer() and abs(value) < 100:
        return False
    return _significant(value) >= 2


def _to_3_significant(value: float) -> float:
    return float(f"{value:.3g}")


def _numbers_in(text: str) -> list[tuple[str, float]]:
    found = []
    for match in _NUMBER.finditer(text):
        whole, denominator, frac_num, frac_den = match.groups()
        try:
            if frac_num is not None:
                value = float(Fraction(int(frac_num), int(frac_den)))
            elif denominator is not None and int(denominator) != 0:
                value = float(Fraction(whole.replace(",", "")) / int(denominator))
            else:
                value = float(whole.replace(",", ""))
        except (ValueError, ZeroDivisionError):
            continue
        found.append((match.group(0), value))
    return found


_ARITHMETIC = re.compile(r"[\d.(][\d.\s+\-*/()]*[*/+\-][\d.\s+\-*/()]*[\d)]")


def _arithmetic_in(text: str) -> list[tuple[str, float]]:
    """Arithmetic on numbers only (`5 * 30 / (5 * 30 + 20)`): what it evaluates to."""
    found = []
    for match in _ARITHMETIC.finditer(text):
        source = match.group(0).strip()
        if len(re.findall(r"\d+(?:\.\d+)?", source)) < 3:
            continue
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError:
            continue
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator,
                   ast.unaryop)
        if not all(isinstance(node, allowed) for node in ast.walk(tree)):
            continue
        try:
            value = float(eval(compile(tree, "<arithmetic>", "eval"), {"__builtins__": {}}))
        except (ZeroDivisionError, OverflowError, TypeError, ValueError):
            continue
        found.append((source, value))
    return found


def _number_giveaways(spec, seen: list[Visible]) -> list[str]:
    ref = spec.reference()
    ends = [ref.low, ref.high] if hasattr(ref, "low") else (
        list(ref) if spec.kind == "interval" else [ref])
    targets = [float(e) for e in ends if _is_distinctive(float(e))]
    found = []
    for visible in seen:
        for token, value in _numbers_in(visible.text):
            for target in targets:
                if value != 0 and _to_3_significant(value) == _to_3_significant(target) \
                        and (_significant(value) >= 2 or "/" in token or "frac" in token):
                    found.append(f"{visible.where}: {token} (the reference is {target:.6g})")
        for source, value in _arithmetic_in(visible.text):
            for target in targets:
                if _to_3_significant(value) == _to_3_significant(target):
                    found.append(f"{visible.where}: {source} = {value:.6g}")
    return found


# --- derivations -------------------------------------------------------------------------


def _derivation_giveaways(spec, seen: list[Visible]) -> list[str]:
    """A derivation's answer (its last line's value, or each solution for its unknown),
    written out above its check cell in any form the derivation's own reader reads."""
    from mlfund.check._chain import _reference, space_of
    from mlfund.check._derivation import EQUAL, ChainError, Numbers, compare_values, evaluate
    from mlfund.check._lines import LineError

    space = space_of(spec)
    _, value = _reference(space)
    targets = [rhs for _, rhs in value] if spec.derivation.unknown else list(value)
    targets = [t for t in targets if t.free_symbols]
    numbers = Numbers(space)
    found = []
    for visible in seen:
        squashed = _squash(visible.text)
        for target in targets:
            found += [f"{visible.where}: {form}" for form in _forms(target) if form in squashed]
        for segment in _segments(visible.text):
            try:
                lines = space.reader.lines([segment])
                if len(lines) != 1 or lines[0].equation or _unevaluated(lines[0].sides[0], space):
                    continue
                expr = evaluate(lines[0].sides[0], space)
            except (LineError, ChainError, ValueError, TypeError):
                continue
            if not expr.free_symbols:
                continue
            for target in targets:
                if compare_values(target, expr, numbers, space.points).decision == EQUAL:
                    found.append(f"{visible.where}: {segment!r}")
    return found


def _unevaluated(expr, space) -> bool:
    """A start as the prompt states it (a derivative, an integral, an expectation, defined
    names), which is the answer only once worked out."""
    operators = {"E", "Var", "Cov"}
    return expr.has(sp.Derivative, sp.Integral) or bool(
        expr.free_symbols & set(space.defined)) or any(
        type(node).__name__ in operators for node in sp.preorder_traversal(expr))


# --- the tests --------------------------------------------------------------------------

CHECKED = [s for s in exercises.catalogue()
           if s.kind in ("expression", "number", "interval", "derivation")]


@pytest.mark.parametrize("spec", CHECKED, ids=[s.id for s in CHECKED])
def test_is_the_answer_kept_from_everything_above_the_check_cell(spec):
    week, seen = _notebook_items()[spec.id]
    if spec.kind == "derivation":
        found = _derivation_giveaways(spec, seen)
    elif spec.kind == "expression":
        found = _formula_giveaways(spec, seen)
    else:
        found = _number_giveaways(spec, seen)
    assert not found, f"{spec.id}'s answer is given away above its check cell:\n" + \
        "\n".join(found)


def test_does_the_readme_keep_every_answer():
    seen = [Visible("README.md", README.read_text())]
    found = []
    for spec in CHECKED:
        if spec.kind == "expression":
            found += [f"{spec.id}: {f}" for f in _formula_giveaways(spec, seen)]
        elif spec.kind == "derivation":
            found += [f"{spec.id}: {f}" for f in _derivation_giveaways(spec, seen)]
    assert not found, "\n".join(found)


def test_does_the_search_find_an_answer_written_out():
    """The test's own test: a statement of the answer in any of its spellings is found."""
    spec = exercises.get("w01-sigmoid-derivative")
    for text in (r"so $\sigma'(z) = \sigma(z)\left(1 - \sigma(z)\right)$.",
                 "# sigma'(z) = sigma(z)*(1 - sigma(z))",
                 "the derivative is `sigma(z) - sigma(z)**2`"):
        assert _formula_giveaways(spec, [Visible("probe", text)]), text
    number = exercises.get("w01-sigmoid-derivative-max")
    for text in ("its slope is at most 1/4", r"at most $\tfrac{1}{4}$", "peaks at 0.25"):
        assert _number_giveaways(number, [Visible("probe", text)]) or \
            not _is_distinctive(0.25), text
    assert not _formula_giveaways(spec, [Visible("probe", r"$\tanh'(z) = 1 - \tanh(z)^2$")])
    chain = exercises.get("w01-sigmoid-derivation")
    assert _derivation_giveaways(chain, [Visible("probe", r"so $\sigma(z)(1-\sigma(z))$")])
    assert not _derivation_giveaways(chain, [Visible("probe", r"$\tanh(z)$")])
    f2 = exercises.get("w08-f2-value")
    assert _number_giveaways(f2, [Visible("probe", "(`f2 = 5 * 30 / (5 * 30 + 4 * 10 + 20)`)")])
