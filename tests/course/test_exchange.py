"""The exchange: one configuration for mlfund and stock nbgrader, where it may be, releases."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from nbgrader.utils import notebook_hash

from mlfund.cli import build_parser
from mlfund.course._admin import init_course, release
from mlfund.course._exchange import (
    DEFAULT_EXCHANGE,
    Exchange,
    ExchangeError,
    check_course_owner,
    exchange_root,
    prepare_exchange,
    release_feedback_to_exchange,
)
from mlfund.course._nbgrader import CONFIG_NAME, course_stub, load_config, with_exchange

WEEK = "w01"
NAME = "w01-gradients"


@pytest.fixture
def base():
    """A folder every user may pass through (pytest's own temporary folders are closed)."""
    folder = Path(tempfile.mkdtemp(prefix="mlfund-exchange-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_do_mlfund_and_stock_nbgrader_read_one_exchange(base, monkeypatch):
    monkeypatch.delenv("MLFUND_EXCHANGE", raising=False)
    course = base / "course"
    course.mkdir()
    assert exchange_root(course) == Path(DEFAULT_EXCHANGE)  # no course config yet
    assert load_config().Exchange.root == DEFAULT_EXCHANGE  # the project's default
    (course / CONFIG_NAME).write_text(course_stub(course, base / "exchange"))
    assert exchange_root(course) == base / "exchange"
    # a line the instructor adds by hand counts for mlfund as it does for stock nbgrader
    with open(course / CONFIG_NAME, "a") as fh:
        fh.write("c.Exchange.root = '/srv/elsewhere'  # noqa: F821\n")
    assert exchange_root(course) == Path("/srv/elsewhere")
    monkeypatch.setenv("MLFUND_EXCHANGE", str(base / "override"))
    (course / CONFIG_NAME).write_text(course_stub(course, base / "exchange"))
    assert exchange_root(course) == base / "override"


def test_is_the_exchange_line_replaced_not_repeated(tmp_path):
    stub = course_stub(tmp_path, tmp_path / "one")
    twice = with_exchange(with_exchange(stub, tmp_path / "two"), tmp_path / "three")
    assert twice.count("c.Exchange.root") == 1 and str(tmp_path / "three") in twice


def test_does_the_help_name_the_default_exchange():
    parser = build_parser()
    course = next(a for a in parser._subparsers._group_actions[0].choices.items()
                  if a[0] == "course")[1]
    assert DEFAULT_EXCHANGE in course.description
    init = course._subparsers._group_actions[0].choices["init"]
    assert DEFAULT_EXCHANGE in init.format_help().replace("\n", " ").replace("  ", "")


def test_is_an_exchange_inside_the_course_refused(base):
    course = base / "course"
    with pytest.raises(ExchangeError, match="inside the course folder"):
        init_course(course, exchange=course / "exchange")
    assert not (course / "exchange").exists()
    with pytest.raises(ExchangeError, match="is inside the exchange"):
        prepare_exchange(base, course)


def test_is_an_exchange_the_students_cannot_reach_refused(base):
    closed = base / "home"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    with pytest.raises(ExchangeError, match=f"students cannot reach the exchange.*{closed}"):
        prepare_exchange(closed / "exchange", base / "course")


def test_does_a_release_make_the_exchange_sticky(base):
    course, root = base / "course", base / "srv" / "exchange"
    notes = init_course(course, exchange=root)
    assert "Created the exchange" in notes
    assert _mode(root) == 0o1777 and _mode(root.parent) == 0o755
    text = release(WEEK, course, exchange=True)
    assert "Released it to the exchange" in text
    assert _mode(root / "mlfund" / "inbound") == 0o3733
    assert _mode(root / "mlfund" / "outbound" / WEEK / f"{NAME}.ipynb") == 0o644
    with pytest.raises(ExchangeError, match="already in the exchange.*--force"):
        release(WEEK, course, exchange=True)
    (root / "mlfund" / "outbound" / WEEK / "stale.txt").write_text("old")
    release(WEEK, course, exchange=True, force=True)
    assert not (root / "mlfund" / "outbound" / WEEK / "stale.txt").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a folder to another user")
def test_is_a_course_folder_made_by_someone_else_refused(base):
    exchange = Exchange(base, "mlfund")
    exchange.course.mkdir()
    os.chown(exchange.course, 65534, 65534)
    with pytest.raises(ExchangeError, match="belongs to nobody, not to you"):
        check_course_owner(exchange)


def _feedback(course: Path, student: str) -> str:
    folder = course / "feedback" / student / WEEK
    folder.mkdir(parents=True)
    (folder / f"{NAME}.html").write_text(f"<p>{student}'s feedback</p>")
    secret = "ab" * 64
    (folder / "submission_secret.txt").write_text(secret)
    return notebook_hash(secret=secret, notebook_id=NAME)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a page to its student")
def test_is_feedback_released_as_root_the_students_alone(base):
    course, root = base / "course", base / "exchange"
    course.mkdir(mode=0o700)
    (course / CONFIG_NAME).write_text(course_stub(course, root))
    name = _feedback(course, "nobody")  # a Unix user of every machine
    (course / "feedback" / "lms-only" / WEEK).mkdir(parents=True)
    (course / "feedback" / "lms-only" / WEEK / f"{NAME}.html").write_text("<p>x</p>")
    done = release_feedback_to_exchange(WEEK, course)
    assert (done.released, done.students, done.without_secret) == (1, 1, ("lms-only",))
    page = root / "mlfund" / "feedback" / f"{name}.html"
    assert page.stat().st_uid == 65534 and _mode(page) == 0o600
    assert _mode(page.parent) == 0o711
    assert done.owned_by_student


def test_is_feedback_for_a_student_without_an_account_named_by_its_secret(base):
    course, root = base / "course", base / "exchange"
    course.mkdir(mode=0o700)
    (course / CONFIG_NAME).write_text(course_stub(course, root))
    name = _feedback(course, "no-such-user-here")
    done = release_feedback_to_exchange(WEEK, course)
    page = root / "mlfund" / "feedback" / f"{name}.html"
    assert _mode(page) == 0o644 and _mode(page.parent) == 0o711
    assert not done.owned_by_student
    assert page.read_text() == "<p>no-such-user-here's feedback</p>"
