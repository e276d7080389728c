"""Writes of invoicing: customers, products, drafts, issuing (number, snapshot, hash chain), credit notes."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Dossier, User
from accounts.services import audit_log
from billing.models import KyteSubscription
from invoicing import money
from invoicing.language import legal_languages
from invoicing.models import (
    AllowanceCharge,
    Customer,
    CustomerKind,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Product,
)
from invoicing.numbering import take_number
from invoicing.vat import RULES, VatCase, rule
from kyte.errors import DomainError

MAX_B2B_TERM_DAYS = 60  # law of 2 August 2002, art. 4 (since 1 February 2022)
GENESIS = "0" * 64


class IssueRefused(DomainError):
    """The document would not be legally complete: `problems` lists (field, message) pairs to fix."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(_("The document cannot be issued yet."), "refused")
        self.problems = problems


# --- Customers and products -----------------------------------------------------------------------------------


def _default_peppol(fields: dict[str, Any]) -> None:
    """A Belgian business is reached on Peppol as 0208:<enterprise number> unless another identifier is given."""
    if (
        not fields.get("peppol_id")
        and fields.get("enterprise_number")
        and fields.get("country", "BE") == "BE"
        and fields.get("kind", CustomerKind.COMPANY) == CustomerKind.COMPANY
    ):
        fields["peppol_scheme"], fields["peppol_id"] = "0208", fields["enterprise_number"]


def customer_create(*, dossier: Dossier, actor: User, **fields: Any) -> Customer:
    _default_peppol(fields)
    customer = Customer.objects.create(dossier=dossier, **fields)
    audit_log(
        actor=actor,
        dossier=dossier,
        obj=customer,
        action="kyte.customer.created",
        data={"name": customer.legal_name},
    )
    return customer


def customer_update(*, customer: Customer, actor: User, data: dict[str, Any]) -> Customer:
    if "enterprise_number" in data:
        data = {"kind": customer.kind, "country": customer.country, **data}
        _default_peppol(data)
    for name, value in data.items():
        setattr(customer, name, value)
    customer.save()
    audit_log(
        actor=actor,
        dossier=customer.dossier,
        obj=customer,
        action="kyte.customer.updated",
        data={"fields": sorted(data)},
    )
    return customer


def product_save(*, dossier: Dossier, actor: User, product: Product | None = None, **fields: Any) -> Product:
    product = product or Product(dossier=dossier)
    for name, value in fields.items():
        setattr(product, name, value)
    product.save()
    return product


# --- Drafts -----------------------------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()  # Europe/Brussels


@transaction.atomic
def invoice_create(
    *, dossier: Dossier, actor: User, customer: Customer | None = None, kind: str = DocumentKind.INVOICE
) -> Invoice:
    today = _today()
    invoice = Invoice.objects.create(
        dossier=dossier,
        kind=kind,
        customer=customer,
        issue_date=today,
        due_date=today + timedelta(days=customer.payment_term_days if customer else 30),
        language=customer.language if customer else dossier.language,
        buyer_reference=customer.buyer_reference if customer else "",
    )
    audit_log(
        actor=actor, dossier=dossier, obj=invoice, action="kyte.invoice.draft_created", data={"kind": kind}
    )
    return invoice


def _require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(_("An issued document never changes: correct it with a credit note."), "not_draft")


def totals_for(lines: list[dict], allowances: list[dict]) -> money.Totals:
    return money.compute_totals(
        [
            money.LineInput(
                Decimal(line["quantity"]),
                Decimal(line["unit_price"]),
                Decimal(line.get("discount_percent") or 0),
                rule(line["vat_case"]).category,
                Decimal(line["vat_rate"]),
            )
            for line in lines
        ],
        [
            money.AllowanceChargeInput(
                bool(a.get("is_charge")),
                Decimal(a["amount"]),
                rule(a["vat_case"]).category,
                Decimal(a["vat_rate"]),
            )
            for a in allowances
        ],
    )


LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "discount_percent", "vat_case", "vat_rate")
ALLOWANCE_FIELDS = ("is_charge", "reason", "amount", "vat_case", "vat_rate")


@transaction.atomic
def invoice_save_draft(
    *,
    invoice: Invoice,
    actor: User,
    data: dict[str, Any],
    lines: list[dict],
    allowances: list[dict] | None = None,
) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _require_draft(invoice)
    allowances = allowances or []
    previous_customer = invoice.customer_id
    for name, value in data.items():
        setattr(invoice, name, value)
    if invoice.credited_invoice_id and invoice.customer_id is None:
        invoice.customer = invoice.credited_invoice.customer  # a credit note goes to the invoiced customer
    customer = invoice.customer
    if customer is not None and customer.pk != previous_customer:
        # A newly chosen customer brings their language, payment term and reference.
        invoice.language = customer.language
        if invoice.issue_date and invoice.kind == DocumentKind.INVOICE:
            invoice.due_date = invoice.issue_date + timedelta(days=customer.payment_term_days)
        invoice.buyer_reference = invoice.buyer_reference or customer.buyer_reference
    totals = totals_for(lines, allowances)
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(invoice=invoice, position=i, net_amount=net, **{f: line[f] for f in LINE_FIELDS})
            for i, (line, net) in enumerate(zip(lines, totals.line_nets, strict=True))
        ]
    )
    invoice.allowances_charges.all().delete()
    AllowanceCharge.objects.bulk_create(
        [AllowanceCharge(invoice=invoice, **{f: a.get(f) for f in ALLOWANCE_FIELDS}) for a in allowances]
    )
    _store_totals(invoice, totals)
    invoice.save()
    return invoice


def _store_totals(invoice: Invoice, totals: money.Totals) -> None:
    for name in (
        "line_total",
        "allowance_total",
        "charge_total",
        "tax_exclusive",
        "tax_total",
        "tax_inclusive",
        "payable",
    ):
        setattr(invoice, name, getattr(totals, name))


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice, actor: User) -> None:
    _require_draft(invoice)
    audit_log(
        actor=actor, dossier=invoice.dossier, action="kyte.invoice.draft_deleted", data={"kind": invoice.kind}
    )
    invoice.delete()


# --- Issuing ----------------------------------------------------------------------------------------------------


def _lines_of(invoice: Invoice) -> list[dict]:
    return [{f: getattr(line, f) for f in LINE_FIELDS} for line in invoice.lines.all()]


def _allowances_of(invoice: Invoice) -> list[dict]:
    return [{f: getattr(a, f) for f in ALLOWANCE_FIELDS} for a in invoice.allowances_charges.all()]


def invoice_totals(invoice: Invoice) -> money.Totals:
    return totals_for(_lines_of(invoice), _allowances_of(invoice))


def issue_problems(invoice: Invoice) -> list[tuple[str, str]]:
    """Everything that would make the document legally incomplete, as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    dossier, customer = invoice.dossier, invoice.customer
    if customer is None:
        problems.append(("customer", _("Choose the customer.")))
    lines = list(invoice.lines.all())
    if not lines:
        problems.append(("lines", _("Add at least one line.")))
    for n, line in enumerate(lines, start=1):
        if not line.description.strip():
            problems.append(("lines", _("Line %(n)s: describe the goods or services.") % {"n": n}))
        if line.quantity <= 0 or line.unit_price < 0:
            problems.append(
                (
                    "lines",
                    _("Line %(n)s: quantity and price must be positive (corrections are credit notes).")
                    % {"n": n},
                )
            )
        case_rule = RULES.get(line.vat_case)
        if case_rule is None or Decimal(line.vat_rate) not in case_rule.rates:
            problems.append(
                (
                    "lines",
                    _("Line %(n)s: %(rate)s %% is not a rate of “%(case)s”.")
                    % {"n": n, "rate": line.vat_rate, "case": VatCase(line.vat_case).label},
                )
            )
        elif case_rule.needs_customer_vat and customer is not None and not customer.vat_number:
            problems.append(
                (
                    "customer",
                    _("%(case)s needs the customer's VAT number.") % {"case": VatCase(line.vat_case).label},
                )
            )
    categories = {RULES[line.vat_case].category for line in lines if line.vat_case in RULES}
    if "O" in categories and len(categories) > 1:
        problems.append(
            ("lines", _("Supplies outside the scope of VAT go on their own invoice (EN 16931 BR-O-11)."))
        )
    if lines and invoice.payable <= 0:
        problems.append(("lines", _("The total to pay must be more than zero.")))
    if invoice.issue_date is None:
        problems.append(("issue_date", _("Enter the issue date.")))
    elif invoice.due_date and invoice.due_date < invoice.issue_date:
        problems.append(("due_date", _("The due date cannot be before the issue date.")))
    elif (
        invoice.kind == DocumentKind.INVOICE
        and invoice.due_date
        and customer is not None
        and customer.kind == CustomerKind.COMPANY
        and (invoice.due_date - invoice.issue_date).days > MAX_B2B_TERM_DAYS
    ):
        problems.append(
            (
                "due_date",
                _(
                    "Between businesses a payment term may not exceed 60 days (law of 2 August "
                    "2002 on late payment)."
                ),
            )
        )
    if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.credited_invoice is None:
        problems.append(("credited_invoice", _("A credit note refers to the invoice it corrects.")))
    if (
        customer is not None
        and customer.kind == CustomerKind.COMPANY
        and customer.country == "BE"
        and not customer.vat_number
        and not customer.enterprise_number
    ):
        problems.append(("customer", _("A Belgian business customer needs its VAT or enterprise number.")))
    for field, label in (
        ("vat_number", gettext_lazy("VAT number")),
        ("street", gettext_lazy("address")),
        ("iban", gettext_lazy("IBAN")),
    ):
        if not getattr(dossier, field):
            problems.append(
                ("seller", _("Your company data lack the %(field)s (Dossier settings).") % {"field": label})
            )
    return problems


def language_warning(invoice: Invoice) -> str:
    allowed = legal_languages(invoice.dossier.postal_code, invoice.dossier.country)
    if allowed and invoice.language not in allowed:
        return _(
            "Your operating seat is in a region where invoices must be in %(langs)s: an invoice in another "
            "language is void under the language laws."
        ) % {"langs": " / ".join(sorted(allowed)).upper()}
    return ""


def _party_seller(dossier: Dossier) -> dict:
    return {
        "name": dossier.legal_name,
        "legal_form": dossier.legal_form,
        "enterprise_number": dossier.enterprise_number,
        "vat_number": dossier.vat_number,
        "street": dossier.street,
        "postal_code": dossier.postal_code,
        "city": dossier.city,
        "country": dossier.country,
        "iban": dossier.iban,
        "bic": dossier.bic,
        "email": dossier.email,
        "phone": dossier.phone,
    }


def _party_buyer(customer: Customer) -> dict:
    return {
        "name": customer.legal_name,
        "kind": customer.kind,
        "enterprise_number": customer.enterprise_number,
        "vat_number": customer.vat_number,
        "street": customer.street,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": customer.country,
        "email": customer.email,
        "peppol": customer.peppol_endpoint,
    }


def _branding_of(dossier: Dossier) -> dict:
    from invoicing.models import Branding

    branding = Branding.objects.filter(dossier=dossier).first()
    if branding is None:
        return {}
    return {
        "accent_color": branding.accent_color,
        "footer_text": branding.footer_text,
        "payment_instructions": branding.payment_instructions,
        "rpr_court": branding.rpr_court,
        "logo": branding.logo.name if branding.logo else "",
        "logo_type": branding.logo_type,
    }


def preview_snapshot(invoice: Invoice) -> dict:
    """What a draft will show once issued, with today's dossier and customer data (nothing is stored)."""
    return build_snapshot(invoice, invoice_totals(invoice))


def build_snapshot(invoice: Invoice, totals: money.Totals) -> dict:
    """The frozen content of an issued document: parties, credited reference, VAT breakdown, mentions, branding."""
    credited = invoice.credited_invoice
    return {
        "seller": _party_seller(invoice.dossier),
        "buyer": _party_buyer(invoice.customer) if invoice.customer else {},
        "credited": {"number": credited.number, "issue_date": credited.issue_date.isoformat()}
        if credited
        else None,
        "breakdown": [
            {
                "category": b.category,
                "rate": money.canonical(b.rate),
                "taxable": money.canonical(b.taxable),
                "tax": money.canonical(b.tax),
            }
            for b in totals.breakdown
        ],
        "mentions": sorted(
            {line.vat_case for line in invoice.lines.all()} - {VatCase.STANDARD, VatCase.ZERO}
        ),
        "branding": _branding_of(invoice.dossier),
    }


def _json(value):
    if isinstance(value, Decimal):
        return money.canonical(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def document_payload(invoice: Invoice) -> dict:
    """What the chain hash covers: number, dates, parties (snapshot), lines and totals, read from the stored rows."""
    return {
        "kind": invoice.kind,
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "delivery_date": invoice.delivery_date,
        "currency": invoice.currency,
        "language": invoice.language,
        "structured_reference": invoice.structured_reference,
        "credited": invoice.snapshot.get("credited"),
        "seller": invoice.snapshot.get("seller"),
        "buyer": invoice.snapshot.get("buyer"),
        "lines": [
            [
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                line.discount_percent,
                line.vat_case,
                line.vat_rate,
                line.net_amount,
            ]
            for line in invoice.lines.order_by("position", "id")
        ],
        "allowances": [
            [a.is_charge, a.reason, a.amount, a.vat_case, a.vat_rate]
            for a in invoice.allowances_charges.order_by("id")
        ],
        "totals": [
            invoice.line_total,
            invoice.allowance_total,
            invoice.charge_total,
            invoice.tax_exclusive,
            invoice.tax_total,
            invoice.tax_inclusive,
            invoice.payable,
        ],
    }


def chain_hash(previous: str, invoice: Invoice) -> str:
    body = json.dumps(
        document_payload(invoice), default=_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(f"{previous}\n{body}".encode()).hexdigest()


def _previous_hash(invoice: Invoice) -> str:
    previous = (
        Invoice.objects.filter(
            dossier=invoice.dossier,
            kind=invoice.kind,
            series_year=invoice.series_year,
            sequence=invoice.sequence - 1,
        )
        .values_list("chain_hash", flat=True)
        .first()
    )
    return previous or GENESIS


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: User, issue_date: date | None = None) -> Invoice:
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("dossier", "customer")
        .get(pk=invoice.pk)
    )
    _require_draft(invoice)
    sub = KyteSubscription.objects.filter(dossier=invoice.dossier).first()
    if sub is None or not sub.is_active:
        raise DomainError(_("Kyte is not active for this dossier: issuing is not possible."), "kyte_inactive")
    if issue_date is not None:
        invoice.issue_date = issue_date
    invoice.issue_date = invoice.issue_date or _today()
    totals = totals_for(_lines_of(invoice), _allowances_of(invoice))
    _store_totals(invoice, totals)
    for line, net in zip(invoice.lines.all(), totals.line_nets, strict=True):
        if line.net_amount != net:
            InvoiceLine.objects.filter(pk=line.pk).update(net_amount=net)
    problems = issue_problems(invoice)
    if problems:
        raise IssueRefused(problems)
    _check_peppol(invoice, totals)
    year, sequence, number = take_number(
        dossier=invoice.dossier, kind=invoice.kind, issue_date=invoice.issue_date
    )
    invoice.series_year, invoice.sequence, invoice.number = year, sequence, number
    kind_digit = 1 if invoice.kind == DocumentKind.INVOICE else 2
    invoice.structured_reference = money.structured_communication(
        int(f"{invoice.issue_date.year % 100:02d}{kind_digit}{sequence:07d}")
    )
    credited = invoice.credited_invoice
    invoice.snapshot = build_snapshot(invoice, totals)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor
    invoice.previous_hash = _previous_hash(invoice)
    invoice.chain_hash = chain_hash(invoice.previous_hash, invoice)
    invoice.save()
    if credited is not None and credited.status == InvoiceStatus.ISSUED:
        Invoice.objects.filter(pk=credited.pk).update(status=InvoiceStatus.CREDITED)
    audit_log(
        actor=actor,
        dossier=invoice.dossier,
        obj=invoice,
        action=f"kyte.{invoice.kind}.issued",
        data={"number": number, "payable": money.canonical(invoice.payable)},
    )
    transaction.on_commit(lambda: _render_later(invoice.pk))
    return invoice


def _check_peppol(invoice: Invoice, totals: money.Totals) -> None:
    """Validate the UBL this document will have against the official Peppol rules, before a number is taken:
    a document that would fail a fatal rule is not issued. Warnings do not block."""
    from peppol.messages import explain
    from peppol.ubl.generate import build, endpoint
    from peppol.validation import validate

    if invoice.customer is None or endpoint(_party_buyer(invoice.customer)) is None:
        return  # outside Peppol (a private person, a business outside the EU): the PDF is the invoice
    probe = Invoice.objects.get(pk=invoice.pk)
    for name in (
        "customer",
        "issue_date",
        "due_date",
        "language",
        "line_total",
        "allowance_total",
        "charge_total",
        "tax_exclusive",
        "tax_total",
        "tax_inclusive",
        "payable",
    ):
        setattr(probe, name, getattr(invoice, name))
    probe.number = probe.number or "PROVISIONAL"
    probe.snapshot = build_snapshot(invoice, totals)
    result = validate(build(probe))
    if not result.valid:
        raise IssueRefused(sorted({explain(issue) for issue in result.fatal}))


def _render_later(pk: int) -> None:
    """Queue the PDF; if the broker is unreachable the issue still stands and the download renders it on demand."""
    from invoicing.tasks import render_invoice_pdf

    try:
        render_invoice_pdf.delay(pk)
    except Exception:  # noqa: BLE001 - the document is issued; the PDF is recoverable
        logging.getLogger(__name__).exception("could not queue the PDF of invoice %s", pk)


@transaction.atomic
def credit_note_create(*, invoice: Invoice, actor: User, line_ids: list[int] | None = None) -> Invoice:
    """A real credit note (positive amounts) referring to the invoice; all lines or the chosen ones."""
    if invoice.kind != DocumentKind.INVOICE or invoice.status == InvoiceStatus.DRAFT:
        raise DomainError(_("Only an issued invoice can be credited."), "not_issued")
    note = Invoice.objects.create(
        dossier=invoice.dossier,
        kind=DocumentKind.CREDIT_NOTE,
        customer=invoice.customer,
        issue_date=_today(),
        due_date=None,
        language=invoice.language,
        credited_invoice=invoice,
        currency=invoice.currency,
        buyer_reference=invoice.buyer_reference,
        order_reference=invoice.order_reference,
    )
    source = invoice.lines.all() if not line_ids else invoice.lines.filter(pk__in=line_ids)
    lines = [{f: getattr(line, f) for f in LINE_FIELDS} for line in source]
    allowances = _allowances_of(invoice) if not line_ids else []
    note = invoice_save_draft(invoice=note, actor=actor, data={}, lines=lines, allowances=allowances)
    audit_log(
        actor=actor,
        dossier=invoice.dossier,
        obj=note,
        action="kyte.credit_note.draft_created",
        data={"credits": invoice.number},
    )
    return note


# --- Verification -----------------------------------------------------------------------------------------------


@dataclass
class ChainBreak:
    invoice: Invoice
    reason: str


def verify_chain(*, dossier: Dossier | None = None) -> list[ChainBreak]:
    """Walk every series in number order; name the first altered document of each broken series."""
    breaks = []
    qs = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .select_related("dossier")
        .prefetch_related("lines", "allowances_charges")
    )
    if dossier is not None:
        qs = qs.filter(dossier=dossier)
    series: dict[tuple, list[Invoice]] = {}
    for invoice in qs.order_by("dossier_id", "kind", "series_year", "sequence"):
        series.setdefault((invoice.dossier_id, invoice.kind, invoice.series_year), []).append(invoice)
    for documents in series.values():
        previous = GENESIS
        for expected, invoice in enumerate(documents, start=1):
            if invoice.sequence != expected:
                breaks.append(ChainBreak(invoice, f"number gap: expected sequence {expected}"))
                break
            if invoice.previous_hash != previous or chain_hash(previous, invoice) != invoice.chain_hash:
                breaks.append(ChainBreak(invoice, "content does not match its hash"))
                break
            previous = invoice.chain_hash
    return breaks


# --- Settings of the documents ----------------------------------------------------------------------------------


@transaction.atomic
def branding_save(
    *, dossier: Dossier, actor: User, data: dict, logo: tuple[bytes, str] | None, remove_logo: bool
) -> None:
    from django.core.files.base import ContentFile

    from invoicing.models import Branding

    branding, _created = Branding.objects.get_or_create(dossier=dossier)
    for name, value in data.items():
        setattr(branding, name, value)
    if remove_logo:
        branding.logo, branding.logo_type = "", ""
    if logo is not None:
        content, content_type = logo
        extension = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}[content_type]
        branding.logo.save(f"{dossier.code}.{extension}", ContentFile(content), save=False)
        branding.logo_type = content_type
    branding.save()
    audit_log(
        actor=actor,
        dossier=dossier,
        obj=branding,
        action="kyte.branding.updated",
        data={"fields": sorted(data), "logo": logo is not None or remove_logo},
    )


@transaction.atomic
def numbering_save(*, dossier: Dossier, actor: User, data: dict) -> None:
    from invoicing.numbering import numbering_for

    config = numbering_for(dossier)
    for name, value in data.items():
        setattr(config, name, value)
    config.save()
    audit_log(actor=actor, dossier=dossier, obj=config, action="kyte.numbering.updated", data=dict(data))
