"""Month facts from the audited Kyte history: live for open months, frozen by the month close."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Dossier, Firm, User
from accounts.services import audit_log
from billing.models import StatusChange
from monitoring import intervals
from monitoring.intervals import ACTIVE, Change, Facts
from monitoring.models import MonthAdjustment, MonthClose, MonthFact

logger = logging.getLogger(__name__)

FACT_FIELDS = (
    "mode",
    "activated",
    "billable",
    "paid",
    "new",
    "deactivated",
    "active_at_end",
    "active_from",
    "active_until",
    "billable_days",
)


@dataclass(frozen=True)
class DossierInfo:
    pk: int
    code: str
    name: str
    accountant_id: int | None


def compute_months(
    firm: Firm, months: list[date], *, now: datetime | None = None
) -> tuple[dict[date, dict[int, Facts]], dict[int, DossierInfo]]:
    """Facts per month and dossier for consecutive `months`, from the history: two queries whatever the range."""
    if not months:
        return {}, {}
    now = now or timezone.now()
    range_start = intervals.month_start(months[0])
    range_end = min(intervals.month_start(intervals.next_month(months[-1])), now)
    info: dict[int, DossierInfo] = {}
    history: dict[int, list[Change]] = {}
    before = range_start - timedelta(microseconds=1)  # the state the range starts in, not a change inside it
    for pk, code, name, accountant_id, s0, m0 in _states_at(firm, range_start):
        if s0 in ACTIVE:
            info[pk] = DossierInfo(pk, code, name, accountant_id)
            history[pk] = [Change(before, s0, m0 or "")]
    changes = (
        StatusChange.objects.filter(dossier__firm=firm, at__gte=range_start, at__lt=range_end)
        .order_by("dossier_id", "at", "id")
        .values_list(
            "dossier_id",
            "dossier__code",
            "dossier__legal_name",
            "dossier__accountant_id",
            "at",
            "to_status",
            "mode",
        )
    )
    for pk, code, name, accountant_id, at, status, mode in changes:
        info.setdefault(pk, DossierInfo(pk, code, name, accountant_id))
        history.setdefault(pk, []).append(Change(at, status, mode or ""))
    result: dict[date, dict[int, Facts]] = {month: {} for month in months}
    for pk, dossier_changes in history.items():
        for month in months:
            start, end = intervals.month_bounds(month)
            initial = None
            during = []
            for change in dossier_changes:
                if change.at < start:
                    initial = change
                elif change.at < end:
                    during.append(change)
            facts = intervals.facts_for_month(initial, during, month, now=now)
            if facts is not None:
                result[month][pk] = facts
    return result, info


def _states_at(firm: Firm, moment: datetime):
    """(dossier id, code, name, accountant id, status, mode) of the last change before `moment`, per dossier of
    the firm that had one: one query (DISTINCT ON on PostgreSQL, a correlated subquery elsewhere)."""
    fields = (
        "dossier_id",
        "dossier__code",
        "dossier__legal_name",
        "dossier__accountant_id",
        "to_status",
        "mode",
    )
    if connection.vendor == "postgresql":
        return (
            StatusChange.objects.filter(dossier__firm=firm, at__lt=moment)
            .order_by("dossier_id", "-at", "-id")
            .distinct("dossier_id")
            .values_list(*fields)
        )
    last = StatusChange.objects.filter(dossier=OuterRef("pk"), at__lt=moment).order_by("-at", "-id")
    return (
        Dossier.objects.filter(firm=firm)
        .annotate(s0=Subquery(last.values("to_status")[:1]), m0=Subquery(last.values("mode")[:1]))
        .exclude(s0=None)
        .values_list("pk", "code", "legal_name", "accountant_id", "s0", "m0")
    )


def _fact_values(facts: Facts) -> dict:
    return {name: getattr(facts, name) for name in FACT_FIELDS}


def _fact_row(row: MonthFact) -> dict:
    return {name: getattr(row, name) for name in FACT_FIELDS}


def month_is_over(month: date, now: datetime | None = None) -> bool:
    return intervals.month_start(intervals.next_month(month)) <= (now or timezone.now())


def close_month(
    *, firm: Firm, month: date, actor: User | None = None, now: datetime | None = None
) -> MonthClose:
    """Freeze month M for the firm. Re-running it changes nothing; if the history of M was corrected since, the
    difference is recorded as an audited adjustment (reversal + new facts), never by rewriting the snapshot."""
    now = now or timezone.now()
    if not month_is_over(month, now):
        raise ValueError(f"{month:%Y-%m} is not over yet")
    facts, info = compute_months(firm, [month], now=now)
    facts = facts[month]
    with transaction.atomic():
        close = MonthClose.objects.select_for_update().filter(firm=firm, month=month).first()
        if close is None:
            try:
                with transaction.atomic():
                    totals = intervals.counts(facts.values())
                    close = MonthClose.objects.create(
                        firm=firm,
                        month=month,
                        activated=totals["activated"],
                        billable=totals["billable"],
                        active_at_end=totals["active_at_end"],
                        counts=totals,
                    )
            except IntegrityError:  # another worker closed it first: check against theirs below
                close = MonthClose.objects.select_for_update().get(firm=firm, month=month)
            else:
                MonthFact.objects.bulk_create(
                    MonthFact(
                        close=close, dossier_id=pk, accountant_id=info[pk].accountant_id, **_fact_values(f)
                    )
                    for pk, f in facts.items()
                )
                audit_log(
                    actor=actor,
                    firm=firm,
                    obj=close,
                    action="kyte.month.closed",
                    data={
                        "month": f"{month:%Y-%m}",
                        "activated": close.activated,
                        "billable": close.billable,
                    },
                )
                return close
        _adjust(close, facts, info, actor=actor)
    return close


def _adjust(close: MonthClose, facts: dict[int, Facts], info: dict[int, DossierInfo], *, actor) -> None:
    current: dict[int, MonthFact] = {}
    for row in close.facts.all():
        if row.sign > 0:
            current[row.dossier_id] = row
        else:
            current.pop(row.dossier_id, None)
    changed = [
        pk
        for pk in set(current) | set(facts)
        if (_fact_row(current[pk]) if pk in current else None)
        != (_fact_values(facts[pk]) if pk in facts else None)
    ]
    if not changed:
        return
    rows = []
    delta_activated = delta_billable = 0
    for pk in sorted(changed):
        if pk in current:
            old = current[pk]
            rows.append(
                MonthFact(
                    close=close, sign=-1, dossier_id=pk, accountant_id=old.accountant_id, **_fact_row(old)
                )
            )
            delta_activated -= old.activated
            delta_billable -= old.billable
        if pk in facts:
            accountant_id = current[pk].accountant_id if pk in current else info[pk].accountant_id
            rows.append(
                MonthFact(close=close, dossier_id=pk, accountant_id=accountant_id, **_fact_values(facts[pk]))
            )
            delta_activated += facts[pk].activated
            delta_billable += facts[pk].billable
    before = intervals.counts(Facts(**_fact_row(current[pk])) for pk in changed if pk in current)
    after = intervals.counts(facts[pk] for pk in changed if pk in facts)
    adjustment = MonthAdjustment.objects.create(
        close=close,
        actor=actor,
        reason=f"history of {close.month:%Y-%m} corrected for {len(changed)} dossier(s)",
        delta_activated=delta_activated,
        delta_billable=delta_billable,
        deltas={name: after[name] - before[name] for name in intervals.METRICS},
    )
    for row in rows:
        row.adjustment = adjustment
    MonthFact.objects.bulk_create(rows)
    audit_log(
        actor=actor,
        firm=close.firm,
        obj=adjustment,
        action="kyte.month.adjusted",
        data={
            "month": f"{close.month:%Y-%m}",
            "dossiers": len(changed),
            "activated": delta_activated,
            "billable": delta_billable,
        },
    )


def first_month(firm: Firm) -> date | None:
    first = (
        StatusChange.objects.filter(dossier__firm=firm).order_by("at").values_list("at", flat=True).first()
    )
    return intervals.month_of(first) if first else None


def close_ended_months(*, now: datetime | None = None, recheck: int = 1) -> int:
    """Beat job: close every ended month not closed yet, for every firm with Kyte history, and re-check the last
    `recheck` closed months (a correction becomes an adjustment). Returns how many months it closed."""
    now = now or timezone.now()
    last_ended = intervals.month_of(intervals.month_start(intervals.month_of(now)) - timedelta(days=1))
    closed = 0
    firms = Firm.objects.filter(Q(dossiers__kyte_changes__isnull=False)).distinct()
    for firm in firms:
        first = first_month(firm)
        if first is None or first > last_ended:
            continue
        done = set(MonthClose.objects.filter(firm=firm).values_list("month", flat=True))
        for month in intervals.months_between(first, last_ended):
            if month not in done:
                close_month(firm=firm, month=month, now=now)
                closed += 1
        for month in sorted(done, reverse=True)[:recheck]:
            close_month(firm=firm, month=month, now=now)
    if closed:
        logger.info("closed %s month(s)", closed)
    return closed
