"""The weekly schedule (``autograder/schedule.toml``) and the late policy it names."""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Unicode

from mlfund.course._nbgrader import project_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ScheduleError(ValueError):
    """The schedule file is wrong; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class LatePolicy:
    """How a late submission is penalised.

    ``kind`` is ``"none"``, ``"zero"`` or ``"per_day"``; for ``per_day``, ``fraction`` of
    the score earned is lost for each started day late, and all of it after ``max_days``.
    """

    kind: str
    fraction: float = 0.0
    max_days: int = 0

    @classmethod
    def parse(cls, text: str) -> LatePolicy:
        text = str(text).strip()
        if text in ("none", "zero"):
            return cls(text)
        m = re.fullmatch(r"per_day:([0-9.]+):([0-9]+)", text)
        if m:
            fraction, days = float(m.group(1)), int(m.group(2))
            if not 0 < fraction <= 1:
                raise ScheduleError(f"late policy ({text!r}): the fraction must be in (0, 1].")
            return cls("per_day", fraction, days)
        raise ScheduleError(
            f"late policy ({text!r}) must be 'none', 'zero' or 'per_day:FRACTION:MAX_DAYS' "
            "(e.g. 'per_day:0.1:5')."
        )

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken off ``score`` for a submission ``seconds_late`` late."""
        if seconds_late <= 0 or self.kind == "none":
            return 0.0
        if self.kind == "zero":
            return float(score)
        days = math.ceil(seconds_late / 86400)
        if days > self.max_days:
            return float(score)
        return float(min(score, score * self.fraction * days))

    def describe(self) -> str:
        """The policy in words, as the feedback states it.

        Examples
        --------
        >>> LatePolicy.parse("per_day:0.1:5").describe()
        '10% of the score for each started day late, all of it after 5 days'
        """
        if self.kind == "none":
            return "no penalty for late work"
        if self.kind == "zero":
            return "late work scores 0"
        return (f"{self.fraction:.0%} of the score for each started day late, all of it after "
                f"{self.max_days} day{'s' if self.max_days != 1 else ''}")

    def __str__(self) -> str:
        if self.kind == "per_day":
            return f"per_day:{self.fraction:g}:{self.max_days}"
        return self.kind


@dataclass(frozen=True, slots=True)
class Entry:
    """One assignment of the schedule."""

    id: str
    title: str
    release: datetime
    due: datetime
    points: float | None
    late_policy: LatePolicy


@dataclass(frozen=True, slots=True)
class Schedule:
    course_id: str
    title: str
    default_late_policy: LatePolicy
    entries: tuple[Entry, ...]
    mode: str = "open"
    variants: bool = False

    @property
    def graded(self) -> bool:
        """Whether learners' ``check(...)`` reveals no verdict on any exercise (a cohort)."""
        return self.mode == "graded"

    def get(self, assignment_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == assignment_id:
                return entry
        known = ", ".join(e.id for e in self.entries) or "none"
        raise ScheduleError(
            f"assignment ({assignment_id!r}) is not in the schedule; it has {known}.")


def default_schedule_path() -> Path:
    return project_root() / "autograder" / "schedule.toml"


def _datetime(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise ScheduleError(f"{where} ({value!r}) must be an ISO date-time such as "
                                "'2027-01-04T09:00:00+00:00'.") from None
    if parsed.tzinfo is None:
        raise ScheduleError(f"{where} ({value!r}) needs a UTC offset such as +00:00.")
    return parsed


MODES = ("open", "graded")


def course_schedule_path() -> Path:
    """The course's own schedule, beside its gradebook: ``COURSE/schedule.toml``."""
    from mlfund.course._nbgrader import course_root

    return course_root() / "schedule.toml"


def load_schedule(path: str | Path | None = None, *,
                  course: str | Path | None = None) -> Schedule:
    """Read and check the schedule.

    Without ``path``: the workbook's (``autograder/schedule.toml``), then the course's own
    (``COURSE/schedule.toml``, of ``course`` or else of ``MLFUND_COURSE_DIR``) when there is
    one: its ``[course]`` settings win and its assignments are added (a course's own) or
    replace the workbook's of the same id.
    """
    if path is not None:
        return _read(Path(path), public=True)
    schedule = _read(default_schedule_path(), public=True)
    own = Path(course) / "schedule.toml" if course is not None else course_schedule_path()
    if not own.is_file():
        return schedule
    course = _read(own, public=False, base=schedule)
    entries = {e.id: e for e in schedule.entries}
    entries.update({e.id: e for e in course.entries})
    return Schedule(course.course_id, course.title, course.default_late_policy,
                    tuple(sorted(entries.values(), key=lambda e: (e.release, e.id))),
                    course.mode, course.variants)


def _read(path: Path, *, public: bool, base: Schedule | None = None) -> Schedule:
    from mlfund.exercises._spec import ASSIGNMENT

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(f"the schedule {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"the schedule {path} is not valid TOML: {exc}") from None
    course = data.get("course", {})
    default = (LatePolicy.parse(course["default_late_policy"])
               if "default_late_policy" in course
               else base.default_late_policy if base is not None else LatePolicy("none"))
    mode = course.get("mode", base.mode if base is not None else "open")
    if mode not in MODES:
        raise ScheduleError(f"{path.name}: [course] mode ({mode!r}) must be 'open' (learners "
                            "see each verdict) or 'graded' (check() only says how an answer "
                            "was read until feedback is released).")
    variants = course.get("variants", base.variants if base is not None else False)
    if not isinstance(variants, bool):
        raise ScheduleError(f"{path.name}: [course] variants ({variants!r}) must be true or "
                            "false.")
    entries = []
    seen = set()
    for i, raw in enumerate(data.get("assignment", [])):
        where = f"{path.name}: assignment #{i + 1}"
        ident = raw.get("id")
        if public:
            if not isinstance(ident, str) or not re.fullmatch(r"w(0[1-9]|1[0-2])", ident):
                raise ScheduleError(f"{where}: id ({ident!r}) must be 'w01' … 'w12'.")
        elif not isinstance(ident, str) or not ASSIGNMENT.fullmatch(ident):
            raise ScheduleError(f"{where}: id ({ident!r}) must be a week 'w01' … 'w12' or a "
                                "name of lower-case letters, digits and '_' such as 'risk1'.")
        if ident in seen:
            raise ScheduleError(f"{where}: id {ident!r} appears twice.")
        seen.add(ident)
        release = _datetime(raw.get("release"), f"{ident}.release")
        due = _datetime(raw.get("due"), f"{ident}.due")
        if due <= release:
            raise ScheduleError(f"{ident}: due ({due.isoformat()}) must be after release.")
        points = raw.get("points")
        if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float))
                                   or points <= 0):
            raise ScheduleError(f"{ident}.points ({points!r}) must be a positive number.")
        policy = LatePolicy.parse(raw["late_policy"]) if "late_policy" in raw else default
        entries.append(Entry(ident, str(raw.get("title", ident)), release, due,
                             None if points is None else float(points), policy))
    course_id = course.get("id", base.course_id if base is not None else "mlfund")
    title = course.get("title", base.title if base is not None else "")
    return Schedule(str(course_id), str(title), default, tuple(entries), mode, variants)


class ScheduleLatePenalty(LateSubmissionPlugin):
    """nbgrader late-submission plugin applying a policy of the schedule.

    ``mlfund course autograde WEEK`` sets ``policy`` from that week's entry; stock
    ``nbgrader autograde`` uses the schedule's default policy.
    """

    policy = Unicode("", help="Late policy: 'none', 'zero' or 'per_day:F:D'; empty means the "
                              "schedule's default.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float:
        text = self.policy or str(load_schedule().default_late_policy)
        return LatePolicy.parse(text).penalty(score, total_seconds_late)
