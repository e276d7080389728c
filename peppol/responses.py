"""Incoming Invoice Responses (Peppol BIS 63A) and Message Level Responses (BIS 36a): the buyer's answer to a
document we sent updates its sending (acknowledged, accepted, rejected with the reason, paid…)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from peppol.envelope import Envelope
from peppol.identifiers import is_uuid
from peppol.models import ResponseMessage, Transmission, TransmissionEvent
from peppol.xml import parse_untrusted

NS = {
    "ar": "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# UNCL 4343 subset used by BIS 63A (and AP/AB/RE by the MLR).
CODES = {
    "AB": _("Acknowledged by the customer"),
    "IP": _("In process at the customer"),
    "UQ": _("Under query by the customer"),
    "CA": _("Conditionally accepted by the customer"),
    "RE": _("Rejected by the customer"),
    "AP": _("Accepted by the customer"),
    "PD": _("Paid, says the customer"),
}


class UnknownResponse(ValueError):
    pass


def apply(envelope: Envelope) -> tuple[ResponseMessage, bool]:
    """Record the response on the sending it answers (matched by the referenced document number or message id,
    and by who sent what to whom). Returns (record, created); the same response twice is recorded once."""
    root = parse_untrusted(envelope.payload)
    code = (root.findtext("cac:DocumentResponse/cac:Response/cbc:ResponseCode", namespaces=NS) or "").strip()
    reference = (
        root.findtext("cac:DocumentResponse/cac:DocumentReference/cbc:ID", namespaces=NS) or ""
    ).strip()
    reasons = [
        " ".join((node.text or "").split())
        for node in root.iterfind(".//cac:DocumentResponse/cac:Response/cac:Status/cbc:StatusReason", NS)
    ] + [
        " ".join((node.text or "").split())
        for node in root.iterfind(".//cac:DocumentResponse/cac:Response/cbc:Description", NS)
    ]
    reason = "; ".join(r for r in reasons if r)[:500]
    if code not in CODES or not reference:
        raise UnknownResponse(f"unreadable response (code {code!r}, reference {reference!r})")
    existing = ResponseMessage.objects.filter(
        sender=str(envelope.sender), instance_id=envelope.instance_id
    ).first()
    if existing is not None:
        return existing, False
    candidates = Transmission.objects.filter(receiver=str(envelope.sender), sender=str(envelope.receiver))
    transmission = candidates.filter(invoice__number=reference).order_by("-created_at").first()
    if transmission is None and is_uuid(reference):  # an MLR may name the message (SBDH InstanceIdentifier)
        transmission = candidates.filter(instance_id=reference).first()
    if transmission is None:
        raise UnknownResponse(f"no sending of {reference} to {envelope.sender}")
    try:
        with transaction.atomic():
            record = ResponseMessage.objects.create(
                sender=str(envelope.sender),
                instance_id=envelope.instance_id,
                transmission=transmission,
                code=code,
                reason=reason,
            )
            Transmission.objects.filter(pk=transmission.pk).update(response=code)
            TransmissionEvent.objects.create(
                transmission=transmission, kind=f"response:{code}", detail=(reason or str(CODES[code]))[:500]
            )
    except IntegrityError:
        return ResponseMessage.objects.get(
            sender=str(envelope.sender), instance_id=envelope.instance_id
        ), False
    return record, True


def label(code: str) -> str:
    return str(CODES.get(code, code))
