"""How a wrong expression differs from the expected one, when that can be seen.

A learner told only "not equal" cannot act on it. When no catalogued mistake matches, the
answer and the reference are compared at the same points as the equivalence test, and the
feedback names the first of these that holds at every point:

- the entries of a column are right but in another order (a transposition);
- the sign is wrong (the answer is −1 times the reference);
- a constant factor is off (a 2, a 1/n that is a number here, …), with the factor;
- a constant term is off;
- a term of the reference is missing, or counted twice;
- the answer is right only in a limit at a boundary of the domain (an approximation,
  such as the large-n form of an exact expression).

Nothing here shows the reference or a term of it: only how the answer relates to it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from mlfund.check._equiv import _as_elements, _evaluator, _value, points_for
from mlfund.check._limits import TimeLimitExceeded, time_limit
from mlfund.check._region import Region

#: Relative agreement that counts as "the same" here (the values have 30 digits).
RTOL = 1e-12
#: Seconds the diagnosis may take; it is a courtesy, never needed for the verdict.
SECONDS = 0.4
#: A factor or a term is shown when it is a fraction with a denominator this small.
SHOWN_DENOMINATOR = 12


def describe_difference(answer: Any, reference: Any, domains: Mapping[str, Any], *,
                        seed: int, region: Region | None = None,
                        seconds: float = SECONDS) -> str | None:
    """One sentence on how ``answer`` differs from ``reference``, or None if it is not seen."""
    try:
        with time_limit(seconds):
            return _describe(answer, reference, domains, seed=seed, region=region)
    except (TimeLimitExceeded, RecursionError):
        return None
    except (ArithmeticError, TypeError, ValueError, AttributeError):
        return None


def _describe(answer: Any, reference: Any, domains: Mapping[str, Any], *, seed: int,
              region: Region | None) -> str | None:
    answers, references = _as_elements(answer), _as_elements(reference)
    if len(answers) != len(references):
        return None
    symbols = sorted({s for e in answers + references for s in e.free_symbols},
                     key=lambda s: s.name)
    if any(s.name not in domains for s in symbols):
        return None
    points = points_for(symbols, domains, region, seed=seed)
    got = _table(answers, symbols, points)
    want = _table(references, symbols, points)
    rows = [k for k in range(len(points))
            if all(v is not None for v in got[k] + want[k])]
    if len(rows) < 3:
        return None
    if len(answers) > 1:
        return _order(got, want, rows) or _scalar_story(got, want, rows, shape=True)
    story = _scalar_story(got, want, rows, shape=False)
    if story is not None:
        return story
    if not answers[0].free_symbols:
        return None
    return (_missing_term(answers[0], references[0], symbols, points, rows, got)
            or _limit(answers[0], references[0], symbols, domains, points[rows[0]]))


def _table(exprs: list[Any], symbols: list[sp.Symbol], points: list[dict[str, Any]]
           ) -> list[list[complex | None]]:
    fns = [_evaluator(e, symbols) for e in exprs]
    out = []
    for point in points:
        values = [point[s.name] for s in symbols]
        row = []
        for fn in fns:
            v = _value(fn, values)
            row.append(v if v is not None and abs(v.imag) <= 1e-20 * max(1.0, abs(v.real))
                       else None)
        out.append(row)
    return out


def _same(a: complex, b: complex) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-30)


def _constant(values: list[complex]) -> complex | None:
    first = values[0]
    return first if all(_same(v, first) for v in values[1:]) else None


def _shown(value: complex) -> str | None:
    """A factor or a term as a learner reads it: 2, 1/2, -3/4; None if not that simple."""
    if abs(value.imag) > 1e-12 or not abs(value.real) < 1e6:
        return None
    near = Fraction(value.real).limit_denominator(SHOWN_DENOMINATOR)
    if not _same(complex(float(near)), complex(value.real, 0)):
        return None
    return str(near)


def _order(got, want, rows) -> str | None:
    n = len(got[0])
    used: set[int] = set()
    moved = False
    for i in range(n):
        match = next((j for j in range(n) if j not in used
                      and all(_same(got[k][i], want[k][j]) for k in rows)), None)
        if match is None:
            return None
        used.add(match)
        moved |= match != i
    if not moved:
        return None
    return ("Every entry is right, but in another order: check which entry goes in which "
            "row (two are swapped).")


def _scalar_story(got, want, rows, *, shape: bool) -> str | None:
    where = "every entry of your answer is" if shape else "your answer is"
    n = len(got[0])
    ratios = [got[k][i] / want[k][i] for k in rows for i in range(n) if abs(want[k][i]) > 1e-25]
    if len(ratios) >= 3:
        factor = _constant(ratios)
        if factor is not None:
            if _same(factor, -1):
                return ("The sign is wrong: " + where + " the negative of the expected one. "
                        "Check the sign of each step.")
            shown = _shown(factor)
            times = f"{shown} times" if shown is not None else "a constant times"
            return (f"A constant factor is off: {where} {times} the expected one. Check "
                    "the constants (a 2, a 1/2, a 1/n).")
    if not shape:
        gaps = [got[k][0] - want[k][0] for k in rows]
        offset = _constant(gaps)
        if offset is not None:
            shown = _shown(offset)
            by = f" by {shown}" if shown is not None else ""
            return (f"A constant term is off: your answer differs from the expected one{by} "
                    "everywhere. Check the terms without a symbol.")
    return None


@functools.lru_cache(maxsize=256)
def _terms(expr: Any, symbols: tuple[sp.Symbol, ...], partial_fractions: bool) -> list[Any]:
    """The additive terms of an expression: as written, expanded, as partial fractions.

    Partial fractions are worked out for the reference only (once per exercise, cached),
    where the library's single fraction may hide the terms a learner writes apart.
    """
    found: list[Any] = list(sp.Add.make_args(expr)) + list(sp.Add.make_args(sp.expand(expr)))
    if partial_fractions and len(symbols) <= 4 and expr.is_rational_function(*symbols):
        for symbol in symbols:
            try:
                found.extend(sp.Add.make_args(sp.apart(expr, symbol)))
            except (sp.PolynomialError, NotImplementedError, ValueError):
                continue
    unique = list(dict.fromkeys(found))
    return unique if len(unique) <= 24 else []


def _missing_term(answer, reference, symbols, points, rows, got) -> str | None:
    chosen = [points[k] for k in rows]
    gaps = None
    if not answer.free_symbols:
        return None   # a number: no term of it tells anything
    for whose, expr in (("expected", reference), ("yours", answer)):
        terms = [t for t in _terms(expr, tuple(symbols), whose == "expected") if t.free_symbols]
        if len(terms) < 1 or (whose == "expected" and len(sp.Add.make_args(expr)) < 1):
            continue
        tables = _table(terms, symbols, chosen)
        if gaps is None:
            want = _table([reference], symbols, chosen)
            gaps = [got[k][0] - w[0] for k, w in zip(rows, want, strict=True)]
        for j in range(len(terms)):
            column = [row[j] for row in tables]
            if any(v is None for v in column):
                continue
            if whose == "expected" and all(_same(g, -c) for g, c in zip(gaps, column, strict=True)):
                return ("A term is missing: your answer is the expected one without one of its "
                        "terms. Check that every term of the derivation made it to the end.")
            if whose == "expected" and all(_same(g, c) for g, c in zip(gaps, column, strict=True)):
                return ("A term is counted twice: your answer is the expected one with one of "
                        "its terms added again.")
            if whose == "yours" and all(_same(g, c) for g, c in zip(gaps, column, strict=True)):
                return ("Your answer has a term too many: without one of its terms it would be "
                        "right.")
    return None


# the boundaries where an approximation may be exact, for each kind of domain
_BOUNDARIES = {
    "positive": (("→ ∞", 1e12),), "nonnegative": (("→ ∞", 1e12),),
    "positive_integer": (("→ ∞", 10**9),), "probability": (("→ 0", 1e-12),),
    "real": (("→ ∞", 1e12), ("→ −∞", -1e12)),
}


def _limit(answer, reference, symbols, domains, point) -> str | None:
    """The answer agrees with the reference in a limit only: an approximation."""
    for symbol in symbols:
        domain = domains[symbol.name]
        for arrow, far in _BOUNDARIES.get(domain, ()) if isinstance(domain, str) else ():
            values = [far if s == symbol else point[s.name] for s in symbols]
            with mpmath.workdps(60):
                a = _value(_evaluator(answer, symbols), values)
                r = _value(_evaluator(reference, symbols), values)
            if a is None or r is None or abs(r) < 1e-40:
                continue
            if abs(a / r - 1) < 1e-6:
                return (f"Your answer agrees with the expected one only in the limit "
                        f"{symbol.name} {arrow}: it is an approximation, and the exact form "
                        "is asked.")
    return None
