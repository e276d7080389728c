"""The PDF of an issued document, rendered once from its snapshot with WeasyPrint, in the document's language."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import segno.helpers
from django.template.loader import render_to_string
from django.utils import translation

from invoicing.models import DocumentKind, Invoice
from invoicing.vat import VatCase, rule


def epc_qr_data_uri(invoice: Invoice) -> str:
    """EPC/SEPA credit transfer QR: beneficiary, IBAN, amount and the structured communication."""
    seller = invoice.snapshot.get("seller") or {}
    if not seller.get("iban") or invoice.kind != DocumentKind.INVOICE or invoice.payable <= 0:
        return ""
    digits = "".join(ch for ch in invoice.structured_reference if ch.isdigit())
    if not digits:  # a draft has no structured communication yet
        return ""
    qr = segno.helpers.make_epc_qr(
        name=seller["name"][:70],
        iban=seller["iban"],
        bic=seller.get("bic") or None,
        amount=Decimal(invoice.payable),
        reference=digits or None,
    )
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=3, border=0)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def logo_data_uri(branding: dict) -> str:
    from django.core.files.storage import default_storage

    name, content_type = branding.get("logo"), branding.get("logo_type")
    if not name or not content_type or not default_storage.exists(name):
        return ""
    with default_storage.open(name, "rb") as handle:
        return f"data:{content_type};base64," + base64.b64encode(handle.read()).decode()


def _legal_form_label(code: str) -> str:
    """Stored as a code in the snapshot; printed in the document's language (older snapshots kept the label)."""
    from accounts.models import LegalForm

    return str(LegalForm(code).label) if code in LegalForm.values else code


def document_context(invoice: Invoice) -> dict:
    seller = invoice.snapshot.get("seller") or {}
    cases = sorted({line.vat_case for line in invoice.lines.all()})
    mentions = [str(rule(case).mention) for case in cases if rule(case).mention]
    return {
        "invoice": invoice,
        "seller": seller,
        "seller_legal_form": _legal_form_label(seller.get("legal_form", "")),
        "buyer": invoice.snapshot.get("buyer") or {},
        "credited": invoice.snapshot.get("credited"),
        "breakdown": [
            {
                "category": b["category"],
                "rate": Decimal(b["rate"]).normalize(),
                "taxable": Decimal(b["taxable"]),
                "tax": Decimal(b["tax"]),
            }
            for b in invoice.snapshot.get("breakdown") or []
        ],
        "lines": invoice.lines.all(),
        "allowances": invoice.allowances_charges.all(),
        "mentions": mentions,
        "qr": epc_qr_data_uri(invoice),
        "vat_labels": dict(VatCase.choices),
        "branding": invoice.snapshot.get("branding") or {},
        "logo": logo_data_uri(invoice.snapshot.get("branding") or {}),
        "accent": (invoice.snapshot.get("branding") or {}).get("accent_color") or "#1f4fd8",
    }


def render_html(invoice: Invoice, *, preview: bool = False) -> str:
    with translation.override(invoice.language):
        return render_to_string(
            "invoicing/pdf/document.html", {**document_context(invoice), "preview": preview}
        )


def render_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(invoice)).write_pdf()
