"""Peppol identifiers: participants (ISO 6523 scheme + value), document types, processes, SML labels.

See ../shared/peppol/NETWORK.md. Values are case-insensitive; we keep them lower-cased.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCTYPE_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
TRANSPORT_PROFILE = "peppol-transport-as4-v2_0"
_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
INVOICE_DOCTYPE = f"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##{_CUSTOMIZATION}::2.1"
CREDIT_NOTE_DOCTYPE = (
    f"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##{_CUSTOMIZATION}::2.1"
)
INVOICE_RESPONSE_DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse"
    "##urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1"
)
MLR_DOCTYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2::ApplicationResponse"
    "##urn:fdc:peppol.eu:poacc:trns:mlr:3::2.1"
)


class InvalidParticipant(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Participant:
    scheme: str  # ISO 6523 ICD, e.g. "0208"
    value: str

    @classmethod
    def parse(cls, text: str) -> Participant:
        """`0208:0123456749` or `iso6523-actorid-upis::0208:0123456749` (case-insensitive)."""
        text = (text or "").strip()
        if text.lower().startswith(PARTICIPANT_SCHEME + "::"):
            text = text[len(PARTICIPANT_SCHEME) + 2 :]
        scheme, sep, value = text.partition(":")
        if not sep or not scheme.isdigit() or len(scheme) != 4 or not value.strip():
            raise InvalidParticipant(f"not a Peppol participant identifier: {text!r}")
        participant = cls(scheme, value.strip().lower())
        if scheme == "0208" and not belgian_enterprise_number_ok(participant.value):
            raise InvalidParticipant(f"0208:{participant.value} is not a valid Belgian enterprise number")
        return participant

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def uri(self) -> str:
        return f"{PARTICIPANT_SCHEME}::{self}"

    def sml_name(self, zone: str) -> str:
        return f"{sml_label(str(self))}.{PARTICIPANT_SCHEME}.{zone.strip('.')}"


def belgian_enterprise_number_ok(digits: str) -> bool:
    return (
        len(digits) == 10
        and digits.isdigit()
        and digits[0] in "01"
        and 97 - int(digits[:8]) % 97 == int(digits[8:])
    )


def sml_label(value: str) -> str:
    """The BDXL label of a participant value such as `0208:0123456749` (lower-cased, SHA-256, base32)."""
    digest = hashlib.sha256(value.lower().encode()).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()


def doctype_for(kind: str) -> str:
    return CREDIT_NOTE_DOCTYPE if kind == "credit_note" else INVOICE_DOCTYPE


def is_uuid(text: str) -> bool:
    """Whether a value from outside (a form, a response document) is a UUID."""
    import uuid

    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True
