"""The course folder is the instructor's alone: modes after init, collect and any command."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mlfund.cli import main
from mlfund.course._admin import init_course
from mlfund.course._private import PRIVATE_UMASK, is_private, make_private, private_umask

WEEK = "w01"
NAME = "w01-gradients"


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def _inbox(root: Path) -> Path:
    source = root / "in" / "ada"
    source.mkdir(parents=True)
    (source / f"{NAME}.ipynb").write_text(json.dumps({"cells": [], "metadata": {},
                                                      "nbformat": 4, "nbformat_minor": 5}))
    return source.parent


def test_does_every_course_command_write_under_the_private_umask(tmp_path):
    course = tmp_path / "course"
    before = os.umask(0o022)
    try:
        assert main(["course", "--course-dir", str(course), "collect", WEEK, "--from",
                     str(_inbox(tmp_path))]) == 0
        assert os.umask(0o022) == 0o022  # the command gave the umask back
    finally:
        os.umask(before)
    folder = course / "submitted" / "ada" / WEEK
    for path in (course / "submitted", course / "submitted" / "ada", folder):
        assert _mode(path) == 0o700, path
    for path in folder.iterdir():
        assert _mode(path) == 0o600, path
    with private_umask():
        assert os.umask(PRIVATE_UMASK) == PRIVATE_UMASK


def test_is_a_course_made_private_on_init(tmp_path):
    course = tmp_path / "course"
    (course / "submitted" / "ada" / WEEK).mkdir(parents=True)
    for folder in (course, course / "submitted", course / "submitted" / "ada"):
        folder.chmod(0o755)
    (course / "submitted" / "ada" / WEEK).chmod(0o777)
    page = course / "feedback" / "ada" / WEEK / f"{NAME}.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>feedback</p>")
    page.chmod(0o666)
    init_course(course, quiet=True)
    assert is_private(course)
    for folder in [course, *(p for p in course.rglob("*") if p.is_dir())]:
        assert _mode(folder) == 0o700, folder
    # a feedback page keeps its read bits, so that `nbgrader release_feedback` copies it
    # readable into the exchange; nobody else can reach it behind its folders
    assert _mode(page) == 0o644
    assert _mode(course / "gradebook.db") & 0o077 == 0
    assert _mode(course / ".mlfund" / "result-key") == 0o600


def test_is_a_world_writable_submission_tightened_by_the_next_command(tmp_path):
    course = tmp_path / "course"
    week = course / "submitted" / "bo" / WEEK
    week.mkdir(parents=True)
    (week / f"{NAME}.ipynb").write_text("{}")
    course.chmod(0o755)
    week.chmod(0o777)  # as stock `nbgrader collect` leaves it
    (week / f"{NAME}.ipynb").chmod(0o666)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["course", "--course-dir", str(course), "collect", WEEK, "--from",
                 str(empty)]) == 1  # nothing to import, but the folder is closed first
    assert _mode(course) == 0o700 and _mode(week) == 0o700
    assert _mode(week / f"{NAME}.ipynb") == 0o644


def test_are_links_in_the_course_neither_followed_nor_changed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o755)
    outside.chmod(0o755)
    course = tmp_path / "course"
    course.mkdir()
    (course / "link").symlink_to(outside)
    assert make_private(course) == []
    assert _mode(outside) == 0o755
