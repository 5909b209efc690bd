"""The verdict on a whole derivation: which line breaks the chain, why, and the credit.

``score_derivation(spec, captured)`` is what :func:`mlfund.check.score` calls for a
``derivation`` item. Its feedback names the first line that does not follow from the one
before, shows both as read and a point where they differ, and gives the catalogued
mistake's note when that line matches one. Credit follows the exercise's
:class:`~mlfund.exercises.Derivation`: 1 for a valid chain from the start to the answer in
the asked form; ``broken_credit`` for the right answer reached through a broken step;
``progress_credit`` in proportion to the model chain's steps for valid steps that stop
short. Unreadable lines come first (rule 7 of the conventions), then the start, the
steps, the end and its form, and the number of steps.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from mlfund.check._derivation import (
    CHAIN_SECONDS,
    DIFFERENT,
    EQUAL,
    STEP_SECONDS,
    UNDECIDED_STEP,
    ChainError,
    Numbers,
    Space,
    Step,
    _shown_point,
    compare_values,
    critical_points,
    evaluate,
    exact_definedness,
    first_order,
)
from mlfund.check._limits import TimeLimitExceeded, time_limit
from mlfund.check._lines import APPROX, MAX_LINES, Line, LineError
from mlfund.check._result import CORRECT, INCORRECT, INVALID, UNDECIDED, CheckResult
from mlfund.check._solutions import Solver, compare_sets, describe_set

NO_ANSWER = "No answer yet: replace the placeholder with your derivation and run the cell again."
#: Names a last line may always use besides the exercise's own: constants and roots.
ALWAYS = {"pi", "sqrt"}

_SPACES: dict[str, tuple[Any, Space]] = {}


def space_of(spec: Any) -> Space:
    """The reading and sampling space of a spec, built once per spec object."""
    cached = _SPACES.get(spec.id)
    if cached is not None and cached[0] is spec:
        return cached[1]
    space = Space(spec)
    _SPACES[spec.id] = (spec, space)
    return space


@dataclass
class _Read:
    """A line as read twice: to compute with, and as written (for the echo and the form)."""

    line: Line
    shown: Line
    value: Any = None     # evaluated: (expr,) or ((lhs, rhs), ...)


def _result(spec: Any, verdict: str, score: float, feedback: str, *, mistake: str | None = None,
            interpreted: str | None = None) -> CheckResult:
    return CheckResult(verdict=verdict, score=float(min(max(score, 0.0), 1.0)),
                       feedback=feedback, mistake=mistake, interpreted=interpreted,
                       exercise=spec.id, points=float(spec.points))


def _decode(items: list[Any], space: Space, display: bool) -> list[Any]:
    from mlfund.check._tree import from_tree

    ns = space.display_ns if display else space.ns
    out: list[Any] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise LineError("the captured derivation is malformed.")
        if item.get("type") == "text" and isinstance(item.get("text"), str):
            out.append(item["text"])
        elif item.get("type") == "sympy":
            try:
                out.append(from_tree(item["tree"], dict(ns.symbols), dict(ns.functions),
                                     exact=space.spec.exact))
            except ValueError as exc:
                raise LineError(f"cannot read line {len(out) + 1}: {exc}") from None
        else:
            raise LineError("the captured derivation is malformed.")
    return out


def read_chain(space: Space, items: list[Any]) -> list[_Read]:
    lines = space.reader.lines(_decode(items, space, display=False))
    try:
        shown = space.display_reader.lines(_decode(items, space, display=True))
    except LineError:
        shown = lines
    if len(shown) != len(lines):
        shown = lines
    return [_Read(line, echo) for line, echo in zip(lines, shown, strict=True)]


def _evaluated(line: Line, space: Space) -> Any:
    if line.equation:
        return tuple((evaluate(lhs, space), evaluate(rhs, space)) for lhs, rhs in line.sides)
    return (evaluate(line.sides[0], space),)


# ---------------------------------------------------------------------------------------


class _Checker:
    """One chain's comparisons, sharing points, compiled lines and solution sets."""

    def __init__(self, spec: Any, space: Space, deadline: float) -> None:
        self.spec = spec
        self.space = space
        self.d = spec.derivation
        self.deadline = deadline
        self.numbers = Numbers(space)
        self.solver = Solver(space, self.numbers) if space.unknown is not None else None
        self.points = space.points
        self._sets: dict[int, list[Any]] = {}

    def left(self) -> float:
        return self.deadline - time.process_time()

    def timed(self, work) -> Step:
        seconds = min(STEP_SECONDS, self.left())
        if seconds < 0.05:
            return Step(UNDECIDED_STEP, None, "the check ran out of time")
        try:
            with time_limit(seconds):
                return work()
        except TimeLimitExceeded:
            return Step(UNDECIDED_STEP, None, "the comparison ran out of time")
        except (ChainError, ValueError, TypeError, ZeroDivisionError, ArithmeticError,
                AttributeError, RecursionError) as exc:
            return Step(UNDECIDED_STEP, None, f"the lines could not be compared ({exc})")

    def sets(self, key: Any, value: Any, equation: bool) -> list[Any]:
        found = self._sets.get(key)
        if found is None:
            found = self.solver.sets(_pairs(value, equation), self.points)
            self._sets[key] = found
        return found

    def follows(self, first: Any, first_eq: bool, second: Any, second_eq: bool, *,
                keys: tuple[Any, Any], approx: bool = False, as_zero: bool = False) -> Step:
        """Does ``second`` follow from ``first``? Values are as :func:`_evaluated` gives."""
        if approx:
            if not self.d.small:
                return Step(DIFFERENT, None, "approximation")
            if first_eq or second_eq:
                return Step(DIFFERENT, None, "approximate equation")
            return self.timed(lambda: first_order(first[0], second[0], self.numbers,
                                                  self.points, self.d.small))
        if self.solver is None or (not first_eq and not second_eq):
            if first_eq or second_eq:
                return Step(DIFFERENT, None, "equation")
            return self.timed(lambda: self._values_follow(first[0], second[0]))
        if first_eq and not second_eq and not as_zero:
            return Step(DIFFERENT, None, "expression after equation")
        return self.timed(lambda: self._sets_follow(first, first_eq, second, second_eq, keys))

    def _sets_follow(self, first: Any, first_eq: bool, second: Any, second_eq: bool,
                     keys: tuple[Any, Any]) -> Step:
        a = self.sets(keys[0], first, first_eq)
        b = self.sets(keys[1], second, second_eq)
        pairs_a, pairs_b = _pairs(first, first_eq), _pairs(second, second_eq)

        def reconcile(i: int) -> tuple[Any, Any]:
            return self.solver.reconcile((pairs_a, a[i]), (pairs_b, b[i]), self.points[i])

        return compare_sets(a, b, self.points, reconcile)

    def _values_follow(self, first: Any, second: Any) -> Step:
        step = compare_values(first, second, self.numbers, self.points)
        if step.decision != EQUAL:
            return step
        return exact_definedness(first, second,
                                 critical_points(first, second, self.space, self.points[-N_BASE:]))


N_BASE = 4


def _pairs(value: Any, equation: bool) -> list[tuple[Any, Any]]:
    return list(value) if equation else [(value[0], sp.Integer(0))]


def _label(read: _Read) -> str:
    return read.line.label


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Feedback:
    def __init__(self, checker: _Checker) -> None:
        self.c = checker
        self.space = checker.space

    def why(self, step: Step, first: tuple[str, Any, Any, bool], second: tuple[str, Any, Any, bool]
            ) -> str:
        """Why ``second`` does not follow ``first``: each is (label, key, value, equation)."""
        name1, _, value1, _ = first
        name2, _, value2, _ = second
        exprs = [e for v in (value1, value2) for e in _flat(v)]
        where = _shown_point(step.point, exprs, self.space) if step.point else ""
        at = f"At {where}" if where else "Here"
        if step.detail == "approximation":
            return (f"{_cap(name2)} is an approximation (≈): this derivation asks for "
                    "equalities, and an approximation breaks the chain.")
        if step.detail == "approximate equation":
            return f"{_cap(name2)} approximates an equation: only expressions may be approximated."
        if step.detail.startswith("not equal to first order"):
            return f"{at}, {name2} is not {name1} to first order in {', '.join(self.c.d.small)}."
        if step.detail == "equation":
            return f"{_cap(name2)} is an equation, but this derivation is a chain of expressions."
        if step.detail == "expression after equation":
            return (f"{_cap(name2)} is an expression, but {name1} is an equation: keep "
                    "writing equations (or write the expression = 0).")
        if step.detail == "undefined":
            return (f"{at}, {name2} is undefined where {name1} is defined (a division by "
                    "zero, or the log or root of a negative number, inside the domain).")
        if step.detail == "sets":
            found1 = self._set_at(first[1], value1, first[3], step.point)
            found2 = self._set_at(second[1], value2, second[3], step.point)
            return (f"{at}, {name1} has {describe_set(found1, self.space, step.point)} but "
                    f"{name2} has {describe_set(found2, self.space, step.point)}.")
        text = f"{at} they differ: {step.detail}."
        hint = self._factor(value1, value2, name1, name2)
        return f"{text} {hint}".strip()

    def _set_at(self, key: Any, value: Any, equation: bool, point: Any) -> Any:
        return self.c.sets(key, value, equation)[self.c.points.index(point)]

    def _factor(self, value1: Any, value2: Any, name1: str, name2: str) -> str:
        """A sign error or a lost constant factor, when the two lines differ by one."""
        if len(value1) != 1 or len(value2) != 1 or isinstance(value1[0], tuple):
            return ""
        ratios, gaps = [], []
        for point in self.c.points:
            a = self.c.numbers.value(value1[0], point)
            b = self.c.numbers.value(value2[0], point)
            if a is None or b is None:
                continue
            gaps.append(b - a)
            if abs(a) > 1e-12:
                ratios.append(b / a)
        if len(ratios) >= 3 and all(abs(r - ratios[0]) < 1e-9 * max(1, abs(ratios[0]))
                                    for r in ratios):
            r = ratios[0].real
            if abs(r + 1) < 1e-9:
                return f"{_cap(name2)} is {name1} with the opposite sign: a sign error."
            shown = sp.nsimplify(r, tolerance=1e-9, rational=True)
            return f"{_cap(name2)} is {shown} times {name1}: a constant factor went astray."
        if len(gaps) >= 3 and all(abs(g - gaps[0]) < 1e-9 * max(1, abs(gaps[0])) for g in gaps):
            shown = sp.nsimplify(gaps[0].real, tolerance=1e-9, rational=True)
            return f"{_cap(name2)} is {name1} plus the constant {shown}."
        return ""


def _flat(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if isinstance(item, tuple):
            out.extend(item)
        else:
            out.append(item)
    return out


# ---------------------------------------------------------------------------------------


def _start(space: Space) -> tuple[Line, Any]:
    cached = getattr(space, "_start", None)
    if cached is None:
        lines = space.reader.lines([space.derivation.start])
        if len(lines) != 1:
            raise ValueError(f"the start of {space.spec.id} must be one line.")
        cached = (lines[0], _evaluated(lines[0], space))
        space._start = cached
    return cached


def _reference(space: Space) -> tuple[bool, Any]:
    cached = getattr(space, "_reference", None)
    if cached is None:
        value = space.call(space.spec.reference)
        if space.unknown is not None:
            solutions = value if isinstance(value, (list, tuple)) else [value]
            cached = (True, tuple((space.unknown, sp.sympify(s)) for s in solutions))
        else:
            cached = (False, (sp.sympify(value),))
        space._reference = cached
    return cached


def _mistake_value(space: Space, mistake: Any) -> tuple[bool, Any] | None:
    cache = space.__dict__.setdefault("_mistakes", {})
    if mistake.note in cache:
        return cache[mistake.note]
    found = None
    try:
        if callable(mistake.form):
            value = space.call(mistake.form)
            if space.unknown is not None:
                solutions = value if isinstance(value, (list, tuple)) else [value]
                found = (True, tuple((space.unknown, sp.sympify(s)) for s in solutions))
            else:
                found = (False, (sp.sympify(value),))
        elif isinstance(mistake.form, str):
            line = space.reader.lines([mistake.form])[-1]
            found = (line.equation, _evaluated(line, space))
    except (LineError, ChainError, ValueError, TypeError):
        found = None
    cache[mistake.note] = found
    return found


def _match(checker: _Checker, read: _Read, key: Any) -> Any:
    """The catalogued mistake that a broken line's value matches, if any.

    Expressions match by value. An equation matches first as the same equation up to a
    factor, then (a second pass, so that the closer match wins) by its solutions.
    """
    space = checker.space
    line_eq = read.line.equation
    candidates = []
    for mistake in checker.spec.mistakes:
        wrong = _mistake_value(space, mistake)
        if wrong is not None:
            candidates.append((mistake, *wrong))
    for mistake, wrong_eq, wrong_value in candidates:
        if checker.left() < 0.1:
            return None
        if not wrong_eq and not line_eq:
            step = checker.timed(lambda w=wrong_value: compare_values(
                w[0], read.value[0], checker.numbers, checker.points))
            if step.decision == EQUAL:
                return mistake
        elif checker.solver is not None and checker.timed(
                lambda w=wrong_value, weq=wrong_eq: Step(EQUAL) if _proportional(
                    checker, w, weq, read.value, line_eq) else Step(DIFFERENT)
        ).decision == EQUAL:
            return mistake
    if checker.solver is None:
        return None
    for mistake, wrong_eq, wrong_value in candidates:
        if checker.left() < 0.1 or (not wrong_eq and not line_eq):
            continue

        def same(w=wrong_value, weq=wrong_eq, n=mistake.note) -> Step:
            a = checker.sets(("mistake", n), w, weq)
            b = checker.sets(key, read.value, line_eq)
            if not any(s not in (None, ()) for s in a):
                return Step(DIFFERENT)
            return compare_sets(list(a), list(b), checker.points)

        if checker.timed(same).decision == EQUAL:
            return mistake
    return None


def _proportional(checker: _Checker, first: Any, first_eq: bool, second: Any,
                  second_eq: bool) -> bool:
    """Two one-alternative equations whose sides differ by the same factor everywhere
    (``a = b`` and ``2a - 2b = 0``): the same equation, even where neither has a solution."""
    def difference(value: Any, equation: bool) -> Any:
        if equation:
            return value[0][0] - value[0][1] if len(value) == 1 else None
        return value[0]

    a, b = difference(first, first_eq), difference(second, second_eq)
    if a is None or b is None:
        return False
    ratios = []
    for point in checker.points:
        x, y = checker.numbers.value(a, point), checker.numbers.value(b, point)
        if x is None or y is None or abs(x) < 1e-12:
            continue
        ratios.append(y / x)
    return len(ratios) >= 4 and abs(ratios[0]) > 1e-12 and all(
        abs(r - ratios[0]) <= 1e-9 * abs(ratios[0]) for r in ratios)


def _form_problems(space: Space, read: _Read) -> list[str]:
    """What keeps the last line (as written) from the asked form."""
    d = space.derivation
    problems: list[str] = []
    allowed = set(d.form) | ALWAYS | ({d.unknown} if d.unknown else set())
    used = set()
    for expr in _flat(read.shown.sides):
        used |= _names(expr)
    extra = sorted(used - allowed)
    if extra:
        problems.append("it still uses " + ", ".join(extra))
    if d.unknown:
        u = space.unknown
        if not read.shown.equation:
            problems.append(f"it is not an equation {d.unknown} = …")
        else:
            for lhs, rhs in read.shown.sides:
                solved = (lhs == u and u not in rhs.free_symbols) or (
                    rhs == u and u not in lhs.free_symbols)
                if not solved:
                    problems.append(f"it is not solved for {d.unknown} ({d.unknown} alone on "
                                    f"one side, and nowhere on the other)")
                    break
    return problems


_NAMES = {"Derivative": "diff", "Sum": "Sum", "Integral": "Integral",
          "KroneckerDelta": "KroneckerDelta", "Abs": "abs"}


def _names(expr: Any) -> set[str]:
    from mlfund.check._derivation import free_names

    names = {s.name for s in free_names(expr) if not (s.is_integer and len(s.name) == 1
                                                      and s.name not in ("n", "k"))}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.core.function.AppliedUndef):
            names.add(type(node).__name__)
        elif isinstance(node, (sp.Derivative, sp.Sum, sp.Integral, sp.KroneckerDelta)):
            names.add(_NAMES[type(node).__name__])
        elif isinstance(node, sp.Function):
            names.add(_NAMES.get(type(node).__name__, type(node).__name__))
        elif node is sp.E:
            names.add("exp")
    return names


def _interpreted(reads: list[_Read]) -> str:
    text = "; ".join(f"({k}) {r.shown.shown()}" for k, r in enumerate(reads, 1))
    return text if len(text) <= 1500 else text[:1497] + "…"


def _incorrect(spec: Any, score: float, feedback: str, *, mistake: Any = None,
               interpreted: str | None = None) -> CheckResult:
    d = spec.derivation
    text = feedback
    if mistake is not None:
        text = f"{text} {mistake.feedback}"
    elif spec.hint:
        text = f"{text} Hint: {spec.hint}"
    if d.hints:
        text += f' Stuck? hint("{spec.id}") shows a first step.'
    return _result(spec, INCORRECT, max(score, mistake.credit if mistake else 0.0), text,
                   mistake=mistake.note if mistake else None, interpreted=interpreted)


def score_derivation(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    """Score a captured chain (``{"type": "derivation", "lines": [...]}``) for ``spec``."""
    deadline = time.process_time() + CHAIN_SECONDS
    if captured.get("type") != "derivation":
        return _result(spec, INVALID, 0.0, "A derivation is expected: a list of lines, or one "
                                            "string with a line for each step.")
    items = captured.get("lines")
    if not isinstance(items, list) or not items:
        return _result(spec, INVALID, 0.0, NO_ANSWER)
    if len(items) > MAX_LINES:
        return _result(spec, INVALID, 0.0, f"Cannot read this derivation: at most {MAX_LINES} "
                                            "lines.")
    space = space_of(spec)
    try:
        with time_limit(max(0.1, deadline - time.process_time())):
            reads = read_chain(space, items)
    except LineError as exc:
        return _result(spec, INVALID, 0.0, f"Cannot read this derivation: {exc}")
    except TimeLimitExceeded:
        return _result(spec, INVALID, 0.0, "Cannot read this derivation: reading it took too "
                                            "long.")
    for read in reads:
        try:
            with time_limit(max(0.1, min(STEP_SECONDS, deadline - time.process_time()))):
                read.value = _evaluated(read.line, space)
        except (ChainError, ValueError, TypeError) as exc:
            return _result(spec, INVALID, 0.0, f"Cannot check {read.line.label}: {exc}",
                           interpreted=_interpreted(reads))
        except TimeLimitExceeded:
            return _result(spec, UNDECIDED, 0.0, f"Could not evaluate {read.line.label} in "
                                                  "time; split it into smaller steps.",
                           interpreted=_interpreted(reads))
    verdict = _Verdict(spec, space, reads, deadline)
    verdict.last_is_sympy = isinstance(items[-1], Mapping) and items[-1].get("type") == "sympy"
    return verdict.decide()


class _Verdict:
    def __init__(self, spec: Any, space: Space, reads: list[_Read], deadline: float) -> None:
        self.spec = spec
        self.d = spec.derivation
        self.space = space
        self.reads = reads
        self.checker = _Checker(spec, space, deadline)
        self.feedback = _Feedback(self.checker)
        self.interpreted = _interpreted(reads)
        self.steps_total = len(self.d.chain) - 1
        self.last_is_sympy = False

    def progress(self, valid: int) -> float:
        return self.d.progress_credit * min(valid, self.steps_total) / self.steps_total

    def decide(self) -> CheckResult:
        reads, space, c = self.reads, self.space, self.checker
        start_line, start_value = _start(space)
        first = reads[0]
        step = c.follows(start_value, start_line.equation, first.value, first.line.equation,
                         keys=("start", 0), as_zero=True)
        if step.decision == DIFFERENT:
            why = self.feedback.why(step, ("the start", "start", start_value,
                                           start_line.equation),
                                    (first.line.label, 0, first.value, first.line.equation))
            text = (f"{_cap(first.line.label)} is not the asked-for start, {start_line.shown()}"
                    f" (an unevaluated start is evaluated for the comparison). {why}")
            return _incorrect(self.spec, 0.0, text, mistake=_match(c, first, 0),
                              interpreted=self.interpreted)
        if step.decision == UNDECIDED_STEP:
            return self._undecided(first, None, step, 0)
        broken: tuple[int, Step] | None = None
        uses_approx = False
        for k in range(1, len(reads)):
            before, line = reads[k - 1], reads[k]
            approx = line.line.mark == APPROX
            uses_approx = uses_approx or approx
            step = c.follows(before.value, before.line.equation, line.value, line.line.equation,
                             keys=(k - 1, k), approx=approx)
            if step.decision == UNDECIDED_STEP:
                return self._undecided(line, before, step, k - 1)
            if step.decision == DIFFERENT:
                broken = (k, step)
                break
        end_step, problems = self._end(uses_approx)
        end_right = end_step.decision == EQUAL and not problems
        if broken is not None:
            return self._broken(broken, end_right)
        valid = len(reads) - 1
        if end_step.decision == UNDECIDED_STEP:
            return self._undecided(reads[-1], None, end_step, valid)
        if end_step.decision == DIFFERENT:
            return _incorrect(self.spec, self.progress(valid),
                              f"Every step follows, but the last line is not the answer "
                              f"asked for. {self._where(end_step, reads[-1])}",
                              interpreted=self.interpreted)
        if problems:
            text = (f"Every step follows, but the last line is not yet in the asked form "
                    f"({self.d.form_phrase}): {'; '.join(problems)}.")
            if self.last_is_sympy and self.spec.functions:
                text += (" A sympy line is read as its value, where a function such as "
                         f"{sorted(self.spec.functions)[0]} is already written out: give "
                         "this line as a string to keep it as you wrote it.")
            return _incorrect(self.spec, self.progress(valid), text,
                              interpreted=self.interpreted)
        if valid < self.d.min_steps:
            return _incorrect(self.spec, self.progress(valid),
                              f"Right, but show your working: this derivation asks for at "
                              f"least {self.d.min_steps} steps from the start to the answer, "
                              f"one line each.", interpreted=self.interpreted)
        return _result(self.spec, CORRECT, 1.0,
                       f"Correct: each of the {valid} steps follows from the line before, from "
                       f"the start to the answer {self.d.form_phrase}.",
                       interpreted=self.interpreted)

    def _end(self, approx: bool) -> tuple[Step, list[str]]:
        c, last = self.checker, self.reads[-1]
        ref_eq, ref_value = _reference(self.space)
        if approx and self.d.small and not ref_eq and not last.line.equation:
            step = c.timed(lambda: first_order(ref_value[0], last.value[0], c.numbers,
                                               c.points, self.d.small))
        else:
            step = c.follows(ref_value, ref_eq, last.value, last.line.equation,
                             keys=("reference", len(self.reads) - 1))
        return step, _form_problems(self.space, last)

    def _where(self, step: Step, read: _Read) -> str:
        if step.point is None:
            return ""
        if step.detail == "sets":
            found = self.checker.sets(len(self.reads) - 1, read.value, read.line.equation)
            value = found[self.checker.points.index(step.point)]
            where = _shown_point(step.point, _flat(read.value), self.space)
            return f"At {where} it has {describe_set(value, self.space, step.point)}."
        where = _shown_point(step.point, _flat(read.value), self.space)
        return f"At {where} it has a different value." if where else ""

    def _broken(self, broken: tuple[int, Step], end_right: bool) -> CheckResult:
        k, step = broken
        before, line = self.reads[k - 1], self.reads[k]
        why = self.feedback.why(step, (before.line.label, k - 1, before.value,
                                       before.line.equation),
                                (line.line.label, k, line.value, line.line.equation))
        text = (f"{_cap(line.line.label)} does not follow from {before.line.label}. "
                f"{_cap(before.line.label)} reads {before.shown.shown()}; "
                f"{line.line.label} reads {line.shown.shown()}. {why}")
        if end_right:
            text += (f" Your last line is the right answer, but a chain through a step that "
                     f"does not follow earns {self.d.broken_credit:g} of the marks.")
            score = self.d.broken_credit
        else:
            score = self.progress(k - 1)
        mistake = _match(self.checker, line, k)
        return _incorrect(self.spec, score, text, mistake=mistake, interpreted=self.interpreted)

    def _undecided(self, line: _Read, before: _Read | None, step: Step, valid: int
                   ) -> CheckResult:
        what = f"whether {line.line.label} follows from {before.line.label}" if before else \
            f"whether {line.line.label} is the asked-for start" if valid == 0 and before is None \
            and line is self.reads[0] else f"whether {line.line.label} is the answer"
        return _result(self.spec, UNDECIDED, self.progress(valid),
                       f"Could not decide {what} ({step.detail}); try a smaller step.",
                       interpreted=self.interpreted)
