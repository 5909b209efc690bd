"""A ``kill -9`` of the autograder mid-batch, then a rerun: nothing lost, nothing graded twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from mlfund.course._admin import init_course
from mlfund.course._batch import journal_path, read_journal
from mlfund.course._nbgrader import notebooks_dir

WEEK = "w01"
STUDENTS = [f"s{i:02d}" for i in range(8)]


def _autograde(course, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "mlfund", "course", "--course-dir", str(course), "autograde",
         WEEK, "--jobs", "2", "--quiet", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def test_does_a_rerun_after_kill_9_grade_each_submission_exactly_once(tmp_path):
    course = tmp_path / "course"
    init_course(course, quiet=True)
    source = next((notebooks_dir() / WEEK).glob("*.ipynb"))
    for student in STUDENTS:
        folder = course / "submitted" / student / WEEK
        folder.mkdir(parents=True)
        shutil.copy(source, folder / source.name)
    journal = journal_path(course, WEEK)

    first = _autograde(course)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the batch finished before it could be killed"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    before = read_journal(journal)
    assert 2 <= len(before) < len(STUDENTS)

    second = _autograde(course)
    output, _ = second.communicate(timeout=600)
    assert second.returncode == 0, output.decode()[-2000:]
    after = read_journal(journal)
    assert set(after) == set(STUDENTS)
    assert all(o.status == "graded" for o in after.values()), after
    # every finished submission has exactly one complete line in the journal
    lines = []
    for line in journal.read_text().splitlines():
        try:
            lines.append(json.loads(line)["student"])
        except ValueError:
            continue  # a line torn by the kill
    assert sorted(lines) == sorted(STUDENTS)
    # the rerun reported the ones graded before the kill as skipped
    assert f"{len(before)} already graded (skipped)" in output.decode()
