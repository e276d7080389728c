"""What the Surveillance tab reads: a constant number of queries whatever the number of dossiers or months."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Max, Q, Sum
from django.utils import timezone

from billing.models import Mode, StatusChange
from monitoring import intervals, services
from monitoring.intervals import Facts
from monitoring.models import MonthClose, MonthFact

METRICS = intervals.METRICS


@dataclass
class MonthRow:
    month: date
    closed: bool = False
    adjusted: bool = False
    live: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    def __getattr__(self, name):
        if name in METRICS:
            return self.counts[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class DossierRow:
    dossier_id: int
    code: str
    name: str
    accountant_id: int | None
    facts: Facts
    adjusted: bool = False


_AGGREGATES = {
    "activated": Q(activated=True),
    "billable": Q(billable=True),
    "trial_only": Q(activated=True, paid=False),
    "paid": Q(paid=True),
    "self_service": Q(activated=True, mode="self_service"),
    "accountant": Q(activated=True, mode="accountant"),
    "new": Q(new=True),
    "deactivated": Q(deactivated=True),
    "active_at_end": Q(active_at_end=True),
}


def month_rows(
    firm, *, last: date, count: int = 24, accountant_id: int | None = None, now: datetime | None = None
) -> list[MonthRow]:
    """`count` months up to `last`, newest first: frozen facts for closed months, live ones for the others."""
    now = now or timezone.now()
    current = intervals.month_of(now)
    last = min(last, current)
    first = services.first_month(firm) or current  # no empty months before the firm's first activation
    months = intervals.months_between(max(_months_back(last, count - 1), min(first, last)), last)
    rows = {month: MonthRow(month) for month in months}
    closes = MonthClose.objects.filter(firm=firm, month__in=months).prefetch_related("adjustments")
    for close in closes:
        row = rows[close.month]
        row.closed = True
        adjustments = list(close.adjustments.all())
        row.adjusted = bool(adjustments)
        # The numbers frozen at the close, plus the adjustments since.
        row.counts = {
            name: close.counts.get(name, 0) + sum(a.deltas.get(name, 0) for a in adjustments)
            for name in METRICS
        }
    closed = [m for m in months if rows[m].closed]
    if closed and accountant_id:  # per accountant: from the frozen facts of each dossier
        facts = MonthFact.objects.filter(
            close__firm=firm, close__month__in=closed, accountant_id=accountant_id
        )
        for month in closed:
            rows[month].counts = dict.fromkeys(METRICS, 0)
        aggregates = facts.values("close__month").annotate(
            **{f"n_{name}": Sum("sign", filter=q, default=0) for name, q in _AGGREGATES.items()}
        )
        for values in aggregates:
            rows[values["close__month"]].counts = {name: values[f"n_{name}"] for name in METRICS}
    open_months = [m for m in months if not rows[m].closed]
    if open_months:
        for month, counts in _live_counts(firm, open_months, accountant_id, now).items():
            rows[month].live = True
            rows[month].counts = counts
    return [rows[m] for m in reversed(months)]


def _live_counts(firm, open_months: list[date], accountant_id: int | None, now: datetime) -> dict[date, dict]:
    """Counts of the months not closed yet, from the history. The firm-wide numbers are cached under the id of
    the firm's latest history row: any change (the history is append-only) gives a new key, so they stay exact.
    Per accountant they are computed each time (a dossier's accountant can change without a history row)."""
    key = None
    if accountant_id is None:
        latest = StatusChange.objects.filter(dossier__firm=firm).aggregate(latest=Max("id"))["latest"]
        key = f"kyte:surveillance:{firm.pk}:{open_months[0]:%Y%m}:{open_months[-1]:%Y%m}:{latest}"
        cached = cache.get(key)
        if cached is not None:
            return cached
    live, info = services.compute_months(
        firm, intervals.months_between(open_months[0], open_months[-1]), now=now
    )
    result = {
        month: intervals.counts(
            facts
            for pk, facts in live[month].items()
            if not accountant_id or info[pk].accountant_id == accountant_id
        )
        for month in open_months
    }
    if key:
        cache.set(key, result, 3600)
    return result


def firm_manages_subscriptions(firm) -> bool:
    """Whether any dossier of the firm was ever accountant-managed: the billable numbers are shown only then."""
    return StatusChange.objects.filter(dossier__firm=firm, mode=Mode.ACCOUNTANT).exists()


def _months_back(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def month_dossiers(
    firm, month: date, *, accountant_id: int | None = None, now: datetime | None = None
) -> tuple[list[DossierRow], MonthClose | None]:
    """The dossiers behind month M's numbers (net of adjustments for a closed month), by name."""
    close = MonthClose.objects.filter(firm=firm, month=month).first()
    rows: list[DossierRow] = []
    if close is not None:
        fields = (
            "dossier_id",
            "sign",
            "adjustment_id",
            "accountant_id",
            "dossier__code",
            "dossier__legal_name",
        )
        current: dict[int, DossierRow] = {}
        for values in close.facts.order_by("id").values_list(*fields, *services.FACT_FIELDS):
            pk, sign, adjustment_id, accountant, code, name = values[:6]
            if sign < 0:
                current.pop(pk, None)
                continue
            facts = Facts(**dict(zip(services.FACT_FIELDS, values[6:], strict=True)))
            current[pk] = DossierRow(pk, code, name, accountant, facts, adjustment_id is not None)
        rows = [row for row in current.values() if not accountant_id or row.accountant_id == accountant_id]
    else:
        live, info = services.compute_months(firm, [month], now=now)
        for pk, facts in live[month].items():
            if accountant_id and info[pk].accountant_id != accountant_id:
                continue
            rows.append(DossierRow(pk, info[pk].code, info[pk].name, info[pk].accountant_id, facts))
    rows.sort(key=lambda row: (row.name.lower(), row.code))
    return rows, close


def filter_rows(rows: list[DossierRow], metric: str) -> list[DossierRow]:
    return [row for row in rows if intervals.matches(row.facts, metric)]
