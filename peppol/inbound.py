"""The one inbound path, whatever the backend: cap, unwrap, route, dedupe, store the exact bytes, read, validate."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import get_valid_filename

from peppol.envelope import BadEnvelope, unwrap
from peppol.identifiers import INVOICE_RESPONSE_DOCTYPE, MLR_DOCTYPE
from peppol.models import ParticipantState, PeppolParticipant, ReceivedDocument
from peppol.xml import UnsafeXML

logger = logging.getLogger(__name__)


class InboundError(Exception):
    code = "invalid"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class NotServiced(InboundError):
    code = "not_serviced"  # PEPPOL:NOT_SERVICED


def receive(data: bytes, *, via: str, message_id: str = "") -> tuple[ReceivedDocument | None, bool]:
    """Accept a received envelope for the dossier that owns its final recipient. Returns (document, created):
    the same envelope again (same sender and InstanceIdentifier) is the same document, delivered once. An Invoice
    Response or MLR updates the sending it answers (document None)."""
    if len(data) > settings.KYTE_PEPPOL_MAX_BYTES:
        raise InboundError(f"the message is larger than {settings.KYTE_PEPPOL_MAX_BYTES} bytes", "too_large")
    try:
        envelope = unwrap(data)
    except (BadEnvelope, UnsafeXML) as exc:
        raise InboundError(f"unreadable envelope: {exc}") from None
    if envelope.doctype in (INVOICE_RESPONSE_DOCTYPE, MLR_DOCTYPE):
        from peppol import responses

        try:
            _record, created = responses.apply(envelope)
        except (responses.UnknownResponse, UnsafeXML) as exc:
            raise InboundError(str(exc), "unknown_reference") from None
        return None, created
    existing = ReceivedDocument.objects.filter(
        sender=str(envelope.sender), instance_id=envelope.instance_id
    ).first()
    if existing is not None:
        return existing, False
    owner = (
        PeppolParticipant.objects.filter(
            scheme=envelope.receiver.scheme, value=envelope.receiver.value, state=ParticipantState.REGISTERED
        )
        .select_related("dossier")
        .first()
    )
    if owner is None:
        raise NotServiced(f"{envelope.receiver} is not serviced here")
    from peppol.ubl.reader import NotUBL, read
    from peppol.validation import validate

    try:
        document = read(envelope.payload)
    except (NotUBL, UnsafeXML, ValueError) as exc:
        raise InboundError(f"the payload is not a UBL invoice or credit note: {exc}") from None
    result = validate(envelope.payload)
    pdf = next((a for a in document.attachments if a.mime_type == "application/pdf"), None)
    row = ReceivedDocument(
        dossier=owner.dossier,
        via=via,
        sender=str(envelope.sender),
        receiver=str(envelope.receiver),
        instance_id=envelope.instance_id,
        doctype=envelope.doctype,
        message_id=message_id,
        sha256=hashlib.sha256(data).hexdigest(),
        ubl_sha256=hashlib.sha256(envelope.payload).hexdigest(),
        kind=document.type,
        number=document.number[:200],
        issue_date=document.issue_date,
        seller_name=document.seller.name[:300],
        currency=document.currency[:3],
        payable=_amount(document.payable_amount),
        summary=_detail(document),
        issues=result.as_list(),
        valid=result.valid,
    )
    row.envelope.save("envelope.xml", ContentFile(data), save=False)
    row.ubl.save(f"{_safe(document.number)}.xml", ContentFile(envelope.payload), save=False)
    if pdf is not None:
        row.pdf.save(f"{_safe(document.number)}.pdf", ContentFile(pdf.content), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same message arrived concurrently: one delivery
        return ReceivedDocument.objects.get(sender=row.sender, instance_id=row.instance_id), False
    logger.info("received %s %s for %s via %s", row.kind, row.number, owner.dossier.code, via)
    return row, True


def _amount(value):
    """An amount from outside, kept only when it fits DecimalField(15, 2) (the full text stays in the summary)."""
    from decimal import Decimal, InvalidOperation

    try:
        if value is None or not value.is_finite() or abs(value) >= Decimal(10) ** 13:
            return None
        return value.quantize(Decimal("0.01"))
    except (InvalidOperation, AttributeError):
        return None


def _detail(document) -> dict:
    """What the inbox shows, JSON-ready: the reader's summary plus lines, VAT, payment and attachments."""

    def text(value):
        return None if value is None else str(value)

    return {
        **document.summary(),
        "due_date": text(document.due_date),
        "buyer_reference": document.buyer_reference,
        "billing_reference": document.billing_reference,
        "payment": {"iban": document.payment_iban, "reference": document.payment_reference},
        "seller_vat": document.seller.vat_number,
        "lines": [
            {
                "description": line.description,
                "quantity": text(line.quantity),
                "unit": line.unit,
                "net": text(line.net_amount),
                "vat_category": line.vat_category,
                "vat_rate": text(line.vat_rate),
            }
            for line in document.lines
        ],
        "vat": [
            {"category": v.category, "rate": text(v.rate), "taxable": text(v.taxable), "tax": text(v.tax)}
            for v in document.vat
        ],
        "attachments": [
            {"filename": a.filename, "mime_type": a.mime_type, "size": len(a.content)}
            for a in document.attachments
        ],
    }


def _safe(name: str) -> str:
    """A file name from a document number chosen by the sender (Django's own cleaning, never empty)."""
    try:
        return get_valid_filename(name[:80]) or "document"
    except SuspiciousFileOperation:  # empty, "." or ".."
        return "document"
