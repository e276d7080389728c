import threading
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from accounts.models import AuditEntry
from invoicing import services
from invoicing.models import Invoice, InvoiceStatus, NumberSeries
from kyte.errors import DomainError
from tests.invoicing.conftest import LINE


def test_issue_assigns_number_snapshot_reference_and_hash(draft, personas):
    invoice = services.invoice_issue(
        invoice=draft, actor=personas.entrepreneur_a, issue_date=date(2026, 12, 4)
    )
    assert (invoice.status, invoice.number, invoice.sequence) == (InvoiceStatus.ISSUED, "F2026-00001", 1)
    assert invoice.payable == Decimal("181.50") and invoice.tax_total == Decimal("31.50")
    assert invoice.snapshot["buyer"]["vat_number"] == "BE0202239951"
    assert invoice.snapshot["seller"]["iban"] == personas.dossier_a.iban
    assert invoice.structured_reference.startswith("+++") and len(invoice.chain_hash) == 64
    assert invoice.previous_hash == services.GENESIS
    assert AuditEntry.objects.filter(action="kyte.invoice.issued", dossier=invoice.dossier).exists()


def test_drafts_have_no_number_and_issued_documents_never_change(draft, personas):
    assert draft.number == "" and draft.sequence is None
    invoice = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    with pytest.raises(DomainError):
        services.invoice_save_draft(
            invoice=invoice, actor=personas.entrepreneur_a, data={}, lines=[dict(LINE)]
        )
    with pytest.raises(ValueError):
        invoice.delete()


def test_later_customer_edits_do_not_change_the_issued_snapshot(draft, customer, personas):
    invoice = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    services.customer_update(customer=customer, actor=personas.entrepreneur_a, data={"legal_name": "Renamed"})
    invoice.refresh_from_db()
    assert invoice.snapshot["buyer"]["name"] == "Garage Lejeune SA"
    assert services.verify_chain(dossier=invoice.dossier) == []


def test_numbers_follow_each_other_and_dates_never_go_backwards(make_draft, personas):
    first = services.invoice_issue(
        invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2026, 12, 4)
    )
    second = services.invoice_issue(
        invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2026, 12, 5)
    )
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.previous_hash == first.chain_hash
    with pytest.raises(DomainError) as info:
        services.invoice_issue(
            invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2026, 12, 3)
        )
    assert info.value.code == "date_order"
    assert NumberSeries.objects.get(dossier=personas.dossier_a, kind="invoice", year=2026).last_number == 2


def test_an_invoice_dated_new_year_in_brussels_starts_the_new_series(make_draft, personas):
    services.invoice_issue(invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2026, 12, 31))
    with time_machine.travel("2026-12-31T23:00:01+00:00", tick=False):  # 2027-01-01 00:00:01 in Brussels
        invoice = services.invoice_issue(invoice=make_draft(), actor=personas.entrepreneur_a)
    assert (invoice.issue_date, invoice.number, invoice.sequence) == (date(2027, 1, 1), "F2027-00001", 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        (
            {"lines": [{**LINE, "vat_case": "reverse_charge", "vat_rate": Decimal("0")}], "no_vat": True},
            "customer",
        ),
        ({"lines": [{**LINE, "vat_rate": Decimal("7")}]}, "lines"),
        ({"lines": [{**LINE, "unit_price": Decimal("0")}]}, "lines"),
        ({"due_in_days": 90}, "due_date"),
    ],
)
def test_an_invoice_that_would_be_invalid_is_refused_with_what_to_fix(
    make_draft, customer, personas, change, field
):
    if change.get("no_vat"):
        customer.vat_number = ""
        customer.save()
    invoice = make_draft(lines=change.get("lines", [dict(LINE)]) or None)
    if "lines" in change and not change["lines"]:
        invoice.lines.all().delete()
    if "due_in_days" in change:
        from datetime import timedelta

        Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.issue_date + timedelta(days=90))
    with pytest.raises(services.IssueRefused) as info:
        services.invoice_issue(invoice=invoice, actor=personas.entrepreneur_a)
    assert field in {f for f, _ in info.value.problems}
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number == ""
    assert not NumberSeries.objects.filter(last_number__gt=0).exists()  # no number consumed


def test_issuing_needs_kyte_active(draft, personas):
    from billing.models import KyteSubscription, Status

    KyteSubscription.objects.filter(dossier=personas.dossier_a).update(status=Status.NOT_ACTIVE)
    with pytest.raises(DomainError) as info:
        services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    assert info.value.code == "kyte_inactive"


def test_credit_note_refers_to_the_invoice_with_positive_amounts(draft, personas):
    invoice = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    note = services.credit_note_create(invoice=invoice, actor=personas.entrepreneur_a)
    assert note.payable == invoice.payable > 0
    note = services.invoice_issue(invoice=note, actor=personas.entrepreneur_a)
    assert note.number == "NC2026-00001"
    assert note.snapshot["credited"] == {
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
    }
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    assert services.verify_chain(dossier=invoice.dossier) == []


def test_pdf_is_rendered_once_at_issue_with_qr_and_mentions(
    make_draft, personas, django_capture_on_commit_callbacks
):
    lines = [
        dict(LINE),
        {**LINE, "description": "Travaux", "vat_case": "reverse_charge", "vat_rate": Decimal("0")},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.invoice_issue(invoice=make_draft(lines=lines), actor=personas.entrepreneur_a)
    invoice.refresh_from_db()
    assert invoice.pdf.name.endswith(".pdf")
    data = invoice.pdf.read()
    assert data.startswith(b"%PDF")
    from invoicing.pdf import render_html

    html = render_html(invoice)
    assert "Autoliquidation" in html or "art. 51" in html  # the reverse-charge mention, in French
    assert "data:image/svg+xml;base64," in html  # the EPC QR code
    assert invoice.structured_reference in html


def _issue_many(seller, customer, personas, count, fail_every):
    drafts = [
        services.invoice_save_draft(
            invoice=services.invoice_create(dossier=seller, actor=personas.entrepreneur_a, customer=customer),
            actor=personas.entrepreneur_a,
            data={},
            lines=[dict(LINE)],
        )
        for _ in range(count)
    ]
    barrier = threading.Barrier(count)
    errors = []

    class Rollback(Exception):
        pass

    def work(i, invoice):
        barrier.wait()
        try:
            with transaction.atomic():
                issued = services.invoice_issue(invoice=invoice, actor=personas.entrepreneur_a)
                if fail_every and (i + 1) % fail_every == 0:
                    raise Rollback(issued.number)
        except Rollback:
            pass
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, d)) for i, d in enumerate(drafts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_issue_assigns_consecutive_numbers_under_concurrency(seller, customer, personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI sets DATABASE_URL)")
    errors = _issue_many(seller, customer, personas, 50, fail_every=5)
    assert errors == []
    sequences = sorted(
        Invoice.objects.filter(dossier=seller, status="issued").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, 41))  # 10 rolled back after taking their number: no gap, no duplicate
    assert services.verify_chain(dossier=seller) == []


@pytest.mark.django_db(transaction=True)
def test_tampering_is_refused_by_the_database_or_reported_by_the_chain(make_draft, personas):
    invoices = [services.invoice_issue(invoice=make_draft(), actor=personas.entrepreneur_a) for _ in range(3)]
    target = invoices[1]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE invoicing_invoice SET payable = 1 WHERE id = %s", [target.pk])
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM invoicing_invoiceline WHERE invoice_id = %s", [target.pk])
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE invoicing_invoiceline DISABLE TRIGGER invoicing_invoiceline_immutable"
            )
            cursor.execute(
                "UPDATE invoicing_invoiceline SET unit_price = 1 WHERE invoice_id = %s", [target.pk]
            )
            cursor.execute("ALTER TABLE invoicing_invoiceline ENABLE TRIGGER invoicing_invoiceline_immutable")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE invoicing_invoiceline SET unit_price = 1 WHERE invoice_id = %s", [target.pk]
            )
    breaks = services.verify_chain(dossier=personas.dossier_a)
    assert [b.invoice.pk for b in breaks] == [target.pk]
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("kyte_verify_chain", "--dossier", personas.dossier_a.code, stdout=out)
    assert target.number in out.getvalue()


def test_language_warning_follows_the_sellers_region(make_draft, personas):
    invoice = make_draft(language="nl")  # seller in Namur (5000): French-language region
    assert "FR" in services.language_warning(invoice)
    assert services.language_warning(make_draft(language="fr")) == ""
    from invoicing.language import legal_languages

    assert legal_languages("1000") == {"fr", "nl"} and legal_languages("9000") == {"nl"}
    assert legal_languages("4700") == {"de"} and legal_languages("75001", "FR") == set()


def test_document_discounts_and_charges_enter_the_vat_base(make_draft, personas):
    invoice = make_draft()
    allowances = [
        {
            "is_charge": False,
            "reason": "Remise",
            "amount": Decimal("50"),
            "vat_case": "standard",
            "vat_rate": Decimal("21"),
        },
        {
            "is_charge": True,
            "reason": "Transport",
            "amount": Decimal("10"),
            "vat_case": "standard",
            "vat_rate": Decimal("21"),
        },
    ]
    invoice = services.invoice_save_draft(
        invoice=invoice, actor=personas.entrepreneur_a, data={}, lines=[dict(LINE)], allowances=allowances
    )
    issued = services.invoice_issue(invoice=invoice, actor=personas.entrepreneur_a)
    assert (issued.line_total, issued.allowance_total, issued.charge_total, issued.tax_exclusive) == (
        Decimal("150.00"),
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("110.00"),
    )
    assert issued.tax_total == Decimal("23.10") and issued.payable == Decimal("133.10")


@pytest.mark.django_db(transaction=True)
def test_two_dossiers_issuing_in_parallel_keep_independent_series(seller, customer, personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI sets DATABASE_URL)")
    from billing.models import KyteSubscription, Mode, Status

    other = personas.dossier_b
    other.street, other.postal_code, other.city = "Rue 2", "1000", "Bruxelles"
    other.save()
    KyteSubscription.objects.create(dossier=other, status=Status.ACTIVE, mode=Mode.SELF_SERVICE)
    other_customer = services.customer_create(
        dossier=other,
        actor=personas.entrepreneur_b,
        legal_name="X SA",
        enterprise_number="0202239951",
        vat_number="BE0202239951",
    )
    drafts = []
    for dossier, buyer, actor in (
        (seller, customer, personas.entrepreneur_a),
        (other, other_customer, personas.entrepreneur_b),
    ):
        for _ in range(10):
            draft = services.invoice_create(dossier=dossier, actor=actor, customer=buyer)
            drafts.append(
                (services.invoice_save_draft(invoice=draft, actor=actor, data={}, lines=[dict(LINE)]), actor)
            )
    barrier = threading.Barrier(len(drafts))

    def work(invoice, actor):
        barrier.wait()
        try:
            services.invoice_issue(invoice=invoice, actor=actor)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=pair) for pair in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for dossier in (seller, other):
        numbers = sorted(Invoice.objects.filter(dossier=dossier).values_list("sequence", flat=True))
        assert numbers == list(range(1, 11))
