"""Failures of the grader itself, kept apart from the learner's verdicts."""

from __future__ import annotations


class GraderFault(RuntimeError):
    """Grading failed for a reason that is not the learner's: the grade is unknown.

    Raised, for example, when the process that scores a notebook's answers dies of a signal,
    runs out of its memory budget, stalls without using the CPU, or hits an error in the
    grader's own code. A caller reports it as an error of the grader (and may retry);
    it never turns it into a score of 0.

    Attributes
    ----------
    exercise : str
        The exercise being scored when the fault happened, or ``""`` if none was.
    reason : str
        What went wrong, in one sentence.

    Examples
    --------
    >>> fault = GraderFault("the scoring process was killed by SIGSEGV",
    ...                     exercise="w01-bce-dp-dz")
    >>> str(fault)
    'grader fault while scoring w01-bce-dp-dz: the scoring process was killed by SIGSEGV'
    >>> fault.exercise, fault.reason
    ('w01-bce-dp-dz', 'the scoring process was killed by SIGSEGV')
    """

    def __init__(self, reason: str, *, exercise: str = "") -> None:
        self.reason = reason
        self.exercise = exercise
        where = f" while scoring {exercise}" if exercise else ""
        super().__init__(f"grader fault{where}: {reason}")

    def __reduce__(self):
        # keep the keyword when the fault crosses a process pool
        return (_rebuild, (self.reason, self.exercise))


def _rebuild(reason: str, exercise: str) -> GraderFault:
    return GraderFault(reason, exercise=exercise)
