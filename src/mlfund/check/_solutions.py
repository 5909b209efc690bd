"""Equations of a derivation: their solutions for the unknown, point by point.

Two equation lines say the same thing when, for every value of the other symbols, they
have the same solutions in the unknown's domain; a line is false where it is undefined.
At each sample point the solutions are the candidates that hold there: roots found once
as formulas (a polynomial numerator's, or sympy's ``solve`` within a short time) and
evaluated, or, where no formula comes, roots found on a grid denser near the domain's
ends and refined with 30 digits. An equation that holds at three inner values of the
unknown holds for all of them. Where two lines' solutions differ, each is completed with
the other's roots that solve it, so that a root one way missed is not taken for a
difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from mlfund.check._derivation import (
    DIFFERENT,
    DIGITS,
    EQUAL,
    UNDECIDED_STEP,
    Numbers,
    Space,
    Step,
    _close,
    _mp,
    _num,
)
from mlfund.check._limits import TimeLimitExceeded, time_limit

SOLVE_SECONDS = 0.5
GRID = 160
ALL = "all"




class Solver:
    """Solution sets of equation lines in the unknown's domain, point by point."""

    def __init__(self, space: Space, numbers: Numbers) -> None:
        self.space = space
        self.numbers = numbers
        self.u = space.unknown
        self._generic = space.cache("solutions")

    def generic(self, difference: Any) -> list[Any] | None:
        """The roots in the unknown as formulas of the other symbols, or None.

        A polynomial numerator gives its roots directly; otherwise sympy's ``solve`` gets
        a short time. Roots are candidates only: each is checked at every point.
        """
        if difference in self._generic:
            return self._generic[difference]
        result = None
        if not difference.has(sp.Sum, sp.Integral, sp.Indexed):
            u = sp.Dummy("u")
            plain = difference.xreplace({self.u: u})
            try:
                with time_limit(SOLVE_SECONDS):
                    result = _polynomial_roots(plain, u)
                    if result is None and not _kinked(plain, u):
                        found = sp.solve(plain, u, check=False, simplify=False)
                        if isinstance(found, list) and len(found) < 9 and all(
                                isinstance(r, sp.Basic) and u not in r.free_symbols
                                and not r.has(sp.Piecewise) for r in found):
                            result = found
            except (TimeLimitExceeded, NotImplementedError, ValueError, TypeError,
                    ZeroDivisionError, sp.PolynomialError, AttributeError, RecursionError):
                result = None
        self._generic[difference] = result
        return result

    def sets(self, pairs: list[tuple[Any, Any]], points: list[dict[str, Any]]) -> list[Any]:
        generics = [self.generic(lhs - rhs) for lhs, rhs in pairs]
        return [self._at(pairs, generics, point) for point in points]

    def reconcile(self, first: tuple[list[Any], Any], second: tuple[list[Any], Any],
                  point: dict[str, Any]) -> tuple[Any, Any]:
        """Each line's solutions, completed with the other's that also solve it: a root
        one way of finding missed (too close to an end of the domain) is not lost."""
        (pairs_a, found_a), (pairs_b, found_b) = first, second
        if ALL in (found_a, found_b) or found_a is None or found_b is None:
            return found_a, found_b
        domain = self.space.domains[self.u.name]

        def extend(pairs: list[Any], found: Any, other: Any) -> Any:
            kept = list(found)
            for value in other:
                if any(_close(complex(value), complex(k), 1e-12) for k in kept):
                    continue
                if domain.contains(float(value), point) and \
                        self._holds(pairs, {**point, self.u.name: value}):
                    kept.append(value)
            return tuple(sorted(kept))

        return extend(pairs_a, found_a, found_b), extend(pairs_b, found_b, found_a)

    def _holds(self, pairs: list[tuple[Any, Any]], point: dict[str, Any]) -> bool:
        for lhs, rhs in pairs:
            a, b = self.numbers.value(lhs, point), self.numbers.value(rhs, point)
            if a is not None and b is not None and \
                    abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-16:
                return True
        return False

    def _at(self, pairs: list[tuple[Any, Any]], generics: list[Any], point: dict[str, Any]
            ) -> Any:
        domain = self.space.domains[self.u.name]
        low, high, _, _ = domain.bounds(point)
        inside = _interior(low, high)
        if all(self._holds(pairs, {**point, self.u.name: t}) for t in inside):
            return ALL
        candidates: list[Any] = []
        for (lhs, rhs), generic in zip(pairs, generics, strict=True):
            if generic is not None:
                for root in generic:
                    value = self.numbers.exact(root, point)
                    if value is not None:
                        candidates.append(value)
            else:
                scanned = self._scan(lhs - rhs, point, low, high)
                if scanned is None:
                    return None
                candidates.extend(scanned)
        kept: list[Any] = []
        for value in candidates:
            if not domain.contains(float(value), point):
                continue
            if not self._holds(pairs, {**point, self.u.name: value}):
                continue
            if not any(_close(complex(value), complex(k), 1e-12) for k in kept):
                kept.append(value)
        return tuple(sorted(kept))

    def _scan(self, difference: Any, point: dict[str, Any], low: float, high: float
              ) -> list[Any] | None:
        """Roots of one equation at a point, found on a grid and refined (no generic form)."""
        names, fast = self.numbers.vectorised(difference, point)
        grid = _grid(low, high)
        name = self.u.name
        try:
            with np.errstate(all="ignore"):
                raw = fast(*[grid if n == name else float(point[n]) for n in names])
            values = np.broadcast_to(np.asarray(raw, dtype=complex), grid.shape)
        except (TimeLimitExceeded, KeyboardInterrupt):
            raise
        except Exception:
            return None
        real = np.where(np.isfinite(values) & (np.abs(values.imag) <= 1e-12 *
                        np.maximum(1, np.abs(values.real))), values.real, np.nan)
        if np.isfinite(real).sum() < len(grid) // 4:
            return None
        roots: list[Any] = []
        precise = self.numbers.caller(difference, point)
        values_at = {n: _mp(v) for n, v in point.items()}

        def f(t: Any) -> Any:
            return precise({**values_at, name: t})

        for k in range(len(grid) - 1):
            v0, v1 = real[k], real[k + 1]
            if not (np.isfinite(v0) and np.isfinite(v1)):
                continue
            if v0 == 0:
                roots.append(mpmath.mpf(grid[k]))
            elif (v0 < 0) != (v1 < 0):
                try:
                    with mpmath.workdps(DIGITS):
                        roots.append(mpmath.findroot(
                            f, (mpmath.mpf(grid[k]), mpmath.mpf(grid[k + 1])),
                            solver="anderson"))
                except (TimeLimitExceeded, KeyboardInterrupt):
                    raise
                except Exception:
                    continue
        return roots


def _polynomial_roots(expr: Any, u: Any) -> list[Any] | None:
    numerator = sp.numer(sp.together(expr))
    try:
        poly = sp.Poly(numerator, u)
    except sp.PolynomialError:
        return None
    if poly.degree() < 1 or poly.degree() > 4 or any(
            c.has(u) for c in poly.all_coeffs()):
        return None
    if poly.degree() > 2:
        roots = sp.roots(poly, multiple=True)
        return roots if len(roots) == poly.degree() else None
    coefficients = poly.all_coeffs()
    if poly.degree() == 1:
        return [-coefficients[1] / coefficients[0]]
    a, b, c = coefficients
    root = sp.sqrt(b ** 2 - 4 * a * c)
    return [(-b - root) / (2 * a), (-b + root) / (2 * a)]


def _kinked(expr: Any, u: Any) -> bool:
    """Abs, Max, Min or sign of the unknown: sympy's solve is slow there, scanning is not."""
    return any(node.has(u) for node in sp.preorder_traversal(expr)
               if isinstance(node, (sp.Abs, sp.Max, sp.Min, sp.sign, sp.Piecewise)))


def _interior(low: float, high: float) -> list[float]:
    if math.isfinite(low) and math.isfinite(high):
        return [low + (high - low) * f for f in (0.213, 0.537, 0.871)]
    if math.isfinite(low):
        return [low + 0.317, low + 1.29, low + 3.71]
    if math.isfinite(high):
        return [high - 0.317, high - 1.29, high - 3.71]
    return [-1.37, 0.291, 2.13]


def _grid(low: float, high: float) -> np.ndarray:
    """Points inside the unknown's domain, denser near its ends (where roots hide)."""
    ts = (1 - np.cos(np.pi * (np.arange(GRID) + 0.5) / GRID)) / 2
    if math.isfinite(low) and math.isfinite(high):
        return low + (high - low) * ts
    if math.isfinite(low):
        return low + ts / (1 - ts) * 4
    if math.isfinite(high):
        return high - ts / (1 - ts) * 4
    return np.tan(np.pi * (ts - 0.5)) * 4


def compare_sets(first: list[Any], second: list[Any], points: list[dict[str, Any]],
                 reconcile: Any = None) -> Step:
    """Both lines have the same solutions at every point (``reconcile(i)`` completes the
    two sets at point ``i`` where they differ)."""
    decided = 0
    for i, (point, a, b) in enumerate(zip(points, first, second, strict=True)):
        if a is None or b is None:
            continue
        decided += 1
        if not _same_set(a, b) and reconcile is not None:
            a, b = reconcile(i)
            first[i], second[i] = a, b
        if not _same_set(a, b):
            return Step(DIFFERENT, point, "sets")
    return Step(EQUAL) if decided >= min(3, len(points)) else Step(
        UNDECIDED_STEP, None, "the solutions could not be found at enough points")


def _same_set(a: Any, b: Any) -> bool:
    if a == ALL or b == ALL:
        return a == b
    return len(a) == len(b) and all(_close(complex(x), complex(y), 1e-10)
                                    for x, y in zip(a, b, strict=True))


def describe_set(found: Any, space: Space, point: Mapping[str, Any]) -> str:
    u = space.unknown.name
    low, high, lc, hc = space.domains[u].bounds(point)
    where = f"{'[' if lc else '('}{_num(low) if math.isfinite(low) else '-∞'}, " \
            f"{_num(high) if math.isfinite(high) else '∞'}{']' if hc else ')'}"
    if found is None:
        return "solutions that could not be found"
    if found == ALL:
        return f"every {u} in {where} as a solution"
    if not found:
        return f"no solution for {u} in {where}"
    values = " and ".join(f"{u} = {_num(v)}" for v in found)
    return f"the solution{'s' if len(found) > 1 else ''} {values}"
