"""Autograding throughput: ``mlfund course autograde`` against plain ``nbgrader autograde``.

    python benchmarks/bench_autograde.py --n 100 --week w01 [--jobs 2] [--skip-nbgrader]
    python benchmarks/bench_autograde.py --n 1000 --skip-nbgrader     # does it scale?
    python benchmarks/bench_autograde.py --n 100 --dask local:2       # on a Dask cluster

Builds ``n`` synthetic submissions of one week (a third correct, a third with catalogued
mistakes, a third blank), copies them into two fresh course folders, and times

- ``mlfund course autograde WEEK`` (a process pool, forked one-shot kernels), and
- ``nbgrader autograde WEEK`` run in the course folder (one kernel start per submission),

both with the same course configuration (the same trusted scoring). Prints a markdown
table with wall time, submissions per minute, seconds per submission and the peak memory of
the whole process tree (the pool, its clean processes and kernels; sampled every 0.2 s), and
checks that both gave the same scores. The pool's start-up (and each worker's canary) is in
the time: that is what an instructor waits for.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
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


def _tree_rss(root: int) -> int:
    """Bytes of resident memory of ``root`` and every process below it (Linux /proc)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                parents[int(name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def timed(command: list[str], **kwargs) -> tuple[float, int, float]:
    """Wall time, peak resident memory and CPU time of the process tree of ``command``.

    The CPU time (user and system, of every process below it once reaped) hardly depends on
    what else the machine runs, unlike the wall time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, **kwargs)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise subprocess.CalledProcessError(code, command)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, peak[0], cpu


def run_mlfund(course: Path, week: str, jobs: int, dask: str | None = None
               ) -> tuple[float, int, float]:
    command = [sys.executable, "-m", "mlfund", "course", "--course-dir", str(course),
               "autograde", week, "--jobs", str(jobs), "--quiet"]
    if dask:
        command += ["--dask", dask]
    return timed(command, stdout=subprocess.DEVNULL)


def run_nbgrader(course: Path, week: str) -> tuple[float, int, float]:
    nbgrader = shutil.which("nbgrader", path=os.path.dirname(sys.executable)) or "nbgrader"
    env = dict(os.environ, MLFUND_COURSE_DIR=str(course))
    return timed([nbgrader, "autograde", week, "--force"], cwd=course, env=env,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--week", default="w01")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dask", default=None, metavar="ADDRESS",
                        help="grade on this Dask cluster (local:N: N workers here)")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--no-score-cache", action="store_true",
                        help="score every item even when its answer was seen before "
                             "(MLFUND_SCORE_CACHE=0)")
    args = parser.parse_args(argv)
    if args.no_score_cache:
        os.environ["MLFUND_SCORE_CACHE"] = "0"
    with tempfile.TemporaryDirectory(prefix="mlfund-bench-") as tmp:
        ours, plain = Path(tmp) / "mlfund", Path(tmp) / "nbgrader"
        build(ours, args.week, args.n)
        if not args.skip_nbgrader:
            shutil.copytree(ours, plain)
        note = f"{args.jobs} worker(s)" + (f", Dask {args.dask}" if args.dask else "") + (
            ", no score cache" if args.no_score_cache else "")
        rows = [("mlfund course autograde", *run_mlfund(ours, args.week, args.jobs, args.dask),
                 note)]
        if not args.skip_nbgrader:
            rows.append(("nbgrader autograde", *run_nbgrader(plain, args.week), "serial"))
            same = _scores(ours, args.week) == _scores(plain, args.week)
        print(f"{args.n} submissions of {args.week}, {os.cpu_count()} cores\n")
        print("| command | wall time (s) | submissions/min | s/submission | CPU s/submission "
              "| peak memory (MiB) | notes |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, seconds, peak, cpu, note in rows:
            print(f"| `{name}` | {seconds:.1f} | {60 * args.n / seconds:.1f} | "
                  f"{seconds / args.n:.3f} | {cpu / args.n:.3f} | {peak / 2**20:.0f} | {note} |")
        if not args.skip_nbgrader:
            print(f"\nspeed-up: {rows[1][1] / rows[0][1]:.1f}x (CPU time: "
                  f"{rows[1][3] / rows[0][3]:.1f}x); same scores: {same}; load average "
                  f"{os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
