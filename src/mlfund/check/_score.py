"""Scoring captured answers against the exercise catalogue: the one function that grades.

``score(spec, captured)`` is called by the learner's ``check(...)`` in a notebook and by the
trusted step of the autograder on the same plain data, so both give the same verdict. It
never raises on a learner's input, never prints, and never shows the reference answer.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from mlfund.check._result import CORRECT, INCORRECT, INVALID, UNDECIDED, CheckResult

#: Seconds one scoring may take at most; comparisons stop when it is spent.
CHECK_SECONDS = 2.8

NO_ANSWER = "No answer yet: replace the placeholder with your answer and run the cell again."


def _result(spec: Any, verdict: str, score: float, feedback: str, *, mistake: str | None = None,
            interpreted: str | None = None) -> CheckResult:
    return CheckResult(verdict=verdict, score=float(score), feedback=feedback, mistake=mistake,
                       interpreted=interpreted, exercise=spec.id, points=float(spec.points))


def _incorrect(spec: Any, feedback: str, interpreted: str | None = None) -> CheckResult:
    text = feedback
    if spec.hint:
        text = f"{feedback} Hint: {spec.hint}".strip()
    return _result(spec, INCORRECT, 0.0, text, interpreted=interpreted)


def _mistake_result(spec: Any, mistake: Any, interpreted: str | None = None) -> CheckResult:
    return _result(spec, INCORRECT, mistake.credit, mistake.feedback, mistake=mistake.note,
                   interpreted=interpreted)


def score(spec: Any, captured: Mapping[str, Any] | None) -> CheckResult:
    """Score captured data (see :func:`mlfund.check.capture`) for the exercise ``spec``."""
    try:
        if not isinstance(captured, Mapping) or not isinstance(captured.get("type"), str):
            return _result(spec, INVALID, 0.0, "The captured answer is malformed.")
        if captured["type"] == "missing":
            return _result(spec, INVALID, 0.0, NO_ANSWER)
        if captured["type"] == "error":
            return _result(spec, INVALID, 0.0, str(captured.get("message", "invalid answer"))[:500])
        scorer = _SCORERS[spec.kind]
        return scorer(spec, captured)
    except RecursionError:
        return _result(spec, INVALID, 0.0, "The answer is nested too deeply to check.")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        return _result(spec, INVALID, 0.0,
                       f"The captured answer is malformed ({type(exc).__name__}).")


# ---------------------------------------------------------------------------------------
# expressions


def namespace(spec: Any, *, for_display: bool = False):
    """The symbols and functions an exercise's formulas are read with."""
    import sympy as sp

    from mlfund.check._equiv import make_symbol
    from mlfund.check._parse import Namespace

    symbols = {name: make_symbol(name, domain) for name, domain in spec.symbols.items()}
    if for_display:
        functions = {name: sp.Function(name) for name in spec.functions}
    else:
        functions = {name: factory() for name, factory in spec.functions.items()}
    return Namespace(symbols=symbols, functions=functions, exact=spec.exact)


def region(spec: Any) -> Any:
    """Where the exercise's answers are compared: its domains and stated relations."""
    return _region(spec.id, tuple(spec.constraints), tuple(spec.symbols.items()))


@functools.lru_cache(maxsize=256)
def _region(exercise_id: str, constraints: tuple[str, ...], symbols: tuple) -> Any:  # noqa: ARG001
    from mlfund.check._equiv import make_symbol
    from mlfund.check._parse import Namespace
    from mlfund.check._region import Region, parse_relation

    ns = Namespace(symbols={n: make_symbol(n, d) for n, d in symbols}, functions={})
    return Region(dict(symbols), [parse_relation(text, ns) for text in constraints])


#: Expressions of references and catalogued mistakes already built, by exercise: building
#: one can take a sympy simplify, and every answer to the item needs the same ones.
_BUILT: dict[tuple[Any, ...], Any] = {}
MAX_BUILT = 2048


def _built(spec: Any, ns: Any, what: str, build: Any) -> Any:
    import sympy as sp

    display = any(isinstance(f, sp.core.function.UndefinedFunction)
                  for f in ns.functions.values())
    # the spec object itself is part of the key: an edited catalogue builds afresh
    key = (id(spec), spec.id, display, what)
    if key not in _BUILT:
        if len(_BUILT) >= MAX_BUILT:
            _BUILT.clear()
        _BUILT[key] = (spec, build())   # the spec is kept, so its id is not reused
    return _BUILT[key][1]


def reference_expression(spec: Any, ns: Any) -> Any:
    return _built(spec, ns, "", lambda: spec.reference(**ns.symbols))


def read_expression(spec: Any, captured: Mapping[str, Any]) -> tuple[Any, str | None]:
    """The answer as a sympy expression, and how it was read (for the echo).

    Raises ``ParseError`` or ``TreeError`` (both ValueError) with the learner's message.
    """
    import sympy as sp

    from mlfund.check._parse import parse_formula
    from mlfund.check._tree import from_tree

    ns = namespace(spec)
    kind = captured["type"]
    if kind == "text":
        text = captured["text"]
        expr = parse_formula(text, ns)
        try:
            shown = sp.sstr(parse_formula(text, namespace(spec, for_display=True)))
        except ValueError:
            shown = sp.sstr(expr)
        return expr, shown
    if kind == "sympy":
        expr = from_tree(captured["tree"], dict(ns.symbols), dict(ns.functions), exact=spec.exact)
        return expr, None
    if kind == "number":
        value = float(captured["value"])
        if not math.isfinite(value):
            raise ValueError("the answer is not a finite number.")
        if value == int(value) and abs(value) < 1e15:
            return sp.Integer(int(value)), None
        if spec.exact:
            from mlfund.check._parse import exact_decimal

            return exact_decimal(repr(value), spec.symbols), None
        return sp.Float(value), None
    if kind == "list":
        items = captured["items"]
        if not isinstance(items, list) or not 0 < len(items) <= 50:
            raise ValueError("the list of expressions is malformed.")
        parts = [read_expression(spec, item) for item in items]
        if any(isinstance(e, sp.MatrixBase) for e, _ in parts):
            raise ValueError("a list entry cannot itself be a matrix.")
        shown_items = [s if s is not None else sp.sstr(e) for e, s in parts]
        return sp.Matrix([e for e, _ in parts]), "[" + ", ".join(shown_items) + "]"
    raise ValueError(f"a formula is expected, not {kind} data.")


def _score_expression(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    import sympy as sp

    from mlfund.check._equiv import DIFFERENT, EQUAL, equivalent, seed_for

    try:
        answer, shown = read_expression(spec, captured)
    except (ValueError, TypeError) as exc:
        return _result(spec, INVALID, 0.0, f"Cannot read this answer: {exc}")
    ns = namespace(spec)
    reference = reference_expression(spec, ns)
    if _is_single_entry(answer) and not isinstance(reference, sp.MatrixBase):
        # sympy's solve answers with a list: [k/n] is the solution k/n
        answer = answer[0]
        shown = shown[1:-1] if shown and shown.startswith("[") else shown
    # one budget for the whole check, whatever the answer: the reference first, then as
    # many catalogued mistakes as the time left allows
    deadline = time.process_time() + CHECK_SECONDS
    inside = region(spec)
    outcome = equivalent(answer, reference, spec.symbols, seed=seed_for(spec.id),
                         seconds=2.0, region=inside)
    if outcome.decision == EQUAL:
        return _result(spec, CORRECT, 1.0, "Correct.", interpreted=shown)
    for mistake in spec.mistakes:
        left = deadline - time.process_time()
        if left < 0.05:
            break
        if mistake.form is None:
            continue
        wrong = _mistake_expression(spec, mistake, ns)
        if equivalent(answer, wrong, spec.symbols, seed=seed_for(spec.id),
                      seconds=min(1.0, left), region=inside).decision == EQUAL:
            return _mistake_result(spec, mistake, shown)
    if outcome.decision == DIFFERENT and outcome.how.startswith("the answer is"):
        return _incorrect(spec, f"Wrong shape: {outcome.how}.", shown)
    if outcome.decision == DIFFERENT:
        return _incorrect(spec, _how_it_differs(spec, answer, reference, outcome, inside,
                                                deadline - time.process_time()), shown)
    return _result(spec, UNDECIDED, 0.0,
                   f"Could not decide whether this is right ({outcome.how}); try a simpler "
                   "equivalent form.", interpreted=shown)


def _how_it_differs(spec: Any, answer: Any, reference: Any, outcome: Any, inside: Any,
                    left: float) -> str:
    from mlfund.check._differ import describe_difference
    from mlfund.check._equiv import UNDEFINED_HERE, seed_for

    values = ", ".join(f"{k} = {v:g}" for k, v in sorted((outcome.point or {}).items()))
    if outcome.how == UNDEFINED_HERE and values:
        return (f"Your answer is undefined at {values}, where the expected expression has a "
                "value: look for a division by zero, or a log or a square root of a negative "
                "number.")
    story = None
    if left > 0.05:
        story = describe_difference(answer, reference, spec.symbols, seed=seed_for(spec.id),
                                    region=inside, seconds=min(0.4, left))
    if story is not None:
        return f"Not equal to the expected expression. {story}"
    where = f" (it gives a different value at {values})" if values else ""
    return f"Not equal to the expected expression{where}."


def _is_single_entry(value: Any) -> bool:
    import sympy as sp

    return isinstance(value, sp.MatrixBase) and value.shape == (1, 1)


def _mistake_expression(spec: Any, mistake: Any, ns: Any) -> Any:
    from mlfund.check._parse import parse_python

    if callable(mistake.form):
        return _built(spec, ns, mistake.note, lambda: mistake.form(**ns.symbols))
    return _built(spec, ns, mistake.note, lambda: parse_python(mistake.form, ns))


# ---------------------------------------------------------------------------------------
# numbers, intervals, arrays, choices, functions


def _close(a: float, b: float, spec: Any) -> bool:
    return abs(a - b) <= spec.atol + spec.rtol * abs(b)


#: A number this many tolerances from the reference, or nearer, is "close": most often a
#: rounding too coarse or a quantile rounded too far, which the learner is told.
NEAR = 10.0
CLOSE = ("Close, but outside the tolerance: check your rounding (to the precision the "
         "question asks for) and the quantiles you used.")


def _near(a: float, b: float, spec: Any) -> bool:
    return abs(a - b) <= NEAR * (spec.atol + spec.rtol * abs(b))


def _decimals_given(value: float) -> int | None:
    """How many decimals a learner's number shows (690.75: 2), if it has 2 significant
    figures or more (a single figure says too little to name a mistake by)."""
    text = repr(float(value))
    if "e" in text or "n" in text:
        return None
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0")
    digits = (whole + fraction).lstrip("0")
    return len(fraction) if len(digits) >= 2 else None


def _matches_mistake(value: float, wrong: float, reference: float, spec: Any) -> bool:
    """Within the tolerance, or the mistake's value rounded as the learner rounded.

    690.75 is the mistake 690.7525 given to 2 decimals; but a value that is also the
    reference so rounded is a rounding question, not that mistake.
    """
    if _close(value, wrong, spec):
        return True
    decimals = _decimals_given(value)
    if decimals is None or not math.isfinite(wrong):
        return False
    return (round(wrong, decimals) == value
            and round(reference, decimals) != value)


def _read_number(spec: Any, captured: Mapping[str, Any]) -> float:
    if captured["type"] == "number":
        value = float(captured["value"])
    elif captured["type"] == "text":
        from mlfund.check._parse import Namespace, parse_python

        expr = parse_python(captured["text"], Namespace(symbols={}, functions={}, exact=False))
        value = float(expr.evalf(20))
    else:
        raise ValueError(f"a number is expected, not {captured['type']} data")
    if not math.isfinite(value):
        raise ValueError("the answer is not a finite number")
    return value


def _score_number(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    try:
        value = _read_number(spec, captured)
    except (ValueError, TypeError) as exc:
        return _result(spec, INVALID, 0.0, f"Cannot read this answer: {exc}.")
    reference = float(spec.reference())
    shown = f"{value:.6g}"
    if _close(value, reference, spec):
        return _result(spec, CORRECT, 1.0, "Correct.", interpreted=shown)
    for mistake in spec.mistakes:
        if mistake.value is not None and _close(value, float(mistake.value()), spec):
            return _mistake_result(spec, mistake, shown)
    for mistake in spec.mistakes:
        if mistake.value is not None and _matches_mistake(value, float(mistake.value()),
                                                          reference, spec):
            return _mistake_result(spec, mistake, shown)
    if _near(value, reference, spec):
        return _incorrect(spec, CLOSE, shown)
    return _incorrect(spec, "Not the expected value.", shown)


def _score_interval(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    if captured["type"] != "interval":
        return _result(spec, INVALID, 0.0, "An interval (low, high) is expected.")
    low, high = float(captured["low"]), float(captured["high"])
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        return _result(spec, INVALID, 0.0, "The interval's ends must be finite, low <= high.")
    ref = spec.reference()
    ref_low, ref_high = (ref.low, ref.high) if hasattr(ref, "low") else ref
    shown = f"({low:.6g}, {high:.6g})"
    if _close(low, float(ref_low), spec) and _close(high, float(ref_high), spec):
        return _result(spec, CORRECT, 1.0, "Correct.", interpreted=shown)
    wrongs = []
    for mistake in spec.mistakes:
        if mistake.value is None:
            continue
        wrong = mistake.value()
        w_low, w_high = (wrong.low, wrong.high) if hasattr(wrong, "low") else wrong
        wrongs.append((mistake, float(w_low), float(w_high)))
        if _close(low, float(w_low), spec) and _close(high, float(w_high), spec):
            return _mistake_result(spec, mistake, shown)
    for mistake, w_low, w_high in wrongs:
        if (_matches_mistake(low, w_low, float(ref_low), spec)
                and _matches_mistake(high, w_high, float(ref_high), spec)):
            return _mistake_result(spec, mistake, shown)
    if _near(low, float(ref_low), spec) and _near(high, float(ref_high), spec):
        return _incorrect(spec, CLOSE, shown)
    side = []
    if not _close(low, float(ref_low), spec):
        side.append("low")
    if not _close(high, float(ref_high), spec):
        side.append("high")
    ends = " and ".join(side)
    return _incorrect(spec, f"The {ends} end(s) are not the expected value(s).", shown)


def _as_array(payload: Mapping[str, Any]) -> np.ndarray:
    shape = tuple(int(s) for s in payload["shape"])
    data = [np.nan if x is None else float(x) for x in payload["data"]]
    if len(shape) > 8 or math.prod(shape) != len(data):
        raise ValueError("array shape and data do not match")
    return np.asarray(data, dtype=float).reshape(shape)


def _arrays_close(got: np.ndarray, want: np.ndarray, spec: Any) -> bool:
    return got.shape == want.shape and bool(
        np.allclose(got, want, rtol=spec.rtol, atol=spec.atol, equal_nan=False))


def _score_array(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    if captured["type"] != "array":
        return _result(spec, INVALID, 0.0, "An array of numbers is expected.")
    got = _as_array(captured)
    want = np.asarray(spec.reference(), dtype=float)
    if got.shape != want.shape:
        return _incorrect(spec, f"The array has shape {got.shape}; shape {want.shape} is expected.")
    if _arrays_close(got, want, spec):
        return _result(spec, CORRECT, 1.0, "Correct.")
    for mistake in spec.mistakes:
        if mistake.value is not None and _arrays_close(
                got, np.asarray(mistake.value(), dtype=float), spec):
            return _mistake_result(spec, mistake)
    return _incorrect(spec, "Some entries are not the expected values.")


def _score_choice(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    if captured["type"] != "choice":
        return _result(spec, INVALID, 0.0, "A choice such as 'b' is expected.")
    value = str(captured["value"]).strip()
    options = list(spec.choices)
    if value not in spec.choices:
        lowered = value.lower().strip("() .")
        value = lowered if lowered in spec.choices else value
    if value not in spec.choices:
        allowed = ", ".join(repr(o) for o in options)
        return _result(spec, INVALID, 0.0,
                       f"{value[:40]!r} is not an option; choose one of {allowed}.")
    if value == spec.reference():
        return _result(spec, CORRECT, 1.0, "Correct.", interpreted=value)
    note = f"choice-{value}"
    return _result(spec, INCORRECT, 0.0, spec.explanations.get(value, "Not this one."),
                   mistake=note if _valid_note(note) else None, interpreted=value)


def _valid_note(note: str) -> bool:
    return note.replace("-", "").isalnum() and note == note.lower()


def _score_function(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    if captured["type"] != "function":
        return _result(spec, INVALID, 0.0, "A function is expected.")
    probes = list(spec.probes())
    outputs = captured["outputs"]
    if not isinstance(outputs, list) or len(outputs) != len(probes):
        return _result(spec, INVALID, 0.0, "The captured function outputs are malformed.")
    if all(out.get("none") for out in outputs):
        return _result(spec, INVALID, 0.0, "No answer yet: your function returns None; write "
                                           "its body so that it returns the result.")
    reference = spec.reference()
    wants = [np.asarray(reference(*args), dtype=float) for args in probes]
    gots: list[np.ndarray | None] = []
    for i, out in enumerate(outputs):
        if not out.get("ok"):
            error = str(out.get("error", "unknown error"))[:300]
            return _incorrect(spec, f"Your function failed on test input #{i + 1}: {error}.")
        gots.append(_as_array(out))
    for i, (got, want) in enumerate(zip(gots, wants, strict=True)):
        if got.shape != want.shape:
            return _incorrect(spec, f"On test input #{i + 1} your function returned shape "
                                    f"{got.shape}; shape {want.shape} is expected.")
        if not np.all(np.isfinite(got)):
            # a catalogued mistake may be exactly this: the naive log loss's nan at p = 0
            named = _mistake_with_nan(spec, probes, gots)
            if named is not None:
                return _mistake_result(spec, named)
            return _incorrect(spec, f"On test input #{i + 1} your function returned NaN or inf.")
    if all(_arrays_close(g, w, spec) for g, w in zip(gots, wants, strict=True)):
        return _result(spec, CORRECT, 1.0, f"Correct on all {len(probes)} test inputs.")
    for mistake in spec.mistakes:
        if mistake.value is None:
            continue
        wrong = [np.asarray(mistake.value(*args), dtype=float) for args in probes]
        if all(_arrays_close(g, w, spec) for g, w in zip(gots, wrong, strict=True)):
            return _mistake_result(spec, mistake)
    first = next(i for i, (g, w) in enumerate(zip(gots, wants, strict=True))
                 if not _arrays_close(g, w, spec))
    text = f"Wrong values on test input #{first + 1}."
    if spec.gradient_of is not None:
        from mlfund.check._numeric import finite_difference_gap

        gap = finite_difference_gap(spec.gradient_of, probes[first], gots[first])
        if gap is not None:
            text += (f" Compared with central finite differences of the loss, your gradient is "
                     f"off by up to {gap:.3g}.")
    return _incorrect(spec, text)


def _score_derivation(spec: Any, captured: Mapping[str, Any]) -> CheckResult:
    from mlfund.check._chain import score_derivation

    return score_derivation(spec, captured)


def _mistake_with_nan(spec: Any, probes: list[Any], gots: list[np.ndarray]) -> Any:
    """The catalogued mistake whose outputs are these, NaN (or inf) in the same places."""
    for mistake in spec.mistakes:
        if mistake.value is None:
            continue
        try:
            with np.errstate(all="ignore"):
                wrong = [np.asarray(mistake.value(*args), dtype=float) for args in probes]
        except (ArithmeticError, ValueError, TypeError):
            continue
        if all(g.shape == w.shape and bool(np.allclose(
                g, np.where(np.isfinite(w), w, np.nan), rtol=spec.rtol, atol=spec.atol,
                equal_nan=True)) for g, w in zip(gots, wrong, strict=True)):
            return mistake
    return None


_SCORERS = {
    "derivation": _score_derivation,
    "expression": _score_expression,
    "number": _score_number,
    "interval": _score_interval,
    "array": _score_array,
    "choice": _score_choice,
    "function": _score_function,
}
