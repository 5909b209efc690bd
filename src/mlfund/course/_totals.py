"""A submission's points as people read them: autograded, graded by hand, late penalty, final.

nbgrader's gradebook gives one ``score``, in which a written answer nobody has graded yet
counts 0 and the late penalty, worked out at autograding time from the autograded points
alone, is kept apart. The feedback page, ``grades.csv`` and ``mlfund grade`` all read the
same :class:`Totals` instead: written items not yet graded are *awaiting hand grading*, and
the late penalty is the week's policy (``autograder/schedule.toml``) applied to all the
points earned so far, so it stays right after hand grading.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mlfund.course._schedule import LatePolicy


@dataclass(frozen=True, slots=True)
class ItemPoints:
    """One graded item of a submission."""

    name: str
    score: float
    max_score: float
    by_hand: bool
    """A written (or free-response) answer, graded by a person."""
    awaiting: bool
    """Graded by hand, and not graded yet."""


@dataclass(frozen=True, slots=True)
class Lateness:
    """When a submission came in against its due date, and the policy that applies."""

    seconds_late: float
    policy: LatePolicy
    submitted: datetime | None = None
    due: datetime | None = None

    @property
    def days_late(self) -> int:
        """Started days late (0 when on time)."""
        return max(0, math.ceil(self.seconds_late / 86400)) if self.seconds_late > 0 else 0

    @property
    def fraction(self) -> float:
        """The fraction of the score the policy takes."""
        return self.policy.penalty(1.0, self.seconds_late)

    def describe(self, earned: float, penalty: float, *, provisional: bool = False) -> str:
        """One sentence: when it came in, the policy, and the points it takes."""
        if self.seconds_late <= 0:
            return ""
        when = f"Submitted {_when(self.submitted)}" if self.submitted else "Submitted"
        due = f", due {_when(self.due)}" if self.due else ""
        days = "1 day" if self.days_late == 1 else f"{self.days_late} days"
        text = (f"{when}{due}: {days} late (each started day counts). "
                f"Late policy: {self.policy.describe()}.")
        if penalty <= 0:
            return text + " No points are taken."
        share = f"{self.fraction:.0%}"
        so_far = " so far; points graded by hand will count too" if provisional else ""
        return f"{text} Penalty: {share} of {earned:g} = {penalty:g} point(s){so_far}."


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Totals:
    """A submission's (or a notebook's) points, split as people read them."""

    items: tuple[ItemPoints, ...]
    lateness: Lateness | None = None
    stored_penalty: float = 0.0
    """nbgrader's own penalty, used only when no late policy is known."""

    @property
    def autograded(self) -> float:
        return _sum(i.score for i in self.items if not i.by_hand)

    @property
    def autograded_max(self) -> float:
        return _sum(i.max_score for i in self.items if not i.by_hand)

    @property
    def hand_graded(self) -> float:
        return _sum(i.score for i in self.items if i.by_hand and not i.awaiting)

    @property
    def hand_graded_max(self) -> float:
        return _sum(i.max_score for i in self.items if i.by_hand and not i.awaiting)

    @property
    def awaiting(self) -> float:
        """Points of the written items nobody has graded yet."""
        return _sum(i.max_score for i in self.items if i.awaiting)

    @property
    def max_score(self) -> float:
        return _sum(i.max_score for i in self.items)

    @property
    def earned(self) -> float:
        return round(self.autograded + self.hand_graded, 6)

    @property
    def late_penalty(self) -> float:
        if self.lateness is None:
            return round(self.stored_penalty, 6)
        return round(self.lateness.policy.penalty(self.earned, self.lateness.seconds_late), 6)

    @property
    def final(self) -> float:
        return round(max(0.0, self.earned - self.late_penalty), 6)

    @property
    def complete(self) -> bool:
        """Every item has its grade (nothing awaits hand grading)."""
        return self.awaiting == 0

    def summary(self) -> str:
        """The total as a sentence, e.g. ``13/13 autograded + 3 to be graded by hand``.

        Examples
        --------
        >>> items = (ItemPoints("a", 13, 13, False, False), ItemPoints("w", 0, 3, True, True))
        >>> Totals(items).summary()
        '13/13 autograded + 3 to be graded by hand'
        >>> done = (items[0], ItemPoints("w", 2, 3, True, False))
        >>> Totals(done).summary()
        '13/13 autograded + 2/3 graded by hand = 15/16'
        """
        parts = [f"{self.autograded:g}/{self.autograded_max:g} autograded"]
        if self.hand_graded_max:
            parts.append(f"{self.hand_graded:g}/{self.hand_graded_max:g} graded by hand")
        if self.awaiting:
            parts.append(f"{self.awaiting:g} to be graded by hand")
        text = " + ".join(parts)
        penalty = self.late_penalty
        if self.complete:
            if self.hand_graded_max:
                text += f" = {self.earned:g}/{self.max_score:g}"
            if penalty:
                text += f" − {penalty:g} late penalty = {self.final:g}/{self.max_score:g}"
        elif penalty:
            text += f"; late penalty so far −{penalty:g}"
        return text

    def lateness_note(self) -> str:
        """Why points were taken for lateness, or ``""`` when on time."""
        if self.lateness is None:
            if self.stored_penalty:
                return f"Late submission penalty: −{self.stored_penalty:g} point(s)."
            return ""
        return self.lateness.describe(self.earned, self.late_penalty,
                                      provisional=not self.complete)


def _sum(values: Iterable[float]) -> float:
    return round(float(sum(float(v or 0) for v in values)), 6)


def late_policy(assignment: str) -> LatePolicy | None:
    """The week's late policy from the schedule, or ``None`` when there is no schedule."""
    from mlfund.course._schedule import ScheduleError, load_schedule

    try:
        return load_schedule().get(assignment).late_policy
    except ScheduleError:
        return None


def written_names(gb, notebook: str, assignment: str) -> set[str]:
    """Names of the cells of a source notebook that are graded by hand (grade + solution)."""
    source = gb.find_notebook(notebook, assignment)
    solutions = {cell.name for cell in source.solution_cells}
    return {cell.name for cell in source.grade_cells if cell.name in solutions}


def notebook_items(gb, submitted_notebook) -> list[ItemPoints]:
    """The graded items of one submitted notebook."""
    by_hand = written_names(gb, submitted_notebook.notebook.name,
                            submitted_notebook.assignment.assignment.name)
    items = []
    for grade in submitted_notebook.grades:
        hand = grade.name in by_hand
        items.append(ItemPoints(grade.name, float(grade.score or 0), float(grade.max_score or 0),
                                hand, hand and awaits_grader(grade)))
    return items


def awaits_grader(grade) -> bool:
    """A gradebook grade nobody has given yet (the formgrader clears the flag on saving)."""
    return bool(grade.needs_manual_grade) and grade.manual_score is None


def lateness_of(submission, policy: LatePolicy | None) -> Lateness | None:
    """The lateness of a gradebook submission under ``policy`` (``None``: unknown policy)."""
    if policy is None:
        return None
    try:
        seconds = float(submission.total_seconds_late or 0)
    except Exception:
        seconds = 0.0
    return Lateness(seconds, policy, submission.timestamp, submission.duedate)


def submission_totals(gb, assignment: str, student: str, *,
                      notebook: str | None = None) -> Totals:
    """The totals of a student's submission (or of one of its notebooks) in the gradebook."""
    submission = gb.find_submission(assignment, student)
    items: list[ItemPoints] = []
    stored = 0.0
    for submitted in submission.notebooks:
        if notebook is not None and submitted.notebook.name != notebook:
            continue
        items.extend(notebook_items(gb, submitted))
        stored += float(submitted.late_submission_penalty or 0)
    return Totals(tuple(items), lateness_of(submission, late_policy(assignment)), stored)
