"""A grade is right wherever mlfund is installed, or it is an explicit grader fault.

Placements: as root with the package in a folder that other users cannot enter (a
``mktemp -d`` folder, like ``/root``), as root in an open folder (the other course tests),
and as an unprivileged user. And the grader's own failures: a kernel that cannot import what
is installed is a grader fault that is retried, never a 0; the canary stops a batch whose
solution would not reach full marks.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._nbgrader import notebooks_dir, project_root
from mlfund.course._sandbox import is_root

WEEK = "w01"
SOURCE = notebooks_dir() / WEEK / "w01-gradients.ipynb"
FULL = sum(spec.points for spec in exercises.week(1))  # the week's autograded points


def _copy_tree(target: Path) -> Path:
    """The checkout's package, notebooks and config, copied into ``target/mlfund``."""
    root = project_root()
    dest = target / "mlfund"
    for part in ("src", "notebooks", "autograder"):
        shutil.copytree(root / part, dest / part,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest


def _mlfund(args: list[str], *, src: Path, env: dict | None = None, user: str | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(src),
                   "HOME": str(cwd or src), "XDG_CACHE_HOME": str((cwd or src) / ".cache"),
                   **(env or {})}
    command = [sys.executable, "-m", "mlfund", *args]
    if user is not None:
        command = _as_user(user, command)
    return subprocess.run(command, capture_output=True, text=True, env=environment,
                          cwd=str(cwd or src), timeout=900)


def _python_reachable_by_others() -> bool:
    folder = Path(sys.base_prefix).resolve()
    for parent in [folder, *folder.parents]:
        if not os.stat(parent).st_mode & 0o001:
            return False
    return True


def _as_user(user: str, command: list[str]) -> list[str]:
    """Run ``command`` as ``user``; when the Python installation lies in a folder that user
    cannot enter (pyenv in /root), make it reachable in a private mount namespace first."""
    quoted = " ".join(f"'{c}'" for c in command)
    if _python_reachable_by_others():
        return ["runuser", "-u", user, "--", *command]
    base = str(Path(sys.base_prefix).resolve())
    closed = next(str(p) for p in [*reversed(Path(base).parents), Path(base)]
                  if not os.stat(p).st_mode & 0o001)
    script = (f"set -e; stage=$(mktemp -d); mount --bind '{base}' \"$stage\"; "
              f"mount -t tmpfs -o mode=755 tmpfs '{closed}'; mkdir -p '{base}'; "
              f"mount --bind \"$stage\" '{base}'; exec runuser -u {user} -- {quoted}")
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]


def _total(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.startswith("total")]
    return lines[-1].split()[1] if lines else output[-2000:]


needs_root = pytest.mark.skipif(not is_root(), reason="placements as root need root")


@needs_root
def test_does_a_copy_in_a_closed_folder_grade_its_solutions_fully():
    closed = Path(tempfile.mkdtemp(prefix="mlfund-closed-"))  # mode 700, like /root
    try:
        real = _copy_tree(closed)
        tree = closed / "through-a-link"
        tree.symlink_to(real, target_is_directory=True)  # the package is found through it
        for week in ("w01", "w05", "w09"):
            notebook = next((tree / "notebooks" / week).glob("*.ipynb"))
            done = _mlfund(["grade", str(notebook)], src=tree / "src", cwd=tree)
            assert done.returncode == 0, done.stderr[-3000:]
            total = _total(done.stdout)
            earned, possible = total.split("/")
            assert earned == possible, done.stdout
    finally:
        shutil.rmtree(closed, ignore_errors=True)


@needs_root
def test_does_autograde_in_a_closed_folder_give_a_perfect_student_full_marks():
    closed = Path(tempfile.mkdtemp(prefix="mlfund-closed-"))
    try:
        tree = _copy_tree(closed)
        course = tree / "course"
        folder = course / "submitted" / "perfect" / WEEK
        folder.mkdir(parents=True)
        shutil.copy(SOURCE, folder / SOURCE.name)
        done = _mlfund(["course", "--course-dir", str(course), "autograde", WEEK, "--jobs", "1",
                        "--quiet"], src=tree / "src", cwd=tree)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "1 graded" in done.stdout, done.stdout + done.stderr[-2000:]
        score = _score(course, "perfect", src=tree / "src")
        assert score == FULL, (score, done.stdout)
    finally:
        shutil.rmtree(closed, ignore_errors=True)


def _score(course: Path, student: str, *, src: Path) -> float:
    code = ("import sys; from mlfund.course._nbgrader import api; "
            "from nbgrader.api import Gradebook; g = api(sys.argv[1]); "
            "gb = Gradebook(g.coursedir.db_url, g.coursedir.course_id); "
            "print(gb.find_submission('w01', sys.argv[2]).code_score)")
    done = subprocess.run([sys.executable, "-c", code, str(course), student], env={
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(src)}, capture_output=True,
        text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout.strip().splitlines()[-1])


def _nobody() -> str | None:
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return None
    return "nobody" if shutil.which("runuser") and shutil.which("unshare") else None


@needs_root
def test_does_an_unprivileged_user_grade_the_solution_fully():
    user = _nobody()
    if user is None:
        pytest.skip("no 'nobody' user or no runuser/unshare on this machine")
    if not all(os.stat(p).st_mode & 0o001 for p in [project_root(), *project_root().parents]):
        pytest.skip("the checkout itself lies in a folder other users cannot enter")
    work = Path(tempfile.mkdtemp(prefix="mlfund-user-"))
    try:
        os.chmod(work, 0o755)
        shutil.copy(SOURCE, work / SOURCE.name)
        uid = pwd.getpwnam(user).pw_uid
        for path in (work, work / SOURCE.name):
            os.chown(path, uid, -1)
        done = _mlfund(["grade", str(work / SOURCE.name)], src=project_root() / "src",
                       user=user, cwd=work)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        assert _total(done.stdout) == f"{FULL:g}/{FULL:g}", done.stdout
        assert "Isolation:" in done.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- the grader's own failures --------------------------------------------------------

def _break_kernel_imports(monkeypatch) -> None:
    """Hide the installed package from the kernel, as a wrong view of the installation would."""
    import mlfund
    from mlfund.course import _fastexec
    from mlfund.course._sandbox import Confinement
    from mlfund.grading import _kernel

    package = os.path.dirname(mlfund.__file__)
    original = Confinement.request
    # the notebook's own import of mlfund.optimization.symbolic must happen in the kernel
    monkeypatch.setattr(_kernel, "PRELOAD", tuple(
        m for m in _kernel.PRELOAD if not m.startswith("mlfund.optimization")))
    _fastexec.close_clean_processes()

    def broken(self, *args, **kwargs):
        request = original(self, *args, **kwargs)
        request["hide"] = [*request["hide"], os.path.join(package, "optimization")]
        return request

    monkeypatch.setattr(Confinement, "request", broken)


def _course_with(tmp_path: Path, students: dict[str, nbformat.NotebookNode]) -> Path:
    from mlfund.course._admin import init_course

    course = tmp_path / "course"
    init_course(course, quiet=True)
    for student, nb in students.items():
        folder = course / "submitted" / student / WEEK
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / SOURCE.name))
    return course


def test_is_a_kernel_that_cannot_import_the_package_a_grader_fault_not_a_zero(tmp_path,
                                                                             monkeypatch):
    from mlfund.course import _canary
    from mlfund.course._batch import autograde_batch, journal_path, read_journal

    _break_kernel_imports(monkeypatch)
    monkeypatch.setattr(_canary, "canary_failure", lambda *a, **k: None)
    course = _course_with(tmp_path, {"perfect": nbformat.read(str(SOURCE), as_version=4)})
    outcomes = autograde_batch(WEEK, course_dir=course, jobs=1, progress=False)
    assert [o.status for o in outcomes] == ["fault"], outcomes
    assert "grader fault" in outcomes[0].error and "mlfund.optimization" in outcomes[0].error
    assert _no_grade(course, "perfect")
    journal = read_journal(journal_path(course, WEEK))
    assert journal["perfect"].status == "fault"
    monkeypatch.undo()
    again = autograde_batch(WEEK, course_dir=course, jobs=1, progress=False)
    assert [o.status for o in again] == ["graded"], again  # retried, not skipped
    assert again[0].score == FULL


def _no_grade(course: Path, student: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    from mlfund.course._nbgrader import api

    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        try:
            gb.find_submission(WEEK, student)
        except MissingEntry:
            return True
    return False


def test_does_the_canary_stop_the_batch_before_any_student(tmp_path, monkeypatch):
    from mlfund.course._batch import CanaryFailed, autograde_batch

    _break_kernel_imports(monkeypatch)
    course = _course_with(tmp_path, {"perfect": nbformat.read(str(SOURCE), as_version=4)})
    with pytest.raises(CanaryFailed, match="w01") as caught:
        autograde_batch(WEEK, course_dir=course, jobs=1, progress=False)
    assert "mlfund.optimization" in str(caught.value)
    assert _no_grade(course, "perfect")


def test_does_mlfund_grade_refuse_to_grade_when_its_canary_fails(tmp_path, monkeypatch):
    from mlfund.course._local import grade_notebook
    from mlfund.grading import GraderFault

    _break_kernel_imports(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(GraderFault, match="does not reach full marks"):
        grade_notebook(SOURCE)


@needs_root
def test_is_a_root_grader_without_namespaces_right_or_stopped_by_its_canary(tmp_path,
                                                                          monkeypatch):
    """As root in a container without CAP_SYS_ADMIN: a uid of its own and limits, no view.

    Where the Python installation is open to other users the solution grades fully; where it
    lies in a folder they cannot enter (pyenv in /root), the kernel cannot import what it
    needs, and the canary stops the batch with the reason instead of grading anyone.
    """
    from mlfund.course import _canary
    from mlfund.course._batch import CanaryFailed, autograde_batch
    from mlfund.course._nbgrader import load_config

    config = load_config(tmp_path / "course")
    config.Confinement.isolation = "uid"
    failure = _canary.canary_failure(WEEK, config=config)
    if _python_reachable_by_others():
        assert failure is None, failure
    else:
        assert failure is not None and "does not reach full marks" in failure
    course = _course_with(tmp_path, {"perfect": nbformat.read(str(SOURCE), as_version=4)})
    monkeypatch.setattr("mlfund.course._sandbox.Confinement.isolation", "uid")
    if failure is None:
        outcomes = autograde_batch(WEEK, course_dir=course, jobs=1, progress=False)
        assert outcomes[0].score == FULL
    else:
        with pytest.raises(CanaryFailed):
            autograde_batch(WEEK, course_dir=course, jobs=1, progress=False)
        assert _no_grade(course, "perfect")
