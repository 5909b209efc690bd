"""Releasing a week: the formgrader then lists it as released, as after nbgrader's release."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from mlfund.course._admin import chosen_exchange, init_course, release
from mlfund.course._nbgrader import api

WEEK = "w01"


@pytest.fixture
def shared():
    folder = Path(tempfile.mkdtemp(prefix="mlfund-exchange-", dir="/tmp"))
    folder.chmod(0o755)  # the students must reach the exchange
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _status(course: Path) -> str:
    """The week's status as the formgrader's "Manage Assignments" page shows it."""
    return api(course).get_assignment(WEEK)["status"]


def test_does_release_in_a_course_with_an_exchange_mark_the_week_released(tmp_path, shared,
                                                                         monkeypatch):
    monkeypatch.delenv("MLFUND_EXCHANGE", raising=False)
    course = tmp_path / "course"
    init_course(course, exchange=shared / "exchange", quiet=True)
    assert chosen_exchange(course)
    assert _status(course) == "draft"
    text = release(WEEK, course, exchange=None)
    assert "Released it to the course's exchange" in text
    assert (shared / "exchange" / "mlfund" / "outbound" / WEEK).is_dir()
    assert _status(course) == "released"
    again = release(WEEK, course, exchange=None)
    assert "already in the exchange" in again and "--force" in again


def test_does_release_in_a_course_without_an_exchange_say_so(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFUND_EXCHANGE", raising=False)
    course = tmp_path / "course"
    init_course(course, quiet=True)
    assert not chosen_exchange(course)
    text = release(WEEK, course, exchange=None)
    assert (course / "release" / WEEK).is_dir()
    assert "Not released to an exchange" in text and "--exchange" in text


def test_do_solutions_reach_the_exchange_after_the_due_date(tmp_path, shared, monkeypatch):
    from datetime import timedelta

    from mlfund.course._solutions import due_date, release_solutions

    monkeypatch.delenv("MLFUND_EXCHANGE", raising=False)
    course = tmp_path / "course"
    init_course(course, exchange=shared / "exchange", quiet=True)
    text = release_solutions(WEEK, course, now=due_date(WEEK) + timedelta(days=1))
    target = shared / "exchange" / "mlfund" / "outbound" / f"{WEEK}-solutions"
    assert "nbgrader fetch_assignment w01-solutions" in text
    assert sorted(p.suffix for p in target.iterdir()) == [".html", ".ipynb"]
    assert target.stat().st_mode & 0o777 == 0o755
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in target.iterdir())
