"""The firm's Surveillance tab: monthly activated and billable dossiers, drill-down and CSV export."""

from __future__ import annotations

import csv
from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import FirmMembership
from accounts.roles import Capability
from accounts.tenancy import requires
from kyte import spreadsheet
from monitoring import intervals, selectors

METRIC_LABELS = {
    "activated": gettext_lazy("Kyte activated"),
    "billable": gettext_lazy("Billable"),
    "trial_only": gettext_lazy("Trial only"),
    "paid": gettext_lazy("Paid"),
    "self_service": gettext_lazy("Self-service"),
    "accountant": gettext_lazy("Managed by the firm"),
    "new": gettext_lazy("New activations"),
    "deactivated": gettext_lazy("Deactivations"),
    "active_at_end": gettext_lazy("Active at month end"),
}


def _staff(firm) -> list[tuple[int, str]]:
    members = FirmMembership.objects.filter(firm=firm).select_related("user").order_by("user__email")
    return [(m.user_id, m.user.get_full_name() or m.user.email) for m in members]


def _accountant(request, staff) -> int | None:
    raw = request.GET.get("accountant", "")
    if raw.isdigit() and int(raw) in {pk for pk, _name in staff}:
        return int(raw)
    return None


def _month(year: int, month: int) -> date:
    if not 1 <= month <= 12 or not 2000 <= year <= 2200:
        raise Http404
    value = date(year, month, 1)
    if value > intervals.month_of(timezone.now()):
        raise Http404
    return value


def _chart(rows: list[selectors.MonthRow], show_billable: bool) -> dict:
    """Bar geometry (oldest on the left) for an inline SVG: activated, and billable beside it."""
    months = list(reversed(rows))
    top = max([r.activated for r in months] + [r.billable for r in months] + [1])
    width, height, gap = 28, 160, 8
    bars = []
    for index, row in enumerate(months):
        x = index * (width + gap)
        a = round(row.activated / top * height)
        b = round(row.billable / top * height)
        bars.append(
            {
                "row": row,
                "x": x,
                "a_y": height - a,
                "a_h": a,
                "b_x": x + width // 2,
                "b_y": height - b,
                "b_h": b,
                "label_x": x + width // 2,
            }
        )
    return {
        "bars": bars,
        "width": max(len(months), 12) * (width + gap),  # few months keep narrow bars, aligned left
        "height": height,
        "half": width // 2,
        "full": width if not show_billable else width // 2,
        "top": top,
    }


@requires(Capability.FIRM_KYTE)
def surveillance(request, firm_slug: str):
    firm = request.firm
    staff = _staff(firm)
    accountant_id = _accountant(request, staff)
    now = timezone.now()
    rows = selectors.month_rows(firm, last=intervals.month_of(now), accountant_id=accountant_id, now=now)
    show_billable = selectors.firm_manages_subscriptions(firm)
    return render(
        request,
        "monitoring/surveillance.html",
        {
            "rows": rows,
            "current": rows[0],
            "show_billable": show_billable,
            "chart": _chart(rows, show_billable),
            "staff": staff,
            "accountant_id": accountant_id,
            "labels": METRIC_LABELS,
        },
    )


@requires(Capability.FIRM_KYTE)
def surveillance_month(request, firm_slug: str, year: int, month: int):
    firm = request.firm
    value = _month(year, month)
    staff = _staff(firm)
    accountant_id = _accountant(request, staff)
    metric = request.GET.get("show", "activated")
    if metric not in selectors.METRICS:
        metric = "activated"
    rows, close = selectors.month_dossiers(firm, value, accountant_id=accountant_id)
    counts = intervals.counts(row.facts for row in rows)
    show_billable = selectors.firm_manages_subscriptions(firm)
    page = Paginator(selectors.filter_rows(rows, metric), 100).get_page(request.GET.get("page"))
    template = (
        "monitoring/partials/month_dossiers.html" if request.htmx else "monitoring/surveillance_month.html"
    )
    return render(
        request,
        template,
        {
            "month": value,
            "close": close,
            "adjustments": list(close.adjustments.all()) if close else [],
            "metric": metric,
            "page": page,
            "rows": page.object_list,
            "counts": counts,
            "tabs": [
                (name, METRIC_LABELS[name], counts[name])
                for name in selectors.METRICS
                if show_billable or name not in ("billable", "accountant")
            ],
            "show_billable": show_billable,
            "staff": dict(staff),
            "staff_list": staff,
            "accountant_id": accountant_id,
            "labels": METRIC_LABELS,
        },
    )


@requires(Capability.FIRM_KYTE)
def surveillance_export(request, firm_slug: str, year: int, month: int):
    firm = request.firm
    value = _month(year, month)
    staff = _staff(firm)
    accountant_id = _accountant(request, staff)
    rows, close = selectors.month_dossiers(firm, value, accountant_id=accountant_id)
    names = dict(staff)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kyte-{firm.slug}-{value:%Y-%m}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(response, delimiter=";")
    yes, no = _("yes"), _("no")
    writer.writerow(
        [
            _("Month"),
            _("Dossier code"),
            _("Dossier"),
            _("Accountant in charge"),
            _("Managed by"),
            _("Kyte activated"),
            _("Billable"),
            _("Billable days"),
            _("Paid"),
            _("New activation"),
            _("Deactivated"),
            _("Active at month end"),
            _("Active from"),
            _("Active until"),
            _("Status of the month"),
        ]
    )
    mode_labels = {"self_service": _("Self-service"), "accountant": _("The firm"), "": ""}
    for row in rows:
        f = row.facts
        writer.writerow(
            spreadsheet.row(
                [
                    f"{value:%Y-%m}",
                    row.code,
                    row.name,
                    names.get(row.accountant_id, ""),
                    mode_labels.get(f.mode, f.mode),
                    yes if f.activated else no,
                    yes if f.billable else no,
                    f.billable_days,
                    yes if f.paid else no,
                    yes if f.new else no,
                    yes if f.deactivated else no,
                    yes if f.active_at_end else no,
                    f.active_from.isoformat() if f.active_from else "",
                    f.active_until.isoformat() if f.active_until else "",
                    (_("closed") + (" (" + _("adjusted") + ")" if row.adjusted else ""))
                    if close
                    else _("live, not closed yet"),
                ]
            )
        )
    return response
