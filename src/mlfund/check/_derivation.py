"""Checking a whole derivation line by line, as a careful grader would.

A chain is right when (see ``/docs/writing-an-exercise.md`` for the exercise's side):

1. every line can be read (an unreadable line is reported first, wherever it is);
2. the first line is the asked-for start: an unevaluated derivative, sum, integral,
   expectation or equation is evaluated for the comparison;
3. each line follows from the one before under the exercise's domains and constraints:
   - an expression B follows A when B is defined and equal to A wherever A is defined;
     besides fixed and random points, the closed ends of every domain and the points
     where one of B's denominators, logarithms or roots vanishes are tried;
   - an equation follows an equation (or an expression E, read as E = 0: "set it to zero")
     when both have the same solutions for the unknown in its domain, for every value of
     the other symbols; a line is false where it is undefined;
   - an approximation (≈) follows only to first order in a symbol the exercise declares
     small, and never otherwise;
4. the last line equals the reference and is written in the asked form: only the names
   the exercise allows, and for an equation chain solved for the unknown;
5. the chain has at least ``min_steps`` steps.

The first step that does not follow is named, with both lines as read and a point where
they differ; a catalogued mistake that matches that line gives its note. Every step runs
under a hard time limit, the whole chain under :data:`CHAIN_SECONDS`; nothing a learner
wrote is executed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from mlfund.check._limits import TimeLimitExceeded
from mlfund.check._lines import ChainNamespace, Reader, operator_functions
from mlfund.check._parse import Namespace, ParseError, parse_python

#: Seconds a whole chain may take to check; each step gets at most :data:`STEP_SECONDS`.
CHAIN_SECONDS = 2.8
STEP_SECONDS = 2.0
N_RANDOM = 8
MIN_VALID_POINTS = 4
DIGITS = 30
RTOL = 1e-15
#: Digits of a line with an integral (a quadrature), and how close two such lines must be.
INTEGRAL_DIGITS = 20
INTEGRAL_RTOL = 1e-12
#: The largest value a symbol that bounds a sum takes at a sample point (terms to expand).
MAX_COUNT = 3
#: Compiled lines and solved equations kept per exercise, across checks.
MAX_CACHED = 4000

EQUAL, DIFFERENT, UNDECIDED_STEP = "equal", "different", "undecided"

_OPERATORS = ("E", "Var", "Cov")


class ChainError(ValueError):
    """A line that was read but cannot be compared (an expectation of a nonlinear term)."""


# ---------------------------------------------------------------------------------------
# domains


@dataclass(frozen=True)
class Domain:
    """Where one symbol lives: a named domain, or an interval whose ends may be formulas."""

    word: str | None = None
    low: Any = None
    high: Any = None
    low_closed: bool = False
    high_closed: bool = False
    count: bool = False     # bounds a sum: small positive integers

    @property
    def names(self) -> set[str]:
        ends = [e for e in (self.low, self.high) if isinstance(e, sp.Basic)]
        return {s.name for e in ends for s in e.free_symbols}

    def assumptions(self) -> dict[str, bool]:
        if self.word is not None:
            return {"real": {"real": True}, "positive": {"positive": True},
                    "nonnegative": {"nonnegative": True}, "probability": {"positive": True},
                    "integer": {"integer": True},
                    "positive_integer": {"positive": True, "integer": True}}[self.word]
        if self.low.is_number and self.low >= 0:
            return {"positive": True} if (self.low > 0 or not self.low_closed) else \
                {"nonnegative": True}
        return {"real": True}

    def bounds(self, point: Mapping[str, Any]) -> tuple[float, float, bool, bool]:
        """``(low, high, low_closed, high_closed)`` at a point of the other symbols."""
        if self.word is not None:
            return {"real": (-math.inf, math.inf, False, False),
                    "positive": (0.0, math.inf, False, False),
                    "nonnegative": (0.0, math.inf, True, False),
                    "probability": (0.0, 1.0, False, False),
                    "integer": (-math.inf, math.inf, False, False),
                    "positive_integer": (1.0, math.inf, True, False)}[self.word]
        return (_end(self.low, point), _end(self.high, point), self.low_closed,
                self.high_closed)

    def contains(self, value: float, point: Mapping[str, Any]) -> bool:
        if not math.isfinite(float(value)):
            return False
        low, high, lc, hc = self.bounds(point)
        if self.word in ("integer", "positive_integer") and not float(value).is_integer():
            return False
        above = value > low or (lc and value == low)
        below = value < high or (hc and value == high)
        return above and below

    def fixed(self, point: Mapping[str, Any]) -> list[float]:
        from mlfund.check._equiv import _fixed

        if self.count:
            return [1, 2, 3]
        if self.word is not None:
            return list(_fixed(self.word))
        low, high, lc, hc = self.bounds(point)
        if not (math.isfinite(low) and low < high):
            return []
        if not math.isfinite(high):
            high = low + 4.0
            hc = False
        out = [low + (high - low) / 2, low + (high - low) / 4]
        if lc:
            out.insert(0, low)
        if hc:
            out.insert(1, high)
        return out

    def draw(self, rng: np.random.Generator, point: Mapping[str, Any]) -> float:
        from mlfund.check._equiv import _draw

        if self.count:
            return int(rng.integers(1, MAX_COUNT + 1))
        if self.word is not None:
            return _draw(self.word, rng)
        low, high, _, _ = self.bounds(point)
        if not math.isfinite(high):
            return float(low + rng.exponential(2.0))
        return float(rng.uniform(low, high))


def _end(end: Any, point: Mapping[str, Any]) -> float:
    if end is None:
        return math.nan
    if not isinstance(end, sp.Basic):
        return float(end)
    if end.is_infinite:
        return math.inf if end.is_positive else -math.inf
    try:
        return float(end.xreplace({s: sp.Float(point[s.name], DIGITS)
                                   for s in end.free_symbols}))
    except (KeyError, TypeError, ValueError):
        return math.nan


# ---------------------------------------------------------------------------------------
# the space of one exercise: its names, domains and readers


def _bound_symbol(letter: str) -> sp.Symbol:
    return sp.Symbol(letter, integer=True)


class Space:
    """How one derivation item's lines are read, evaluated and sampled."""

    def __init__(self, spec: Any) -> None:
        from mlfund.exercises._spec import INTERVAL

        d = spec.derivation
        self.spec = spec
        self.derivation = d
        self.families: dict[str, sp.IndexedBase] = {}
        self.domains: dict[str, Domain] = {}
        index_name, low_text, high_text = d.index
        counts = {high_text.strip(), low_text.strip()}
        plain = Namespace(symbols={n: sp.Symbol(n) for n in spec.symbols}, functions={})
        for name, domain in spec.symbols.items():
            if isinstance(domain, tuple):
                parsed = Domain(None, sp.nsimplify(domain[0]), sp.nsimplify(domain[1]))
            elif isinstance(domain, str) and INTERVAL.match(domain):
                opening, low, high, closing = INTERVAL.match(domain).groups()
                parsed = Domain(None, _read_end(low, plain), _read_end(high, plain),
                                opening == "[", closing == "]")
            else:
                parsed = Domain(domain, count=name in counts and domain == "positive_integer")
            self.domains[name] = parsed
        self.symbols: dict[str, sp.Symbol] = {}
        for name, domain in self.domains.items():
            if name in d.families:
                self.families[name] = sp.IndexedBase(name, **domain.assumptions())
            else:
                self.symbols[name] = sp.Symbol(name, **domain.assumptions())
        self.index = _bound_symbol(index_name)
        self.unknown = self.symbols.get(d.unknown) if d.unknown else None
        self.counts = [n for n in counts if n in self.symbols]
        self._ends = (low_text, high_text)
        self.random: dict[sp.Symbol, tuple[Any, Any]] = {}
        self.defined: dict[sp.Symbol, Any] = {}
        extra = {name: sp.Symbol(name, real=True) for name in (*d.random, *d.definitions)}
        self.ns = self._namespace(extra, display=False)
        self.display_ns = self._namespace(extra, display=True)
        reading = ChainNamespace({**self.symbols, **extra}, self.ns.functions, False,
                                 self.families, _bound_symbol)
        for name, (mean, variance) in d.random.items():
            self.random[extra[name]] = (parse_python(mean, reading),
                                        parse_python(variance, reading))
        for name, text in d.definitions.items():
            self.defined[extra[name]] = parse_python(text, reading)
        self.declared = {*self.symbols.values(), *extra.values(),
                         *(b.label for b in self.families.values())}
        operators = frozenset(_OPERATORS) if d.random else frozenset()
        equations = d.unknown is not None
        self.reader = Reader(self.ns, frozenset(d.families), operators, equations, self._check)
        self.display_reader = Reader(self.display_ns, frozenset(d.families), operators,
                                     equations, None)
        self.order = self._sampling_order()

    def _namespace(self, extra: Mapping[str, sp.Symbol], *, display: bool) -> ChainNamespace:
        spec = self.spec
        if display:
            functions = {name: sp.Function(name) for name in spec.functions}
        else:
            functions = {name: factory() for name, factory in spec.functions.items()}
        functions.update(operator_functions(self))
        if self.derivation.random:
            functions.update({name: sp.Function(name) for name in _OPERATORS})
        return ChainNamespace({**self.symbols, **extra}, functions, spec.exact, self.families,
                              _bound_symbol)

    def index_range(self, index: Any, low: Any, high: Any) -> tuple[Any, Any, Any]:
        """The limits of a sum, the exercise's own where the learner leaves them out."""
        if index is None:
            index = self.index
        if not isinstance(index, sp.Symbol) or index in self.declared:
            raise ParseError(f"{index} cannot be the index of a sum: use {self.index}.")
        reading = Namespace(symbols=self.symbols, functions={})
        if low is None:
            low = parse_python(self._ends[0], reading)
        if high is None:
            high = parse_python(self._ends[1], reading)
        return index, low, high

    def _check(self, value: Any) -> None:
        """Refuse a name that is neither declared nor bound by a sum or an integral."""
        loose = sorted(s.name for s in free_names(value) if s not in self.declared)
        if loose:
            name = loose[0]
            if name in self.families:
                raise ParseError(f"{name} is an indexed family here: write {name}_"
                                 f"{self.index} (or {name}[{self.index}]) inside a sum.")
            if name == self.index.name:
                raise ParseError(f"the index {name} is left free: is a Sum missing?")
            known = ", ".join(sorted([*self.symbols, *self.derivation.random,
                                      *self.derivation.definitions,
                                      *(f"{f}_{self.index}" for f in self.families)]))
            raise ParseError(f"unknown name {name!r}: this derivation can use {known}, "
                             f"{', '.join(sorted(self.spec.functions)) or 'no own functions'} "
                             "and the standard functions.")

    def cache(self, name: str) -> dict[Any, Any]:
        """A cache shared by every check of this exercise, emptied when it grows large."""
        caches = self.__dict__.setdefault("_caches", {})
        found = caches.setdefault(name, {})
        if len(found) > MAX_CACHED:
            found.clear()
        return found

    def _sampling_order(self) -> list[str]:
        order: list[str] = []
        pending = dict(self.domains)
        while pending:
            ready = [n for n, d in pending.items() if d.names <= set(order)]
            if not ready:
                raise ValueError(f"the domains of {sorted(pending)} refer to each other.")
            for name in sorted(ready):
                order.append(name)
                del pending[name]
        return order

    # -- the values a symbol may take ------------------------------------------------------

    def call(self, fn: Any) -> Any:
        """Call a reference or a mistake's form with the names it takes: the symbols, the
        families (as ``IndexedBase``) and the index."""
        import inspect

        names = {**self.symbols, **self.families, self.index.name: self.index}
        parameters = inspect.signature(fn).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            names = {k: v for k, v in names.items() if k in parameters}
        return fn(**names)

    @functools.cached_property
    def relations(self) -> list[Any]:
        from mlfund.check._region import parse_relation

        reading = Namespace(symbols={**self.symbols, **{n: b.label for n, b in
                                                        self.families.items()}}, functions={})
        return [parse_relation(text, reading) for text in self.spec.constraints]

    def _holds(self, point: Mapping[str, Any]) -> bool:
        for relation in self.relations:
            names = sorted(relation.names)
            if not all(n in point for n in names):
                continue
            try:
                gap = float(relation.difference.xreplace(
                    {s: sp.Float(point[s.name], DIGITS) for s in relation.difference.free_symbols}))
            except (TypeError, ValueError):
                return False
            if not relation.holds(gap):
                return False
        return True

    @functools.cached_property
    def points(self) -> list[dict[str, Any]]:
        """Fixed points (closed ends, zero, …) then random ones, each inside every domain."""
        from mlfund.check._equiv import seed_for

        rng = np.random.default_rng(seed_for(self.spec.id))
        points: list[dict[str, Any]] = []
        n_fixed = max((len(d.fixed({})) for d in self.domains.values()), default=1) or 1
        for i in range(n_fixed):
            point: dict[str, Any] = {}
            for j, name in enumerate(self.order):
                values = self.domains[name].fixed(point)
                if not values:
                    values = [self.domains[name].draw(rng, point)]
                point[name] = values[(i + j) % len(values)]
            self._fill_families(point, rng, fixed=i)
            if self._inside(point):
                points.append(point)
        accepted = tries = 0
        while accepted < N_RANDOM and tries < 40 * N_RANDOM:
            tries += 1
            point = {}
            for name in self.order:
                point[name] = self.domains[name].draw(rng, point)
            self._fill_families(point, rng)
            if self._inside(point):
                points.append(point)
                accepted += 1
        return points

    def _fill_families(self, point: dict[str, Any], rng: np.random.Generator,
                       fixed: int | None = None) -> None:
        for name in self.families:
            domain = self.domains[name]
            values = domain.fixed(point)
            for k in range(1, MAX_COUNT + 1):
                if fixed is not None and values:
                    value = values[(fixed + k) % len(values)]
                else:
                    value = domain.draw(rng, point)
                point[f"{name}[{k}]"] = value
            del point[name]

    def _inside(self, point: Mapping[str, Any]) -> bool:
        for name, domain in self.domains.items():
            if name in point and not domain.contains(point[name], point):
                return False
        return self._holds(point)


def _read_end(text: str, ns: Namespace) -> Any:
    text = text.strip()
    if text in ("oo", "inf", "infinity"):
        return sp.oo
    if text in ("-oo", "-inf", "-infinity"):
        return -sp.oo
    return parse_python(text, ns)


def free_names(expr: Any) -> set[Any]:
    """The symbols an expression depends on, leaving out sums' and integrals' variables;
    an indexed name counts as its family."""
    if isinstance(expr, sp.Indexed):
        return {expr.base.label} | set().union(*(free_names(i) for i in expr.indices))
    if isinstance(expr, (sp.Sum, sp.Integral)):
        inside = free_names(expr.function)
        for limit in expr.limits:
            inside.discard(limit[0])
            for end in limit[1:]:
                inside |= free_names(end)
        return inside
    if isinstance(expr, sp.Symbol):
        return {expr}
    if not isinstance(expr, sp.Basic):
        return set()
    found: set[Any] = set()
    for arg in expr.args:
        found |= free_names(arg)
    return found


# ---------------------------------------------------------------------------------------
# evaluating lines: definitions, derivatives, expectations


def evaluate(expr: Any, space: Space) -> Any:
    """The value a line stands for: definitions put in, derivatives taken, E and Var done."""
    for _ in range(5):
        if not any(s in space.defined for s in expr.free_symbols):
            break
        expr = expr.xreplace(space.defined)
    if expr.has(sp.Derivative) or (space.random and expr.has(*_applied_operators(space))):
        expr = _operate(expr, space)
    loose = [s.name for s in expr.free_symbols if s in space.random]
    if loose:
        raise ChainError(f"the random variable {loose[0]} is left outside E[...] or Var(...).")
    return expr


def _applied_operators(space: Space) -> tuple[Any, ...]:
    return tuple(space.ns.functions[name] for name in _OPERATORS)


def _operate(expr: Any, space: Space) -> Any:
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    args = [_operate(a, space) for a in expr.args]
    if isinstance(expr, sp.Derivative):
        return sp.diff(args[0], *expr.variable_count)
    name = type(expr).__name__
    if space.random and isinstance(expr, sp.core.function.AppliedUndef) and name in _OPERATORS:
        return _moment(name, args, space)
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


def _moment(name: str, args: list[Any], space: Space) -> Any:
    if name == "E" and len(args) == 1:
        return _expectation(args[0], space)
    if name == "Var" and len(args) == 1:
        _linear(args[0], space, "Var")
        return sp.expand(_expectation(args[0] ** 2, space) - _expectation(args[0], space) ** 2)
    if name == "Cov" and len(args) == 2:
        for arg in args:
            _linear(arg, space, "Cov")
        return sp.expand(_expectation(args[0] * args[1], space)
                         - _expectation(args[0], space) * _expectation(args[1], space))
    raise ChainError(f"{name}(...) takes {'two arguments' if name == 'Cov' else 'one argument'}.")


def _linear(expr: Any, space: Space, name: str) -> None:
    rvs = [s for s in space.random if s in expr.free_symbols]
    if rvs and sp.Poly(sp.expand(expr), *rvs).total_degree() > 1:
        raise ChainError(f"{name}(...) of a nonlinear function of {rvs[0]} cannot be "
                         "evaluated here: expand it with E[...] first.")


def _expectation(expr: Any, space: Space) -> Any:
    rvs = [s for s in space.random if s in expr.free_symbols]
    if not rvs:
        return expr
    try:
        poly = sp.Poly(sp.expand(expr), *rvs)
    except sp.PolynomialError:
        raise ChainError(f"E[...] of a nonlinear function of {rvs[0]} cannot be evaluated "
                         "here: only sums of products of the random variables and their "
                         "squares.") from None
    total = sp.Integer(0)
    for powers, coefficient in poly.terms():
        term = coefficient
        for rv, k in zip(rvs, powers, strict=True):
            mean, variance = space.random[rv]
            if k == 1:
                term *= mean
            elif k == 2:
                term *= variance + mean ** 2
            elif k > 2:
                raise ChainError(f"E[{rv}^{k}] needs a moment the exercise does not give.")
        total += term
    return total


# ---------------------------------------------------------------------------------------
# numbers at points


class Numbers:
    """Lines' values at the sample points, with 30 digits; sums unrolled per point."""

    def __init__(self, space: Space) -> None:
        self.space = space
        # kept with the space: the start, the reference and the usual lines come back
        self._compiled = space.cache("compiled")
        self._values = space.cache("values")

    def _key(self, expr: Any, point: Mapping[str, Any]) -> tuple[int, ...]:
        if not expr.has(sp.Sum):
            return ()
        return tuple(int(point[n]) for n in self.space.counts)

    def caller(self, expr: Any, point: Mapping[str, Any]) -> Any:
        """A function of a point (a mapping of names to values) that evaluates ``expr`` there
        with mpmath numbers. A sum is compiled once, its body evaluated term by term for
        the point's bound; a nested sum is written out for each bound instead."""
        found = self._compiled.get(("caller", expr))
        if found is None:
            found = _sum_caller(expr)
            self._compiled[("caller", expr)] = found
        if found is not False:
            return found
        names, fn, _ = self._compiled_at(expr, point)
        return lambda values: fn(*[values[n] for n in names])

    def _compiled_at(self, expr: Any, point: Mapping[str, Any]) -> Any:
        key = self._key(expr, point)
        found = self._compiled.get((expr, key))
        if found is None:
            found = self._compile(expr, key)
            self._compiled[(expr, key)] = found
        return found

    def _compile(self, expr: Any, key: tuple[int, ...]) -> Any:
        concrete = expr
        if key:
            concrete = concrete.xreplace({self.space.symbols[n]: sp.Integer(v)
                                          for n, v in zip(self.space.counts, key, strict=True)})
            concrete = _unroll(concrete)
        indexed = {a: sp.Symbol(f"{a.base.label.name}[{a.indices[0]}]")
                   for a in concrete.atoms(sp.Indexed)}
        if indexed:
            concrete = concrete.xreplace(indexed)
        names, fn = _lambdify(concrete)
        return names, fn, concrete

    def vectorised(self, expr: Any, point: Mapping[str, Any]) -> Any:
        """``(names, function)`` with numpy, to scan many values of one symbol at once."""
        key = ("numpy", expr, self._key(expr, point))
        found = self._compiled.get(key)
        if found is None:
            names, _, concrete = self._compiled_at(expr, point)
            symbols = sorted(concrete.free_symbols, key=lambda s: s.name)
            found = (names, sp.lambdify(symbols, concrete, modules="numpy"))
            self._compiled[key] = found
        return found

    def value(self, expr: Any, point: Mapping[str, Any]) -> complex | None:
        """The value at a point, or None where the line is undefined (or not real)."""
        out = self.exact(expr, point)
        return None if out is None else complex(out)

    def exact(self, expr: Any, point: Mapping[str, Any]) -> Any:
        """The value at a point with all its digits (an mpmath number), or None."""
        key = (expr, tuple(sorted(point.items())))
        if key in self._values:
            return self._values[key]
        out = self._evaluate(expr, point)
        self._values[key] = out
        return out

    def _evaluate(self, expr: Any, point: Mapping[str, Any]) -> Any:
        # an integral is a quadrature: 20 digits are plenty, and 30 would cost much more
        digits = INTEGRAL_DIGITS if expr.has(sp.Integral) else DIGITS
        try:
            fn = self.caller(expr, point)
            with mpmath.workdps(digits):
                out = mpmath.mpmathify(fn({n: _mp(v) for n, v in point.items()}))
                z = complex(out)
        except (TimeLimitExceeded, KeyboardInterrupt):
            raise
        except Exception:
            return None
        if not (math.isfinite(z.real) and math.isfinite(z.imag)):
            return None
        if abs(z.imag) > 1e-20 * max(1.0, abs(z.real)):
            return None
        return out.real if isinstance(out, mpmath.mpc) else out

    def values(self, expr: Any, points: Sequence[Mapping[str, Any]]) -> list[complex | None]:
        return [self.value(expr, p) for p in points]


def _lambdify(expr: Any) -> tuple[list[str], Any]:
    """``(names, function)`` of an expression, with mpmath (or evalf where it cannot)."""
    # the symbols as they are (assumptions and all): lambdify matches them by name
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    names = [s.name for s in symbols]
    try:
        fn = sp.lambdify(symbols, expr, modules="mpmath")
    except Exception:   # a function lambdify cannot print: evaluate with evalf
        def fn(*values: Any, _e=expr, _s=symbols) -> Any:
            return _e.evalf(DIGITS, subs=dict(zip(_s, values, strict=True)))
    return names, fn


def _sum_caller(expr: Any) -> Any:
    """A point function for ``expr`` whose sums loop over their compiled bodies, or False
    (a nested sum, several limits, an element other than x_i: written out instead)."""
    sums = list(expr.atoms(sp.Sum))
    if not sums:
        names, fn = _lambdify(expr)
        return lambda values: fn(*[values[n] for n in names])
    if any(len(s.limits) != 1 or s.function.has(sp.Sum) for s in sums):
        return False
    holders = {total: sp.Dummy(f"sum{k}") for k, total in enumerate(sums)}
    outer_names, outer = _lambdify(expr.xreplace(holders))
    parts = []
    for total in sums:
        index, low, high = total.limits[0]
        elements = {a: sp.Symbol(f"{a.base.label.name}[]")
                    for a in total.function.atoms(sp.Indexed)}
        if any(a.indices != (index,) for a in elements):
            return False
        body = total.function.xreplace(elements).xreplace({index: sp.Symbol("index[]")})
        parts.append((holders[total].name, _lambdify(body), _lambdify(low), _lambdify(high)))

    def evaluate(values: Mapping[str, Any]) -> Any:
        known = dict(values)
        for name, (body_names, body), (low_names, low), (high_names, high) in parts:
            first = low(*[values[n] for n in low_names])
            last = high(*[values[n] for n in high_names])
            if first != int(first) or last != int(last) or last - first > 12:
                raise ChainError("a sum's limits cannot be read as whole numbers here.")
            total = 0
            for k in range(int(first), int(last) + 1):
                total += body(*[k if n == "index[]" else values[n.replace("[]", f"[{k}]")]
                                if n.endswith("[]") else values[n] for n in body_names])
            known[name] = total
        return outer(*[known[n] for n in outer_names])

    return evaluate


def _mp(value: Any) -> Any:
    if isinstance(value, sp.Basic):
        return mpmath.mpf(sp.Float(value, DIGITS))
    return mpmath.mpf(value)


def _unroll(expr: Any) -> Any:
    """Sums with whole-number limits written out term by term."""
    def unroll(s: sp.Sum) -> Any:
        body = s.function
        for index, low, high in reversed(s.limits):
            if not (low.is_Integer and high.is_Integer) or high - low > 12:
                raise ChainError("a sum's limits cannot be read as whole numbers here.")
            body = sp.Add(*[body.xreplace({index: sp.Integer(k)})
                            for k in range(int(low), int(high) + 1)])
        return body

    if not expr.has(sp.Sum):
        return expr
    return expr.replace(lambda a: isinstance(a, sp.Sum), unroll)


def _close(a: complex, b: complex, rtol: float = RTOL) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-22


# ---------------------------------------------------------------------------------------
# comparing two lines


@dataclass(frozen=True)
class Step:
    """The outcome of comparing two lines."""

    decision: str
    point: dict[str, Any] | None = None
    detail: str = ""


def _shown_point(point: Mapping[str, Any], exprs: Sequence[Any], space: Space) -> str:
    names: set[str] = set()
    for expr in exprs:
        for s in free_names(expr):
            names.add(s.name)
    if space.unknown is not None:
        names.discard(space.unknown.name)
    parts = []
    for name in sorted(names):
        if name in space.families:
            n = int(point.get(space.counts[0], MAX_COUNT)) if space.counts else MAX_COUNT
            values = ", ".join(_num(point[f"{name}[{k}]"]) for k in range(1, n + 1))
            parts.append(f"{name} = ({values})")
        elif name in point:
            parts.append(f"{name} = {_num(point[name])}")
    return ", ".join(parts)


def _num(value: Any) -> str:
    if isinstance(value, complex):
        value = value.real
    value = float(value)
    return f"{int(value)}" if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"


def compare_values(first: Any, second: Any, numbers: Numbers, points: list[dict[str, Any]],
                   rtol: float = RTOL) -> Step:
    """``second`` follows from ``first``: defined and equal wherever ``first`` is defined."""
    if first.has(sp.Integral) or second.has(sp.Integral):
        rtol = max(rtol, INTEGRAL_RTOL)
    valid = 0
    for point in points:
        a = numbers.value(first, point)
        if a is None:
            continue
        valid += 1
        b = numbers.value(second, point)
        if b is None:
            return Step(DIFFERENT, point, "undefined")
        if not _close(a, b, rtol):
            return Step(DIFFERENT, point, f"{_num(a)} against {_num(b)}")
    if valid >= MIN_VALID_POINTS:
        return Step(EQUAL)
    try:
        if not first.has(sp.Sum, sp.Integral) and sp.simplify(first - second) == 0:
            return Step(EQUAL)
    except (TimeLimitExceeded, KeyboardInterrupt):
        raise
    except Exception:
        pass
    return Step(UNDECIDED_STEP, None, "too few points where the lines are defined")


def critical_points(first: Any, second: Any, space: Space,
                    base: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points where a denominator, a logarithm or a root of ``second`` vanishes.

    Each is found exactly for one symbol at a time, the others at a base point, and
    kept with exact values so that the line is truly undefined there.
    """
    found: list[dict[str, Any]] = []
    for g in _singular_parts(second)[:6]:
        if g.has(sp.Sum, sp.Integral, sp.Indexed):
            continue
        for symbol in sorted(g.free_symbols, key=lambda s: s.name)[:3]:
            name = symbol.name
            if name not in space.domains or name in space.families:
                continue
            for point in base[:2]:
                others = {s: sp.Rational(point[s.name]) for s in g.free_symbols
                          if s is not symbol and s.name in point}
                univariate = sp.together(g.xreplace(others))
                try:
                    numerator = sp.Poly(sp.numer(univariate), symbol)
                except sp.PolynomialError:
                    continue
                if numerator.degree() < 1 or numerator.degree() > 2:
                    continue
                for root in sp.roots(numerator, filter="R"):
                    if root.is_real and space.domains[name].contains(float(root), point):
                        found.append({**point, name: root})
    return found


def _singular_parts(expr: Any) -> list[Any]:
    parts: list[Any] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_number and (
                node.exp.is_negative or not node.exp.is_integer):
            parts.append(node.base)
        elif isinstance(node, sp.log):
            parts.append(node.args[0])
    seen: list[Any] = []
    for p in parts:
        if p not in seen and p.free_symbols:
            seen.append(p)
    return seen


def exact_definedness(first: Any, second: Any, points: list[dict[str, Any]]) -> Step:
    """At exact points: ``second`` must be defined (and equal) where ``first`` is."""
    for point in points:
        subs = {}
        for expr in (first, second):
            for s in expr.free_symbols:
                if s.name in point:
                    value = point[s.name]
                    subs[s] = value if isinstance(value, sp.Basic) else sp.Rational(value)
        a = _exact(first, subs)
        if a is None:
            continue
        b = _exact(second, subs)
        if b is None:
            shown = {k: (float(v) if isinstance(v, sp.Basic) else v) for k, v in point.items()}
            return Step(DIFFERENT, shown, "undefined")
    return Step(EQUAL)


def _exact(expr: Any, subs: Mapping[Any, Any]) -> complex | None:
    try:
        value = expr.xreplace(subs)
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
        z = complex(sp.N(value, DIGITS))
    except (TimeLimitExceeded, KeyboardInterrupt):
        raise
    except Exception:
        return None
    if not (math.isfinite(z.real) and abs(z.imag) <= 1e-20 * max(1.0, abs(z.real))):
        return None
    return z


def first_order(first: Any, second: Any, numbers: Numbers, points: list[dict[str, Any]],
                small: Sequence[str]) -> Step:
    """``second ≈ first`` to first order in the small symbols."""
    scale = mpmath.mpf("1e-12")
    checked = 0
    for point in points:
        near = {**point, **{name: scale for name in small}}
        a, b = numbers.value(first, near), numbers.value(second, near)
        if a is None:
            continue
        checked += 1
        if b is None or abs(a - b) > 1e-6 * float(scale) * max(1.0, abs(a), abs(b)):
            return Step(DIFFERENT, dict(point),
                        "not equal to first order in " + ", ".join(small))
    return Step(EQUAL) if checked else Step(UNDECIDED_STEP, None, "no point to compare at")
