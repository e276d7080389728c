"""Monthly facts of one dossier from its Kyte state history (pure: no database).

The history is the dossier's `StatusChange` rows: from each change's instant, the dossier is in its `to_status`
under its `mode` until the next change. Months are calendar months in Europe/Brussels, half-open
[first day 00:00, next month's first day 00:00).

Definitions (written on the page too):
- *activated in M*: Kyte active (trial, active or payment overdue) at some moment of at least one day of M;
- *billable in M*: accountant-managed and active, trial days excluded, on at least one day of M;
- *paid in M*: active outside the trial on at least one day of M (activated and not paid = trial only);
- *mode* in M: the mode of the last active interval of M;
- *new in M*: went from not active to active in M; *deactivated in M*: went from active to not active in M;
- *active at month end*: active at the last instant of M (for the current month: now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
ACTIVE = frozenset({"trial", "active", "past_due"})
PAID = frozenset({"active", "past_due"})
ACCOUNTANT = "accountant"


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str
    mode: str


@dataclass(frozen=True)
class Facts:
    activated: bool
    billable: bool
    paid: bool
    mode: str
    new: bool
    deactivated: bool
    active_at_end: bool
    active_from: date | None
    active_until: date | None  # None: still active at the end of the month
    billable_days: int

    @property
    def trial_only(self) -> bool:
        return self.activated and not self.paid


METRICS = (
    "activated",
    "billable",
    "trial_only",
    "paid",
    "self_service",
    "accountant",
    "new",
    "deactivated",
    "active_at_end",
)


def matches(facts: Facts, metric: str) -> bool:
    """Whether a dossier's month facts count in `metric`."""
    if metric == "trial_only":
        return facts.activated and not facts.paid
    if metric == "self_service":
        return facts.activated and facts.mode == "self_service"
    if metric == "accountant":
        return facts.activated and facts.mode == ACCOUNTANT
    return bool(getattr(facts, metric))


def counts(all_facts) -> dict[str, int]:
    totals = dict.fromkeys(METRICS, 0)
    for facts in all_facts:
        for metric in METRICS:
            totals[metric] += matches(facts, metric)
    return totals


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=BRUSSELS)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


@lru_cache(maxsize=512)
def month_bounds(month: date) -> tuple[datetime, datetime]:
    return month_start(month), month_start(next_month(month))


def month_of(moment: datetime) -> date:
    local = moment.astimezone(BRUSSELS)
    return date(local.year, local.month, 1)


@lru_cache(maxsize=4096)
def _local_day(moment: datetime) -> date:
    return moment.astimezone(BRUSSELS).date()


def facts_for_month(
    initial: Change | None, changes: list[Change], month: date, *, now: datetime | None = None
) -> Facts | None:
    """The facts of month M for a dossier in state `initial` at M's start with `changes` (sorted) during M.
    `now` cuts the current month short. None when nothing made the dossier count in M."""
    start, end = month_bounds(month)
    if now is not None and now < end:
        end = max(now, start)
    state = initial or Change(start, "not_active", "")
    events = [c for c in changes if start <= c.at < end]
    if not events:  # the common case: the same state all month
        return _steady(state, start, end)
    activated = billable = paid = new = deactivated = False
    mode = ""
    first: datetime | None = None
    last_end: datetime | None = None
    billable_days: set[date] = set()
    boundaries = [(start, state)] + [(c.at, c) for c in events]
    for index, (since, current) in enumerate(boundaries):
        until = boundaries[index + 1][0] if index + 1 < len(boundaries) else end
        if index > 0:
            before = boundaries[index - 1][1].status
            if before not in ACTIVE and current.status in ACTIVE:
                new = True
            if before in ACTIVE and current.status not in ACTIVE:
                deactivated = True
        if until <= since or current.status not in ACTIVE:
            continue
        activated = True
        mode = current.mode
        first = first or since
        last_end = until
        if current.status in PAID:
            paid = True
            if current.mode == ACCOUNTANT:
                billable = True
                day, last_day = _local_day(since), _local_day(until - timedelta(microseconds=1))
                while day <= last_day:
                    billable_days.add(day)
                    day += timedelta(days=1)
    final = boundaries[-1][1].status in ACTIVE
    if not (activated or new or deactivated):
        return None
    return Facts(
        activated=activated,
        billable=billable,
        paid=paid,
        mode=mode,
        new=new,
        deactivated=deactivated,
        active_at_end=final,
        active_from=_local_day(first) if first else None,
        active_until=None if final or last_end is None else _local_day(last_end - timedelta(microseconds=1)),
        billable_days=len(billable_days),
    )


def _steady(state: Change, start: datetime, end: datetime) -> Facts | None:
    if state.status not in ACTIVE or end <= start:
        return None
    paid = state.status in PAID
    billable = paid and state.mode == ACCOUNTANT
    first_day, last_day = _local_day(start), _local_day(end - timedelta(microseconds=1))
    return Facts(
        activated=True,
        billable=billable,
        paid=paid,
        mode=state.mode,
        new=False,
        deactivated=False,
        active_at_end=True,
        active_from=first_day,
        active_until=None,
        billable_days=(last_day - first_day).days + 1 if billable else 0,
    )


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last` included (both first days of a month)."""
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
