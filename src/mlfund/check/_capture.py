"""Turning a learner's answer into plain data: JSON-ready, with nothing of the learner's code.

This runs where the answer lives (the notebook's kernel). What leaves is dicts, lists,
strings and floats, never an object: the trusted grader scores only this data, so an object
that pretends (an ``__eq__`` that is always True, a float subclass, a numpy subclass) has
nothing to pretend with. Objects that are not what they seem are refused here with a message.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from typing import Any

import numpy as np

from mlfund.check._limits import TimeLimitExceeded, time_limit

MAX_ARRAY_SIZE = 100_000
MAX_TEXT = 2000
SECONDS_PER_CALL = 1.0
SECONDS_PER_FUNCTION = 2.5


class CaptureError(ValueError):
    """The answer cannot be turned into data of the kind the exercise asks for."""


def _type_name(value: Any) -> str:
    return type(value).__name__


def is_missing(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def capture_number(value: Any) -> float:
    """A real number as a float; refuse bools, NaN, infinities, huge integers and impostors."""
    if isinstance(value, (bool, np.bool_)):
        raise CaptureError("a True/False value is not a number; give the number itself.")
    if type(value) is int:
        if abs(value) > 10**300:
            raise CaptureError("this integer is too large to be a sensible answer.")
        return float(value)
    if type(value) is float or type(value) in (np.float64, np.float32, np.float16,
                                               np.int64, np.int32, np.int16, np.int8,
                                               np.uint64, np.uint32, np.uint16, np.uint8):
        out = float(value)
    elif type(value) is np.ndarray and value.shape == () and value.dtype.kind in "fiu":
        out = float(value)
    elif _is_sympy_number(value):
        out = float(value)
    elif type(value) is np.ndarray and value.size == 1 and value.dtype.kind in "fiu":
        raise CaptureError(
            f"a single number is expected, but this is an array of shape {value.shape}; "
            "use .item() or index it."
        )
    else:
        raise CaptureError(f"a number is expected, but this is a {_type_name(value)}.")
    if math.isnan(out):
        raise CaptureError("the answer is NaN (not a number); check for 0/0 or log of 0.")
    if math.isinf(out):
        raise CaptureError("the answer is infinite; check for a division by zero.")
    return out


def _is_sympy_number(value: Any) -> bool:
    import sys

    sympy = sys.modules.get("sympy")
    if sympy is None or not isinstance(value, sympy.Basic):
        return False
    module = type(value).__module__
    return module.startswith("sympy.") and value.is_number and value.is_real is True


def capture_expression(answer: Any) -> dict[str, Any]:
    if isinstance(answer, str):
        return capture_text(answer)
    if type(answer) is int or type(answer) is float:
        return {"type": "number", "value": capture_number(answer)}
    if type(answer) in (list, tuple):
        if not 0 < len(answer) <= 50:
            raise CaptureError("a list answer must have between 1 and 50 entries.")
        items = []
        for item in answer:
            if type(item) in (list, tuple):
                raise CaptureError("give a column as a flat list of expressions, not nested lists.")
            items.append(capture_expression(item))
        return {"type": "list", "items": items}
    import sys

    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(answer, (sympy.Basic, sympy.MatrixBase)):
        from mlfund.check._tree import TreeError, to_tree

        try:
            return {"type": "sympy", "tree": to_tree(answer)}
        except TreeError as exc:
            raise CaptureError(str(exc)) from None
        except RecursionError:
            raise CaptureError("the expression is nested too deeply.") from None
    raise CaptureError(
        f"a formula is expected: a sympy expression or a string such as 'sigma(z)*(1 - sigma(z))'"
        f" (Python syntax) or r'\\sigma(z)(1-\\sigma(z))' (LaTeX); this is a {_type_name(answer)}."
    )


def capture_text(answer: Any) -> dict[str, Any]:
    if type(answer) is not str:
        raise CaptureError(f"a string is expected; this is a {_type_name(answer)}.")
    if len(answer) > MAX_TEXT:
        raise CaptureError(
            f"the answer is too long ({len(answer)} characters; at most {MAX_TEXT}).")
    return {"type": "text", "text": str(answer)}


def capture_interval(answer: Any) -> dict[str, Any]:
    low = high = None
    if hasattr(type(answer), "low") or hasattr(answer, "__dataclass_fields__"):
        low, high = getattr(answer, "low", None), getattr(answer, "high", None)
    elif type(answer) in (tuple, list) and len(answer) == 2:
        low, high = answer
    elif type(answer) is np.ndarray and answer.shape == (2,):
        low, high = answer[0], answer[1]
    if low is None or high is None:
        raise CaptureError(
            f"an interval is expected: a pair (low, high) or a result with .low and .high; "
            f"this is a {_type_name(answer)}."
        )
    low_f, high_f = capture_number(low), capture_number(high)
    if low_f > high_f:
        raise CaptureError(
            f"the interval's low end ({low_f:g}) is above its high end ({high_f:g}).")
    return {"type": "interval", "low": low_f, "high": high_f}


def _plain_array(value: Any, what: str) -> np.ndarray:
    if type(value) is np.ndarray:
        arr = value
    elif type(value) in (list, tuple) or type(value) in (int, float) or _is_np_scalar(value):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise CaptureError(f"{what} must be numbers; it contains something else.") from None
    else:
        raise CaptureError(f"{what} must be a numpy array or a list of numbers; "
                           f"it is a {_type_name(value)}.")
    if arr.dtype.kind == "b":
        arr = arr.astype(float)
    if arr.dtype.kind not in "fiu":
        raise CaptureError(f"{what} must hold real numbers; its dtype is {arr.dtype}.")
    if arr.size > MAX_ARRAY_SIZE:
        raise CaptureError(f"{what} is too large ({arr.size} numbers; at most {MAX_ARRAY_SIZE}).")
    return np.array(arr, dtype=float, copy=True)


def _is_np_scalar(value: Any) -> bool:
    return type(value).__module__ == "numpy" and isinstance(value, np.generic)


def _array_data(arr: np.ndarray) -> dict[str, Any]:
    finite = np.isfinite(arr)
    data = [float(x) if ok else None for x, ok in zip(arr.ravel(), finite.ravel(), strict=True)]
    return {"shape": list(arr.shape), "data": data}


def capture_array(answer: Any) -> dict[str, Any]:
    arr = _plain_array(answer, "the answer")
    if not np.all(np.isfinite(arr)):
        raise CaptureError("the array contains NaN or infinite values.")
    return {"type": "array", **_array_data(arr)}


def capture_choice(answer: Any) -> dict[str, Any]:
    if type(answer) is not str:
        raise CaptureError(f"a choice is a string such as 'b'; this is a {_type_name(answer)}.")
    value = answer.strip()
    if len(value) > 40:
        raise CaptureError("a choice is a short string such as 'b'.")
    return {"type": "choice", "value": value}


def capture_function(answer: Any, probes: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Call the learner's function on each probe input; keep outputs or the error met."""
    if not callable(answer) or isinstance(answer, type):
        raise CaptureError(
            f"a function is expected (def f(...): ...); this is a {_type_name(answer)}.")
    outputs = []
    deadline = time.monotonic() + SECONDS_PER_FUNCTION
    for args in probes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            used_up = f"its {SECONDS_PER_FUNCTION:g} s on earlier inputs"
            outputs.append({"ok": False,
                            "error": f"TimeoutError: not run, the function used up {used_up}"})
            continue
        outputs.append(_call_once(answer, args, min(SECONDS_PER_CALL, remaining)))
    return {"type": "function", "outputs": outputs}


def _call_once(fn: Any, args: tuple[Any, ...], seconds: float) -> dict[str, Any]:
    private = copy.deepcopy(args)  # the learner's function may modify its inputs
    try:
        with (warnings.catch_warnings(), np.errstate(all="ignore"),
              time_limit(seconds, clock="wall")):
            warnings.simplefilter("ignore")
            out = fn(*private)
            if out is None:
                return {"ok": False, "error": "the function returned None", "none": True}
            arr = _plain_array(out, "the function's result")
    except TimeLimitExceeded:
        return {"ok": False, "error": f"TimeoutError: took longer than {seconds:g} s"}
    except CaptureError as exc:
        return {"ok": False, "error": f"bad result: {exc}"}
    except RecursionError:
        return {"ok": False, "error": "RecursionError: maximum recursion depth exceeded"}
    except Exception as exc:  # the learner's bug, reported back, never raised
        return {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return {"ok": True, **_array_data(arr)}


MAX_DERIVATION_LINES = 30
MAX_DERIVATION_TEXT = 20_000


def capture_derivation(answer: Any) -> dict[str, Any]:
    """A chain of lines as plain data: each line text, or a sympy line as its tree.

    A list (or tuple) holds one line each; one string may hold several lines. A sympy line
    that the tree cannot hold (an unevaluated derivative, a sum, an equation) is kept as
    the text sympy prints for it, which the grader reads like any learner's text.
    """
    if isinstance(answer, str):
        items: list[Any] = [answer]
    elif type(answer) in (list, tuple):
        items = list(answer)
    else:
        raise CaptureError(
            "a derivation is a list of lines (strings in Python syntax or LaTeX, or sympy "
            "expressions), or one string with a line for each step; this is a "
            f"{_type_name(answer)}.")
    if not items:
        raise CaptureError("the derivation has no lines.")
    if len(items) > MAX_DERIVATION_LINES:
        raise CaptureError(f"the derivation has {len(items)} lines; at most "
                           f"{MAX_DERIVATION_LINES}.")
    lines = [_derivation_line(item, k) for k, item in enumerate(items, 1)]
    total = sum(len(line.get("text", "")) for line in lines)
    if total > MAX_DERIVATION_TEXT:
        raise CaptureError(f"the derivation is too long ({total} characters; at most "
                           f"{MAX_DERIVATION_TEXT}).")
    return {"type": "derivation", "lines": lines}


def _derivation_line(item: Any, number: int) -> dict[str, Any]:
    if type(item) is str:
        if len(item) > MAX_DERIVATION_TEXT:
            raise CaptureError(f"line {number} is too long ({len(item)} characters).")
        return {"type": "text", "text": str(item)}
    import sys

    sympy = sys.modules.get("sympy")
    if sympy is None or not isinstance(item, (sympy.Basic, sympy.MatrixBase)):
        raise CaptureError(f"line {number} is a {_type_name(item)}: each line is a string or "
                           "a sympy expression.")
    if isinstance(item, sympy.logic.boolalg.BooleanAtom):
        raise CaptureError(f"line {number} is {item}: sympy decided the equation itself; write "
                           "it as a string, or sympy.Eq(lhs, rhs, evaluate=False).")
    from mlfund.check._tree import TreeError, to_tree

    try:
        return {"type": "sympy", "tree": to_tree(item)}
    except TreeError:
        pass
    except RecursionError:
        raise CaptureError(f"line {number} is nested too deeply.") from None
    from mlfund.check._lines import sympy_text

    try:
        with time_limit(SECONDS_PER_CALL):
            text = sympy_text(item)
    except TimeLimitExceeded:
        raise CaptureError(f"line {number} takes too long to print.") from None
    except RecursionError:
        raise CaptureError(f"line {number} is nested too deeply.") from None
    if type(text) is not str or len(text) > MAX_TEXT:
        raise CaptureError(f"line {number} is too long (at most {MAX_TEXT} characters).")
    return {"type": "text", "text": str(text)}


def capture(spec: Any, answer: Any) -> dict[str, Any]:
    """Turn ``answer`` into plain data for the exercise ``spec``.

    Raises :class:`CaptureError` with a message for the learner when the answer is not of
    the kind asked. Returns ``{"type": "missing"}`` for ``None`` or ``...``.
    """
    if is_missing(answer):
        return {"type": "missing"}
    kind = spec.kind
    if kind == "expression":
        return capture_expression(answer)
    if kind == "number":
        if isinstance(answer, str):
            return capture_text(answer)
        return {"type": "number", "value": capture_number(answer)}
    if kind == "interval":
        return capture_interval(answer)
    if kind == "array":
        return capture_array(answer)
    if kind == "choice":
        return capture_choice(answer)
    if kind == "function":
        return capture_function(answer, list(spec.probes()))
    if kind == "derivation":
        return capture_derivation(answer)
    raise CaptureError(f"exercise kind {kind!r} is unknown.")
