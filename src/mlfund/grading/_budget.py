"""A hard time and memory budget for scoring learners' answers, in a child process.

What it defends: the grader reads and scores data that learners wrote (answer bundles,
formulas, numbers), and some answers are cheap to write but endless to evaluate —
``"sin(exp(exp(20)))"`` for a number, ``"floor(exp(exp(exp(3))))"`` for a formula keep
sympy, mpmath and gmpy computing inside C code for minutes or more, where the in-process
limits of :mod:`mlfund.check._limits` (an exception between two bytecodes) never arrive.
Without a hard limit one such answer holds a grading worker for good and the whole batch
never finishes.

How: :func:`score_in_child` runs a notebook's scoring jobs, in order, in a child process
forked from the grader (no learner code runs in the grader, so the child holds nothing the
learner wrote but the data being scored).

- The child gets an address-space limit (``RLIMIT_AS``: ``memory_bytes`` beyond what the
  grader already holds), a CPU-time backstop (``RLIMIT_CPU``) and dies with the grader
  (``PR_SET_PDEATHSIG``).
- It sends each verdict back as one JSON line (:meth:`CheckResult.to_dict`), checked field
  by field and rebuilt in the parent; never pickle.
- The parent gives every item ``seconds_per_item`` of wall-clock time (``select``). When an
  item runs past it, the child is killed with ``SIGKILL`` (which no code can catch or
  ignore), the item gets the verdict ``invalid``, worth 0, with feedback saying the answer
  is too slow to evaluate, and a fresh child scores the items after it.
- An answer whose evaluation runs out of the memory budget (a ``MemoryError`` in the
  child) is ``invalid`` the same way: too large to evaluate.
- A child that dies any other way — killed by a signal, an exception in the grader's code,
  a malformed line — raises :class:`~mlfund.grading.GraderFault`: not the
  learner's fault, so never their 0. So does a child that used almost no CPU during the
  item's time (stalled, blocked on a lock or on swap): the answer never had its try.

Shown by ``tests/grading/test_budget.py``: the two answers above end as "too slow" within
the budget and the items after them are still scored; an answer out of memory is invalid;
a child killed by a signal raises ``GraderFault``; a normal answer gets the verdict it gets
in-process.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import resource
import select
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mlfund.check import INVALID, CheckResult
from mlfund.grading._faults import GraderFault

#: Default wall-clock seconds for reading and scoring one answer.
SECONDS_PER_ITEM = 10.0
#: Default memory (bytes of address space) the scoring process may add to the grader's own.
MEMORY_BYTES = 1024**3

#: A child that used less than this share of an item's time on the CPU was stalled: blocked
#: (a lock, swapping), not computing. (A child merely slowed by a loaded machine still counts
#: as too slow: the budget is wall-clock time, generous next to the usual tenth of a second.)
STALLED_CPU_SHARE = 0.02
#: How many times its budget an item that still gets CPU may wait on a busy machine.
STARVED_FACTOR = 6.0
#: Largest verdict line accepted from the child.
MAX_LINE_BYTES = 16_000_000
#: Extra CPU seconds of the child's backstop limit, beyond the sum of the items' budgets.
CPU_BACKSTOP_SLACK = 10

_PR_SET_PDEATHSIG = 1
_RESULT_FIELDS = {
    "verdict": (str,),
    "score": (float, int),
    "feedback": (str,),
    "mistake": (str, type(None)),
    "interpreted": (str, type(None)),
    "exercise": (str,),
    "points": (float, int),
}


@dataclass(frozen=True, slots=True)
class ScoringJob:
    """One item to score.

    Attributes
    ----------
    exercise_id : str
        The exercise the item belongs to; it names the item in a "too slow" verdict and
        in a :class:`GraderFault`.
    run : callable
        Reads and scores the item, returning a :class:`~mlfund.check.CheckResult`; called
        in the child process only.
    """

    exercise_id: str
    run: Callable[[], CheckResult]


def score_in_child(jobs: Sequence[ScoringJob], *, seconds_per_item: float = SECONDS_PER_ITEM,
                   memory_bytes: int = MEMORY_BYTES) -> list[CheckResult]:
    """Run scoring jobs in a killable child process, each within a time and memory budget.

    Parameters
    ----------
    jobs : sequence of ScoringJob
        The items, scored in this order; all in one child while none runs out of time.
    seconds_per_item : float, optional
        Wall-clock seconds each item may take.
    memory_bytes : int, optional
        Bytes of address space the child may allocate beyond what the grader holds.

    Returns
    -------
    list of CheckResult
        One verdict per job, in order. An item past its time is ``invalid``, worth 0, with
        feedback saying that the answer is too slow to evaluate.

    Raises
    ------
    GraderFault
        When the child dies for any other reason (a signal, memory, an error in a job,
        a stall): the grade is unknown, and no learner should get 0 for it.

    Examples
    --------
    A notebook with two items, the second of which never finishes:

    >>> from mlfund.check import CORRECT, CheckResult
    >>> def endless():
    ...     while True:
    ...         pass
    >>> jobs = [ScoringJob("w01-bce-dp-dz", lambda: CheckResult(CORRECT, 1.0, "Correct.")),
    ...         ScoringJob("w01-bce-dl-dz", endless)]
    >>> first, second = score_in_child(jobs, seconds_per_item=0.5)
    >>> first.verdict, second.verdict, second.score
    ('correct', 'invalid', 0.0)
    >>> second.feedback
    'Cannot read this answer: it is too slow to evaluate (over 0.5 s); simplify it.'
    """
    jobs = list(jobs)
    if not all(isinstance(job, ScoringJob) for job in jobs):
        raise TypeError("jobs must be a sequence of ScoringJob.")
    if not (isinstance(seconds_per_item, (int, float)) and math.isfinite(seconds_per_item)
            and seconds_per_item > 0):
        raise ValueError(f"seconds_per_item ({seconds_per_item!r}) must be a positive number "
                         "of seconds.")
    if not isinstance(memory_bytes, int) or isinstance(memory_bytes, bool) or memory_bytes <= 0:
        raise ValueError(f"memory_bytes ({memory_bytes!r}) must be a positive whole number "
                         "of bytes.")
    results: list[CheckResult] = []
    while len(results) < len(jobs):
        results += _score_from(jobs, len(results), float(seconds_per_item), memory_bytes)
    return results


def too_slow(exercise_id: str, seconds: float) -> CheckResult:
    """The verdict on an answer that could not be read and scored within ``seconds``."""
    from mlfund import exercises

    spec = exercises.find(exercise_id)
    return CheckResult(
        INVALID, 0.0,
        f"Cannot read this answer: it is too slow to evaluate (over {seconds:g} s); "
        "simplify it.",
        exercise=exercise_id, points=float(spec.points) if spec is not None else 1.0)


# ---------------------------------------------------------------------------------------
# the parent


def _score_from(jobs: list[ScoringJob], first: int, seconds: float, memory_bytes: int
                ) -> list[CheckResult]:
    """Score ``jobs[first:]`` in one child; stop after the first item that runs out of time."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()  # or the child would inherit, and print again, what is buffered
    cpu_limit = math.ceil(seconds * (len(jobs) - first)) + CPU_BACKSTOP_SLACK
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; it never returns
        os.close(read_fd)
        _child(write_fd, jobs[first:], memory_bytes, cpu_limit)
    os.close(write_fd)
    child = _Child(pid, read_fd)
    try:
        return child.collect(jobs, first, seconds, memory_bytes)
    finally:
        child.end()


class _Child:
    """The parent's side of one scoring child: its pid, its pipe, and how it ended."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid = pid
        self.read_fd = read_fd
        self.buffer = b""
        self.status: int | None = None

    def collect(self, jobs: list[ScoringJob], first: int, seconds: float, memory_bytes: int
                ) -> list[CheckResult]:
        got: list[CheckResult] = []
        started, cpu_at_start = time.monotonic(), self.cpu_seconds()
        while first + len(got) < len(jobs):
            job = jobs[first + len(got)]
            left = started + seconds - time.monotonic()
            if left <= 0:
                verdict = self.overtime(job, seconds, started, cpu_at_start)
                if verdict is not None:
                    return [*got, verdict]
                left = min(0.25, seconds)  # starved by a busy machine, not slow: wait on
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                continue
            for line in self.read_lines(job):
                if first + len(got) == len(jobs):
                    raise GraderFault("the scoring process sent more verdicts than items")
                got.append(_verdict(line, jobs[first + len(got)], memory_bytes))
                if _out_of_memory(line):
                    return got  # that child is done; a fresh one scores the rest
                started, cpu_at_start = time.monotonic(), self.cpu_seconds()
        return got

    def read_lines(self, job: ScoringJob) -> list[bytes]:
        chunk = os.read(self.read_fd, 1 << 16)
        if not chunk:
            raise GraderFault(self.how_it_ended(), exercise=job.exercise_id)
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        if len(self.buffer) > MAX_LINE_BYTES:
            raise GraderFault("the scoring process sent a verdict larger than "
                              f"{MAX_LINE_BYTES} bytes", exercise=job.exercise_id)
        return lines

    def overtime(self, job: ScoringJob, seconds: float, started: float,
                 cpu_at_start: float | None) -> CheckResult | None:
        """The item has had ``seconds`` of wall-clock time: too slow, starved, or stalled?

        The budget is CPU time, so that a busy machine does not turn a right answer into a
        "too slow" one: an item that has used its ``seconds`` of CPU is too slow (the
        learner's); one that is still getting CPU but less than that is waited for, up to
        ``STARVED_FACTOR`` times its budget; one that gets almost none has stalled. Those
        two raise GraderFault (the grader's, retried). Where CPU time cannot be read, the
        wall-clock budget decides alone.
        """
        now_cpu = self.cpu_seconds()
        if now_cpu is None or cpu_at_start is None:
            return too_slow(job.exercise_id, seconds)
        used, waited = now_cpu - cpu_at_start, time.monotonic() - started
        if used >= seconds:
            return too_slow(job.exercise_id, seconds)
        if used < STALLED_CPU_SHARE * waited:
            raise GraderFault(f"the scoring process used {used:.2f} s of CPU in {waited:.1f} s: "
                              "it stalled", exercise=job.exercise_id)
        if waited >= STARVED_FACTOR * seconds:
            raise GraderFault(f"the scoring process had only {used:.2f} s of CPU in "
                              f"{waited:.1f} s: the machine is too busy to score within the "
                              "budget", exercise=job.exercise_id)
        return None

    def cpu_seconds(self) -> float | None:
        """CPU time the child has used so far (Linux), or None where it cannot be read."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def how_it_ended(self) -> str:
        self.reap()
        status = self.status
        if status is not None and os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            return f"the scoring process was killed by {name}"
        if status is not None and os.WIFEXITED(status):
            return f"the scoring process exited early (status {os.WEXITSTATUS(status)})"
        return "the scoring process ended early"

    def reap(self) -> None:
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                self.status = -1

    def end(self) -> None:
        """Kill the child if it still runs, reap it, close the pipe. Always safe to call."""
        if self.status is None:
            # not reaped yet, so the pid cannot belong to another process
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.reap()
        os.close(self.read_fd)


def _out_of_memory(line: bytes) -> bool:
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(message, dict) and message.get("memory") is True


def _verdict(line: bytes, job: ScoringJob, memory_bytes: int) -> CheckResult:
    """Rebuild the child's message for ``job``, checking every field; GraderFault otherwise."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        raise GraderFault("the scoring process sent an unreadable line",
                          exercise=job.exercise_id) from None
    if isinstance(message, dict) and message.get("memory"):
        # like an answer too slow to evaluate: the answer's size, not the grader, is at fault
        return CheckResult(INVALID, 0.0, "Cannot read this answer: evaluating it needs more "
                           f"than {memory_bytes // 2**20} MB of memory; simplify it.",
                           exercise=job.exercise_id)
    if isinstance(message, dict) and isinstance(message.get("fault"), str):
        raise GraderFault(f"scoring failed: {message['fault'][:500]}", exercise=job.exercise_id)
    data = message.get("result") if isinstance(message, dict) else None
    if not isinstance(data, dict) or set(data) != set(_RESULT_FIELDS) or not all(
            isinstance(data[name], kinds) and not isinstance(data[name], bool)
            for name, kinds in _RESULT_FIELDS.items()):
        raise GraderFault("the scoring process sent a malformed verdict",
                          exercise=job.exercise_id)
    try:
        return CheckResult(**{**data, "score": float(data["score"]),
                              "points": float(data["points"])})
    except ValueError as exc:
        raise GraderFault(f"the scoring process sent an invalid verdict ({exc})",
                          exercise=job.exercise_id) from None


# ---------------------------------------------------------------------------------------
# the child


def _child(fd: int, jobs: list[ScoringJob], memory_bytes: int, cpu_limit: int) -> None:
    """Body of the forked child: score each job, one JSON line each. Never returns."""
    try:
        _confine(memory_bytes, cpu_limit)
        for job in jobs:
            message = _run(job)
            _write(fd, json.dumps(message).encode() + b"\n")
            if "result" not in message:
                break
    except BaseException:  # noqa: B036 - the parent sees the pipe close and reports it
        pass
    finally:
        os._exit(0)


def _run(job: ScoringJob) -> dict[str, Any]:
    try:
        result = job.run()
        if not isinstance(result, CheckResult):
            return {"fault": f"a scoring job returned {type(result).__name__}, not a CheckResult"}
        return {"result": result.to_dict()}
    except MemoryError:
        return {"memory": True}
    except BaseException as exc:  # noqa: B036 - any failure is reported, not swallowed
        return {"fault": f"{type(exc).__name__}: {str(exc)[:300]}"}


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _confine(memory_bytes: int, cpu_limit: int) -> None:
    """Limits of the scoring child: memory, a CPU backstop, and death with the grader."""
    parent = os.getppid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the grader died before the request took effect
        os._exit(0)
    held = _address_space()
    if held is not None:
        _cap(resource.RLIMIT_AS, held + memory_bytes)
    _cap(resource.RLIMIT_CPU, cpu_limit)


def _address_space() -> int | None:
    """Bytes of address space this process holds now (Linux), or None."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return None


def _cap(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    if soft != resource.RLIM_INFINITY:
        value = min(value, soft)
    resource.setrlimit(kind, (value, value))
