from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Dossier
from invoicing.models import Customer, Invoice, Product


def dossier_customers(*, dossier: Dossier, search: str = "", archived: bool = False) -> QuerySet[Customer]:
    qs = dossier.customers.filter(is_archived=archived)
    if search.strip():
        term = search.strip()
        qs = qs.filter(
            Q(legal_name__icontains=term)
            | Q(vat_number__icontains=term.replace(" ", ""))
            | Q(enterprise_number__contains="".join(c for c in term if c.isdigit()) or "\0")
            | Q(city__icontains=term)
        )
    return qs.order_by("legal_name", "pk")


def dossier_products(*, dossier: Dossier, search: str = "") -> QuerySet[Product]:
    qs = dossier.products.filter(is_archived=False)
    if search.strip():
        qs = qs.filter(Q(name__icontains=search.strip()) | Q(description__icontains=search.strip()))
    return qs.order_by("name", "pk")


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def dossier_invoices(
    *,
    dossier: Dossier,
    status: str = "",
    kind: str = "",
    customer: str = "",
    start: str = "",
    end: str = "",
    search: str = "",
) -> QuerySet[Invoice]:
    qs = dossier.invoices.select_related("customer")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if customer:
        qs = qs.filter(customer__code=customer)
    if (d := _parse_date(start)) is not None:
        qs = qs.filter(issue_date__gte=d)
    if (d := _parse_date(end)) is not None:
        qs = qs.filter(issue_date__lte=d)
    if search.strip():
        term = search.strip()
        qs = qs.filter(
            Q(number__icontains=term)
            | Q(customer__legal_name__icontains=term)
            | Q(buyer_reference__icontains=term)
        )
    return qs.order_by("-issue_date", "-sequence", "-created_at")


def invoice_totals(qs: QuerySet[Invoice]) -> dict:
    issued = qs.exclude(status="draft")
    return issued.aggregate(
        count=Count("pk"), excl=Sum("tax_exclusive"), vat=Sum("tax_total"), incl=Sum("payable")
    )
