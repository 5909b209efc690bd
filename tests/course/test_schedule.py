"""The weekly schedule and its late policy."""

from __future__ import annotations

import pytest

from mlfund.course._schedule import LatePolicy, ScheduleError, load_schedule

DAY = 86400


def test_is_the_course_schedule_complete_and_in_order():
    schedule = load_schedule()
    ids = [e.id for e in schedule.entries]
    assert ids == [f"w{n:02d}" for n in range(1, 13)]
    for earlier, later in zip(schedule.entries, schedule.entries[1:], strict=False):
        assert earlier.release < later.release
        assert earlier.due <= later.release


@pytest.mark.parametrize("text, seconds_late, score, penalty", [
    ("none", 5 * DAY, 10.0, 0.0),
    ("zero", 1, 10.0, 10.0),
    ("zero", 0, 10.0, 0.0),
    ("per_day:0.1:5", 1, 10.0, 1.0),            # a started day counts
    ("per_day:0.1:5", DAY, 10.0, 1.0),
    ("per_day:0.1:5", DAY + 1, 10.0, 2.0),
    ("per_day:0.1:5", 5 * DAY, 10.0, 5.0),
    ("per_day:0.1:5", 5 * DAY + 1, 10.0, 10.0),  # past the last day: nothing
    ("per_day:0.5:5", 3 * DAY, 10.0, 10.0),      # never more than the score
])
def test_does_the_late_policy_take_off_what_it_says(text, seconds_late, score, penalty):
    assert LatePolicy.parse(text).penalty(score, seconds_late) == pytest.approx(penalty)


@pytest.mark.parametrize("text", ["half", "per_day:0.1", "per_day:x:1", ""])
def test_is_a_bad_late_policy_refused_with_the_allowed_forms(text):
    with pytest.raises(ScheduleError, match="'none', 'zero' or 'per_day"):
        LatePolicy.parse(text)


def test_is_a_fraction_above_one_refused():
    with pytest.raises(ScheduleError, match=r"fraction must be in \(0, 1\]"):
        LatePolicy.parse("per_day:2:5")


@pytest.mark.parametrize("body, message", [
    ('[[assignment]]\nid = "w13"\nrelease = "2027-01-01T00:00:00+00:00"\n'
     'due = "2027-01-02T00:00:00+00:00"', "must be 'w01'"),
    ('[[assignment]]\nid = "w01"\nrelease = "2027-01-01"\ndue = "2027-01-02T00:00:00+00:00"',
     "needs a UTC offset"),
    ('[[assignment]]\nid = "w01"\nrelease = "2027-01-03T00:00:00+00:00"\n'
     'due = "2027-01-02T00:00:00+00:00"', "must be after release"),
    ('[[assignment]]\nid = "w01"\nrelease = "2027-01-01T00:00:00+00:00"\n'
     'due = "2027-01-02T00:00:00+00:00"\npoints = -3', "positive number"),
    ("[[assignment]\n", "not valid TOML"),
])
def test_is_a_bad_schedule_refused_naming_the_field(tmp_path, body, message):
    path = tmp_path / "schedule.toml"
    path.write_text(body)
    with pytest.raises(ScheduleError, match=message):
        load_schedule(path)


def test_is_an_unknown_assignment_named_with_those_that_exist():
    with pytest.raises(ScheduleError, match="not in the schedule; it has w01"):
        load_schedule().get("w42")
