"""Invoicing benchmarks (run on demand, not in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kyte_bench .venv/bin/python bench/invoicing.py [--invoices 10000]

Prints: invoice list page server time (median of 20) and query count with N invoices in the dossier; issuing
1,000 invoices (ms each, median and p95); PDF rendering of a real invoice against a minimal one-line WeasyPrint
document (ms and ratio).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import configure, seller, test_database  # noqa: E402

configure()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--issue", type=int, default=1_000)
    args = parser.parse_args()

    with test_database():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        run(args, CaptureQueriesContext, connection)


def run(args, CaptureQueriesContext, connection) -> None:  # noqa: N803
    from datetime import date, timedelta

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from invoicing import services
    from invoicing.models import Invoice, InvoiceLine, InvoiceStatus
    from invoicing.pdf import render_pdf

    _firm, dossier, user = seller()
    customer = services.customer_create(
        dossier=dossier,
        actor=user,
        legal_name="Client SA",
        enterprise_number="0202239951",
        vat_number="BE0202239951",
        street="Rue 2",
        postal_code="1000",
        city="Bruxelles",
    )
    line = {
        "description": "Consultance",
        "quantity": Decimal("3"),
        "unit": "HUR",
        "unit_price": Decimal("85"),
        "discount_percent": Decimal("0"),
        "vat_case": "standard",
        "vat_rate": Decimal("21"),
    }

    # Issuing, one transaction each, as the app does. The PDF is measured below, not queued here.
    services._render_later = lambda pk: None
    timings = []
    start_day = date(2026, 1, 2)
    for n in range(args.issue):
        day = start_day + timedelta(days=n // 200)
        draft = services.invoice_create(dossier=dossier, actor=user, customer=customer)
        services.invoice_save_draft(
            invoice=draft, actor=user, data={"due_date": day + timedelta(days=30)}, lines=[line]
        )
        t0 = time.perf_counter()
        services.invoice_issue(invoice=draft, actor=user, issue_date=day)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    print(
        f"issue: {args.issue} invoices, median {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.1f} ms each"
    )

    # Fill the dossier up to N invoices (bulk, outside the issuing path) for the list page.
    missing = args.invoices - Invoice.objects.filter(dossier=dossier).count()
    template = Invoice.objects.filter(dossier=dossier, status=InvoiceStatus.ISSUED).first()
    batch = []
    for n in range(missing):
        batch.append(
            Invoice(
                dossier=dossier,
                kind="invoice",
                status=InvoiceStatus.ISSUED,
                customer=customer,
                issue_date=date(2026, 6, 1),
                series_year=2026,
                sequence=100_000 + n,
                number=f"F2026-B{n:06d}",
                payable=template.payable,
                tax_exclusive=template.tax_exclusive,
                tax_total=template.tax_total,
                snapshot=template.snapshot,
                issued_at=timezone.now(),
            )
        )
    Invoice.objects.bulk_create(batch, batch_size=2000)
    client = Client()
    client.force_login(user)
    url = reverse("invoice_list", kwargs={"dossier_code": dossier.code})
    client.get(url)
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    total = Invoice.objects.filter(dossier=dossier).count()
    print(f"invoice list: {total} invoices, median {statistics.median(times):.1f} ms, {len(queries)} queries")

    # PDF rendering against a minimal WeasyPrint document.
    from weasyprint import HTML

    invoice = Invoice.objects.filter(
        dossier=dossier, status=InvoiceStatus.ISSUED, pk__in=InvoiceLine.objects.values("invoice_id")
    ).first()
    render_pdf(invoice)
    HTML(string="<p>warm-up</p>").write_pdf()
    real, minimal = [], []
    for _ in range(10):
        t0 = time.perf_counter()
        render_pdf(invoice)
        real.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        HTML(string="<table><tr><td>Consultance</td><td>255.00</td></tr></table>").write_pdf()
        minimal.append((time.perf_counter() - t0) * 1000)
    r, m = statistics.median(real), statistics.median(minimal)
    print(f"pdf: invoice {r:.0f} ms, minimal one-line document {m:.0f} ms, ratio {r / m:.1f}x")


if __name__ == "__main__":
    main()
