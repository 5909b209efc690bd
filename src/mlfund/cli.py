"""The ``mlfund`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlfund import __version__


def _workbook_update(args: argparse.Namespace) -> int:
    from mlfund.course._workbook import update_workbook

    print(update_workbook(args.dest).summary())
    return 0


def _workbook_open(args: argparse.Namespace) -> int:
    from mlfund.course._workbook import open_workbook

    return open_workbook(args.dest, port=args.port, no_browser=args.no_browser)


def _grade(args: argparse.Namespace) -> int:
    from mlfund.course._local import format_table, grade_notebook, written_items
    from mlfund.grading import GraderFault

    try:
        rows, isolation = grade_notebook(args.path, timeout=args.timeout)
    except (FileNotFoundError, ValueError) as exc:
        print(f"mlfund grade: {exc}", file=sys.stderr)
        return 2
    except GraderFault as exc:
        print(f"mlfund grade: the grader failed, so there is no grade (this is not your "
              f"answer's fault): {exc}", file=sys.stderr)
        return 3
    print(format_table(rows, written=written_items(args.path)))
    print(f"\nIsolation: {isolation}.")
    return 0


def _progress(args: argparse.Namespace) -> int:
    from mlfund.course._workbook import default_workbook
    from mlfund.course.progress import progress

    print(progress(args.workbook or default_workbook()).table())
    return 0


def _solutions(args: argparse.Namespace) -> int:
    from mlfund.course._solutions import SolutionsError, learner_solutions

    try:
        done = learner_solutions(args.week, args.dest)
    except SolutionsError as exc:
        print(f"mlfund solutions: {exc}", file=sys.stderr)
        return 2
    print(f"The solutions of {args.week}: open " + ", ".join(str(p) for p in done.pages)
          + " in a browser (or the notebooks beside them in JupyterLab).")
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from mlfund import exercises

    specs = list(exercises.catalogue())
    if args.week is not None:
        specs = [s for s in specs if s.week == args.week]
    for spec in specs:
        print(f"{spec.id:<40} {spec.kind:<10} {spec.points:>4g}  {spec.prompt}")
    return 0


def _add_course_commands(sub: argparse._SubParsersAction) -> None:
    from mlfund.course._cli import add_course_parser

    add_course_parser(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlfund",
        description="mlfund: a workbook of machine-learning fundamentals, graded automatically.",
    )
    parser.add_argument("--version", action="version", version=f"mlfund {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    workbook = sub.add_parser("workbook", help="the learner's copies of the weekly notebooks")
    wsub = workbook.add_subparsers(dest="action", metavar="ACTION", required=True)
    update = wsub.add_parser("update", help="copy new weeks into the workbook (never overwrites)")
    update.add_argument("--dest", type=Path, default=None, help="workbook folder (./workbook)")
    update.set_defaults(func=_workbook_update)
    lab = wsub.add_parser("open", help="open the workbook in JupyterLab")
    lab.add_argument("--dest", type=Path, default=None, help="workbook folder (./workbook)")
    lab.add_argument("--port", type=int, default=None, help="port (default: 8888 or the next free)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=_workbook_open)

    grade = sub.add_parser("grade", help="grade your own notebook locally, as the autograder would")
    grade.add_argument("path", type=Path, help="the notebook to grade")
    grade.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")
    grade.set_defaults(func=_grade)

    shown = sub.add_parser("progress", help="items answered, checked and correct per week")
    shown.add_argument("workbook", type=Path, nargs="?", default=None,
                       help="the workbook folder (default ./workbook)")
    shown.set_defaults(func=_progress)

    answers = sub.add_parser("solutions", help="a week's solutions, beside your workbook")
    answers.add_argument("week", help="e.g. w01")
    answers.add_argument("--dest", type=Path, default=None,
                         help="workbook folder (default ./workbook): writes WEEK/solutions/")
    answers.set_defaults(func=_solutions)

    listing = sub.add_parser("exercises", help="list the autograded exercises")
    listing.add_argument("--week", type=int, default=None, help="only this week")
    listing.set_defaults(func=_exercises)

    _add_course_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
