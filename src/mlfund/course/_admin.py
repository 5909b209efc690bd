"""Creating the course folder and releasing a week."""

from __future__ import annotations

from pathlib import Path

from mlfund.course._nbgrader import CONFIG_NAME, api, course_stub
from mlfund.course._signature import result_key


def init_course(course: Path, *, quiet: bool = False) -> str:
    """Create the course folder, its nbgrader config and gradebook; record the schedule."""
    course = Path(course)
    created = not course.exists()
    course.mkdir(parents=True, exist_ok=True)
    (course / "exchange").mkdir(exist_ok=True)
    stub = course / CONFIG_NAME
    if not stub.exists():
        stub.write_text(course_stub(course), encoding="utf-8")
    result_key(course, create=True)  # signs the trusted step's results for the reports
    recorded = record_schedule(course)
    if quiet:
        return ""
    what = "Created" if created else "Updated"
    return (f"{what} the course folder {course} (gradebook, exchange, {CONFIG_NAME}); "
            f"{recorded} assignment(s) from the schedule. Stock nbgrader commands work there.")


def record_schedule(course: Path) -> int:
    """Put each scheduled assignment with its due date into the gradebook."""
    from nbgrader.api import Gradebook

    from mlfund.course._nbgrader import assignments
    from mlfund.course._schedule import ScheduleError, load_schedule

    try:
        schedule = load_schedule()
    except ScheduleError:
        return 0
    grader = api(course)
    existing = set(assignments())
    count = 0
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        for entry in schedule.entries:
            if entry.id in existing:
                gb.update_or_create_assignment(entry.id, duedate=entry.due)
                count += 1
    return count


def release(week: str, course: Path, *, exchange: bool = False) -> str:
    """Generate the student version of ``week``; optionally release it to the exchange."""
    grader = api(course)
    result = grader.generate_assignment(week, force=True, create=True)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader could not generate {week}:\n{result.get('log', '')[-2000:]}")
    folder = Path(grader.coursedir.format_path(grader.coursedir.release_directory, ".", week))
    text = f"Generated the student version of {week} in {folder}."
    if exchange:
        released = grader.release_assignment(week)
        if not released.get("success"):
            raise RuntimeError(f"release to the exchange failed:\n{released.get('log', '')}")
        text += " Released it to the exchange."
    return text
