"""Month facts at the boundaries, computed by hand (Europe/Brussels months, half-open)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from monitoring.intervals import Change, facts_for_month

BXL = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")
NOV = date(2026, 11, 1)


def at(day, hour=12, minute=0, month=11, year=2026, tz=BXL):
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def c(moment, status, mode="accountant"):
    return Change(moment, status, mode)


def facts(initial, changes, month=NOV, now=None):
    return facts_for_month(initial, changes, month, now=now)


# (name, state at month start, changes during November, expected facts or None)
CASES = [
    ("never active", None, [], None),
    (
        "active all month, accountant",
        c(at(1, 0, month=10), "active"),
        [],
        {
            "activated": True,
            "billable": True,
            "paid": True,
            "new": False,
            "deactivated": False,
            "active_at_end": True,
            "active_from": date(2026, 11, 1),
            "active_until": None,
            "billable_days": 30,
        },
    ),
    (
        "activation on the last day at 23:59 Brussels",
        None,
        [c(at(30, 23, 59), "active")],
        {
            "activated": True,
            "billable": True,
            "new": True,
            "active_at_end": True,
            "active_from": date(2026, 11, 30),
            "billable_days": 1,
        },
    ),
    (
        "deactivation on the first day at 09:00 still counts November",
        c(at(3, month=10), "active"),
        [c(at(1, 9), "not_active")],
        {
            "activated": True,
            "billable": True,
            "deactivated": True,
            "active_at_end": False,
            "active_from": date(2026, 11, 1),
            "active_until": date(2026, 11, 1),
            "billable_days": 1,
        },
    ),
    (
        "deactivation exactly at midnight of the 1st: not active in November",
        c(at(3, month=10), "active"),
        [c(at(1, 0), "not_active")],
        {
            "activated": False,
            "billable": False,
            "deactivated": True,
            "active_at_end": False,
            "active_from": None,
            "billable_days": 0,
        },
    ),
    (
        "trial only: activated, never billable",
        None,
        [c(at(5), "trial")],
        {
            "activated": True,
            "billable": False,
            "paid": False,
            "new": True,
            "active_at_end": True,
            "billable_days": 0,
        },
    ),
    (
        "trial converting mid-month: billable from the 16th",
        c(at(20, month=10), "trial"),
        [c(at(16, 10), "active")],
        {"activated": True, "billable": True, "paid": True, "new": False, "billable_days": 15},
    ),
    (
        "trial expiring mid-month: activated, not billable",
        c(at(1, month=10), "trial"),
        [c(at(10), "not_active")],
        {"activated": True, "billable": False, "deactivated": True, "active_until": date(2026, 11, 10)},
    ),
    (
        "self-service paid: activated, never billable",
        c(at(1, month=10), "active", "self_service"),
        [],
        {"activated": True, "billable": False, "paid": True, "mode": "self_service", "billable_days": 0},
    ),
    (
        "mode switch mid-month: billable from the switch, mode of the last period",
        c(at(1, month=10), "active", "self_service"),
        [c(at(20, 8), "active", "accountant")],
        {"activated": True, "billable": True, "mode": "accountant", "billable_days": 11},
    ),
    (
        "switch to self-service mid-month: billable days before it",
        c(at(1, month=10), "active", "accountant"),
        [c(at(11, 8), "active", "self_service")],
        {"activated": True, "billable": True, "mode": "self_service", "billable_days": 11},
    ),
    (
        "payment overdue stays active and billable",
        c(at(1, month=10), "past_due"),
        [],
        {"activated": True, "billable": True, "paid": True, "active_at_end": True},
    ),
    (
        "stopped and reactivated in the month: new and deactivated",
        c(at(1, month=10), "active"),
        [c(at(5), "not_active"), c(at(25), "trial")],
        {
            "activated": True,
            "billable": True,
            "new": True,
            "deactivated": True,
            "active_at_end": True,
            "billable_days": 5,
        },
    ),
    (
        "zero-length activation does not count as active",
        None,
        [c(at(10), "trial"), c(at(10), "not_active")],
        {"activated": False, "new": True, "deactivated": True},
    ),
    (
        # 30 Nov 23:30 UTC is 1 Dec 00:30 in Brussels: a December event, nothing in November.
        "an instant in UTC counts by its Brussels date",
        None,
        [c(at(30, 23, 30, tz=UTC), "active")],
        None,
    ),
    (
        "22:30 UTC on 31 October is 23:30 Brussels: October, so active on 1 November from midnight",
        c(datetime(2026, 10, 31, 22, 30, tzinfo=UTC), "active"),
        [],
        {"activated": True, "active_from": date(2026, 11, 1), "billable_days": 30},
    ),
]


@pytest.mark.parametrize(("name", "initial", "changes", "expected"), CASES, ids=[case[0] for case in CASES])
def test_month_facts(name, initial, changes, expected):
    # Changes before the month are the state at its start; only those of November are passed as changes.
    result = facts(initial, [ch for ch in changes if ch.at >= datetime(2026, 11, 1, tzinfo=BXL)])
    if expected is None:
        assert result is None
        return
    assert result is not None
    for field, value in expected.items():
        assert getattr(result, field) == value, field


def test_the_current_month_is_counted_up_to_now():
    now = at(10, 12)
    result = facts(None, [c(at(5), "active")], now=now)
    assert result.active_at_end and result.billable_days == 6  # 5th to 10th
    assert facts(None, [c(at(11), "active")], now=now) is None  # not yet happened


def test_dst_month_has_its_local_days():
    # October 2026 has 31 Brussels days although it is 31 days + 1 hour long (DST ends on the 25th).
    result = facts_for_month(c(at(1, month=9), "active"), [], date(2026, 10, 1))
    assert result.billable_days == 31 and result.active_from == date(2026, 10, 1)
