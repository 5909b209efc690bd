"""The learner's workbook: student versions, never overwritten, served by JupyterLab."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from mlfund.course._nbgrader import assignments
from mlfund.course._workbook import lab_command, update_workbook

WEEK = assignments()[0]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("workbook")
    update_workbook(dest)
    return dest


def test_are_the_learners_copies_student_versions(workbook):
    notebooks = list((workbook / WEEK).glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text
        assert "Rubric" not in text  # the written answers' rubrics stay with the instructor
        nb = nbformat.read(str(path), as_version=4)
        answers = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get(
            "solution") and c.cell_type == "code"]
        assert answers and all("YOUR ANSWER HERE" in c.source for c in answers)


def test_does_a_second_run_keep_the_learners_work_and_add_new_weeks(workbook):
    path = next((workbook / WEEK).glob("*.ipynb"))
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source = "my own notes"
    nbformat.write(nb, str(path))
    other = assignments()[-1]
    removed = workbook / other
    if other != WEEK:
        for p in removed.glob("*"):
            p.unlink()
        removed.rmdir()
    report = update_workbook(workbook)
    assert nbformat.read(str(path), as_version=4).cells[0].source == "my own notes"
    assert path in report.kept or path.relative_to(workbook) not in report.added
    if other != WEEK:
        assert any(p.parts[0] == other for p in report.added)
        assert (workbook / other).is_dir()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_does_jupyterlab_serve_the_workbook(workbook):
    port, token = _free_port(), "mlfund-smoke-test"
    command = lab_command(workbook, port=port, no_browser=True, token=token)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(workbook.parent / "runtime"))
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env)
    try:
        notebook = next((workbook / WEEK).glob("*.ipynb")).name
        url = f"http://127.0.0.1:{port}/api/contents/{WEEK}/{notebook}?token={token}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    model = json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        assert model["type"] == "notebook"
        assert model["content"]["cells"]
        # without the token the server refuses
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url.split("?")[0], timeout=5)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
