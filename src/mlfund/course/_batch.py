"""Autograding a whole week in parallel: a process pool over submissions, resumable.

Each worker process loads nbgrader and the heavy libraries once, then grades submissions
one after the other with nbgrader's own Autograde converter, in which ``Execute`` is
replaced by :class:`~mlfund.course._fastexec.ForkExecute` (one fresh, confined child
process per submission) and followed by the trusted scoring step.

A journal (``.mlfund/autograde-WEEK.jsonl`` in the course folder) records each finished
submission, flushed to disk at once; a rerun skips the submissions it lists, unless the
submitted notebook changed or ``force`` is given. After a crash or ``kill -9`` nothing
finished is lost and nothing is graded twice.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from mlfund.course._nbgrader import load_config, make_api

log = logging.getLogger("mlfund.course")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One submission's result.

    ``status`` is ``graded`` (with its score), ``error`` (the submission itself is at fault:
    a missing or unreadable notebook; kept until the files change), ``fault`` (the grader
    failed: no score is recorded and the next run grades it again) or ``skipped``.
    """

    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    error: str | None = None
    digest: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def submitted_students(course_dir: Path, assignment: str) -> list[str]:
    root = course_dir / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / assignment).is_dir())


def submission_digest(course_dir: Path, assignment: str, student: str) -> str:
    """A hash of the submitted files, so that a resubmission is graded again."""
    folder = course_dir / "submitted" / student / assignment
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
    return digest.hexdigest()[:16]


def journal_path(course_dir: Path, assignment: str) -> Path:
    return course_dir / ".mlfund" / f"autograde-{assignment}.jsonl"


def read_journal(path: Path) -> dict[str, Outcome]:
    """The last outcome per student; a torn last line (a crash mid-write) is ignored."""
    done: dict[str, Outcome] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            done[data["student"]] = Outcome(**data)
        except (ValueError, TypeError, KeyError):
            continue
    return done


def _append(path: Path, outcome: Outcome) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(outcome.to_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


# ---------------------------------------------------------------------------------------
# the worker side

_WORKER: dict = {}


def _init_worker(course_dir: str, db_url: str | None, timeout: int, late_policy: str,
                 stock: bool, assignment: str = "") -> None:
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore")
    config = load_config(course_dir, db_url)
    if not stock:
        from mlfund.course._fastexec import ForkExecute

        steps = list(config.Autograde.autograde_preprocessors)
        steps = [ForkExecute if getattr(s, "__name__", "") == "Execute" else s for s in steps]
        config.Autograde.autograde_preprocessors = steps
        config.ForkExecute.timeout = timeout
        from mlfund.course import _speed

        _speed.install(config)
    config.Execute.timeout = timeout
    if late_policy:
        config.ScheduleLatePenalty.policy = late_policy
    _WORKER["api"] = make_api(config)
    _WORKER["config"] = config
    _WORKER["course_dir"] = Path(course_dir)
    _WORKER["canary"] = None
    if not stock and assignment:
        from mlfund.course._canary import canary_failure

        _WORKER["canary"] = canary_failure(assignment, config=config)


def _last_error(log_text: str) -> str:
    """The most telling line of nbgrader's log: the exception, else the first error line."""
    lines = [ln.strip() for ln in (log_text or "").splitlines() if ln.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line):
            return line[:300]
    for line in lines:
        if line.startswith("[ERROR]") and "Please see" not in line:
            return line[len("[ERROR]"):].strip()[:300]
    return lines[-1][:300] if lines else "unknown error"


class CanaryFailed(RuntimeError):
    """The week's own solution notebook does not reach full marks here: grading would lie."""


def _noop() -> None:
    """A task that makes a pool start its workers."""


def _prepare_one(assignment: str, student: str) -> str:
    """The runs of a submission for a Dask worker, as JSON (see mlfund.course._distributed)."""
    from mlfund.course._distributed import prepare_submission

    return json.dumps(prepare_submission(_WORKER["api"], _WORKER["config"], assignment,
                                         student))


def _grade_one(assignment: str, student: str, runs: str | None = None) -> Outcome:
    """Grade one submission with nbgrader; with ``runs`` (JSON, by notebook: the replies of
    a Dask worker), record those runs instead of running a kernel here."""
    started = time.monotonic()
    api = _WORKER["api"]
    course_dir: Path = _WORKER["course_dir"]
    digest = submission_digest(course_dir, assignment, student)
    if _WORKER.get("canary"):
        return Outcome(student, "fault", error=f"canary: {_WORKER['canary']}", digest=digest)
    problem = check_submission(course_dir, assignment, student)
    from mlfund.course import _fastexec

    _fastexec.REMOTE_RUNS = None if runs is None else _remote_runs(runs)
    try:
        result = api.autograde(assignment, student, force=True, create=True)
    except Exception as exc:  # nbgrader itself failed on this submission
        result = {"success": False, "log": f"{type(exc).__name__}: {exc}"}
    finally:
        _fastexec.REMOTE_RUNS = None
    seconds = round(time.monotonic() - started, 3)
    if not result.get("success"):
        log_text = result.get("log", "") or result.get("error", "") or ""
        if problem:
            return Outcome(student, "error", seconds=seconds, error=problem, digest=digest)
        _forget_grade(api, assignment, student)
        return Outcome(student, "fault", seconds=seconds, digest=digest,
                       error=_fault_reason(log_text))
    score, max_score = _scores(api, assignment, student)
    return Outcome(student, "error" if problem else "graded", score, max_score, seconds,
                   error=problem, digest=digest)


def _remote_runs(runs: str) -> dict[str, dict]:
    from mlfund.grading._execute import loads_capped, result_from_json

    found = {}
    for name, run in loads_capped(runs).items():
        if isinstance(run, dict):
            result = run.get("result")
            found[str(name)] = {"digest": run.get("digest"), "fault": run.get("fault"),
                                "result": result_from_json(result) if result else None}
    return found


def _fault_reason(log_text: str) -> str:
    """The grader fault named in nbgrader's log, else its last error."""
    for line in reversed((log_text or "").splitlines()):
        if "grader fault" in line:
            return line[line.index("grader fault"):][:400]
    return f"grader fault: {_last_error(log_text)}"


def _forget_grade(api, assignment: str, student: str) -> None:
    """A submission that the grader failed on keeps no score in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            gb.remove_submission(assignment, student)
    except MissingEntry:
        pass
    except Exception as exc:  # the gradebook itself is unreachable: say so in the log
        log.warning("could not remove the failed grade of %s: %s", student, exc)


def check_submission(course_dir: Path, assignment: str, student: str) -> str | None:
    """Say what is wrong with a submission's files before nbgrader sees them."""
    import nbformat

    from mlfund.course._nbgrader import week_source

    expected = sorted(p.name for p in week_source(assignment).glob("*.ipynb"))
    folder = course_dir / "submitted" / student / assignment
    found = sorted(p.name for p in folder.glob("*.ipynb"))
    missing = [name for name in expected if name not in found]
    if missing:
        also = f"; found {', '.join(found)}" if found else "; no notebook was submitted"
        return f"missing notebook {', '.join(missing)}{also}"
    for name in expected:
        try:
            nbformat.read(str(folder / name), as_version=4)
        except Exception as exc:
            return f"{name} is not a readable notebook ({type(exc).__name__})"
    return None


def _scores(api, assignment: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            submission = gb.find_submission(assignment, student)
            return float(submission.score), float(submission.max_score)
    except MissingEntry:
        return None, None


# ---------------------------------------------------------------------------------------
# the parent side


class Progress:
    """A one-line progress report with counts and an ETA, on stderr."""

    def __init__(self, total: int, *, stream=None, enabled: bool = True) -> None:
        self.total = total
        self.done = 0
        self.errors = 0
        self.started = time.monotonic()
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.errors += outcome.status in ("error", "fault")
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        rate = elapsed / self.done
        eta = rate * (self.total - self.done)
        line = (f"[{self.done}/{self.total}] {100 * self.done / self.total:5.1f}%  "
                f"graded {self.done - self.errors}  errors {self.errors}  "
                f"{rate:.2f} s/submission  ETA {int(eta // 60)}m{int(eta % 60):02d}s")
        if self.tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write("\r" + line + end)
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            self.stream.write(line + "\n")
        self.stream.flush()


def ensure_generated(course_dir: Path, assignment: str, db_url: str | None = None) -> None:
    """nbgrader grades only assignments it has generated: do it once if it never was."""
    from nbgrader.api import Gradebook, MissingEntry

    from mlfund.course._nbgrader import api

    grader = api(course_dir, db_url)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        try:
            if gb.find_assignment(assignment).notebooks:
                return
        except MissingEntry:
            pass
    result = grader.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader could not generate {assignment}: "
                           f"{_last_error(result.get('log', ''))}")


def autograde_batch(assignment: str, *, course_dir: Path, db_url: str | None = None,
                    **options) -> list[Outcome]:
    """Autograde every submission of ``assignment``; return one outcome per submission.

    Holds the course's autograde lock meanwhile (:mod:`mlfund.course._lock`): a second run
    started at once raises :class:`~mlfund.course._lock.CourseLocked`. The options are
    :func:`grade_submissions`'s.
    """
    from mlfund.course._lock import autograde_lock

    course_dir = Path(course_dir).resolve()
    config = load_config(course_dir, db_url).CourseDirectory
    with autograde_lock(course_dir, db_url=str(config.db_url),
                        course_id=str(config.course_id)):
        return grade_submissions(assignment, course_dir=course_dir, db_url=db_url, **options)


def grade_submissions(assignment: str, *, course_dir: Path, jobs: int | None = None,
                    force: bool = False, timeout: int = 60, late_policy: str = "",
                    db_url: str | None = None, students: Iterable[str] | None = None,
                    stock: bool = False, progress: bool = True,
                    on_outcome: Callable[[Outcome], None] | None = None,
                    dask=None) -> list[Outcome]:
    """Autograde every submission of ``assignment`` (under the lock the caller holds).

    Submissions already in the journal with the same files are skipped (``status``
    ``"skipped"`` in the returned list) unless ``force``. With ``dask`` (a scheduler's
    address, ``"local"``/``"local:N"`` for a cluster on this machine, or a connected
    ``distributed.Client``, which is left open) the learners' code
    runs on the Dask workers and ``jobs`` local workers prepare and record the submissions
    (see :mod:`mlfund.course._distributed`).
    """
    course_dir = Path(course_dir).resolve()
    everyone = list(students) if students is not None else submitted_students(course_dir,
                                                                              assignment)
    journal = journal_path(course_dir, assignment)
    done = {} if force else read_journal(journal)
    todo, outcomes = [], []
    for student in everyone:
        previous = done.get(student)
        same = previous is not None and previous.digest == submission_digest(
            course_dir, assignment, student)
        if same and previous.status != "fault":
            outcomes.append(Outcome(student, "skipped", previous.score, previous.max_score,
                                    previous.seconds, previous.error, previous.digest))
        else:
            todo.append(student)
    if todo:
        ensure_generated(course_dir, assignment, db_url)
    jobs = max(1, jobs or os.cpu_count() or 1)
    bar = Progress(len(todo), enabled=progress)
    context = multiprocessing.get_context("fork")
    initargs = (str(course_dir), db_url, timeout, late_policy, stock, assignment)
    remaining = list(todo)
    attempts = 0
    if dask is not None and todo:
        from mlfund.course._distributed import DaskBatch

        def record(outcome: Outcome) -> None:
            _append(journal, outcome)
            outcomes.append(outcome)
            bar.update(outcome)
            if on_outcome is not None:
                on_outcome(outcome)

        DaskBatch(assignment, todo, address=dask, course_dir=course_dir,
                  initargs=(str(course_dir), db_url, timeout, late_policy, False, ""),
                  jobs=min(jobs, len(todo)), record=record).run()
        remaining = []
    while remaining and attempts < 3:
        attempts += 1
        with cf.ProcessPoolExecutor(max_workers=min(jobs, len(remaining)), mp_context=context,
                                    initializer=_init_worker, initargs=initargs) as pool:
            futures = {pool.submit(_grade_one, assignment, s): s for s in remaining}
            broken = []
            for future in cf.as_completed(futures):
                student = futures[future]
                try:
                    outcome = future.result()
                except cf.process.BrokenProcessPool:
                    broken.append(student)
                    continue
                except Exception as exc:
                    outcome = Outcome(student, "error", error=f"{type(exc).__name__}: {exc}",
                                      digest=submission_digest(course_dir, assignment, student))
                if outcome.status == "fault" and (outcome.error or "").startswith("canary: "):
                    for other in futures:
                        other.cancel()
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise CanaryFailed(outcome.error[len("canary: "):])
                _append(journal, outcome)
                outcomes.append(outcome)
                bar.update(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        remaining = broken
    for student in remaining:
        outcome = Outcome(student, "fault", error="grader fault: the grading worker crashed "
                                                  "three times",
                          digest=submission_digest(course_dir, assignment, student))
        _append(journal, outcome)
        outcomes.append(outcome)
        bar.update(outcome)
    order = {s: i for i, s in enumerate(everyone)}
    return sorted(outcomes, key=lambda o: order.get(o.student, len(order)))
