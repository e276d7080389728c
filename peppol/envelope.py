"""The Peppol Business Message Envelope (SBDH 1.0) around a UBL document, built and read with lxml."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from peppol.identifiers import (
    BILLING_PROCESS,
    DOCTYPE_SCHEME,
    PARTICIPANT_SCHEME,
    PROCESS_SCHEME,
    Participant,
)
from peppol.xml import parse_untrusted

SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"


class BadEnvelope(ValueError):
    pass


@dataclass(frozen=True)
class Envelope:
    sender: Participant
    receiver: Participant
    instance_id: str
    doctype: str
    process: str
    created: datetime
    country_c1: str
    payload: bytes  # the UBL document, byte for byte as it was sent


def _sub(parent, name: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, f"{{{SBDH}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def wrap(
    payload: bytes,
    *,
    sender: Participant,
    receiver: Participant,
    doctype: str,
    instance_id: str | None = None,
    country_c1: str = "BE",
    process: str = BILLING_PROCESS,
    created: datetime | None = None,
) -> bytes:
    """The SBDH document with the UBL as its business payload (parsed from our own trusted bytes)."""
    document = etree.fromstring(payload)
    root = etree.Element(f"{{{SBDH}}}StandardBusinessDocument", nsmap={None: SBDH})
    header = _sub(root, "StandardBusinessDocumentHeader")
    _sub(header, "HeaderVersion", "1.0")
    for role, participant in (("Sender", sender), ("Receiver", receiver)):
        _sub(_sub(header, role), "Identifier", str(participant), Authority=PARTICIPANT_SCHEME)
    identification = _sub(header, "DocumentIdentification")
    qname = etree.QName(document)
    _sub(identification, "Standard", qname.namespace)
    _sub(identification, "TypeVersion", "2.1")
    _sub(identification, "InstanceIdentifier", instance_id or str(uuid.uuid4()))
    _sub(identification, "Type", qname.localname)
    stamp = (created or datetime.now(UTC)).astimezone(UTC)
    _sub(identification, "CreationDateAndTime", stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    scope = _sub(header, "BusinessScope")
    for kind, value, scheme in (
        ("DOCUMENTID", doctype, DOCTYPE_SCHEME),
        ("PROCESSID", process, PROCESS_SCHEME),
        ("COUNTRY_C1", country_c1, None),
    ):
        item = _sub(scope, "Scope")
        _sub(item, "Type", kind)
        _sub(item, "InstanceIdentifier", value)
        if scheme:
            _sub(item, "Identifier", scheme)
    root.append(document)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def unwrap(data: bytes) -> Envelope:
    """Read an SBDH from outside (safe parsing); the payload is re-serialised from the parsed tree."""
    root = parse_untrusted(data)
    if etree.QName(root) != etree.QName(SBDH, "StandardBusinessDocument"):
        raise BadEnvelope("not a Standard Business Document")
    ns = {"s": SBDH}

    def text(path: str) -> str:
        value = root.findtext(path, namespaces=ns)
        if not value or not value.strip():
            raise BadEnvelope(f"the envelope lacks {path.split('/')[-1]}")
        return value.strip()

    header = "s:StandardBusinessDocumentHeader"
    scopes = {
        (scope.findtext("s:Type", namespaces=ns) or "").strip(): (
            scope.findtext("s:InstanceIdentifier", namespaces=ns) or ""
        ).strip()
        for scope in root.iterfind(f"{header}/s:BusinessScope/s:Scope", ns)
    }
    payloads = [child for child in root if etree.QName(child).namespace != SBDH]
    if len(payloads) != 1:
        raise BadEnvelope("the envelope must hold exactly one business document")
    try:
        sender = Participant.parse(text(f"{header}/s:Sender/s:Identifier"))
        receiver = Participant.parse(text(f"{header}/s:Receiver/s:Identifier"))
    except ValueError as exc:
        raise BadEnvelope(str(exc)) from None
    created_text = text(f"{header}/s:DocumentIdentification/s:CreationDateAndTime")
    try:
        created = datetime.fromisoformat(created_text.replace("Z", "+00:00"))
    except ValueError:
        raise BadEnvelope(f"bad CreationDateAndTime {created_text!r}") from None
    if not scopes.get("DOCUMENTID"):
        raise BadEnvelope("the envelope lacks the DOCUMENTID scope")
    return Envelope(
        sender=sender,
        receiver=receiver,
        instance_id=text(f"{header}/s:DocumentIdentification/s:InstanceIdentifier"),
        doctype=scopes["DOCUMENTID"],
        process=scopes.get("PROCESSID", ""),
        created=created,
        country_c1=scopes.get("COUNTRY_C1", ""),
        payload=_standalone(payloads[0]),
    )


def _standalone(element) -> bytes:
    """The business document as its own file: without the namespace declarations it only inherited from the
    envelope (an SBDH prefix would otherwise leak in), keeping every declaration it made itself."""
    parent = element.getparent()
    own = [
        p
        for p, uri in element.nsmap.items()
        if p is not None and (parent is None or parent.nsmap.get(p) != uri)
    ]
    document = copy.deepcopy(element)
    etree.cleanup_namespaces(document, keep_ns_prefixes=own)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")
