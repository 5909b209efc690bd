"""The whole course on a PostgreSQL gradebook (a real server on 127.0.0.1) and on SQLite.

init, release, collect, two autograde runs started at once (one grades, the other refuses
and names the lock), hand grading through nbgrader's API, feedback and export: the same
grades on both databases, none lost or recorded twice.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._nbgrader import notebooks_dir

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
NOTEBOOK = SOURCE.stem
FULL = sum(s.points for s in exercises.week(1))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of its own on 127.0.0.1 and a free port; yields a URL maker."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install "
                                          "'mlfund[postgresql]')")
    folder = _postgres_bin()
    if folder is None:
        pytest.skip("PostgreSQL is not installed here (Debian: apt-get install postgresql; "
                    ".ci/run installs it)")
    as_user: dict = {}
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL")
        as_user = {"user": account.pw_uid, "group": account.pw_gid}
    root = Path(tempfile.mkdtemp(prefix="mlfund-pg-"))
    data = root / "data"
    if as_user:
        os.chown(root, as_user["user"], as_user["group"])
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    subprocess.run([folder / "initdb", "-D", data, "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-instructions"], check=True, capture_output=True,
                   env=env, cwd=root, **as_user)
    subprocess.run([folder / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "-t", "60",
                    "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                          "-c synchronous_commit=off -c full_page_writes=off",
                    "start"], check=True, capture_output=True, env=env, cwd=root, **as_user)

    def database(name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"

    try:
        yield database
    finally:
        subprocess.run([folder / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, env=env, cwd=root, **as_user)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gradebook.db'}"
    return request.getfixturevalue("postgres")(f"mlfund_{tmp_path.name[-20:].lower()}"
                                               .replace("-", "_"))


def _with_answer(grade_id: str, code: str) -> nbformat.NotebookNode:
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = code
    return nb


def test_does_the_course_run_the_same_on_this_gradebook(tmp_path, db_url, monkeypatch):
    from nbgrader.api import Gradebook

    from mlfund.course._admin import init_course, release
    from mlfund.course._collect import collect
    from mlfund.course._nbgrader import api
    from mlfund.course._reports import export_grades

    monkeypatch.setenv("MLFUND_DB_URL", db_url)
    course = tmp_path / "course"
    init_course(course, quiet=True)
    release(WEEK, course)
    incoming = tmp_path / "incoming"
    answers = {"ada": nbformat.read(str(SOURCE), as_version=4),
               "bo": _with_answer("w01-sigmoid-derivative",
                                  "sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'"),
               "cy": _with_answer("w01-sigmoid-derivative", "sigmoid_derivative = None")}
    for student, nb in answers.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(nb, str(incoming / student / SOURCE.name))
    assert len(collect(WEEK, incoming, course_dir=course).imported) == 3

    # two runs at once: one grades, the other refuses and names the lock
    command = [sys.executable, "-m", "mlfund", "course", "--course-dir", str(course),
               "autograde", WEEK, "--quiet", "--jobs", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    done = [(run.wait(timeout=400), *run.communicate()) for run in runs]
    assert sorted(code for code, _, _ in done) == [0, 4], done
    out = next(out for code, out, _ in done if code == 0)
    refused = next(err for code, _, err in done if code == 4)
    assert f"{WEEK}: 3 graded" in out
    assert "another autograde of this course is running" in refused
    assert "autograde.lock" in refused or "advisory lock mlfund-autograde:mlfund" in refused
    journal = course / ".mlfund" / f"autograde-{WEEK}.jsonl"
    students = [json.loads(line)["student"] for line in journal.read_text().splitlines()]
    assert sorted(students) == ["ada", "bo", "cy"]  # each recorded once

    # hand grading through nbgrader's API, on the same database
    with Gradebook(db_url, "mlfund") as gb:
        submissions = gb.assignment_submissions(WEEK)
        assert sorted(s.student.id for s in submissions) == ["ada", "bo", "cy"]
        assert {s.student.id: s.code_score for s in submissions} == {
            "ada": FULL, "bo": FULL - 1, "cy": FULL - 1}
        notebook = gb.find_submission_notebook(NOTEBOOK, WEEK, "ada")
        written = next(g for g in notebook.grades if g.cell_type == "markdown")
        written.manual_score = 2
        gb.db.commit()
        assert gb.find_submission(WEEK, "ada").written_score == 2

    result = api(course).generate_feedback(WEEK, force=True)
    assert result["success"], result.get("log", "")[-2000:]
    assert len(list((course / "feedback").glob(f"*/{WEEK}/*.html"))) == 3
    with open(course / "grades.csv", "w", newline="") as out_file:
        export_grades(db_url, "mlfund", out_file)
    with open(course / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)
                if row["assignment"] == WEEK}
    assert sorted(rows) == ["ada", "bo", "cy"]
    assert float(rows["ada"]["autograded"]) == FULL
    assert float(rows["ada"]["hand_graded"]) == 2
    assert float(rows["bo"]["autograded"]) == FULL - 1


def test_does_a_run_refuse_while_another_holds_the_gradebook_lock(tmp_path, postgres):
    """Two course folders on one PostgreSQL gradebook: the advisory lock keeps one run."""
    from mlfund.course._lock import CourseLocked, autograde_lock

    url = postgres("mlfund_shared")
    with autograde_lock(tmp_path / "one", db_url=url, course_id="mlfund"):
        with pytest.raises(CourseLocked, match="advisory lock mlfund-autograde:mlfund"):
            with autograde_lock(tmp_path / "two", db_url=url, course_id="mlfund"):
                pass
    started = time.monotonic()
    with autograde_lock(tmp_path / "two", db_url=url, course_id="mlfund"):
        assert time.monotonic() - started < 10  # released when the first run ended
