"""Submissions that attack the grader, each with the exact score it must get.

One course, week 1, graded once by ``mlfund course autograde``'s batch (two workers, a
short cell timeout); each test then asserts one submission's outcome. Week 1 has 13
autograded points (1 per item); written answers are graded by hand and left out here.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._nbgrader import api, notebooks_dir, project_root

WEEK = "w01"
GRADER_SECRET = "s3cr3t-grader-token"
LOOPBACK_PORT = [0]  # a service of the grader's machine on 127.0.0.1, set by the fixture
SOURCE = notebooks_dir() / WEEK / "w01-gradients.ipynb"
FULL = sum(s.points for s in exercises.week(1))
CELL_TIMEOUT = 4
MARKER = "mlfund-adversarial-marker"


def _isolation() -> str:
    from mlfund.grading import isolation_mode

    return isolation_mode()


def _source() -> nbformat.NotebookNode:
    return nbformat.read(str(SOURCE), as_version=4)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get(
        "grade_id") == grade_id)


def _points_before(grade_id: str) -> float:
    """Points of the items whose check cells come before ``grade_id``'s answer cell."""
    total = 0.0
    for cell in _source().cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == grade_id:
            return total
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            total += float(meta.get("points", 0) or 0)
    raise KeyError(grade_id)


def _answer(nb, grade_id, code):
    _cell(nb, grade_id).source = textwrap.dedent(code).strip()
    return nb


def _blank(release: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(release / SOURCE.name), as_version=4)


def _prepend(nb, grade_id, code):
    cell = _cell(nb, grade_id)
    cell.source = textwrap.dedent(code).strip() + "\n" + cell.source
    return nb


def submissions(release: Path, course: Path) -> dict[str, tuple[object, float]]:
    """student id -> (notebook, or raw bytes, or None for a missing one; expected points)."""
    S = {}
    S["correct"] = (_source(), FULL)
    nb = _source()
    _answer(nb, "w01-sigmoid-derivative", "sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'")
    _answer(nb, "w01-logistic-gradient", '''
        def logistic_gradient(w, X, y):
            """Forgot the mean."""
            return X.T @ (1 / (1 + np.exp(-(X @ w))) - y)
    ''')
    S["mistakes"] = (nb, FULL - 1 - 0.5)
    S["blank"] = (_blank(release), 0.0)
    S["crash"] = (_answer(_source(), "w01-bce-dl-dp", "raise RuntimeError('oops')"), FULL - 1)
    S["loop"] = (_answer(_source(), "w01-bce-dp-dz", "while True:\n    pass"), FULL - 1)
    S["displayhook"] = (_prepend(_blank(release), "w01-sigmoid-derivative", """
        import sys
        sys.displayhook('pwned')
        sys.displayhook(1.0)
        print('1.0')
    """), 0.0)
    S["exception-handler"] = (_prepend(_blank(release), "w01-sigmoid-derivative", """
        def swallow(shell, etype, evalue, tb, tb_offset=None):
            print('1.0')
        get_ipython().set_custom_exc((Exception,), swallow)
    """), 0.0)
    S["always-equal"] = (_answer(_source(), "w01-sigmoid-derivative", """
        class Anything:
            def __eq__(self, other):
                return True
            def __float__(self):
                return 0.25
        sigmoid_derivative = Anything()
    """), FULL - 1)
    S["fake-check"] = (_prepend(_blank(release), "w01-sigmoid-derivative", """
        class Full:
            def _repr_mimebundle_(self, include=None, exclude=None):
                return {"text/plain": "1.0"}
        def check(*args, **kwargs):
            return Full()
    """), 0.0)
    S["forged-bundles"] = (_prepend(_source(), "w01-sigmoid-derivative", """
        import mlfund.check as _mc
        _real = _mc.check
        class Twice:
            def __init__(self, inner):
                self.inner = inner
            def _repr_mimebundle_(self, include=None, exclude=None):
                data = self.inner._repr_mimebundle_()
                from IPython.display import display
                display({_mc.MIME_TYPE: {"version": 1, "exercise": "w01-l2-gradient",
                                         "answer": {"type": "text", "text": "2*lam*w"}}},
                        raw=True)
                return data
        def check(exercise_id, answer):
            return Twice(_real(exercise_id, answer))
    """), 0.0)
    S["sys-modules"] = (_prepend(_blank(release), "w01-sigmoid-derivative", """
        import sys, types
        fake = types.ModuleType("mlfund.check")
        fake.check = lambda *a, **k: 1.0
        sys.modules["mlfund.check"] = fake
        sys.modules["mlfund.check._score"] = fake
        import mlfund.check._api as api
        api.score_bundle = lambda *a, **k: None
    """), 0.0)
    secret_paths = [str(SOURCE), str(course / "gradebook.db"), str(project_root() / "autograder"
                                                                   / "nbgrader_config.py")]
    S["read-secrets"] = (_answer(_source(), "w01-sigmoid-derivative", f"""
        found = []
        for path in {secret_paths!r}:
            try:
                with open(path, 'rb') as fh:
                    found.append(len(fh.read()) > 0)
            except OSError:
                found.append(False)
        sigmoid_derivative = 'sigma(z)*(1 - sigma(z))' if not any(found) else None
    """), FULL if _isolation() in ("full", "user") else FULL - 1)
    S["write-outside"] = (_answer(_source(), "w01-sigmoid-derivative", f"""
        import os
        wrote = False
        for folder in {[str(project_root()), str(course), "/tmp", "/var/tmp", "/dev/shm",
                        "/run/lock"]!r}:
            try:
                with open(os.path.join(folder, {MARKER!r}), 'w') as fh:
                    fh.write('x')
                wrote = True
            except OSError:
                pass
        sigmoid_derivative = 'sigma(z)*(1 - sigma(z))' if not wrote else None
    """), FULL if _isolation() in ("full", "user") else FULL - 1)
    for route, code in {
        "import": "import sklearn",
        "importlib": "import importlib\n    importlib.import_module('skl' + 'earn')",
        "dunder-import": "__import__('skl' + 'earn')",
        "exec": "exec('import skl' + 'earn')",
    }.items():
        S[f"forbidden-{route}"] = (_answer(_source(), "w01-logistic-gradient", f'''
            def logistic_gradient(w, X, y):
                """Uses a forbidden library."""
                {code}
                return X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / len(y)
        '''), FULL - 1)
    S["fork-bomb"] = (_answer(_source(), "w01-bce-dp-dz", """
        import os
        try:
            while True:
                os.fork()
        except OSError:
            pass
        dp_dz = 'p*(1 - p)'
    """), None)  # the item may or may not survive; the batch must
    S["memory-bomb"] = (_answer(_source(), "w01-bce-dp-dz", """
        hog = bytearray(64 * 1024**3)
        dp_dz = 'p*(1 - p)'
    """), FULL - 1)
    S["sys-exit"] = (_answer(_source(), "w01-bce-dp-dz", "import sys\nsys.exit(0)"), FULL - 1)
    before = _points_before("w01-bce-dl-dp")  # only the items checked before it count
    S["os-exit"] = (_answer(_source(), "w01-bce-dl-dp", "import os\nos._exit(0)"), before)
    S["kill-kernel"] = (_answer(_source(), "w01-bce-dl-dp",
                                "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
                        before)
    S["kill-grader"] = (_prepend(_source(), "w01-sigmoid-derivative", """
        import os, signal
        for target in (os.getppid(), 1):
            try:
                os.kill(target, signal.SIGKILL)
            except OSError:
                pass
    """), FULL)
    S["output-flood"] = (_prepend(_source(), "w01-sigmoid-derivative", """
        for i in range(200_000):
            print('flood', i)
        import sys
        sys.stderr.write('x' * 5_000_000)
    """), FULL)
    nb = _blank(release)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            meta["points"] = 100
            cell.source = "1.0"
    S["metadata-forged-tests"] = (nb, 0.0)
    nb = _blank(release)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            meta["grade"] = False
            meta["locked"] = False
            meta["checksum"] = "0" * 32
            cell.source = "print(1.0)"
    S["metadata-ungraded-tests"] = (nb, 0.0)
    nb = _source()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            meta["grade"] = True
            meta["points"] = 50
    S["metadata-answers-as-tests"] = (nb, FULL)
    nb = _source()
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get("nbgrader", {}).get(
        "grade_id", "").endswith("-test")]
    S["deleted-tests"] = (nb, FULL)  # restored from the source, then graded
    nb = _source()
    original = _cell(nb, "w01-sigmoid-derivative")
    duplicate = nbformat.from_dict(json.loads(json.dumps(original)))
    duplicate["id"] = nbformat.v4.new_code_cell().id  # as JupyterLab's "duplicate cell" does
    original.source = "sigmoid_derivative = None"    # the last copy is the answer
    nb.cells.insert(nb.cells.index(original) + 1, duplicate)
    S["duplicated-cells"] = (nb, FULL)
    nb = _source()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="x" * 2_000_000)]
    S["huge-outputs"] = (nb, FULL)
    # the process boundary: what a kernel forked from the grader could once reach
    S["pickle-into-queue"] = (_prepend(_source(), "w01-sigmoid-derivative", f"""
        import gc, os, pickle
        class Payload:
            def __reduce__(self):
                return (os.system, ("touch {course / MARKER}",))
        for obj in gc.get_objects():
            name = getattr(type(obj), "__module__", "")
            if (isinstance(name, str) and name.startswith(("multiprocessing", "concurrent"))
                    and hasattr(obj, "put")):
                try:
                    obj.put(Payload())
                except Exception:
                    pass
        for fd in range(3, 64):
            try:
                os.write(fd, pickle.dumps(Payload()))
            except OSError:
                pass
    """), FULL)
    # A daemon that outlives its cell to kill every later kernel it can see. It spares its
    # own kernel (kill(-1) would race the kernel's clean-up after the cell and make this
    # submission's own score a coin toss): what is tested is that it cannot reach others.
    S["orphan-killer"] = (_prepend(_source(), "w01-sigmoid-derivative", """
        import os, signal, time
        kernel = os.getpid()
        if os.fork() == 0:
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
            deadline = time.time() + 60
            while time.time() < deadline:
                for name in os.listdir("/proc"):
                    if name.isdigit() and int(name) not in (1, kernel, os.getpid()):
                        try:
                            os.kill(int(name), signal.SIGKILL)
                        except OSError:
                            pass
                time.sleep(0.02)
            os._exit(0)
    """), FULL)
    isolated = _isolation() in ("full", "user")
    S["read-git"] = (_answer(_blank(release), "w01-sigmoid-derivative", f"""
        import subprocess
        try:
            shown = subprocess.run(["git", "-c", "safe.directory=*", "-C",
                                    {str(project_root())!r}, "show",
                                    "HEAD:notebooks/w01/w01-gradients.ipynb"],
                                   capture_output=True, timeout=20).stdout
        except Exception:
            shown = b""
        sigmoid_derivative = "sigma(z)*(1 - sigma(z))" if b"BEGIN SOLUTION" in shown else None
    """), 0.0 if isolated or not (project_root() / ".git").exists() else 1.0)
    S["grader-environment"] = (_answer(_blank(release), "w01-sigmoid-derivative", f"""
        import ctypes, gc, os
        ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)
        seen = any({GRADER_SECRET[:6]!r} + {GRADER_SECRET[6:]!r} in str(v)
                   for v in os.environ.values())
        try:
            seen = seen or ({GRADER_SECRET[:6]!r} + {GRADER_SECRET[6:]!r}).encode() in open(
                "/proc/self/environ", "rb").read()
        except OSError:
            pass
        sigmoid_derivative = "sigma(z)*(1 - sigma(z))" if seen else None
    """), 0.0)
    S["loopback-service"] = (_answer(_blank(release), "w01-sigmoid-derivative", f"""
        import socket
        try:
            s = socket.create_connection(("127.0.0.1", {LOOPBACK_PORT[0]}), timeout=2)
            reached = True
        except OSError:
            reached = False
        sigmoid_derivative = "sigma(z)*(1 - sigma(z))" if reached else None
    """), 0.0 if isolated else 1.0)
    S["malformed-json"] = (b'{"cells": [', None)
    S["missing-notebook"] = (None, None)
    return S


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    import os
    import socket

    from mlfund.course._admin import init_course
    from mlfund.course._batch import autograde_batch, journal_path, read_journal
    from mlfund.course._workbook import generate_student_version

    course = tmp_path_factory.mktemp("adversarial")
    init_course(course, quiet=True)
    service = socket.socket()
    service.bind(("127.0.0.1", 0))
    service.listen(8)
    LOOPBACK_PORT[0] = service.getsockname()[1]
    os.environ["MLFUND_TEST_TOKEN"] = GRADER_SECRET  # a secret in the grader's environment
    release = generate_student_version(WEEK, course)
    subs = submissions(release, course)
    for student, (content, _) in subs.items():
        folder = course / "submitted" / student / WEEK
        folder.mkdir(parents=True)
        if content is None:
            (folder / "notes.txt").write_text("forgot the notebook")
        elif isinstance(content, bytes):
            (folder / SOURCE.name).write_bytes(content)
        else:
            nbformat.write(content, str(folder / SOURCE.name))
    try:
        outcomes = autograde_batch(WEEK, course_dir=course, jobs=2, timeout=CELL_TIMEOUT,
                                   progress=False)
    finally:
        service.close()
        os.environ.pop("MLFUND_TEST_TOKEN", None)
    journal = read_journal(journal_path(course, WEEK))
    return course, subs, {o.student: o for o in outcomes}, journal


def _code_score(course: Path, student: str) -> float:
    from nbgrader.api import Gradebook

    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        return gb.find_submission(WEEK, student).code_score


EXPECTED = ["correct", "mistakes", "blank", "crash", "loop", "displayhook",
                        "exception-handler", "always-equal", "fake-check", "forged-bundles",
                        "sys-modules", "read-secrets", "write-outside", "forbidden-import",
                        "forbidden-importlib", "forbidden-dunder-import", "forbidden-exec",
                        "memory-bomb", "sys-exit", "os-exit", "kill-kernel", "kill-grader",
                        "output-flood", "metadata-forged-tests", "metadata-ungraded-tests",
                        "metadata-answers-as-tests", "deleted-tests", "duplicated-cells",
                        "huge-outputs", "pickle-into-queue", "orphan-killer", "read-git",
                        "grader-environment", "loopback-service"]


@pytest.mark.parametrize("student", EXPECTED)
def test_does_each_submission_get_exactly_its_score(graded, student):
    course, subs, outcomes, _ = graded
    expected = subs[student][1]
    assert outcomes[student].status == "graded", outcomes[student].error
    assert _code_score(course, student) == pytest.approx(expected)


def test_does_the_batch_complete_with_a_row_for_every_submission(graded):
    _, subs, outcomes, journal = graded
    assert set(outcomes) == set(subs)
    assert set(journal) == set(subs)
    for outcome in outcomes.values():
        assert outcome.status in ("graded", "error")


def test_are_broken_submissions_explicit_error_rows(graded):
    _, _, outcomes, _ = graded
    assert outcomes["malformed-json"].status == "error"
    assert "not a readable notebook" in outcomes["malformed-json"].error
    assert outcomes["missing-notebook"].status == "error"
    assert "missing notebook w01-gradients.ipynb" in outcomes["missing-notebook"].error


def test_does_a_fork_bomb_leave_the_batch_and_the_other_items_alone(graded):
    course, _, outcomes, _ = graded
    assert outcomes["fork-bomb"].status == "graded"
    assert _code_score(course, "fork-bomb") >= FULL - 1


def test_was_nothing_written_outside_the_scratch_folder(graded):
    course, _, _, _ = graded
    if _isolation() not in ("full", "user"):
        pytest.skip(f"the kernel has no view of its own here (isolation {_isolation()!r})")
    for folder in (project_root(), course, Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"),
                   Path("/run/lock")):
        assert not (folder / MARKER).exists(), folder


def test_does_the_feedback_show_the_graders_verdict_not_the_forgery(graded):
    course, _, _, _ = graded
    result = api(course).generate_feedback(WEEK, student_id="displayhook", force=True)
    assert result["success"], result.get("log")
    page = next((course / "feedback" / "displayhook" / WEEK).glob("*.html")).read_text()
    assert "No answer yet" in page or "No answer was recorded" in page
    assert "pwned" not in page.split("w01-sigmoid-derivative-test", 1)[-1].split("</div>")[0]


def test_is_a_regrade_skipped_and_a_forced_one_identical(graded):
    from mlfund.course._batch import autograde_batch

    course, _, outcomes, _ = graded
    again = {o.student: o for o in autograde_batch(WEEK, course_dir=course, jobs=2,
                                                   timeout=CELL_TIMEOUT, progress=False,
                                                   students=["correct", "mistakes"])}
    assert {o.status for o in again.values()} == {"skipped"}
    forced = {o.student: o for o in autograde_batch(WEEK, course_dir=course, jobs=1,
                                                    timeout=CELL_TIMEOUT, progress=False,
                                                    students=["mistakes"], force=True)}
    assert forced["mistakes"].score == outcomes["mistakes"].score


def teardown_module(module):
    for folder in (project_root(), Path("/tmp")):
        (folder / MARKER).unlink(missing_ok=True)
