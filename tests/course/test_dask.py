"""Autograding on a real Dask cluster: a scheduler and two workers on 127.0.0.1.

The cluster is started as an instructor would start it (`dask scheduler`, `dask worker`),
from a folder that is not the course's; one worker is killed (SIGKILL) in the middle of the
batch. Every submission must end graded exactly once, with the score the local pool gives.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._admin import init_course
from mlfund.course._batch import autograde_batch, journal_path, read_journal
from mlfund.course._nbgrader import notebooks_dir
from mlfund.course._workbook import generate_student_version

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed "
                                                        "(pip install 'mlfund[dask]')")

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
N = 21


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _variants(release: Path) -> dict[str, nbformat.NotebookNode]:
    """The solution, a notebook with a catalogued mistake in each formula, the blank one."""
    correct = nbformat.read(str(SOURCE), as_version=4)
    wrong = nbformat.read(str(SOURCE), as_version=4)
    specs = {s.id: s for s in exercises.week(1)}
    for cell in wrong.cells:
        spec = specs.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if spec is None or not spec.mistakes or spec.kind != "expression":
            continue
        if isinstance(spec.mistakes[0].form, str):
            variable = cell.source.split("=", 1)[0].strip()
            cell.source = f"{variable} = {spec.mistakes[0].form!r}"
    blank = nbformat.read(str(release / SOURCE.name), as_version=4)
    return {"correct": correct, "wrong": wrong, "blank": blank}


def _course(root: Path, students: dict[str, str]) -> Path:
    course = root / "course"
    init_course(course, quiet=True)
    variants = _variants(generate_student_version(WEEK, course))
    for student, variant in students.items():
        folder = course / "submitted" / student / WEEK
        folder.mkdir(parents=True)
        nbformat.write(variants[variant], str(folder / SOURCE.name))
    return course


def _scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    from mlfund.course._nbgrader import api

    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(WEEK)}


def _start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFUND_")}
    env["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=cwd, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_workers(address: str, count: int, timeout: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout=timeout) as client:
        client.wait_for_workers(count, timeout=timeout)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers (no nanny: a killed worker stays dead)."""
    where = tmp_path / "cluster"
    where.mkdir()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [_start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                         "--no-dashboard"], where, where / "scheduler.log")]
    try:
        for name in ("a", "b"):
            processes.append(_start(["worker", address, "--name", name, "--nthreads", "1",
                                     "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                                    where, where / f"worker-{name}.log"))
        _wait_for_workers(address, 2)
        yield address, processes[1:]
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_does_a_dask_cluster_grade_like_the_local_pool_when_a_worker_dies(tmp_path, cluster):
    address, workers = cluster
    kinds = ("correct", "wrong", "blank")
    students = {f"s{i:02d}": kinds[i % 3] for i in range(N)}
    course = _course(tmp_path / "dask", students)
    local = _course(tmp_path / "local", {kind: kind for kind in kinds})
    journal = journal_path(course, WEEK)

    batch = subprocess.Popen(
        [sys.executable, "-m", "mlfund", "course", "--course-dir", str(course), "autograde",
         WEEK, "--dask", address, "--jobs", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and batch.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    assert batch.poll() is None, "the batch finished before a worker could be killed"
    os.killpg(workers[0].pid, signal.SIGKILL)
    killed_at = len(journal.read_text().splitlines())

    # meanwhile, the local pool grades one submission of each kind
    local_outcomes = autograde_batch(WEEK, course_dir=local, jobs=1, progress=False)
    assert [o.status for o in local_outcomes] == ["graded"] * 3
    expected = _scores(local)

    out, err = batch.communicate(timeout=400)
    assert batch.returncode == 0, (out + err)[-3000:]
    assert killed_at < N
    assert f"{WEEK}: {N} graded, 0 already graded (skipped), 0 with errors" in out
    assert f"[{N}/{N}] 100.0%" in err  # the same progress line as the local pool's
    lines = [json.loads(line)["student"] for line in journal.read_text().splitlines()]
    assert sorted(lines) == sorted(students)  # each graded exactly once
    outcomes = read_journal(journal)
    assert {o.status for o in outcomes.values()} == {"graded"}
    assert _scores(course) == {s: expected[kind] for s, kind in students.items()}
    assert expected["correct"] == sum(s.points for s in exercises.week(1))
    assert 0 < expected["wrong"] < expected["correct"]

    # a resubmission: the rerun on what is left of the cluster grades it alone
    shutil.copy(SOURCE, course / "submitted" / "s02" / WEEK / SOURCE.name)
    again = autograde_batch(WEEK, course_dir=course, jobs=1, progress=False, dask=address)
    assert sorted(o.student for o in again if o.status == "graded") == ["s02"]
    assert sum(o.status == "skipped" for o in again) == N - 1
    assert _scores(course)["s02"] == expected["correct"]


def test_does_a_worker_reply_that_ran_another_notebook_fault(tmp_path):
    """A reply is recorded only for the very cells, exercises and files it ran."""
    from mlfund.course import _fastexec
    from mlfund.course._fastexec import REMOTE_RUNS, ForkExecute  # noqa: F401
    from mlfund.grading import GraderFault
    from mlfund.grading._client import RunResult

    nb = nbformat.read(str(SOURCE), as_version=4)
    _fastexec.REMOTE_RUNS = {SOURCE.stem: {"digest": "0" * 64, "fault": None,
                                           "result": RunResult(mode="full")}}
    try:
        with pytest.raises(GraderFault, match="differs from the notebook the cluster ran"):
            ForkExecute().preprocess(nb, {"metadata": {"path": str(tmp_path)},
                                          "nbgrader": {"notebook": SOURCE.stem}})
    finally:
        _fastexec.REMOTE_RUNS = None


def test_is_an_unreachable_scheduler_said_so_before_anything_is_graded(tmp_path,
                                                                       monkeypatch):
    from mlfund.course import _distributed

    monkeypatch.setattr(_distributed, "CONNECT_TIMEOUT", 2)
    course = _course(tmp_path, {"ada": "correct"})
    with pytest.raises(_distributed.ClusterUnavailable, match="cannot reach the Dask "
                                                              "scheduler at tcp://127.0.0.1"):
        autograde_batch(WEEK, course_dir=course, jobs=1, progress=False,
                        dask=f"tcp://127.0.0.1:{_free_port()}")
    assert read_journal(journal_path(course, WEEK)) == {}


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "127.0.0.1:8786", "local",
                                     "local:3"])
def test_are_cluster_addresses_accepted(address):
    from mlfund.course._distributed import check_address

    assert check_address(address) is None


def test_is_a_bad_dask_address_answered_with_a_message(tmp_path):
    out = subprocess.run([sys.executable, "-m", "mlfund", "course", "--course-dir",
                          str(tmp_path / "c"), "autograde", WEEK, "--dask", "local:two"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "dask ('local:two') must be a scheduler's address" in out.stderr
