"""``mlfund course ...``: the instructor's week."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path


def _course_dir(args: argparse.Namespace) -> Path:
    if args.course_dir is not None:
        return Path(args.course_dir).resolve()
    from mlfund.course._nbgrader import project_root

    return Path(os.environ.get("MLFUND_COURSE_DIR", project_root() / "course")).resolve()


def _fail(message: str, *, code: int = 2) -> int:
    print(f"mlfund course: {message}", file=sys.stderr)
    return code


def _private(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a course command under the private umask, the course folder closed to others.

    The folder is closed again first: one made before it was private, opened by hand, or
    with submissions that stock ``nbgrader collect`` left open to everyone.
    """

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from mlfund import exercises
        from mlfund.course._nbgrader import link_public_weeks
        from mlfund.course._private import make_private, private_umask

        course = _course_dir(args)
        # every layer below (and nbgrader's configuration) reads the course from here
        before = os.environ.get("MLFUND_COURSE_DIR")
        os.environ["MLFUND_COURSE_DIR"] = str(course)
        try:
            if course.is_dir() and course.stat().st_uid == os.geteuid():
                make_private(course)
            try:
                exercises.use_folder(course / "exercises")
            except exercises.PrivateCatalogueError as exc:
                return _fail(f"the course's own exercises cannot be loaded: {exc}")
            with private_umask():
                if course.is_dir() and course.stat().st_uid == os.geteuid():
                    link_public_weeks(course)
                return command(args)
        finally:  # a command run in-process leaves the process as it found it
            exercises.stop_using_folder(course / "exercises")
            if before is None:
                os.environ.pop("MLFUND_COURSE_DIR", None)
            else:
                os.environ["MLFUND_COURSE_DIR"] = before

    return run


def _check_week(week: str) -> str | None:
    from mlfund.course._nbgrader import assignments

    known = assignments()
    if week not in known:
        return f"week ({week!r}) has no notebook; the weeks are {', '.join(known) or 'none'}."
    return None


def cmd_init(args: argparse.Namespace) -> int:
    from mlfund.course._admin import init_course

    course = _course_dir(args)
    try:
        print(init_course(course, exchange=args.exchange))
    except RuntimeError as exc:
        return _fail(str(exc))
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from mlfund.course._admin import init_course, release

    if (problem := _check_week(args.week)) is not None:
        return _fail(problem)
    from mlfund.course._variants import VariantError, read_roster

    course = _course_dir(args)
    try:
        students = read_roster(args.students)
    except VariantError as exc:
        return _fail(f"--students: {exc}")
    init_course(course, quiet=True)
    try:
        print(release(args.week, course, exchange=args.exchange, force=args.force,
                      students=students, personal_to=args.personal_to))
    except (RuntimeError, VariantError) as exc:
        return _fail(str(exc))
    return 0


def cmd_new_week(args: argparse.Namespace) -> int:
    from mlfund.course._newweek import NewWeekError, new_week

    course = _course_dir(args)
    try:
        print(new_week(course, args.name, title=args.title or ""))
    except NewWeekError as exc:
        return _fail(str(exc))
    return 0


def cmd_release_solutions(args: argparse.Namespace) -> int:
    from mlfund.course._exchange import ExchangeError
    from mlfund.course._solutions import SolutionsError, release_solutions

    if (problem := _check_week(args.week)) is not None:
        return _fail(problem)
    try:
        print(release_solutions(args.week, _course_dir(args), force=args.force,
                                exchange=args.exchange))
    except (SolutionsError, ExchangeError) as exc:
        return _fail(str(exc))
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from mlfund.course._collect import CollectError, collect
    from mlfund.course._inbound import collect_from_exchange

    if (problem := _check_week(args.week)) is not None:
        return _fail(problem)
    course = _course_dir(args)
    try:
        if args.from_exchange:
            report = collect_from_exchange(args.week, course_dir=course)
        else:
            report = collect(args.week, args.source, course_dir=course)
    except CollectError as exc:
        return _fail(str(exc))
    print(report.summary())
    if report.imported or report.unchanged:
        return 0
    if args.from_exchange and not (report.errors or report.notes or report.skipped):
        print(f"No submissions of {args.week} in the exchange yet.")
        return 0
    where = "the exchange" if args.from_exchange else str(args.source)
    hint = ""
    if not args.from_exchange and "+" in " ".join(report.skipped + [str(e) for e in report.errors]):
        hint = " It looks like nbgrader's exchange inbound: use --from-exchange."
    return _fail(f"no submission of {args.week} was imported from {where}.{hint}", code=1)


def cmd_autograde(args: argparse.Namespace) -> int:
    from mlfund.course._admin import init_course
    from mlfund.course._batch import CanaryFailed, autograde_batch
    from mlfund.course._distributed import ClusterUnavailable
    from mlfund.course._lock import CourseLocked
    from mlfund.course._schedule import ScheduleError, load_schedule

    if (problem := _check_week(args.week)) is not None:
        return _fail(problem)
    if args.dask is not None:
        from mlfund.course._distributed import check_address

        if (problem := check_address(args.dask)) is not None:
            return _fail(problem)
        if args.stock:
            return _fail("--stock runs nbgrader's own kernels here; it cannot go with --dask.")
    course = _course_dir(args)
    init_course(course, quiet=True)
    try:
        policy = str(load_schedule().get(args.week).late_policy)
    except ScheduleError:
        policy = ""
    try:
        outcomes = autograde_batch(args.week, course_dir=course, jobs=args.jobs,
                                   force=args.force, timeout=args.timeout, late_policy=policy,
                                   stock=args.stock, progress=not args.quiet,
                                   dask=args.dask)
    except CanaryFailed as exc:
        return _fail(f"{args.week}: not graded: {exc}", code=3)
    except CourseLocked as exc:
        return _fail(f"{args.week}: not graded: {exc}", code=4)
    except ClusterUnavailable as exc:
        return _fail(f"{args.week}: not graded: {exc}")
    from mlfund.course._reports import autograde_summary

    print(autograde_summary(args.week, outcomes))
    return 3 if any(o.status == "fault" for o in outcomes) else 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from mlfund.course._nbgrader import api

    if (problem := _check_week(args.week)) is not None:
        return _fail(problem)
    result = api(_course_dir(args)).generate_feedback(args.week, force=True)
    if not result.get("success"):
        return _fail(f"feedback failed:\n{result.get('log', '')[-2000:]}")
    folder = _course_dir(args) / "feedback"
    count = len(list(folder.glob(f"*/{args.week}/*.html")))
    print(f"Wrote {count} feedback file(s) under {folder}/STUDENT/{args.week}/.")
    if args.exchange:
        from mlfund.course._exchange import release_feedback_to_exchange

        try:
            done = release_feedback_to_exchange(args.week, _course_dir(args))
        except RuntimeError as exc:
            return _fail(str(exc))
        whose = ("each readable by its student alone" if done.owned_by_student else
                 "each named by its submission's secret in a folder nobody may list")
        print(f"Released {done.released} page(s) of {done.students} student(s) to the "
              f"exchange, {whose}. Students run `nbgrader fetch_feedback {args.week}`.")
        if done.without_secret:
            print("Not released (not submitted through the exchange): "
                  + ", ".join(done.without_secret))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from mlfund.course._nbgrader import api
    from mlfund.course._reports import export_grades, released_weeks

    course = _course_dir(args)
    grader = api(course)
    target = args.to or (course / "grades.csv")
    weeks = released_weeks(course)
    with open(target, "w", newline="", encoding="utf-8") as out:
        rows = export_grades(grader.coursedir.db_url, grader.coursedir.course_id, out,
                             weeks=weeks)
    print(f"Wrote {rows} row(s) to {target}: a row per student and released week "
          f"({', '.join(weeks) or 'none yet'}).")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from mlfund.course._batch import journal_path, read_journal
    from mlfund.course._reports import item_report

    if (problem := _check_week(args.week)) is not None:
        return _fail(problem)
    course = _course_dir(args)
    journal = read_journal(journal_path(course, args.week))
    target = args.to or (course / "reports" / f"{args.week}.html")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(item_report(course, args.week, journal), encoding="utf-8")
    print(f"Wrote the item analysis of {args.week} to {target}.")
    return 0


def add_course_parser(sub: argparse._SubParsersAction) -> None:
    from mlfund.course._exchange import DEFAULT_EXCHANGE

    course = sub.add_parser(
        "course", help="the instructor's week: release, collect, autograde, feedback, export, "
                       "report",
        description="The instructor's week on nbgrader. The course folder (submissions, "
                    "grades, the gradebook) is the instructor's alone: mode 700, and every "
                    "command writes under umask 077. Students meet the course in nbgrader's "
                    "exchange, outside it: $MLFUND_EXCHANGE, else the folder `init --exchange "
                    f"DIR` wrote in the course's nbgrader_config.py, else {DEFAULT_EXCHANGE}.")
    course.add_argument("--course-dir", type=Path, default=None,
                        help="the course folder (default: $MLFUND_COURSE_DIR or ./course)")
    csub = course.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = csub.add_parser("init", help="create the course folder (private) and its gradebook")
    p.add_argument("--exchange", type=Path, default=None, metavar="DIR",
                   help="the exchange shared with the students, written in the course's "
                        "nbgrader_config.py for mlfund and stock nbgrader alike, created mode "
                        f"1777 if missing; outside the course folder (default {DEFAULT_EXCHANGE}"
                        "; MLFUND_EXCHANGE overrides both)")
    p.set_defaults(func=_private(cmd_init))

    p = csub.add_parser("release", help="generate the student version of a week (and release "
                                        "it to the course's exchange, if it has one)")
    p.add_argument("week", help="assignment id, e.g. w01")
    p.add_argument("--exchange", action="store_const", const=True, default=None,
                   help="also release it to nbgrader's exchange for `nbgrader fetch_assignment` "
                        "(the exchange of the course's nbgrader_config.py, see `init --exchange`"
                        f"; default {DEFAULT_EXCHANGE}). Without it, a course that named its "
                        "exchange (init --exchange, MLFUND_EXCHANGE) releases there anyway, as "
                        "nbgrader's release does, so the formgrader lists the week as released")
    p.add_argument("--no-exchange", dest="exchange", action="store_const", const=False,
                   help="only generate the student version, even in a course with an exchange")
    p.add_argument("--force", action="store_true",
                   help="replace the week if it is already in the exchange")
    p.add_argument("--students", default=None, metavar="IDS|FILE",
                   help="in a course with variants: the students to write a personal copy "
                        "for (a,b,c or a file with one id per line), beside those already in "
                        "the gradebook")
    p.add_argument("--personal-to", default=None, metavar="PATH",
                   help="also copy each student's own copy to PATH, which names the student "
                        "as {student} (e.g. '/home/{student}/risk1' on a shared hub; as root "
                        "the copy is given to that user); a copy already there is kept")
    p.set_defaults(func=_private(cmd_release))

    p = csub.add_parser("new-week", help="the skeleton of an assignment of the course's own: "
                                         "exercises, authoring script, source notebook")
    p.add_argument("name", help="the assignment's name: lower-case letters, digits and '_' "
                                "(e.g. risk1)")
    p.add_argument("--title", default=None, help="its title in the schedule")
    p.set_defaults(func=_private(cmd_new_week))

    p = csub.add_parser("release-solutions",
                        help="after a week's due date, its solutions (notebook and page) in "
                             "course/solutions/WEEK and the course's exchange")
    p.add_argument("week")
    p.add_argument("--force", action="store_true", help="release them before the due date")
    p.add_argument("--exchange", action="store_const", const=True, default=None,
                   help="also to the exchange as WEEK-solutions (default: when the course "
                        "names its exchange)")
    p.add_argument("--no-exchange", dest="exchange", action="store_const", const=False,
                   help="only in the course folder")
    p.set_defaults(func=_private(cmd_release_solutions))

    p = csub.add_parser("collect", help="import submissions from the exchange, a folder or a zip")
    p.add_argument("week")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--from", dest="source", type=Path, default=None,
                       help="a folder laid out by student id, or an LMS download zip")
    where.add_argument("--from-exchange", action="store_true",
                       help="each student's newest `nbgrader submit` from the exchange "
                            "(again: only what is newer)")
    p.set_defaults(func=_private(cmd_collect))

    p = csub.add_parser("autograde", help="autograde every submission of a week, in parallel")
    p.add_argument("week")
    p.add_argument("--jobs", type=int, default=None,
                   help="local worker processes (default: cores); with --dask, the local "
                        "processes that prepare and record the submissions")
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="run the learners' code on a Dask cluster: a scheduler's address "
                        "(tcp://HOST:8786), or local[:N] for N workers on this machine; "
                        "scoring, the gradebook and the journal stay here (docs/dask.md)")
    p.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded")
    p.add_argument("--stock", action="store_true",
                   help="use nbgrader's own kernel start-up per submission (slower)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_private(cmd_autograde))

    p = csub.add_parser("feedback", help="generate HTML feedback for a week")
    p.add_argument("week")
    p.add_argument("--exchange", action="store_true",
                   help="also release it to the exchange for `nbgrader fetch_feedback`")
    p.set_defaults(func=_private(cmd_feedback))

    p = csub.add_parser("export", help="export grades as CSV (one row per student and released "
                                       "week: autograded, hand_graded, late_penalty, final)")
    p.add_argument("--to", type=Path, default=None, help="output file (default course/grades.csv)")
    p.set_defaults(func=_private(cmd_export))

    p = csub.add_parser("report", help="HTML item analysis of a week")
    p.add_argument("week")
    p.add_argument("--to", type=Path, default=None, help="output file")
    p.set_defaults(func=_private(cmd_report))
