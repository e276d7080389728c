"""The invoice pages through the Django client: editor (HTMX), issue, PDF, credit, list, export, customers."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing import services
from invoicing.models import Customer, Invoice, InvoiceStatus
from tests.invoicing.conftest import LINE


def _editor_data(invoice, lines, action="save", **header):
    data = {
        "action": action,
        "h-customer": invoice.customer.pk if invoice.customer else "",
        "h-issue_date": header.get("issue_date", invoice.issue_date.isoformat()),
        "h-due_date": header.get("due_date", invoice.due_date.isoformat() if invoice.due_date else ""),
        "h-currency": "EUR",
        "h-language": header.get("language", "fr"),
        "h-delivery_date": "",
        "h-period_start": "",
        "h-period_end": "",
        "h-buyer_reference": "",
        "h-order_reference": "",
        "h-notes": "",
        "line-TOTAL_FORMS": len(lines),
        "line-INITIAL_FORMS": 0,
        "line-MIN_NUM_FORMS": 0,
        "line-MAX_NUM_FORMS": 300,
        "ac-TOTAL_FORMS": 0,
        "ac-INITIAL_FORMS": 0,
        "ac-MIN_NUM_FORMS": 0,
        "ac-MAX_NUM_FORMS": 20,
    }
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"line-{i}-{key}"] = value
    return data


def _url(name, invoice):
    return reverse(name, kwargs={"dossier_code": invoice.dossier.code, "uuid": invoice.uuid})


def test_editor_autosaves_and_shows_live_totals_per_rate(login, draft, personas):
    client = login(personas.entrepreneur_a)
    lines = [
        LINE,
        {**LINE, "description": "Livre", "quantity": "3", "unit_price": "10", "vat_rate": "6"},
        {
            **LINE,
            "description": "Pose",
            "quantity": "1",
            "unit_price": "500",
            "vat_case": "reverse_charge",
            "vat_rate": "0",
        },
    ]
    data = _editor_data(draft, lines)
    del data["action"]  # a change in a field: no button
    response = client.post(_url("invoice_detail", draft), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#totals"  # only the totals are refreshed, not what the user is typing
    html = response.content.decode()
    assert "<html" not in html and 'id="totals"' in html and 'name="line-0-description"' not in html
    assert "S 21 %" in html and "S 6 %" in html and "AE 0 %" in html
    draft.refresh_from_db()
    assert (draft.tax_exclusive, draft.tax_total, draft.payable) == (
        Decimal("680.00"),
        Decimal("33.30"),
        Decimal("713.30"),
    )
    assert draft.lines.count() == 3


def test_add_and_move_lines_without_reload(login, draft, personas):
    client = login(personas.entrepreneur_a)
    url = _url("invoice_detail", draft)
    html = client.post(
        url, _editor_data(draft, [LINE], action="add_line"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'name="line-1-description"' in html
    lines = [LINE, {**LINE, "description": "Second"}]
    client.post(url, _editor_data(draft, lines, action="up:1"), HTTP_HX_REQUEST="true")
    assert list(draft.lines.values_list("description", flat=True)) == ["Second", "Consultance"]
    lines_removed = [{**LINE, "DELETE": "on"}, {**LINE, "description": "Kept"}]
    client.post(url, _editor_data(draft, lines_removed, action="save"), HTTP_HX_REQUEST="true")
    assert list(draft.lines.values_list("description", flat=True)) == ["Kept"]


def test_autosave_of_a_line_being_typed_changes_nothing(login, draft, personas):
    data = _editor_data(draft, [{**LINE, "unit_price": ""}])
    del data["action"]
    response = login(personas.entrepreneur_a).post(
        _url("invoice_detail", draft), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Trigger"] == "kyte-unsaved"
    assert draft.lines.get().unit_price == Decimal("75")


def test_choosing_a_customer_brings_their_language_and_term(login, draft, personas, seller):
    other = services.customer_create(
        dossier=seller,
        actor=personas.entrepreneur_a,
        legal_name="Bakkerij NV",
        enterprise_number="0417497106",
        vat_number="BE0417497106",
        country="BE",
        language="nl",
        payment_term_days=15,
    )
    data = _editor_data(draft, [LINE])
    data["h-customer"] = other.pk
    del data["action"]
    response = login(personas.entrepreneur_a).post(
        _url("invoice_detail", draft), data, HTTP_HX_REQUEST="true"
    )
    assert 'id="editor"' in response.content.decode()  # the header changed: the editor is re-rendered
    draft.refresh_from_db()
    assert (draft.language, (draft.due_date - draft.issue_date).days) == ("nl", 15)


def test_bad_line_input_is_explained_beside_the_field_and_kept(login, draft, personas):
    client = login(personas.entrepreneur_a)
    bad = [{**LINE, "quantity": "deux", "vat_rate": "7"}]
    response = client.post(_url("invoice_detail", draft), _editor_data(draft, bad), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="deux"' in html and 'class="error"' in html
    assert "the rate is 21 %, 12 %, 6 %" in html
    assert draft.lines.get().quantity == Decimal("2")  # the stored draft is untouched


def test_issue_refused_lists_what_to_fix(login, draft, personas, customer):
    customer.vat_number = ""
    customer.save()
    client = login(personas.entrepreneur_a)
    lines = [{**LINE, "vat_case": "reverse_charge", "vat_rate": "0"}]
    response = client.post(
        _url("invoice_detail", draft), _editor_data(draft, lines, action="issue"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "needs the customer&#x27;s VAT number" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT


def test_b2b_term_over_60_days_is_refused_with_the_reason(login, draft, personas):
    client = login(personas.entrepreneur_a)
    due = draft.issue_date.replace(year=draft.issue_date.year + 1).isoformat()
    response = client.post(
        _url("invoice_detail", draft), _editor_data(draft, [LINE], action="issue", due_date=due)
    )
    assert "may not exceed 60 days" in response.content.decode()


def test_issue_then_download_the_pdf_and_credit(login, draft, personas, django_capture_on_commit_callbacks):
    client = login(personas.entrepreneur_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("invoice_detail", draft), _editor_data(draft, [LINE], action="issue"))
    assert response.url == _url("invoice_detail", draft)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED and draft.pdf
    page = client.get(_url("invoice_detail", draft)).content.decode()
    assert draft.number in page and draft.structured_reference in page
    pdf = client.get(_url("invoice_pdf", draft))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    credit = client.post(_url("invoice_credit", draft))
    note = Invoice.objects.get(kind="credit_note")
    assert credit.url == _url("invoice_detail", note)
    assert note.credited_invoice == draft and note.payable == draft.payable


def test_preview_shows_the_draft_as_it_will_print(login, draft, personas):
    html = login(personas.entrepreneur_a).get(_url("invoice_preview", draft)).content.decode()
    assert "Garage Lejeune SA" in html and personas.dossier_a.legal_name in html
    assert 'lang="fr"' in html


def test_issued_invoice_cannot_be_edited_through_the_editor(login, draft, personas):
    issued = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    client = login(personas.entrepreneur_a)
    response = client.post(
        _url("invoice_detail", issued), _editor_data(issued, [{**LINE, "unit_price": "1"}])
    )
    assert response.status_code in (200, 302)
    issued.refresh_from_db()
    assert issued.lines.get().unit_price == Decimal("75")


def test_list_filters_totals_and_csv_export(login, make_draft, personas, customer):
    for _ in range(3):
        services.invoice_issue(invoice=make_draft(), actor=personas.entrepreneur_a)
    make_draft()  # a draft: listed, not counted
    client = login(personas.entrepreneur_a)
    url = reverse("invoice_list", kwargs={"dossier_code": personas.dossier_a.code})
    response = client.get(url)
    assert response.context["totals"]["count"] == 3
    assert response.context["totals"]["incl"] == Decimal("544.50")
    assert len(response.context["page"].object_list) == 4
    drafts = client.get(url, {"status": "draft"}).context["page"].object_list
    assert [i.status for i in drafts] == ["draft"]
    export = client.get(reverse("invoice_export", kwargs={"dossier_code": personas.dossier_a.code}))
    rows = list(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert len(rows) == 4 and all(r[0].startswith("F2026-") for r in rows[1:])
    assert {r[5] for r in rows[1:]} == {"Garage Lejeune SA"}


def test_invoice_list_query_count_is_flat(login, make_draft, personas, django_assert_max_num_queries):
    client = login(personas.entrepreneur_a)
    url = reverse("invoice_list", kwargs={"dossier_code": personas.dossier_a.code})
    make_draft()
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(15):
        services.invoice_issue(invoice=make_draft(), actor=personas.entrepreneur_a)
    with django_assert_max_num_queries(20) as many:
        client.get(url)
    assert len(many) == len(few)


def test_customer_form_validates_and_prefills_peppol(login, seller, personas):
    client = login(personas.entrepreneur_a)
    url = reverse("customer_create", kwargs={"dossier_code": seller.code})
    data = {
        "kind": "company",
        "legal_name": "Bakkerij Janssens",
        "enterprise_number": "0403.170.702",
        "vat_number": "",
        "street": "",
        "postal_code": "",
        "city": "",
        "country": "BE",
        "email": "",
        "language": "nl",
        "peppol_scheme": "",
        "peppol_id": "",
        "payment_term_days": "90",
        "buyer_reference": "",
    }
    response = client.post(url, data)
    assert set(response.context["form"].errors) == {"enterprise_number", "payment_term_days"}
    assert 'value="0403.170.702"' in response.content.decode()
    client.post(url, {**data, "enterprise_number": "0403.170.701", "payment_term_days": "30"})
    customer = Customer.objects.get(legal_name="Bakkerij Janssens")
    assert customer.peppol_endpoint == "0208:0403170701"


def test_product_is_picked_while_typing(login, seller, personas):
    services.product_save(
        dossier=seller,
        actor=personas.entrepreneur_a,
        name="Pain complet",
        unit="H87",
        unit_price=Decimal("3.2"),
        vat_case="standard",
        vat_rate=Decimal("6"),
    )
    client = login(personas.entrepreneur_a)
    url = reverse("product_search", kwargs={"dossier_code": seller.code})
    html = client.get(url, {"line-0-description": "pain", "target": "0"}).content.decode()
    assert 'data-description="Pain complet"' in html and 'data-vat-rate="6"' in html
    assert client.get(url, {"line-0-description": "xyz"}).content.strip() == b""


@pytest.mark.parametrize("language", ["fr", "nl", "en", "de"])
def test_pdf_speaks_the_document_language(make_draft, personas, language):
    from invoicing.pdf import render_html

    invoice = services.invoice_issue(invoice=make_draft(language=language), actor=personas.entrepreneur_a)
    title = {"fr": "Facture", "nl": "Factuur", "en": "Invoice", "de": "Rechnung"}[language]
    html = render_html(invoice)
    assert f"<h1>{title}</h1>" in html
    legal_form = {
        "fr": "société à responsabilité limitée",
        "nl": "besloten vennootschap",
        "en": "private limited company",
        "de": "SRL / BV",
    }[language]
    assert legal_form in html  # the seller's legal form, in the document's language


def test_pdf_download_waits_for_the_worker_then_starts(login, draft, personas, settings):
    from invoicing.tasks import render_invoice_pdf
    from kyte.celery import app

    issued = services.invoice_issue(
        invoice=draft, actor=personas.entrepreneur_a
    )  # on_commit not run: no PDF yet
    app.conf.task_always_eager = False
    try:
        client = login(personas.entrepreneur_a)
        page = client.get(_url("invoice_pdf", issued))
        assert page.status_code == 202 and 'hx-trigger="every 2s"' in page.content.decode()
        assert client.get(_url("invoice_pdf", issued), HTTP_HX_REQUEST="true").status_code == 202
        render_invoice_pdf(issued.pk)  # what the worker does
        ready = client.get(_url("invoice_pdf", issued), HTTP_HX_REQUEST="true")
        assert ready["HX-Redirect"] == _url("invoice_pdf", issued)
        assert render_invoice_pdf(issued.pk) == "skipped"  # rendered once
    finally:
        app.conf.task_always_eager = True


def test_authoring_stops_when_kyte_is_not_active_but_reading_and_export_stay(login, draft, personas):
    from billing.models import KyteSubscription, Status

    issued = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    KyteSubscription.objects.filter(dossier=personas.dossier_a).update(
        status=Status.NOT_ACTIVE, available=True
    )
    client = login(personas.entrepreneur_a)
    code = personas.dossier_a.code
    page = client.post(reverse("invoice_create", kwargs={"dossier_code": code}))
    assert page.status_code == 200 and "Kyte is not active" in page.content.decode()
    assert not Invoice.objects.filter(status="draft").exists()
    assert (
        client.post(_url("invoice_credit", issued)).status_code == 200
    )  # the activation page, no credit note
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert client.get(reverse("invoice_list", kwargs={"dossier_code": code})).status_code == 200
    assert client.get(_url("invoice_detail", issued)).status_code == 200
    assert client.get(reverse("invoice_export", kwargs={"dossier_code": code})).status_code == 200


def test_standalone_credit_note_names_the_invoice_it_corrects(login, draft, personas):
    issued = services.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    client = login(personas.entrepreneur_a)
    response = client.post(
        reverse("invoice_create", kwargs={"dossier_code": personas.dossier_a.code}), {"kind": "credit_note"}
    )
    note = Invoice.objects.get(kind="credit_note")
    assert response.url == _url("invoice_detail", note)
    page = client.get(response.url).content.decode()
    assert issued.number in page  # offered in the "credited invoice" choice
    line = {**LINE, "quantity": "1"}
    refused = client.post(_url("invoice_detail", note), _editor_data(note, [line], action="issue"))
    assert "refers to the invoice it corrects" in refused.content.decode()
    data = _editor_data(note, [line], action="issue")
    data["h-credited_invoice"] = issued.pk
    data["h-due_date"] = ""
    client.post(_url("invoice_detail", note), data)
    note.refresh_from_db()
    assert note.status == "issued" and note.payable == Decimal("90.75")
    assert note.snapshot["credited"]["number"] == issued.number


def test_peppol_address_is_prefilled_when_the_enterprise_number_is_added_later(login, seller, personas):
    customer = services.customer_create(dossier=seller, actor=personas.entrepreneur_a, legal_name="Later SA")
    assert customer.peppol_endpoint == ""
    services.customer_update(
        customer=customer,
        actor=personas.entrepreneur_a,
        data={"enterprise_number": "0202239951", "peppol_id": ""},
    )
    assert customer.peppol_endpoint == "0208:0202239951"
    person = services.customer_create(
        dossier=seller,
        actor=personas.entrepreneur_a,
        legal_name="Jan",
        kind="person",
        enterprise_number="0202239951",
    )
    assert person.peppol_endpoint == ""  # private persons are not reached on Peppol
