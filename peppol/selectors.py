from django.db.models import OuterRef, QuerySet, Subquery

from peppol.models import Transmission


def with_sending(invoices: QuerySet) -> QuerySet:
    """Annotate each document with the status of its latest sending (one subquery, no extra query per row)."""
    latest = Transmission.objects.filter(invoice=OuterRef("pk")).order_by("-created_at", "-id")
    return invoices.annotate(sending=Subquery(latest.values("status")[:1]))
