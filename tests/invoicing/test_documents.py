"""Branding (logo, colour, footer) and numbering settings of the documents."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from invoicing import services
from invoicing.models import Branding

EVIL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
    b'<script>alert(1)</script><rect width="10" height="10" fill="#123456"/>'
    b'<a xlink:href="javascript:alert(1)"><circle r="3"/></a><image href="http://evil.example/x.png"/></svg>'
)


def _png(size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1f4fd8").save(buffer, format="PNG")
    return buffer.getvalue()


def _post(client, dossier, **files_and_fields):
    data = {
        "form": "branding",
        "b-accent_color": "#aa3300",
        "b-footer_text": "Merci de votre confiance",
        "b-payment_instructions": "",
        "b-rpr_court": "RPM Liège, division Namur",
        **files_and_fields,
    }
    return client.post(reverse("document_settings", kwargs={"dossier_code": dossier.code}), data)


def test_svg_logo_is_sanitised(login, seller, personas):
    response = _post(
        login(personas.entrepreneur_a),
        seller,
        **{"b-logo_upload": SimpleUploadedFile("logo.svg", EVIL_SVG, "image/svg+xml")},
    )
    assert response.status_code == 302
    branding = Branding.objects.get(dossier=seller)
    stored = branding.logo.read()
    assert b"<rect" in stored and b"script" not in stored and b"onload" not in stored
    assert b"javascript:" not in stored and b"evil.example" not in stored
    assert branding.logo_type == "image/svg+xml"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "logo.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
            "DOCTYPE",
        ),
        ("logo.gif", b"GIF89a" + b"\x00" * 20, "PNG, JPEG or SVG"),
        ("big.png", b"\x89PNG" + b"\x00" * (600 * 1024), "512 KB"),
    ],
)
def test_bad_logos_are_refused_beside_the_field(login, seller, personas, name, content, message):
    response = _post(
        login(personas.entrepreneur_a), seller, **{"b-logo_upload": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in str(response.context["branding_form"].errors["logo_upload"])
    assert not Branding.objects.filter(dossier=seller).exclude(logo="").exists()


def test_png_logo_is_re_encoded_and_printed_with_the_brand_colour(login, seller, personas, make_draft):
    _post(login(personas.entrepreneur_a), seller, **{"b-logo_upload": SimpleUploadedFile("logo.png", _png())})
    branding = Branding.objects.get(dossier=seller)
    assert Image.open(branding.logo).format == "PNG"
    from invoicing.pdf import render_html

    invoice = services.invoice_issue(invoice=make_draft(), actor=personas.entrepreneur_a)
    html = render_html(invoice)
    assert "data:image/png;base64," in html and "#aa3300" in html
    assert "RPM Liège, division Namur" in html and "Merci de votre confiance" in html
    # Changing the branding later does not change what the issued document prints.
    Branding.objects.filter(dossier=seller).update(accent_color="#000000")
    assert "#aa3300" in render_html(invoice)


def test_numbering_prefix_and_yearly_reset(login, seller, personas, make_draft):
    client = login(personas.entrepreneur_a)
    url = reverse("document_settings", kwargs={"dossier_code": seller.code})
    bad = client.post(url, {"form": "numbering", "n-invoice_prefix": "F 2", "n-credit_note_prefix": "F 2"})
    assert set(bad.context["numbering_form"].errors) == {"invoice_prefix", "credit_note_prefix"}
    client.post(
        url,
        {
            "form": "numbering",
            "n-invoice_prefix": "INV-",
            "n-credit_note_prefix": "CN-",
            "n-yearly_reset": "on",
        },
    )
    first = services.invoice_issue(
        invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2026, 12, 30)
    )
    second = services.invoice_issue(
        invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2027, 1, 2)
    )
    assert (first.number, second.number) == ("INV-2026-00001", "INV-2027-00001")
    client.post(
        url, {"form": "numbering", "n-invoice_prefix": "INV-", "n-credit_note_prefix": "CN-"}
    )  # reset off
    third = services.invoice_issue(
        invoice=make_draft(), actor=personas.entrepreneur_a, issue_date=date(2027, 1, 3)
    )
    assert third.number == "INV-000001"
