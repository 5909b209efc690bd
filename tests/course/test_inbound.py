"""Collecting from nbgrader's exchange: newest submission, links, names, dates, messages."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlfund.cli import main
from mlfund.course._collect import CollectError
from mlfund.course._inbound import GRACE, collect_from_exchange
from mlfund.course._nbgrader import CONFIG_NAME, course_stub

WEEK = "w01"
NAME = "w01-gradients"


def _notebook(text: str) -> str:
    return json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
                       "x": text})


@pytest.fixture
def site():
    """A course folder and, beside it, an exchange with the course's inbound folder."""
    base = Path(tempfile.mkdtemp(prefix="mlfund-inbound-", dir="/tmp"))
    base.chmod(0o755)
    course, exchange = base / "course", base / "exchange"
    course.mkdir(mode=0o700)
    (course / CONFIG_NAME).write_text(course_stub(course, exchange))
    inbound = exchange / "mlfund" / "inbound"
    inbound.mkdir(parents=True)
    yield course, inbound
    shutil.rmtree(base, ignore_errors=True)


def _submit(inbound: Path, student: str, text: str, *, when: datetime | None = None,
            week: str = WEEK) -> Path:
    """A submission as ``nbgrader submit`` leaves it."""
    when = when or datetime.now(timezone.utc)
    folder = inbound / (f"{student}+{week}+{when:%Y-%m-%d %H:%M:%S.%f} UTC+"
                        f"{secrets.token_urlsafe(9)}")
    folder.mkdir()
    (folder / f"{NAME}.ipynb").write_text(_notebook(text))
    (folder / "timestamp.txt").write_text(f"{when:%Y-%m-%d %H:%M:%S.%f} UTC")
    (folder / "submission_secret.txt").write_text(secrets.token_hex(64))
    return folder


def _collected(course: Path, student: str) -> str:
    return (course / "submitted" / student / WEEK / f"{NAME}.ipynb").read_text()


def test_does_the_newest_submission_come_in_whole(site):
    course, inbound = site
    past = datetime.now(timezone.utc) - timedelta(seconds=30)
    _submit(inbound, "ada", "first", when=past)
    newest = _submit(inbound, "ada", "second")
    _submit(inbound, "bo", "bo's")
    report = collect_from_exchange(WEEK, course_dir=course)
    assert sorted(report.imported) == [("ada", NAME), ("bo", NAME)]
    assert '"second"' in _collected(course, "ada")
    folder = course / "submitted" / "ada" / WEEK
    assert (folder / "submission_secret.txt").read_text() == \
        (newest / "submission_secret.txt").read_text()
    assert any("ada: kept" in line and "1 older" in line for line in report.duplicates)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())


def test_is_a_submission_collected_before_not_copied_again(site):
    course, inbound = site
    _submit(inbound, "ada", "a")
    collect_from_exchange(WEEK, course_dir=course)
    report = collect_from_exchange(WEEK, course_dir=course)
    assert report.imported == [] and report.unchanged == ["ada"]
    assert "Already collected, nothing newer: 1 student(s) (ada)." in report.summary()


def test_is_a_link_in_a_submission_refused_not_followed(site):
    course, inbound = site
    folder = _submit(inbound, "ada", "a")
    (folder / f"{NAME}.ipynb").unlink()
    (folder / f"{NAME}.ipynb").symlink_to("/etc/passwd")
    elsewhere = inbound.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{NAME}.ipynb").write_text(_notebook("planted"))
    when = datetime.now(timezone.utc)
    (inbound / f"bo+{WEEK}+{when:%Y-%m-%d %H:%M:%S.%f} UTC+x").symlink_to(elsewhere)
    report = collect_from_exchange(WEEK, course_dir=course)
    assert report.imported == []
    reasons = " ".join(str(e) for e in report.errors)
    assert "not a regular file" in reasons and "not a folder" in reasons
    assert not (course / "submitted" / "ada").exists()
    assert not (course / "submitted" / "bo").exists()


def test_is_a_submission_in_another_students_name_refused(site):
    course, inbound = site
    # another Unix user of this machine, who did not make this folder
    other = "nobody" if pwd.getpwuid(os.getuid()).pw_name != "nobody" else "root"
    _submit(inbound, other, "forged")
    report = collect_from_exchange(WEEK, course_dir=course)
    assert report.imported == []
    assert any(f"not by {other}" in str(e) for e in report.errors)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_is_a_file_put_in_a_submission_by_another_user_refused(site):
    course, inbound = site
    folder = _submit(inbound, "ada", "a")
    os.chown(folder / f"{NAME}.ipynb", 65534, 65534)
    report = collect_from_exchange(WEEK, course_dir=course)
    assert report.imported == []
    assert any("put there by another user" in str(e) for e in report.errors)


def test_is_a_notebook_edited_after_submitting_dated_by_its_change(site):
    course, inbound = site
    named = datetime.now(timezone.utc) - GRACE - timedelta(hours=1)
    _submit(inbound, "ada", "edited after the deadline", when=named)
    report = collect_from_exchange(WEEK, course_dir=course)
    stamp = datetime.fromisoformat(
        (course / "submitted" / "ada" / WEEK / "timestamp.txt").read_text())
    assert stamp > named + GRACE
    assert any("dated by the change" in note for note in report.notes)
    # one handed in and left alone keeps the date of its name
    when = datetime.now(timezone.utc)
    _submit(inbound, "bo", "on time", when=when)
    collect_from_exchange(WEEK, course_dir=course)
    assert (course / "submitted" / "bo" / WEEK / "timestamp.txt").read_text() == \
        when.isoformat()


def test_does_a_refused_resubmission_leave_the_last_good_one(site):
    course, inbound = site
    _submit(inbound, "ada", "good", when=datetime.now(timezone.utc) - timedelta(seconds=30))
    collect_from_exchange(WEEK, course_dir=course)
    bad = _submit(inbound, "ada", "bad")
    (bad / f"{NAME}.ipynb").unlink()
    (bad / f"{NAME}.ipynb").symlink_to("/etc/passwd")
    report = collect_from_exchange(WEEK, course_dir=course)
    assert report.unchanged == ["ada"] and len(report.errors) == 1
    assert '"good"' in _collected(course, "ada")


def test_is_an_exchange_without_the_course_explained(site):
    course, inbound = site
    shutil.rmtree(inbound)
    with pytest.raises(CollectError, match="no inbound folder for course 'mlfund'"):
        collect_from_exchange(WEEK, course_dir=course)


def test_does_collect_say_when_nothing_came_in(site, capsys):
    course, inbound = site
    args = ["course", "--course-dir", str(course), "collect", WEEK, "--from-exchange"]
    assert main(args) == 0
    assert "No submissions of w01 in the exchange yet." in capsys.readouterr().out
    _submit(inbound, "ada", "a", week="w02")
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "has no submission of w01, but has some of other weeks: w02 (1)" in captured.out
    assert "no submission of w01 was imported" in captured.err
    # the exchange's inbound given to --from: said so, and the right option named
    _submit(inbound, "bo", "b")
    assert main(["course", "--course-dir", str(course), "collect", WEEK, "--from",
                 str(inbound)]) == 1
    assert "use --from-exchange" in capsys.readouterr().err
