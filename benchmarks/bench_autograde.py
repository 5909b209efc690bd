"""Autograding throughput: ``mlfund course autograde`` against plain ``nbgrader autograde``.

    python benchmarks/bench_autograde.py --n 100 --week w01 [--jobs 2] [--skip-nbgrader]

Builds ``n`` synthetic submissions of one week (a third correct, a third with catalogued
mistakes, a third blank), copies them into two fresh course folders, and times

- ``mlfund course autograde WEEK`` (a process pool, forked one-shot kernels), and
- ``nbgrader autograde WEEK`` run in the course folder (one kernel start per submission),

both with the same course configuration (the same trusted scoring). Prints a markdown
table with wall time and submissions per minute, and checks that both gave the same scores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat


def _variants(week: str, release: Path) -> list[nbformat.NotebookNode]:
    from mlfund import exercises
    from mlfund.course._nbgrader import notebooks_dir

    source_path = next((notebooks_dir() / week).glob("*.ipynb"))
    correct = nbformat.read(str(source_path), as_version=4)
    blank = nbformat.read(str(release / source_path.name), as_version=4)
    wrong = nbformat.read(str(source_path), as_version=4)
    specs = {s.id: s for s in exercises.week(int(week[1:]))}
    for cell in wrong.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        spec = specs.get(gid)
        if spec is None or not spec.mistakes or spec.kind != "expression":
            continue
        mistake = spec.mistakes[0]
        if isinstance(mistake.form, str):
            variable = cell.source.split("=", 1)[0].strip()
            cell.source = f"{variable} = {mistake.form!r}"
    return [correct, wrong, blank]


def build(course: Path, week: str, n: int) -> None:
    from mlfund.course._admin import init_course
    from mlfund.course._workbook import generate_student_version

    init_course(course, quiet=True)
    release = generate_student_version(week, course)
    variants = _variants(week, release)
    name = next(release.glob("*.ipynb")).name
    for i in range(n):
        folder = course / "submitted" / f"student{i:03d}" / week
        folder.mkdir(parents=True)
        nbformat.write(variants[i % len(variants)], str(folder / name))


def _scores(course: Path, week: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    from mlfund.course._nbgrader import api

    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        return {s.student.id: round(s.code_score, 6) for s in gb.assignment_submissions(week)}


def run_mlfund(course: Path, week: str, jobs: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mlfund", "course", "--course-dir", str(course),
                    "autograde", week, "--jobs", str(jobs), "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run_nbgrader(course: Path, week: str) -> float:
    nbgrader = shutil.which("nbgrader", path=os.path.dirname(sys.executable)) or "nbgrader"
    env = dict(os.environ, MLFUND_COURSE_DIR=str(course))
    started = time.perf_counter()
    subprocess.run([nbgrader, "autograde", week, "--force"], cwd=course, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--week", default="w01")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-nbgrader", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlfund-bench-") as tmp:
        ours, plain = Path(tmp) / "mlfund", Path(tmp) / "nbgrader"
        build(ours, args.week, args.n)
        shutil.copytree(ours, plain)
        rows = [("mlfund course autograde", run_mlfund(ours, args.week, args.jobs),
                 f"{args.jobs} worker(s)")]
        if not args.skip_nbgrader:
            rows.append(("nbgrader autograde", run_nbgrader(plain, args.week), "serial"))
            same = _scores(ours, args.week) == _scores(plain, args.week)
        print(f"{args.n} submissions of {args.week}, {os.cpu_count()} cores\n")
        print("| command | wall time (s) | submissions/min | notes |")
        print("|---|---:|---:|---|")
        for name, seconds, note in rows:
            print(f"| `{name}` | {seconds:.1f} | {60 * args.n / seconds:.1f} | {note} |")
        if not args.skip_nbgrader:
            print(f"\nspeed-up: {rows[1][1] / rows[0][1]:.1f}x; same scores: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
