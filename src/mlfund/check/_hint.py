"""The scaffolded steps of a derivation, shown one at a time when the learner asks.

A derivation is asked whole, as at a whiteboard; its steps stay available as hints:
``hint("w04-bernoulli-mle-derivation")`` shows the first, the next call the second, and
``hint(..., step=2)`` a given one. In a graded kernel no hint is shown.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

_SHOWN: dict[str, int] = {}


@dataclass(frozen=True, slots=True)
class Hint:
    """One hint, as the notebook shows it."""

    exercise: str
    text: str

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return (f'<div class="mlfund-hint" style="border-left:4px solid #5f6368;'
                f'background:#f1f3f4;padding:6px 10px;margin:4px 0;font-family:sans-serif">'
                f"{html.escape(self.text)}</div>")


def hint(exercise_id: str, step: int | None = None) -> Hint:
    """The next scaffolded step of an exercise, or step ``step`` (counted from 1).

    Examples
    --------
    >>> hint("w01-sigmoid-derivative", step=1).text.startswith("Hint 1 of 1")
    True
    """
    from mlfund.check import _api

    if _api._PUBLIC is not None:
        return Hint(str(exercise_id), "Hints are not shown while grading.")
    from mlfund import exercises

    try:
        spec = exercises.get(exercise_id)
    except (KeyError, TypeError) as exc:
        return Hint(str(exercise_id), str(exc).strip("'\""))
    steps = spec.derivation.hints if spec.derivation is not None else ()
    if not steps and spec.hint:
        steps = (spec.hint,)
    if not steps:
        return Hint(spec.id, f"{spec.id} has no hints.")
    if step is None:
        step = min(_SHOWN.get(spec.id, 0) + 1, len(steps))
    elif isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= len(steps):
        return Hint(spec.id, f"step ({step!r}) must be a whole number from 1 to {len(steps)}.")
    _SHOWN[spec.id] = step
    more = " Run hint(...) again for the next one." if step < len(steps) else ""
    return Hint(spec.id, f"Hint {step} of {len(steps)}: {steps[step - 1]}{more}")
