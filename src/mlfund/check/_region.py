"""Where a question lives: each symbol's domain and the relations the question states.

An exercise can say more than "w is real": that w ≠ 0 (an excluded point), that softmax
outputs sum to 1 (a simplex), that λ_min < λ_max (an ordering), that a variance is
positive. Answers are compared only at points where all of it holds, so a form that is
right under the question's own conditions (``lam*w/Abs(w)`` for w ≠ 0, ``-(p2 + p3)`` for
p1 − 1 on the simplex) is right, and feedback never cites a point the question excludes.

A relation is written in Python syntax with one comparison: ``"w != 0"``,
``"p1 + p2 + p3 == 1"``, ``"lam_min < lam_max"``, ``"cov**2 < var_x*var_y"``. Points are
drawn by rejection; an equality is kept by solving it for one of its symbols (the first
one written that it determines uniquely) and computing that symbol from the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

#: Comparison operators a relation may use, longest first (so "<=" is not read as "<").
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_SPLIT = re.compile(r"(==|!=|<=|>=|<|>)")
#: How close to an excluded point (or to equality, for a strict ordering) is too close.
MARGIN = 1e-9
#: Draws tried for each random point before giving up on it.
TRIES_PER_POINT = 40
#: Digits of a symbol computed from an equality (as many as the comparison uses).
DIGITS = 30


@dataclass(frozen=True, slots=True)
class Relation:
    """One condition of a question: ``lhs op rhs``, kept as ``lhs - rhs`` and ``op``."""

    text: str
    difference: sp.Expr
    op: str

    @property
    def names(self) -> frozenset[str]:
        return frozenset(s.name for s in self.difference.free_symbols)

    def holds(self, gap: float) -> bool:
        """Whether the relation holds where ``lhs - rhs`` is ``gap``."""
        if not math.isfinite(gap):
            return False
        if self.op == "==":
            return abs(gap) <= 1e-9
        if self.op == "!=":
            return abs(gap) > MARGIN
        if self.op == "<":
            return gap < -MARGIN
        if self.op == "<=":
            return gap <= 0
        if self.op == ">":
            return gap > MARGIN
        return gap >= 0


def split_relation(text: str) -> tuple[str, str, str]:
    """``"a < b"`` as ``("a", "<", "b")``; ValueError unless there is exactly one comparison."""
    if not isinstance(text, str):
        raise ValueError(f"a relation must be a string, not {type(text).__name__}.")
    parts = _SPLIT.split(text)
    if len(parts) != 3 or not parts[0].strip() or not parts[2].strip():
        allowed = ", ".join(OPERATORS)
        raise ValueError(f"relation ({text!r}) must compare two sides with one of {allowed}, "
                         "as in 'w != 0' or 'lam_min < lam_max'.")
    return parts[0].strip(), parts[1], parts[2].strip()


def parse_relation(text: str, ns: Any) -> Relation:
    """Read one relation with the exercise's namespace (its symbols and functions)."""
    from mlfund.check._parse import parse_python

    left, op, right = split_relation(text)
    return Relation(text, parse_python(left, ns) - parse_python(right, ns), op)


def in_domain(value: float, domain: Any) -> bool:
    """Whether a value lies in a symbol's domain (as :func:`make_symbol` names them)."""
    if not math.isfinite(value):
        return False
    if isinstance(domain, tuple):
        return domain[0] < value < domain[1]
    integral = float(value).is_integer()
    return {
        "real": True,
        "positive": value > 0,
        "nonnegative": value >= 0,
        "probability": 0 < value < 1,
        "integer": integral,
        "positive_integer": integral and value >= 1,
    }[domain]


def involved(names: Iterable[str], relations: Sequence[Relation]) -> set[str]:
    """The names, and every name a relation ties to them (transitively)."""
    found = set(names)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if relation.names & found and not relation.names <= found:
                found |= relation.names
                changed = True
    return found


class Region:
    """The points a question's answers are compared at: domains and relations together."""

    def __init__(self, domains: Mapping[str, Any], relations: Sequence[Relation] = ()) -> None:
        self.domains = dict(domains)
        self.relations = tuple(relations)
        self._solved: dict[str, Any] = {}   # name -> function of the other names
        self._order: list[str] = []         # the solved names, in the order to compute them
        self._checks: list[tuple[Relation, Any, tuple[str, ...]]] = []
        for relation in self.relations:
            unknown = relation.names - set(self.domains)
            if unknown:
                raise ValueError(f"relation {relation.text!r} names {', '.join(sorted(unknown))}, "
                                 "which the exercise does not declare.")
            if relation.op == "==":
                self._solve(relation)
            names = tuple(sorted(relation.names))
            fn = sp.lambdify([sp.Symbol(n) for n in names],
                             relation.difference.xreplace(_plain(relation.difference)), "math")
            self._checks.append((relation, fn, names))

    def _solve(self, relation: Relation) -> None:
        symbols = sorted(relation.difference.free_symbols,
                         key=lambda s: (relation.text.find(s.name), s.name))
        for symbol in symbols:
            if symbol.name in self._solved:
                continue
            try:
                solutions = sp.solve(relation.difference, symbol)
            except NotImplementedError:
                continue
            if len(solutions) != 1:
                continue
            solution = solutions[0]
            needs = sorted(s.name for s in solution.free_symbols)
            # computed with many digits: the point must satisfy the equality to the
            # precision the answers are compared with, not only to a double's
            fn = sp.lambdify([sp.Symbol(n) for n in needs],
                             solution.xreplace(_plain(solution)), "mpmath")
            self._solved[symbol.name] = (fn, tuple(needs))
            self._order.append(symbol.name)
            return
        raise ValueError(f"relation {relation.text!r} cannot be solved for one of its symbols.")

    def __bool__(self) -> bool:
        return bool(self.relations)

    def contains(self, point: Mapping[str, float]) -> bool:
        """Whether every domain and relation that ``point`` gives values for holds there."""
        for name, value in point.items():
            if name in self.domains and not in_domain(float(value), self.domains[name]):
                return False
        for relation, fn, names in self._checks:
            if not all(n in point for n in names):
                continue
            try:
                gap = float(fn(*[float(point[n]) for n in names]))
            except (ArithmeticError, ValueError, TypeError):
                return False
            if not relation.holds(gap):
                return False
        return True

    def _complete(self, point: dict[str, float], solved: Sequence[str]) -> dict[str, float] | None:
        for name in solved:
            fn, needs = self._solved[name]
            try:
                with mpmath.workdps(DIGITS):
                    value = fn(*[mpmath.mpf(point[n]) for n in needs])
                    if not isinstance(value, mpmath.mpf):
                        value = mpmath.mpf(value)
            except (ArithmeticError, ValueError, TypeError, KeyError):
                return None
            if self.domains[name] in ("integer", "positive_integer") and abs(
                    value - round(value)) < 1e-9:
                value = int(round(value))
            point[name] = value
        return point if self.contains(point) else None

    def sample(self, names: Iterable[str], *, seed: int, n_random: int) -> list[dict[str, float]]:
        """Fixed points, then random ones, that satisfy every domain and relation.

        Each point gives a value to ``names`` and to every name a relation ties to them.
        """
        from mlfund.check._equiv import _draw, _fixed

        wanted = involved(names, self.relations)
        solved = [n for n in self._order if n in wanted]
        free = sorted(wanted - set(solved))
        points: list[dict[str, float]] = []
        n_fixed = max((len(_fixed(self.domains[n])) for n in free), default=0)
        for i in range(n_fixed):
            # shift the fixed values across symbols so that x and y are not always equal
            point = {n: _fixed(self.domains[n])[(i + j) % len(_fixed(self.domains[n]))]
                     for j, n in enumerate(free)}
            done = self._complete(point, solved)
            if done is not None:
                points.append(done)
        rng = np.random.default_rng(seed)
        accepted = tries = 0
        while accepted < n_random and tries < n_random * TRIES_PER_POINT:
            tries += 1
            done = self._complete({n: _draw(self.domains[n], rng) for n in free}, solved)
            if done is not None:
                points.append(done)
                accepted += 1
        return points


def _plain(expr: sp.Expr) -> dict[sp.Symbol, sp.Symbol]:
    """Symbols without assumptions, so that lambdify's arguments match them by name."""
    return {s: sp.Symbol(s.name) for s in expr.free_symbols}
