"""Creating the course folder and releasing a week."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mlfund.course._nbgrader import CONFIG_NAME, api, course_stub, with_exchange
from mlfund.course._signature import result_key


def init_course(course: Path, *, exchange: Path | None = None, quiet: bool = False) -> str:
    """Create the course folder, its nbgrader config and gradebook; record the schedule.

    The folder is made the instructor's alone (mode 700, see :mod:`mlfund.course._private`).
    ``exchange``, when given, is written in the course's ``nbgrader_config.py`` as the
    exchange shared with the students, and made ready for them.
    """
    from mlfund.course._exchange import check_outside, exchange_root, prepare_exchange
    from mlfund.course._private import make_private, private_umask

    course = Path(course).resolve()
    created = not course.exists()
    if exchange is not None:
        check_outside(course, Path(exchange))
    with private_umask():
        course.mkdir(parents=True, exist_ok=True)
        untouched = make_private(course)
        stub = course / CONFIG_NAME
        if not stub.exists():
            stub.write_text(course_stub(course, exchange), encoding="utf-8")
        elif exchange is not None:
            stub.write_text(with_exchange(stub.read_text(encoding="utf-8"), exchange),
                            encoding="utf-8")
        result_key(course, create=True)  # signs the trusted step's results for the reports
        recorded = record_schedule(course)
    notes = prepare_exchange(exchange_root(course), course) if exchange is not None else []
    if quiet:
        return ""
    what = "Created" if created else "Updated"
    lines = [f"{what} the course folder {course}: only you can read it (gradebook, "
             f"{CONFIG_NAME}); {recorded} assignment(s) from the schedule. Stock nbgrader "
             "commands work there.",
             f"Exchange shared with the students: {exchange_root(course)} (`--exchange DIR` "
             "sets it; MLFUND_EXCHANGE overrides it)."]
    lines += notes
    if untouched:
        lines.append(f"Could not make {len(untouched)} path(s) private (not yours), "
                     f"e.g. {untouched[0]}.")
    return "\n".join(lines)


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


def chosen_exchange(course: Path) -> bool:
    """Whether the course names its exchange: ``init --exchange DIR`` or ``MLFUND_EXCHANGE``."""
    import os

    from mlfund.course._nbgrader import EXCHANGE_LINE

    if os.environ.get("MLFUND_EXCHANGE"):
        return True
    stub = Path(course) / CONFIG_NAME
    try:
        text = stub.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(line.startswith(EXCHANGE_LINE) for line in text.splitlines())


def release(week: str, course: Path, *, exchange: bool | None = False,
            force: bool = False, students: Iterable[str] | None = None,
            personal_to: str | None = None) -> str:
    """Generate the student version of ``week``; release it to the exchange when asked.

    ``exchange=None`` releases it to the exchange when the course has chosen one
    (:func:`chosen_exchange`) and it exists, as nbgrader's own release does: the formgrader
    then lists the week as released. A week already there is kept unless ``force``.
    ``exchange=True`` always releases it (making the exchange ready first) and refuses a
    week already there without ``force``
    (:func:`mlfund.course._exchange.release_to_exchange`).
    """
    grader = api(course)
    result = grader.generate_assignment(week, force=True, create=True)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader could not generate {week}:\n{result.get('log', '')[-2000:]}")
    folder = Path(grader.coursedir.format_path(grader.coursedir.release_directory, ".", week))
    text = f"Generated the student version of {week} in {folder}."
    text += _graded_and_personal(week, Path(course), folder, students or (), personal_to)
    if exchange is None:
        return text + _release_if_chosen(week, course, force=force)
    if exchange:
        from mlfund.course._exchange import release_to_exchange

        target = release_to_exchange(week, course, force=force)
        text += (f"\nReleased it to the exchange: {target}. Students run `nbgrader "
                 f"fetch_assignment {week}`.")
    return text


def _graded_and_personal(week: str, course: Path, folder: Path,
                         students: Iterable[str], personal_to: str | None = None) -> str:
    """Mark a graded week's notebooks; in a course with variants, write personal copies."""
    import nbformat
    from nbgrader.api import Gradebook

    from mlfund import exercises
    from mlfund.course._variants import (
        deliver,
        mark_graded,
        render_placeholders,
        variants_on,
        write_personal,
    )

    notes = []
    graded = graded_mode_of(week)
    varies = variants_on(course) and any(s.varies for s in exercises.assignment(week)) \
        if week in _known_assignments() else False
    if not graded and not varies:
        return ""
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        if graded:
            nb = mark_graded(nb)
        if varies:
            nb = render_placeholders(nb)
        nbformat.write(nb, str(path))
    if graded:
        notes.append("Graded mode: check() in it says how an answer was read, and no verdict "
                     "until feedback is released.")
    if varies:
        grader = api(course)
        roster = set(students)
        with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
            for student in sorted(roster):
                gb.update_or_create_student(student)
            roster |= {s.id for s in gb.students}
        done = write_personal(week, course, folder, sorted(roster))
        notes.append(f"Numbers differ per student: wrote {len(done)} personal copies in "
                     f"{course / 'personal' / week}/STUDENT/ (hand each to its student); the "
                     "copy in the release shows placeholders."
                     + ("" if done else " No student is known yet: name them with "
                        "--students a,b,… or a roster file, then release again."))
        if personal_to:
            given = deliver(week, course, personal_to, sorted(roster))
            notes.append(f"Copied {len(given)} of them to {personal_to} (copies already "
                         "there were kept).")
    return "\n" + "\n".join(notes)


def graded_mode_of(week: str) -> bool:
    from mlfund.course._variants import graded_mode

    return graded_mode(week)


def _known_assignments() -> set[str]:
    from mlfund import exercises

    return {f"w{n:02d}" for n in exercises.weeks()} | set(exercises.private_assignments())


def _release_if_chosen(week: str, course: Path, *, force: bool) -> str:
    from mlfund.course._exchange import exchange_of, release_to_exchange

    place = exchange_of(course)
    if not chosen_exchange(course) or not place.root.is_dir():
        return ("\nNot released to an exchange (the course names none): hand it out from "
                "there; `--exchange` releases it to nbgrader's exchange, where the formgrader "
                "lists it as released.")
    if (place.outbound / week).exists() and not force:
        return (f"\n{week} is already in the exchange ({place.outbound / week}): kept as it "
                "was; `--force` replaces it.")
    target = release_to_exchange(week, course, force=force)
    return (f"\nReleased it to the course's exchange: {target}. Students run `nbgrader "
            f"fetch_assignment {week}`.")
