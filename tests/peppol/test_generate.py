"""Every document Kyte issues is valid under the official Peppol BIS 3 artefacts (zero fatal issues)."""

from decimal import Decimal

import pytest

from invoicing import services
from invoicing.vat import RULES
from peppol.ubl.generate import build
from peppol.validation import validate
from tests.invoicing.conftest import LINE

CASES = [(case, rate) for case, r in RULES.items() for rate in r.rates]


def _issue(make_draft, personas, lines, allowances=None, customer_vat=True):
    draft = make_draft(lines=lines)
    if allowances:
        draft = services.invoice_save_draft(
            invoice=draft, actor=personas.entrepreneur_a, data={}, lines=lines, allowances=allowances
        )
    return services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)


@pytest.mark.parametrize(("case", "rate"), CASES, ids=[f"{c}-{r}" for c, r in CASES])
def test_each_vat_case_gives_a_valid_invoice(make_draft, personas, case, rate):
    invoice = _issue(make_draft, personas, [{**LINE, "vat_case": case, "vat_rate": rate}])
    result = validate(build(invoice))
    assert result.valid, [(i.rule, i.message) for i in result.fatal]


def test_mixed_rates_discounts_and_charges_are_valid(make_draft, personas):
    lines = [
        {**LINE, "discount_percent": Decimal("12.5")},
        {**LINE, "vat_rate": Decimal("6"), "quantity": "3"},
        {**LINE, "vat_case": "reverse_charge", "vat_rate": Decimal("0")},
    ]
    allowances = [
        {
            "is_charge": False,
            "reason": "Remise",
            "amount": Decimal("20"),
            "vat_case": "standard",
            "vat_rate": Decimal("21"),
        },
        {
            "is_charge": True,
            "reason": "Transport",
            "amount": Decimal("15"),
            "vat_case": "standard",
            "vat_rate": Decimal("6"),
        },
    ]
    invoice = _issue(make_draft, personas, lines, allowances)
    result = validate(build(invoice, pdf=b"%PDF-1.7 test"))
    assert result.valid, [(i.rule, i.message) for i in result.fatal]


def test_credit_note_is_valid_and_refers_to_the_invoice(make_draft, personas):
    invoice = _issue(make_draft, personas, [dict(LINE)])
    note = services.invoice_issue(
        invoice=services.credit_note_create(invoice=invoice, actor=personas.entrepreneur_a),
        actor=personas.entrepreneur_a,
    )
    data = build(note)
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in data and invoice.number.encode() in data
    result = validate(data)
    assert result.valid, [(i.rule, i.message) for i in result.fatal]


def test_issue_stores_a_valid_ubl_original_with_the_pdf_embedded(
    make_draft, personas, django_capture_on_commit_callbacks
):
    import hashlib

    with django_capture_on_commit_callbacks(execute=True):
        invoice = _issue(make_draft, personas, [dict(LINE)])
    invoice.refresh_from_db()
    data = invoice.ubl.read()
    assert hashlib.sha256(data).hexdigest() == invoice.ubl_sha256
    assert b'mimeCode="application/pdf"' in data and b'schemeID="0208"' in data
    assert validate(data).valid


def test_an_invoice_that_would_fail_the_official_rules_is_not_issued(make_draft, personas, customer):
    from invoicing.models import NumberSeries

    customer.peppol_scheme, customer.peppol_id = "0208", "0403170702"  # bad check digits (PEPPOL-COMMON-R043)
    customer.save()
    draft = make_draft()
    with pytest.raises(services.IssueRefused) as info:
        services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    assert any("check digits" in message for _, message in info.value.problems)
    draft.refresh_from_db()
    assert draft.status == "draft" and not NumberSeries.objects.filter(last_number__gt=0).exists()


def test_private_customers_get_a_pdf_invoice_without_ubl(
    make_draft, personas, seller, django_capture_on_commit_callbacks
):
    person = services.customer_create(
        dossier=seller,
        actor=personas.entrepreneur_a,
        legal_name="Sophie Lambert",
        kind="person",
        country="BE",
        street="Rue 4",
        postal_code="5000",
        city="Namur",
    )
    draft = make_draft()
    draft.customer = person
    draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    invoice.refresh_from_db()
    assert invoice.pdf and not invoice.ubl


def test_export_command_writes_the_stored_originals(
    make_draft, personas, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        invoices = [_issue(make_draft, personas, [dict(LINE)]) for _ in range(2)]
    call_command("kyte_export_ubl", "--dossier", personas.dossier_a.code, "--out", str(tmp_path))
    for invoice in invoices:
        invoice.refresh_from_db()
        written = (tmp_path / personas.dossier_a.code / f"{invoice.number}.xml").read_bytes()
        assert written == invoice.ubl.open("rb").read()
        assert validate(written).valid
