"""The outcome of one check: a frozen record that renders itself for a notebook."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any

CORRECT = "correct"
INCORRECT = "incorrect"
INVALID = "invalid"
UNDECIDED = "undecided"
VERDICTS = (CORRECT, INCORRECT, INVALID, UNDECIDED)

_STYLE = {
    CORRECT: ("#e6f4ea", "#137333", "✔ Correct"),
    INCORRECT: ("#fce8e6", "#a50e0e", "✘ Not yet"),
    INVALID: ("#fef7e0", "#8a5a00", "⚠ Cannot read this answer"),
    UNDECIDED: ("#e8f0fe", "#174ea6", "? Undecided"),
}
_UNANSWERED = ("#f1f3f4", "#5f6368", "○ No answer yet")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict on one answer.

    Attributes
    ----------
    verdict : str
        ``"correct"``, ``"incorrect"``, ``"invalid"`` (the answer could not be read) or
        ``"undecided"`` (the engine could neither prove nor refute it).
    score : float
        Fraction of the item's points earned, in [0, 1].
    feedback : str
        What the learner is told.
    mistake : str or None
        The note id of the catalogued mistake the answer matched, if any.
    interpreted : str or None
        How a formula was read (``"sigma(z)*(1 - sigma(z))"``), echoed to the learner.
    exercise : str
        The exercise id, or ``""`` for a direct comparison.
    points : float
        The item's points; ``score * points`` is what the gradebook records.
    """

    verdict: str
    score: float
    feedback: str
    mistake: str | None = None
    interpreted: str | None = None
    exercise: str = ""
    points: float = 1.0

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict ({self.verdict!r}) must be one of {VERDICTS}.")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score ({self.score!r}) must be in [0, 1].")

    @property
    def correct(self) -> bool:
        return self.verdict == CORRECT

    @property
    def earned(self) -> float:
        """Points earned: ``score * points``, rounded to avoid 0.30000000000000004."""
        return round(self.score * self.points, 6)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _style(self) -> tuple[str, str, str]:
        if self.verdict == INVALID and self.feedback.startswith("No answer"):
            return _UNANSWERED
        return _STYLE[self.verdict]

    def summary(self) -> str:
        """One plain-text paragraph: the verdict, the points and the feedback."""
        label = self._style()[2]
        head = f"{label} — {self.earned:g}/{self.points:g} point(s)"
        if self.exercise:
            head = f"[{self.exercise}] {head}"
        lines = [head]
        if self.interpreted:
            lines.append(f"Read as: {self.interpreted}")
        if self.feedback:
            lines.append(self.feedback)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _typeset(self) -> str | None:
        if not self.exercise:
            return None
        from mlfund.check._display import latex_of

        return latex_of(self.exercise, self.interpreted or "")

    def _repr_html_(self) -> str:
        background, colour, label = self._style()
        esc = html.escape
        parts = [
            f'<div class="mlfund-check" style="border-left:4px solid {colour};'
            f'background:{background};padding:6px 10px;margin:4px 0;font-family:sans-serif">',
            f'<b style="color:{colour}">{esc(label)}</b> '
            f"<span>({self.earned:g}/{self.points:g} point(s))</span>",
        ]
        if self.interpreted:
            # the formula typeset (MathJax renders \(...\) in the notebook) beside its text
            math = self._typeset()
            shown = f"<code>{esc(self.interpreted)}</code>"
            if math is not None:
                shown = (f'<span class="mlfund-math">\\({esc(math)}\\)</span>'
                         f" &nbsp; {shown}")
            parts.append(f"<div>Read as: {shown}</div>")
        if self.feedback:
            parts.append(f"<div>{esc(self.feedback)}</div>")
        parts.append("</div>")
        return "".join(parts)
