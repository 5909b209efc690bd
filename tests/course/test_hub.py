"""A cohort on a shared machine: an instructor and two students as Unix users, nbgrader's exchange.

The instructor runs ``mlfund course`` commands on a course folder in their home; the
students run stock ``nbgrader fetch_assignment``, ``submit`` and ``fetch_feedback`` with the
one-file configuration the README gives them. Creating the users needs root.
"""

from __future__ import annotations

import itertools
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import notebook_hash

from mlfund import exercises
from mlfund.course._nbgrader import notebooks_dir

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("useradd") is None or sys.platform != "linux",
    reason="needs root and useradd, to create an instructor and two students as Unix users")

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
FULL = sum(s.points for s in exercises.week(1))
BIN = os.path.dirname(sys.executable)
TIMINGS: dict[str, float] = {}


def _closed_folder_above_python() -> tuple[Path, Path] | None:
    """(a folder other users cannot enter, the folder below it towards Python), if any.

    An interpreter installed for one user (a pyenv in ``/root``) is out of the other
    users' reach; on a real hub the environment is shared. Each user's command then runs
    in a private mount namespace where that folder is an empty passable one holding only
    the interpreter's branch.
    """
    prefix = Path(sys.base_prefix).resolve()
    chain = [*reversed(prefix.parents), prefix]
    for folder, below in itertools.pairwise(chain):
        if not os.stat(folder).st_mode & 0o001:
            return folder, below
    return None


_PASSABLE = """
mount --bind "$3" "$1" && mount -t tmpfs -o mode=755 tmpfs "$2" && mkdir -p "$3" &&
mount --bind "$1" "$3" && umask 022 && shift 3 && exec "$@"
"""


@dataclass(frozen=True)
class User:
    name: str
    home: Path

    def run(self, *command: str | os.PathLike[str], cwd: Path | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``command`` as this user, in a login-like environment of their own."""
        entry = pwd.getpwnam(self.name)
        env = {"HOME": str(self.home), "USER": self.name, "LOGNAME": self.name,
               "PATH": f"{BIN}:/usr/bin:/bin", "LANG": "C.UTF-8"}
        argv = [str(c) for c in command]
        closed = _closed_folder_above_python()
        as_user = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
                   "--clear-groups", "--"]
        if closed is None:
            done = subprocess.run(argv, cwd=cwd or self.home, env=env, user=entry.pw_uid,
                                  group=entry.pw_gid, extra_groups=[], umask=0o022,
                                  capture_output=True, text=True, timeout=900)
        else:
            stage = Path(tempfile.mkdtemp(prefix="mlfund-python-"))
            try:
                done = subprocess.run(
                    ["unshare", "--mount", "--propagation", "private", "sh", "-c", _PASSABLE,
                     "sh", str(stage), str(closed[0]), str(closed[1]), *as_user, *argv],
                    cwd=cwd or self.home, env=env, capture_output=True, text=True,
                    timeout=900)
            finally:
                stage.rmdir()
        if check and done.returncode != 0:
            raise AssertionError(f"{self.name}: {' '.join(map(str, command))} exited "
                                 f"{done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def mlfund(self, course: Path, *args: str, check: bool = True):
        return self.run(f"{BIN}/mlfund", "course", "--course-dir", str(course), *args,
                        check=check)

    def nbgrader(self, *args: str, check: bool = True):
        return self.run(f"{BIN}/nbgrader", *args, check=check)

    def denied(self, code: str) -> str:
        """Run Python ``code`` as this user; what it printed (each attempt prints its outcome)."""
        return self.run(sys.executable, "-c", textwrap.dedent(code)).stdout


def _create_user(name: str, home: Path) -> User:
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh",
                    "--user-group", name], check=True, capture_output=True)
    home.chmod(0o700)  # a private home: nbgrader keeps each submission's secret there
    return User(name, home)


def _student_config(user: User, exchange: Path) -> None:
    """The students' nbgrader configuration, as the README gives it."""
    folder = user.home / ".jupyter"
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(
        'c = get_config()  # noqa: F821\n'
        'c.CourseDirectory.course_id = "mlfund"\n'
        f'c.Exchange.root = "{exchange}"\n')
    for path in (folder, folder / "nbgrader_config.py"):
        os.chown(path, *_ids(user))


def _ids(user: User) -> tuple[int, int]:
    entry = pwd.getpwnam(user.name)
    return entry.pw_uid, entry.pw_gid


def _answer(user: User, *, wrong: bool) -> None:
    """Write the student's answers into the notebook they fetched (it stays theirs)."""
    nb = nbformat.read(str(SOURCE), as_version=4)
    if wrong:
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == \
                    "w01-sigmoid-derivative":
                cell.source = "sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'"
    target = user.home / WEEK / SOURCE.name
    assert target.stat().st_uid == _ids(user)[0]
    target.write_text(nbformat.writes(nb))


def _timed(label: str, step):
    start = time.perf_counter()
    result = step()
    TIMINGS[label] = TIMINGS.get(label, 0.0) + time.perf_counter() - start
    return result


@pytest.fixture(scope="module")
def hub():
    base = Path(tempfile.mkdtemp(prefix="mlfund-hub-", dir="/tmp"))
    base.chmod(0o755)
    suffix = secrets.token_hex(3)
    made: list[str] = []
    try:
        (base / "home").mkdir(mode=0o755)
        people = {}
        for role in ("instructor", "ada", "bo"):
            name = f"mlf{role[:3]}{suffix}"
            people[role] = _create_user(name, base / "home" / name)
            made.append(name)
        # the administrator's one step: an exchange every user may write in, sticky
        exchange = base / "srv" / "exchange"
        exchange.mkdir(parents=True)
        exchange.chmod(0o1777)
        for role in ("ada", "bo"):
            _student_config(people[role], exchange)
        course = people["instructor"].home / "course"
        yield people, course, exchange
    finally:
        for name in made:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
        if TIMINGS:
            print("\nround-trip timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in
                                                       TIMINGS.items()))


@pytest.fixture(scope="module")
def graded(hub):
    """The week run once: release, fetch, submit, collect, autograde, feedback, fetch_feedback."""
    people, course, exchange = hub
    teacher, ada, bo = people["instructor"], people["ada"], people["bo"]
    out = _timed("init", lambda: teacher.mlfund(course, "init", "--exchange", str(exchange)))
    assert str(exchange) in out.stdout
    _timed("release", lambda: teacher.mlfund(course, "release", WEEK, "--exchange"))
    for student, wrong in ((ada, False), (bo, True)):
        _timed("fetch", lambda s=student: s.nbgrader("fetch_assignment", WEEK))
        _answer(student, wrong=wrong)
        _timed("submit", lambda s=student: s.nbgrader("submit", WEEK))
    collected = _timed("collect", lambda: teacher.mlfund(course, "collect", WEEK,
                                                          "--from-exchange"))
    autograded = _timed("autograde", lambda: teacher.mlfund(course, "autograde", WEEK,
                                                             "--quiet", "--jobs", "1"))
    released = _timed("feedback", lambda: teacher.mlfund(course, "feedback", WEEK,
                                                          "--exchange"))
    for student in (ada, bo):
        _timed("fetch_feedback", lambda s=student: s.nbgrader("fetch_feedback", WEEK))
    teacher.mlfund(course, "export")
    return people, course, exchange, collected.stdout, autograded.stdout, released.stdout


def _scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mlfund") as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(WEEK)}


def test_does_the_week_go_round_through_the_exchange(graded):
    people, course, _, collected, autograded, released = graded
    ada, bo = people["ada"].name, people["bo"].name
    assert "Imported 2 notebook(s) from 2 student(s)." in collected
    assert f"{WEEK}: 2 graded" in autograded
    assert "Released 2 page(s) of 2 student(s)" in released
    assert _scores(course) == {ada: FULL, bo: FULL - 1}
    for student in (people["ada"], people["bo"]):
        pages = list((student.home / WEEK / "feedback").glob("*/*.html"))
        assert len(pages) == 1
    page = next((people["bo"].home / WEEK / "feedback").glob("*/*.html")).read_text()
    assert "Check the sign inside the bracket" in page


def test_is_the_course_folder_the_instructors_alone(graded):
    people, course, *_ = graded
    assert course.stat().st_mode & 0o777 == 0o700
    for folder in [course, *(p for p in course.rglob("*") if p.is_dir())]:
        assert folder.stat().st_mode & 0o077 == 0, folder
    for path in course.rglob("*"):
        assert not path.stat().st_mode & 0o022, path  # nothing writable by others


def test_can_a_student_neither_read_nor_change_anothers_work_or_feedback(graded):
    people, course, exchange, *_ = graded
    ada, bo = people["ada"], people["bo"]
    submission = course / "submitted" / ada.name / WEEK / SOURCE.name
    cache = ada.home / ".local" / "share" / "jupyter" / "nbgrader_cache"
    secret = course / "submitted" / ada.name / WEEK / "submission_secret.txt"
    feedback = exchange / "mlfund" / "feedback" / (
        notebook_hash(secret=secret.read_text(), notebook_id=SOURCE.stem) + ".html")
    assert feedback.exists()
    # ada's page in the exchange is found by its name, a hash of her submission's secret:
    # bo can reach no copy of the secret (the course, ada's home, the unlistable inbound)
    targets = {
        "read": [submission, secret, course / "grades.csv", course / "gradebook.db",
                 course / "nbgrader_config.py", ada.home / WEEK / SOURCE.name],
        "write": [submission, course / "gradebook.db", ada.home / WEEK / SOURCE.name],
        "list": [course, course / "submitted", course / "feedback", exchange / "mlfund" /
                 "inbound", exchange / "mlfund" / "feedback", cache, ada.home],
        "rename": [exchange / "mlfund"],
    }
    code = f"""
        import json, os
        targets = {json.dumps({k: [str(p) for p in v] for k, v in targets.items()})}
        outcome = {{}}
        def attempt(kind, path, action):
            try:
                action(path)
                outcome[kind + " " + path] = "allowed"
            except OSError as exc:
                outcome[kind + " " + path] = type(exc).__name__
        for path in targets["read"]:
            attempt("read", path, lambda p: open(p, "rb").read(1))
        for path in targets["write"]:
            attempt("write", path, lambda p: open(p, "ab").close())
        for path in targets["list"]:
            attempt("list", path, os.listdir)
        for path in targets["rename"]:
            attempt("rename", path, lambda p: os.rename(p, p + "-moved"))
        print(json.dumps(outcome))
    """
    outcome = json.loads(bo.denied(code))
    allowed = [what for what, result in outcome.items() if result == "allowed"]
    assert not allowed, allowed


def test_does_a_resubmission_come_in_alone_and_is_regraded_alone(graded):
    people, course, *_ = graded
    teacher, bo = people["instructor"], people["bo"]
    time.sleep(1.1)  # nbgrader names a submission by its second
    _answer(bo, wrong=False)
    _timed("submit", lambda: bo.nbgrader("submit", WEEK))
    out = _timed("collect", lambda: teacher.mlfund(course, "collect", WEEK,
                                                    "--from-exchange")).stdout
    assert "Imported 1 notebook(s) from 1 student(s)." in out
    assert f"Already collected, nothing newer: 1 student(s) ({people['ada'].name})" in out
    out = _timed("autograde", lambda: teacher.mlfund(course, "autograde", WEEK, "--quiet",
                                                      "--jobs", "1")).stdout
    assert f"{WEEK}: 1 graded, 1 already graded (skipped)" in out
    assert _scores(course)[bo.name] == FULL


def test_do_stock_nbgrader_and_mlfund_see_one_exchange(graded):
    people, course, exchange, *_ = graded
    teacher = people["instructor"]
    done = teacher.run(f"{BIN}/nbgrader", "list", "--inbound", cwd=course)
    listed = done.stdout + done.stderr
    assert people["ada"].name in listed and people["bo"].name in listed, listed
    # stock collect leaves submissions open to everyone; the next mlfund command closes them
    teacher.run(f"{BIN}/nbgrader", "collect", WEEK, "--update", cwd=course)
    teacher.mlfund(course, "report", WEEK)
    for path in (course / "submitted").rglob("*"):
        if path.is_dir():
            assert path.stat().st_mode & 0o077 == 0, path


def test_are_release_mistakes_answered(graded):
    people, course, *_ = graded
    teacher = people["instructor"]
    again = teacher.mlfund(course, "release", WEEK, "--exchange", check=False)
    assert again.returncode == 2 and "already in the exchange" in again.stderr
    assert "--force" in again.stderr
    forced = teacher.mlfund(course, "release", WEEK, "--exchange", "--force")
    assert "Released it to the exchange" in forced.stdout
    inside = teacher.mlfund(course, "init", "--exchange", str(course / "exchange"), check=False)
    assert inside.returncode == 2 and "inside the course folder" in inside.stderr
