"""Importing submissions: folders by student id, LMS zips, duplicates, bad sources."""

from __future__ import annotations

import os
import time
import zipfile
from datetime import datetime

import pytest

from mlfund.course._collect import CollectError, collect

WEEK = "w01"
NAME = "w01-gradients"


def _notebook(text: str = "{}") -> str:
    return '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": "%s"}' % text


def test_does_a_folder_by_student_id_land_in_submitted(tmp_path):
    source = tmp_path / "in"
    (source / "alice").mkdir(parents=True)
    (source / "alice" / f"{NAME}.ipynb").write_text(_notebook("a"))
    (source / "bob" / WEEK).mkdir(parents=True)
    (source / "bob" / WEEK / f"{NAME}.ipynb").write_text(_notebook("b"))
    course = tmp_path / "course"
    report = collect(WEEK, source, course_dir=course)
    assert sorted(report.imported) == [("alice", NAME), ("bob", NAME)]
    assert sorted(report.new_students) == ["alice", "bob"]
    for student in ("alice", "bob"):
        folder = course / "submitted" / student / WEEK
        assert (folder / f"{NAME}.ipynb").exists()
        datetime.fromisoformat((folder / "timestamp.txt").read_text())


def test_does_an_lms_zip_with_flat_names_work_and_the_newest_duplicate_win(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        old = zipfile.ZipInfo(f"carol_attempt_2027-01-09_{NAME}.ipynb", (2027, 1, 9, 10, 0, 0))
        new = zipfile.ZipInfo(f"carol_attempt_2027-01-10_{NAME}.ipynb", (2027, 1, 10, 10, 0, 0))
        zf.writestr(new, _notebook("new"))
        zf.writestr(old, _notebook("old"))
        zf.writestr(f"dave/{NAME}.ipynb", _notebook("d"))
        zf.writestr("readme.txt", "not a notebook")
        zf.writestr("../evil/" + f"{NAME}.ipynb", _notebook("evil"))
        zf.writestr(f"erin/{NAME}-copy.ipynb", _notebook("e"))
    course = tmp_path / "course"
    report = collect(WEEK, archive, course_dir=course)
    assert ("carol", NAME) in report.imported and ("dave", NAME) in report.imported
    text = (course / "submitted" / "carol" / WEEK / f"{NAME}.ipynb").read_text()
    assert '"new"' in text
    assert any("carol: kept" in d and "2027-01-10" in d for d in report.duplicates)
    assert (course / "submitted" / "carol" / WEEK / "timestamp.txt").read_text().startswith(
        "2027-01-10")
    assert not (tmp_path / "evil").exists()
    assert not (course / "submitted" / "evil").exists()
    assert "Duplicate" in report.summary()


def test_is_a_resubmission_in_a_folder_the_newest_file(tmp_path):
    source = tmp_path / "in"
    (source / "frank").mkdir(parents=True)
    (source / "frank" / WEEK).mkdir()
    older = source / "frank" / f"{NAME}.ipynb"
    newer = source / "frank" / WEEK / f"{NAME}.ipynb"
    older.write_text(_notebook("older"))
    newer.write_text(_notebook("newer"))
    now = time.time()
    os.utime(older, (now - 3600, now - 3600))
    os.utime(newer, (now, now))
    course = tmp_path / "course"
    report = collect(WEEK, source, course_dir=course)
    assert '"newer"' in (course / "submitted" / "frank" / WEEK / f"{NAME}.ipynb").read_text()
    assert len(report.duplicates) == 1


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "must be a folder or a .zip"),
])
def test_is_a_bad_source_refused_with_a_clear_message(tmp_path, make, message):
    with pytest.raises(CollectError, match=message):
        collect(WEEK, make(tmp_path), course_dir=tmp_path / "course")


def test_is_an_unknown_week_refused(tmp_path):
    with pytest.raises(CollectError, match="has no notebook"):
        collect("w99", tmp_path, course_dir=tmp_path / "course")
