"""Importing submissions: folders by student id, LMS zips, duplicates, bad sources."""

from __future__ import annotations

import ast
import base64
import json
import os
import random
import re
import stat
import struct
import threading
import time
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from mlfund.course._collect import CollectError, collect

WEEK = "w01"
NAME = "w01-gradients"


def _notebook(text: str = "{}") -> str:
    return json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
                       "x": text})


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


# --- each entry on its own, caps, links, ids ------------------------------------------------
# Collecting runs as the instructor, often root, over files students made; the module
# docstring of mlfund.course._collect lists which test shows which defence.

def _write_zip(path, entries):
    """A zip of (ZipInfo or name, bytes, compress_type) entries."""
    with zipfile.ZipFile(path, "w") as zf:
        for info, data, *method in entries:
            zf.writestr(info, data, compress_type=(method or [zipfile.ZIP_DEFLATED])[0])
    return path


def _patch(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def _local_data_offset(path, name):
    with zipfile.ZipFile(path) as zf:
        start = zf.getinfo(name).header_offset
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[start + 26:start + 30])
    return start, start + 30 + name_len + extra_len


def _central_offset(path, name):
    raw = path.read_bytes()
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        (name_len,) = struct.unpack("<H", raw[at + 28:at + 30])
        if raw[at + 46:at + 46 + name_len] == name.encode():
            return at
        at = raw.find(b"PK\x01\x02", at + 4)
    raise LookupError(name)


def _damage_data(path, name):
    start, data = _local_data_offset(path, name)
    with zipfile.ZipFile(path) as zf:
        size = zf.getinfo(name).compress_size
    _patch(path, data, b"\xff" * size)


def _damage_header(path, name):
    start, _ = _local_data_offset(path, name)
    _patch(path, start, b"XXXX")


def _mark_encrypted(path, name):
    start, _ = _local_data_offset(path, name)
    _patch(path, start + 6, b"\x01\x00")
    _patch(path, _central_offset(path, name) + 8, b"\x01\x00")


def _opened_entries(monkeypatch):
    """The names of the zip entries collect opens, in order."""
    opened = []
    original = zipfile.ZipFile.open

    def recording_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    return opened


def _peak_memory(work):
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("damage, reason", [
    (_damage_data, "cannot be read"),
    (_damage_header, "cannot be read"),
    (_mark_encrypted, "encrypted"),
    ("undated", "not a valid date"),
])
def test_does_one_bad_zip_entry_leave_the_others_to_import(tmp_path, damage, reason):
    """Is a damaged entry an error row naming it, while the other students import?"""
    bad = f"alice/{NAME}.ipynb"
    first = zipfile.ZipInfo(bad, (1980, 0, 0, 0, 0, 0) if damage == "undated"
                            else (2027, 1, 9, 10, 0, 0))
    archive = _write_zip(tmp_path / "download.zip", [
        (first, _notebook("alice " * 50)),
        (f"bob/{NAME}.ipynb", _notebook("bob")),
    ])
    if callable(damage):
        damage(archive, bad)
    report = collect(WEEK, archive, course_dir=tmp_path / "course")
    assert report.imported == [("bob", NAME)]
    assert [e.entry for e in report.errors] == [bad]
    assert reason in report.errors[0].reason
    assert f"Error: {bad}: " in report.summary()
    assert not (tmp_path / "course" / "submitted" / "alice").exists()


def test_is_an_older_copy_imported_when_the_newest_cannot_be_read(tmp_path):
    """Does a damaged resubmission leave the earlier one to be graded, and say so?"""
    newer = f"carol_attempt_2027-01-10_{NAME}.ipynb"
    archive = _write_zip(tmp_path / "download.zip", [
        (zipfile.ZipInfo(newer, (2027, 1, 10, 10, 0, 0)), _notebook("new " * 50)),
        (zipfile.ZipInfo(f"carol_attempt_2027-01-09_{NAME}.ipynb", (2027, 1, 9, 10, 0, 0)),
         _notebook("old")),
    ])
    _damage_data(archive, newer)
    course = tmp_path / "course"
    report = collect(WEEK, archive, course_dir=course)
    assert report.imported == [("carol", NAME)]
    assert '"old"' in (course / "submitted" / "carol" / WEEK / f"{NAME}.ipynb").read_text()
    assert [e.entry for e in report.errors] == [newer]


def test_are_duplicates_dropped_before_any_entry_is_read(tmp_path, monkeypatch):
    """Of five copies of one notebook, is only the newest opened?"""
    entries = [(zipfile.ZipInfo(f"dave_attempt_{day}_{NAME}.ipynb", (2027, 1, day, 9, 0, 0)),
                _notebook(f"day {day}")) for day in (3, 7, 5, 1, 2)]
    archive = _write_zip(tmp_path / "download.zip", entries)
    opened = _opened_entries(monkeypatch)
    course = tmp_path / "course"
    report = collect(WEEK, archive, course_dir=course)
    assert opened == [f"dave_attempt_7_{NAME}.ipynb"]
    assert '"day 7"' in (course / "submitted" / "dave" / WEEK / f"{NAME}.ipynb").read_text()
    assert len(report.duplicates) == 4


def test_is_a_zip_bomb_refused_without_being_inflated(tmp_path, monkeypatch):
    """Do eight copies of 8 MB of zeros (a 64 KB zip) stay compressed, costing no memory?"""
    zeros = b"0" * (8 * 1024 * 1024)
    entries = [(zipfile.ZipInfo(f"mallory_try{i}_{NAME}.ipynb", (2027, 1, 1 + i, 0, 0, 0)),
                zeros) for i in range(8)]
    archive = _write_zip(tmp_path / "bomb.zip", [*entries, (f"bob/{NAME}.ipynb", _notebook())])
    del zeros, entries
    assert archive.stat().st_size < 1024 * 1024
    opened = _opened_entries(monkeypatch)
    report, peak = _peak_memory(
        lambda: collect(WEEK, archive, course_dir=tmp_path / "course"))
    assert peak < 4 * 1024 * 1024
    assert report.imported == [("bob", NAME)]
    assert opened == [f"bob/{NAME}.ipynb"]
    assert len(report.errors) == 8
    assert all("compression ratio" in e.reason for e in report.errors)


def test_is_a_large_entry_streamed_not_held_in_memory(tmp_path):
    """Is a 12 MB notebook copied in chunks rather than read whole into memory?"""
    body = base64.b64encode(random.Random(0).randbytes(9 * 1024 * 1024)).decode()
    archive = _write_zip(tmp_path / "big.zip", [(f"erin/{NAME}.ipynb", _notebook(body))])
    size = len(_notebook(body))
    del body
    course = tmp_path / "course"
    report, peak = _peak_memory(lambda: collect(WEEK, archive, course_dir=course))
    assert report.imported == [("erin", NAME)]
    assert (course / "submitted" / "erin" / WEEK / f"{NAME}.ipynb").stat().st_size == size
    assert peak < 3 * 1024 * 1024


def test_are_the_size_caps_kept(tmp_path):
    """Are a notebook over the per-entry cap, and those past the total, error rows?"""
    archive = _write_zip(tmp_path / "download.zip", [
        (f"{student}/{NAME}.ipynb", _notebook(student * 100)) for student in ("ann", "ben")
    ] + [(f"cat/{NAME}.ipynb", _notebook("c" * 900))])
    each = len(_notebook("ann" * 100))
    report = collect(WEEK, archive, course_dir=tmp_path / "course",
                     max_notebook_bytes=each + 10, max_total_bytes=each + 10)
    assert report.imported == [("ann", NAME)]
    reasons = {e.entry: e.reason for e in report.errors}
    assert "past its total" in reasons[f"ben/{NAME}.ipynb"]
    assert "larger than" in reasons[f"cat/{NAME}.ipynb"]


@pytest.mark.parametrize("option", ["max_notebook_bytes", "max_total_bytes",
                                    "max_compression_ratio"])
def test_is_a_cap_that_is_not_a_positive_number_refused(tmp_path, option):
    with pytest.raises(CollectError, match=f"{option} \\(0\\) must be a positive number"):
        collect(WEEK, tmp_path, course_dir=tmp_path / "course", **{option: 0})


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_is_an_entry_refused_before_reading_when_its_header_says_so(tmp_path, monkeypatch,
                                                                    method):
    """Is an entry whose method inflates without bound refused unopened?"""
    archive = _write_zip(tmp_path / "download.zip", [
        (f"fay/{NAME}.ipynb", _notebook("f"), method)])
    opened = _opened_entries(monkeypatch)
    report = collect(WEEK, archive, course_dir=tmp_path / "course")
    assert report.imported == [] and opened == []
    assert "not stored or deflated" in report.errors[0].reason


def test_is_a_symlink_in_a_folder_refused_not_followed(tmp_path):
    """Is a link to another student's notebook, to a secret, or to a folder refused?"""
    secret = tmp_path / "secret.ipynb"  # stands for /etc/shadow or the notebook with solutions
    secret.write_text(_notebook("SECRET"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{NAME}.ipynb").write_text(_notebook("SECRET"))
    source = tmp_path / "in"
    for student in ("alice", "bob", "carol", "erin"):
        (source / student).mkdir(parents=True)
    (source / "alice" / f"{NAME}.ipynb").write_text(_notebook("alice"))
    (source / "bob" / f"{NAME}.ipynb").symlink_to(source / "alice" / f"{NAME}.ipynb")
    (source / "carol" / f"{NAME}.ipynb").symlink_to(secret)
    (source / "dave").symlink_to(elsewhere, target_is_directory=True)
    (source / "erin" / WEEK).symlink_to(elsewhere, target_is_directory=True)
    course = tmp_path / "course"
    report = collect(WEEK, source, course_dir=course)
    assert report.imported == [("alice", NAME)]
    assert sorted(e.entry for e in report.errors) == [
        f"bob/{NAME}.ipynb", f"carol/{NAME}.ipynb", "dave", f"erin/{WEEK}"]
    assert all("symbolic link" in e.reason for e in report.errors)
    for path in (course / "submitted").rglob("*"):
        assert path.is_dir() or b"SECRET" not in path.read_bytes()


def test_is_a_folder_swapped_for_a_link_after_the_scan_not_followed(tmp_path, monkeypatch):
    """If a student folder becomes a link between the scan and the copy, is it refused?"""
    from mlfund.course import _collect

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / f"{NAME}.ipynb").write_text(_notebook("SECRET"))
    source = tmp_path / "in"
    (source / "gus").mkdir(parents=True)
    (source / "gus" / f"{NAME}.ipynb").write_text(_notebook("gus"))
    scan = _collect._folder_candidates

    def scan_then_swap(*args, **kwargs):
        found = scan(*args, **kwargs)
        (source / "gus").rename(tmp_path / "gus-moved")
        (source / "gus").symlink_to(elsewhere, target_is_directory=True)
        return found

    monkeypatch.setattr(_collect, "_folder_candidates", scan_then_swap)
    report = collect(WEEK, source, course_dir=tmp_path / "course")
    assert report.imported == []
    assert [e.entry for e in report.errors] == [f"gus/{NAME}.ipynb"]
    assert "symbolic link" in report.errors[0].reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_is_a_named_pipe_refused_rather_than_waited_on(tmp_path):
    """Does a notebook that is a named pipe become an error row instead of a hang?"""
    source = tmp_path / "in"
    (source / "hal").mkdir(parents=True)
    pipe = source / "hal" / f"{NAME}.ipynb"
    os.mkfifo(pipe)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(
        report=collect(WEEK, source, course_dir=tmp_path / "course")), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # a reader is blocked on the pipe: let it go before failing
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail("collect waited on a named pipe")
    report = outcome["report"]
    assert report.imported == []
    assert [e.entry for e in report.errors] == [f"hal/{NAME}.ipynb"]
    assert "not a regular file" in report.errors[0].reason


def _with_mode(name, mode):
    info = zipfile.ZipInfo(name, (2027, 1, 9, 10, 0, 0))
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def test_are_symlink_and_escaping_zip_entries_refused(tmp_path):
    """Are link entries, odd kinds, '..' and absolute names error rows, never imports?"""
    refused = {
        f"bob/{NAME}.ipynb": "symbolic link",
        f"ivy/{NAME}.ipynb": "not a regular file",
        f"/mallory/{NAME}.ipynb": "absolute path",
        f"\\trent\\{NAME}.ipynb": "absolute path",
        f"C:/oscar/{NAME}.ipynb": "absolute path",
        f"alice/../peggy/{NAME}.ipynb": "climbs out",
        f"../evil/{NAME}.ipynb": "climbs out",
    }
    archive = _write_zip(tmp_path / "download.zip", [
        (f"alice/{NAME}.ipynb", _notebook("alice")),
        (_with_mode(f"bob/{NAME}.ipynb", stat.S_IFLNK | 0o777), f"../alice/{NAME}.ipynb"),
        (_with_mode(f"ivy/{NAME}.ipynb", stat.S_IFIFO | 0o644), _notebook("ivy")),
        *[(name, _notebook("x")) for name in list(refused)[2:]],
    ])
    course = tmp_path / "course"
    report = collect(WEEK, archive, course_dir=course)
    assert report.imported == [("alice", NAME)]
    reasons = {e.entry: e.reason for e in report.errors}
    assert reasons.keys() == refused.keys()
    for name, reason in refused.items():
        assert reason in reasons[name]
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice"]


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_is_a_student_id_with_a_trailing_newline_refused(tmp_path, layout):
    """Is 'alice\\n' refused as a student id, and shown escaped in the report?"""
    if layout == "folder":
        source = tmp_path / "in"
        (source / "alice\n").mkdir(parents=True)
        (source / "alice\n" / f"{NAME}.ipynb").write_text(_notebook())
    else:
        source = _write_zip(tmp_path / "download.zip", [(f"alice\n/{NAME}.ipynb", _notebook())])
    course = tmp_path / "course"
    report = collect(WEEK, source, course_dir=course)
    assert report.imported == []
    assert not (course / "submitted" / "alice\n").exists()
    assert [e.entry for e in report.errors] == [f"alice\\n/{NAME}.ipynb"]
    assert "student id 'alice\\n' is not valid" in report.errors[0].reason
    assert "alice\n" not in report.summary()


def test_does_no_pattern_in_the_course_package_end_in_a_dollar():
    """Does every regex in mlfund.course anchor its end with fullmatch or \\Z, not '$'?

    '$' also matches before a trailing newline, so 'alice\\n' would pass an id check. A
    pattern whose last element is a repeated class holding ``\\s`` accepts that newline
    anyway, so its '$' is harmless and not reported.
    """
    from mlfund.course import _collect

    calls = {"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall",
             "finditer"}
    found = []
    for module in sorted(Path(_collect.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.func.attr in calls and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and re.search(r"(?<!\\)\$", node.args[0].value)
                    and not re.search(r"\[[^]]*\\s[^]]*\][*+]\$\Z", node.args[0].value)):
                found.append(f"{module.name}:{node.lineno}")
    assert found == []
