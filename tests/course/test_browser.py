"""What learners and instructors see, in a real browser.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``MLFUND_CHROMIUM``) headless
against pages served on 127.0.0.1 and files opened from disk, and the tests assert what a
person sees: typeset maths (MathJax's output elements, no raw ``$…$``), the verdict box
under a check cell, the totals and the lateness of the feedback, the report's figures, the
formgrader's list of weeks and the rubric beside a written answer. Nothing is fetched from
the network: every request that leaves 127.0.0.1 or the disk is refused and counted.

Screenshots go to ``build/screenshots/`` (git ignores ``build/``) for people to look at.
Without Chromium or the ``playwright`` package the tests are skipped with the reason
(``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._nbgrader import notebooks_dir, project_root

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
NOTEBOOK = SOURCE.stem
ITEM = "w01-sigmoid-derivative"
WRONG = "sigma(z)*(1 + sigma(z))"
RIGHT = "sigma(z)*(1 - sigma(z))"
MISTAKE_NOTE = "Check the sign inside the bracket"
FULL = sum(s.points for s in exercises.week(1))
CHROMIUM = os.environ.get("MLFUND_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# as root, on a machine with no network: no sandbox, no GPU, no calls home
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
SHOTS = project_root() / "build" / "screenshots"
WAIT_MS = 120_000  # a kernel's start or a check on a busy two-core machine

# one graded course and one browser for the whole module: with pytest-xdist, one worker
# runs it (run.py passes --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


# ---------------------------------------------------------------------------------------
# the browser


@pytest.fixture(scope="module")
def browser():
    if (reason := _browser_available()) is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A browser tab that refuses every request leaving 127.0.0.1 or the disk."""

    def __init__(self, browser, *, width: int = 1200, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.refused: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "http://127.0.0.1", "ws://127.0.0.1")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()

    def shot(self, name: str, *, full_page: bool = False) -> Path:
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser):
    opened = Page(browser)
    yield opened
    opened.close()


# ---------------------------------------------------------------------------------------
# a graded week: two students, one wrong answer, one late submission


def mlfund(*args, cwd=None):
    done = subprocess.run([sys.executable, "-m", "mlfund", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def _answered(grade_id: str, code: str) -> nbformat.NotebookNode:
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = textwrap.dedent(code).strip()
    return nb


def _browser_available() -> str | None:
    """Why the browser tests cannot run here, or ``None``."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("browser tests need the Python package playwright "
                "(pip install -e '.[test]'; .ci/run installs it)")
    if not Path(CHROMIUM).is_file():
        return (f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install "
                "chromium; .ci/run installs it; MLFUND_CHROMIUM names another)")
    return None


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A graded week, made as the course commands make it: init (with an exchange), release,
    collect, autograde (the command, in its own process), feedback, report."""
    from mlfund.course._admin import init_course, release
    from mlfund.course._batch import journal_path, read_journal
    from mlfund.course._collect import collect
    from mlfund.course._nbgrader import api
    from mlfund.course._reports import item_report
    from mlfund.course._schedule import load_schedule

    if (reason := _browser_available()) is not None:
        pytest.skip(reason)  # before grading a week nobody will look at
    root = tmp_path_factory.mktemp("browser")
    shared = Path(tempfile.mkdtemp(prefix="mlfund-exchange-", dir="/tmp"))
    shared.chmod(0o755)  # the students must reach the exchange
    course = root / "course"
    init_course(course, exchange=shared / "exchange", quiet=True)
    release(WEEK, course, exchange=None)
    incoming = root / "incoming"
    for student, nb in {"ada": _answered(ITEM, f"sigmoid_derivative = '{WRONG}'"),
                        "bo": nbformat.read(str(SOURCE), as_version=4)}.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(nb, str(incoming / student / SOURCE.name))
    late = load_schedule().get(WEEK).due.timestamp() + 86400 + 3600  # two started days
    os.utime(incoming / "bo" / SOURCE.name, (late, late))
    assert collect(WEEK, incoming, course_dir=course).imported
    mlfund("course", "--course-dir", course, "autograde", WEEK, "--quiet", "--jobs", "1")
    assert api(course).generate_feedback(WEEK, force=True)["success"]
    report = course / "reports" / f"{WEEK}.html"
    report.parent.mkdir()
    report.write_text(item_report(course, WEEK, read_journal(journal_path(course, WEEK))))
    yield course
    shutil.rmtree(shared, ignore_errors=True)


def _feedback(course: Path, student: str) -> Path:
    return next((course / "feedback" / student / WEEK).glob("*.html"))


# ---------------------------------------------------------------------------------------
# the instructor's pages


def test_does_the_feedback_page_show_typeset_maths_from_disk_offline(graded, tab):
    page = tab.page
    page.goto(_feedback(graded, "bo").as_uri())
    maths = page.locator("mjx-container[jax='SVG'] > svg")
    assert maths.count() >= 20
    assert maths.first.is_visible() and maths.first.bounding_box()["height"] > 5
    prose = " ".join(page.locator(".text_cell_render").all_inner_texts())
    assert "$" not in prose and "\\frac" not in prose  # no TeX left for a script to typeset
    totals = page.locator("#totals").inner_text()
    assert f"{FULL:g}/{FULL:g} autograded +" in totals and "to be graded by hand" in totals
    late = page.locator("#late-penalty")
    assert late.is_visible() and "2 days late" in late.inner_text()
    assert "10% of the score for each started day late" in late.inner_text() \
        or "Late policy:" in late.inner_text()
    awaiting = page.locator(".awaiting-label", has_text="awaiting hand grading (3 points)")
    assert awaiting.first.is_visible()
    assert "Score: 0 / 3" not in page.content()
    checks = page.locator("div.cell", has=page.locator(".mlfund-check"))
    assert checks.count() == len(exercises.week(1))
    assert checks.first.is_visible()
    assert all("Out[" not in text for text in checks.all_inner_texts())  # the verdict only
    assert page.evaluate("document.scripts.length") == 0
    assert tab.refused == []
    tab.shot("feedback-top")
    page.locator("a[name='w01-hessian-psd-written']").scroll_into_view_if_needed()
    tab.shot("feedback-written-answer")


def test_does_the_feedback_name_the_mistake_in_the_verdict_box(graded, tab):
    page = tab.page
    page.goto(_feedback(graded, "ada").as_uri())
    box = page.locator(".mlfund-check", has_text=MISTAKE_NOTE)
    assert box.is_visible() and "Not yet" in box.inner_text()
    assert page.locator("#late-penalty").count() == 0
    box.scroll_into_view_if_needed()
    tab.shot("feedback-mistake")


def test_does_the_report_page_show_its_figures(graded, tab):
    page = tab.page
    page.goto((graded / "reports" / f"{WEEK}.html").as_uri())
    images = page.locator("img")
    assert images.count() >= 2
    for index in range(images.count()):
        image = images.nth(index)
        assert image.is_visible()
        assert image.evaluate("i => i.complete && i.naturalWidth > 100")
    assert "one-plus-sigma (1)" in page.locator("body").inner_text()
    # per-student totals split as the feedback splits them, with lateness
    students = page.locator("h2", has_text="Students").locator("xpath=following::table[1]")
    bo = students.locator("tr", has_text="bo")
    assert "2 day(s) late" in bo.inner_text() and "awaiting" in bo.inner_text()
    assert "late submission(s)" in page.locator("body").inner_text()
    written = page.locator("h2", has_text="Written items").locator("xpath=following::table[1]")
    assert written.locator("tr", has_text="w01-hessian-psd-written").is_visible()
    assert tab.refused == []
    tab.shot("report", full_page=True)


# ---------------------------------------------------------------------------------------
# served pages: the formgrader and the learner's JupyterLab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Jupyter server on 127.0.0.1 with a random token, stopped at the end."""

    def __init__(self, command: list[str], *, cwd: Path, port: int, token: str,
                 env: dict | None = None) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.token = token
        self.log = open(cwd.parent / f"server-{port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=cwd, stdout=self.log,
                                        stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={token}", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the server did not start: {Path(self.log.name).read_text()[-3000:]}")

    def at(self, path: str) -> str:
        return f"{self.url}{path}{'&' if '?' in path else '?'}token={self.token}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def formgrader(graded):
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "server", "--no-browser",
               f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.root_dir={graded}", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = Server(command, cwd=graded, port=port, token=token)
    yield server
    server.stop()


def test_does_the_formgrader_list_the_released_week_as_released(formgrader, tab):
    page = tab.page
    page.goto(formgrader.at("/formgrader/manage_assignments"))
    row = page.locator("tr", has_text=WEEK).filter(has=page.locator("td"))
    row.first.wait_for(timeout=30_000)
    assert "released" in row.first.inner_text()
    assert "draft" not in row.first.inner_text()
    tab.shot("formgrader-assignments")


def test_does_the_formgrader_show_the_rubric_beside_a_written_answer(graded, formgrader, tab):
    from nbgrader.api import Gradebook

    from mlfund.course._nbgrader import api
    from mlfund.course._rubric import RUBRIC_HEADING

    grader = api(graded)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        submission = gb.find_submission_notebook(NOTEBOOK, WEEK, "ada").id
    page = tab.page
    page.goto(formgrader.at(f"/formgrader/submissions/{submission}/"))
    heading = page.get_by_text(RUBRIC_HEADING).first
    heading.wait_for(timeout=30_000)
    heading.scroll_into_view_if_needed()
    assert heading.is_visible()
    rubric = page.locator("blockquote", has_text="Rubric (3 points)")
    assert rubric.is_visible()
    assert rubric.locator("mjx-container > svg").count() > 0  # its maths typeset too
    tab.shot("formgrader-rubric")


@pytest.fixture(scope="module")
def lab(graded, tmp_path_factory):
    """The learner's JupyterLab (as ``python3 run.py lab`` starts it) on week 1."""
    from mlfund.course._workbook import lab_command, lab_environment

    root = tmp_path_factory.mktemp("lab")
    workbook = root / "workbook"
    shutil.copytree(graded / "release" / WEEK, workbook / WEEK)  # the student version
    port, token = _free_port(), secrets.token_hex(16)
    env = lab_environment(dict(os.environ, JUPYTER_CONFIG_DIR=str(root / "jupyter-config"),
                               JUPYTER_DATA_DIR=str(root / "jupyter-data"),
                               JUPYTER_RUNTIME_DIR=str(root / "jupyter-runtime")))
    server = Server(lab_command(workbook, port=port, no_browser=True, token=token),
                    cwd=workbook, port=port, token=token, env=env)
    server.workbook = workbook
    yield server
    server.stop()


def test_does_a_check_cell_in_jupyterlab_show_the_verdict_with_the_mistake(browser, lab):
    """A learner opens week 1, types a wrong then a right answer and runs the check cell."""
    opened = Page(browser, width=1400, height=1000)
    page = opened.page
    try:
        page.goto(lab.at(f"/lab/tree/{WEEK}/{SOURCE.name}"))
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=WAIT_MS)
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(
            timeout=WAIT_MS)  # the kernel has started
        # the learner's workbook, without the instructor's tools or JupyterLab's news
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "File" in menus and not any("grader" in m.lower() for m in menus)
        assert page.get_by_text("Validate", exact=True).count() == 0
        assert page.get_by_text("Create Assignment").count() == 0
        assert page.get_by_text("official Jupyter news").count() == 0
        opened.shot("lab-workbook")
        setup = page.locator(".jp-CodeCell", has_text="from mlfund.check import").first
        _run(page, setup)
        answer = page.locator(".jp-CodeCell", has_text="sigmoid_derivative = ").first
        check = page.locator(".jp-CodeCell", has_text=f'check("{ITEM}"').first

        _type(page, answer, f"sigmoid_derivative = '{WRONG}'")
        _run(page, answer)
        _run(page, check)
        verdict = check.locator(".mlfund-check")
        verdict.wait_for(timeout=WAIT_MS)
        assert "Not yet" in verdict.inner_text() and MISTAKE_NOTE in verdict.inner_text()
        verdict.scroll_into_view_if_needed()
        opened.shot("lab-wrong-answer")

        _type(page, answer, f"sigmoid_derivative = '{RIGHT}'")
        _run(page, answer)
        _run(page, check)
        correct = check.locator(".mlfund-check", has_text="Correct")
        correct.wait_for(timeout=WAIT_MS)
        opened.shot("lab-right-answer")
        assert opened.refused == []

        # saved, the notebook counts in the learner's progress
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        page.locator(".jp-mod-dirty").first.wait_for(state="detached", timeout=30_000)
        from mlfund.course.progress import progress

        week = progress(lab.workbook).weeks[0]
        assert (week.week, week.answered, week.checked, week.correct) == (WEEK, 1, 1, 1)
    finally:
        opened.close()


def _type(page, cell, text: str) -> None:
    editor = cell.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def _run(page, cell) -> None:
    """Run ``cell`` as a learner does (click it, Ctrl+Enter) and wait for it to finish."""
    cell.locator(".cm-content").first.click()
    before = cell.locator(".jp-InputPrompt").inner_text()
    page.keyboard.press("Control+Enter")
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        prompt = cell.locator(".jp-InputPrompt").inner_text()
        if prompt != before and "*" not in prompt:
            return
        time.sleep(0.2)
    raise AssertionError(f"the cell did not finish running: {cell.inner_text()[:300]}")


def test_does_check_in_a_graded_course_say_how_the_answer_was_read_not_the_verdict(
        browser, lab, tmp_path):
    """A student of a course with its own week opens their copy and checks an answer."""
    course = tmp_path / "course"
    mlfund("course", "--course-dir", course, "init")
    mlfund("course", "--course-dir", course, "new-week", "risk1")
    mlfund("course", "--course-dir", course, "release", "risk1", "--no-exchange",
           "--students", "ada")
    shutil.copytree(course / "personal" / "risk1" / "ada", lab.workbook / "risk1")
    opened = Page(browser, width=1400, height=1000)
    page = opened.page
    try:
        page.goto(lab.at("/lab/tree/risk1/risk1.ipynb"))
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=WAIT_MS)
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(
            timeout=WAIT_MS)
        _run(page, page.locator(".jp-CodeCell", has_text="graded_course(").first)
        _run(page, page.locator(".jp-CodeCell", has_text="# your numbers").first)
        answer = page.locator(".jp-CodeCell", has_text="conversion_rate = ").first
        check = page.locator(".jp-CodeCell", has_text='check("risk1-conversion-rate"').first
        _type(page, answer, "conversion_rate = buyers / visitors")
        _run(page, answer)
        _run(page, check)
        recorded = check.locator(".mlfund-recorded")
        recorded.wait_for(timeout=WAIT_MS)
        text = recorded.inner_text()
        assert "Read as the number 0.0" in text and "The course grades this answer" in text
        assert check.locator(".mlfund-check").count() == 0      # no verdict box
        assert "Correct" not in check.inner_text() and "Not yet" not in check.inner_text()
        recorded.scroll_into_view_if_needed()
        opened.shot("lab-graded-course")
        assert opened.refused == []
    finally:
        opened.close()
