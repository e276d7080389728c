"""What the Surveillance tab reads: a constant number of queries whatever the number of dossiers or months."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from billing.models import Mode, StatusChange
from monitoring import intervals, services
from monitoring.intervals import Facts
from monitoring.models import MonthClose, MonthFact

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


def _matches(facts, metric: str) -> bool:
    if metric == "trial_only":
        return facts.activated and not facts.paid
    if metric == "self_service":
        return facts.activated and facts.mode == "self_service"
    if metric == "accountant":
        return facts.activated and facts.mode == "accountant"
    return bool(getattr(facts, metric))


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
    closes = MonthClose.objects.filter(firm=firm, month__in=months).annotate(n=Count("adjustments"))
    for close in closes:
        rows[close.month].closed = True
        rows[close.month].adjusted = close.n > 0
    closed = [m for m in months if rows[m].closed]
    if closed:
        facts = MonthFact.objects.filter(close__firm=firm, close__month__in=closed)
        if accountant_id:
            facts = facts.filter(accountant_id=accountant_id)
        aggregates = facts.values("close__month").annotate(
            **{f"n_{name}": Sum("sign", filter=q, default=0) for name, q in _AGGREGATES.items()}
        )
        for values in aggregates:
            rows[values["close__month"]].counts = {name: values[f"n_{name}"] for name in METRICS}
    open_months = [m for m in months if not rows[m].closed]
    if open_months:
        live, info = services.compute_months(
            firm, intervals.months_between(open_months[0], open_months[-1]), now=now
        )
        for month in open_months:
            rows[month].live = True
            for pk, facts in live[month].items():
                if accountant_id and info[pk].accountant_id != accountant_id:
                    continue
                for metric in METRICS:
                    rows[month].counts[metric] += _matches(facts, metric)
    return [rows[m] for m in reversed(months)]


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
        current: dict[int, tuple[MonthFact, bool]] = {}
        for fact in close.facts.select_related("dossier").order_by("id"):
            if fact.sign > 0:
                current[fact.dossier_id] = (fact, fact.adjustment_id is not None)
            else:
                current.pop(fact.dossier_id, None)
        for fact, adjusted in current.values():
            if accountant_id and fact.accountant_id != accountant_id:
                continue
            values = {name: getattr(fact, name) for name in services.FACT_FIELDS}
            rows.append(
                DossierRow(
                    fact.dossier_id,
                    fact.dossier.code,
                    fact.dossier.legal_name,
                    fact.accountant_id,
                    Facts(**values),
                    adjusted,
                )
            )
    else:
        live, info = services.compute_months(firm, [month], now=now)
        for pk, facts in live[month].items():
            if accountant_id and info[pk].accountant_id != accountant_id:
                continue
            rows.append(DossierRow(pk, info[pk].code, info[pk].name, info[pk].accountant_id, facts))
    rows.sort(key=lambda row: (row.name.lower(), row.code))
    return rows, close


def filter_rows(rows: list[DossierRow], metric: str) -> list[DossierRow]:
    return [row for row in rows if _matches(row.facts, metric)]
