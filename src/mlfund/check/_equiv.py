"""Deciding whether two expressions are the same function of their symbols.

Two stages, as WeBWorK, PrairieLearn and STACK do it:

1. *symbolic*: a cheap exact test (``expand``/``cancel`` of the difference), under a hard
   time limit;
2. *numeric*: both sides evaluated with 30 significant digits at random points drawn from
   each symbol's domain (probabilities in (0, 1), variances > 0, …) plus fixed points.
   Agreement to 1e-20 relative at every point counts as equal; a difference anywhere is a
   difference, which is also how a form equal "to within a tiny term" (``+ 1e-12``) is
   rejected.

When too few points can be evaluated (the reference is undefined at most of them) a full
``simplify`` gets what is left of the time limit; if it cannot settle the question either
the outcome is "undecided", which is its own verdict and never a silent pass.
"""

from __future__ import annotations

import functools
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from mlfund.check._limits import TimeLimitExceeded, time_limit
from mlfund.check._region import Region

EQUAL = "equal"
DIFFERENT = "different"
UNDECIDED = "undecided"

#: How an outcome says the answer has no value where the reference has one.
UNDEFINED_HERE = "undefined where the reference has a value"

N_RANDOM_POINTS = 10
MIN_VALID_POINTS = 4
DIGITS = 30
RTOL = 1e-20

_FIXED_POINTS = {
    "real": (0.0, 1.0, -1.0, 0.5, 2.0),
    "positive": (1.0, 0.5, 2.0),
    "nonnegative": (0.0, 1.0, 2.5),
    "probability": (0.5, 0.1, 0.9),
    "integer": (0, 1, -1, 3),
    "positive_integer": (1, 2, 7),
}


def make_symbol(name: str, domain: Any = "real") -> sp.Symbol:
    """A sympy Symbol whose assumptions follow the domain."""
    if isinstance(domain, tuple):
        low = domain[0]
        return sp.Symbol(name, positive=True) if low >= 0 else sp.Symbol(name, real=True)
    assumptions = {
        "real": {"real": True},
        "positive": {"positive": True},
        "nonnegative": {"nonnegative": True},
        "probability": {"positive": True},
        "integer": {"integer": True},
        "positive_integer": {"positive": True, "integer": True},
    }
    if domain not in assumptions:
        allowed = ", ".join(repr(d) for d in assumptions)
        raise ValueError(
            f"domain ({domain!r}) of {name!r} must be one of {allowed} or (low, high).")
    return sp.Symbol(name, **assumptions[domain])


def _draw(domain: Any, rng: np.random.Generator) -> float:
    if isinstance(domain, tuple):
        low, high = domain
        return float(rng.uniform(low, high))
    if domain == "real":
        return float(rng.uniform(-3, 3))
    if domain == "positive":
        return float(rng.uniform(0.1, 5))
    if domain == "nonnegative":
        return float(rng.uniform(0, 5))
    if domain == "probability":
        return float(rng.uniform(0.02, 0.98))
    if domain == "integer":
        return int(rng.integers(-12, 13))
    return int(rng.integers(1, 40))  # positive_integer


def _fixed(domain: Any) -> tuple[float, ...]:
    if isinstance(domain, tuple):
        low, high = domain
        return (low + (high - low) / 2, low + (high - low) / 4)
    return _FIXED_POINTS[domain]


def sample_points(domains: Mapping[str, Any], *, seed: int, n_random: int = N_RANDOM_POINTS
                  ) -> list[dict[str, float]]:
    """Fixed points first (each symbol at its domain's fixed values), then random ones."""
    names = sorted(domains)
    rng = np.random.default_rng(seed)
    points = []
    n_fixed = max((len(_fixed(domains[n])) for n in names), default=0)
    for i in range(n_fixed):
        # shift the fixed values across symbols so that x and y are not always equal
        points.append({n: _fixed(domains[n])[(i + j) % len(_fixed(domains[n]))]
                       for j, n in enumerate(names)})
    for _ in range(n_random):
        points.append({n: _draw(domains[n], rng) for n in names})
    return points or [{}]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an equivalence test: equal, different or undecided, and how."""

    decision: str
    how: str
    point: dict[str, float] | None = None


def _as_elements(expr: Any) -> list[sp.Expr]:
    if isinstance(expr, sp.MatrixBase):
        return list(expr)
    return [expr]


def _shape(expr: Any) -> tuple[int, int] | None:
    return tuple(expr.shape) if isinstance(expr, sp.MatrixBase) else None


#: Terms a Sum may have at one point; beyond that the point is left out.
MAX_SUM_TERMS = 100_000


def _sum_range(low: Any, high: Any):
    """The indices of a Sum between numeric limits, as mpf (1/k must not become a float)."""
    if low != int(low) or high != int(high) or int(high) - int(low) > MAX_SUM_TERMS:
        raise ValueError("a sum's limits must be integers, and not too far apart")
    return (mpmath.mpf(k) for k in range(int(low), int(high)))


def _evaluator(expr: sp.Expr, symbols: list[sp.Symbol]):
    """A function of the symbols' values giving ``expr`` with 30 digits (lambdify, cached:
    a reference and its mistakes are evaluated for every answer to their item)."""
    try:
        return _cached_evaluator(expr, tuple(symbols))
    except TypeError:   # unhashable: build it afresh
        return _make_evaluator(expr, list(symbols))


@functools.lru_cache(maxsize=1024)
def _cached_evaluator(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]):
    return _make_evaluator(expr, list(symbols))


def _make_evaluator(expr: sp.Expr, symbols: list[sp.Symbol]):
    try:
        fn = sp.lambdify(symbols, expr, modules="mpmath")
        if expr.has(sp.Sum):
            # lambdify writes a Sum as a loop over range(low, high + 1), in a namespace of
            # this function's own
            fn.__globals__["range"] = _sum_range
        # flush out unsupported functions early (an integer symbol may be a Sum's limit)
        fn(*[mpmath.mpf(2 if s.is_integer else "0.3") for s in symbols])
        return lambda values: fn(*values)
    except Exception:
        def slow(values):
            # an integer symbol gets an Integer: a Sum's limit must not be 7.0
            subs = {s: sp.Integer(int(v)) if s.is_integer and v == int(v) else sp.Float(v, DIGITS)
                    for s, v in zip(symbols, values, strict=True)}
            if expr.has(sp.Sum):   # summed term by term once its limits are numbers
                return expr.xreplace(subs).doit().evalf(DIGITS)
            return expr.evalf(DIGITS, subs=subs)
        return slow


def _value(fn, values) -> complex | None:
    try:
        with mpmath.workdps(DIGITS):
            out = fn([mpmath.mpf(v) for v in values])
            z = complex(out)
    except (TimeLimitExceeded, KeyboardInterrupt):
        raise
    except Exception:
        return None
    if not (np.isfinite(z.real) and np.isfinite(z.imag)):
        return None
    return z


def _close(a: complex, b: complex, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(abs(b), abs(a), 1e-300) + 1e-25


def equivalent(answer: Any, reference: Any, domains: Mapping[str, Any], *, seed: int = 0,
               seconds: float = 2.0, rtol: float = RTOL, region: Region | None = None
               ) -> Outcome:
    """Decide whether ``answer`` equals ``reference`` as a function of the symbols.

    Both are sympy expressions (or matrices of the same shape) built with symbols named in
    ``domains``. With a ``region`` (the question's relations: w ≠ 0, a simplex, an
    ordering) the numbers are compared only at points inside it. Never raises for learner
    input except :class:`TimeLimitExceeded` is turned into an "undecided" outcome.
    """
    if _shape(answer) != _shape(reference):
        shape = _shape(answer) or "a scalar"
        want = _shape(reference) or "a scalar"
        return Outcome(DIFFERENT, f"the answer is {shape} but {want} is expected")
    try:
        with time_limit(seconds):
            return _equivalent(answer, reference, domains, seed=seed, rtol=rtol, region=region)
    except TimeLimitExceeded:
        return Outcome(UNDECIDED, "the comparison ran out of time")
    except RecursionError:
        return Outcome(UNDECIDED, "the expression is too deeply nested to compare")


def points_for(symbols: list[sp.Symbol], domains: Mapping[str, Any], region: Region | None,
               *, seed: int) -> list[dict[str, Any]]:
    """The points two expressions in ``symbols`` are compared at."""
    if region:
        return region.sample([s.name for s in symbols], seed=seed, n_random=N_RANDOM_POINTS)
    return sample_points({s.name: domains[s.name] for s in symbols}, seed=seed)


def _equivalent(answer: Any, reference: Any, domains: Mapping[str, Any], *, seed: int,
                rtol: float, region: Region | None) -> Outcome:
    pairs = list(zip(_as_elements(answer), _as_elements(reference), strict=True))
    pairs = [(_evaluate_sums(a), b) for a, b in pairs]
    # stage 1: cheap exact test
    try:
        if all(sp.expand(a - b) == 0 for a, b in pairs):
            return Outcome(EQUAL, "symbolically")
    except (TimeLimitExceeded, KeyboardInterrupt):
        raise
    except Exception:
        pass
    # stage 2: numbers, with many digits
    symbols = sorted({s for a, b in pairs for s in (a.free_symbols | b.free_symbols)},
                     key=lambda s: s.name)
    unknown = [s.name for s in symbols if s.name not in domains]
    if unknown:
        return Outcome(DIFFERENT, f"unknown symbol(s) {', '.join(unknown)}")
    points = points_for(symbols, domains, region, seed=seed)
    valid_points = 0
    fns = [(_evaluator(a, symbols), _evaluator(b, symbols)) for a, b in pairs]
    for point in points:
        values = [point[s.name] for s in symbols]
        ok_here = True
        for fa, fb in fns:
            ref = _value(fb, values)
            if ref is None or abs(ref.imag) > 1e-20 * max(1.0, abs(ref.real)):
                ok_here = False
                break
            got = _value(fa, values)
            if got is None or not _close(got, ref, rtol):
                shown = {k: v if isinstance(v, int) else float(v) for k, v in point.items()}
                return Outcome(DIFFERENT, UNDEFINED_HERE if got is None else "numerically",
                               shown)
        valid_points += ok_here
    if valid_points >= MIN_VALID_POINTS:
        return Outcome(EQUAL, f"numerically, at {valid_points} points")
    # too few points to judge: last resort, full simplification
    try:
        if all(sp.simplify(a - b) == 0 for a, b in pairs):
            return Outcome(EQUAL, "symbolically (simplify)")
    except (TimeLimitExceeded, KeyboardInterrupt):
        raise
    except Exception:
        pass
    return Outcome(UNDECIDED, "too few points where both sides are defined")


#: Seconds sympy may spend summing a Sum in closed form; beyond that it is summed
#: term by term at each point.
SUM_SECONDS = 0.3


def _evaluate_sums(expr: Any) -> Any:
    """A Sum as sympy evaluates it (a geometric series becomes a Piecewise), if it can."""
    if not (isinstance(expr, sp.Basic) and expr.has(sp.Sum)):
        return expr
    return _closed_form(expr)


@functools.lru_cache(maxsize=64)
def _closed_form(expr: sp.Basic) -> sp.Basic:
    started = time.process_time()
    try:
        with time_limit(SUM_SECONDS):
            return expr.doit()
    except TimeLimitExceeded:
        if time.process_time() - started < SUM_SECONDS * 0.9:
            raise   # the caller's limit, not this one
        return expr
    except KeyboardInterrupt:
        raise
    except Exception:
        return expr   # left as a Sum, summed term by term at each point


def seed_for(text: str) -> int:
    """A stable seed from an exercise id, so a verdict is the same on every machine."""
    return zlib.crc32(text.encode())
