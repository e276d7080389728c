"""Peppol discovery: SML (BDXL: DNS NAPTR) → the receiver's SMP → its signed ServiceMetadata → the AS4 endpoint.

See ../shared/peppol/NETWORK.md. Errors are kept apart: not registered (permanent), DNS failure (transient),
document type not supported (permanent), SMP signature or certificate invalid (permanent).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import dns.exception
import dns.resolver
import requests
from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from lxml import etree

from peppol.identifiers import DOCTYPE_SCHEME, TRANSPORT_PROFILE, Participant
from peppol.transport.base import NotRegistered, Rejected, TemporaryFailure
from peppol.xml import UnsafeXML, parse_untrusted

SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
MAX_SMP_BYTES = 256 * 1024


@dataclass(frozen=True)
class Endpoint:
    url: str
    certificate: x509.Certificate
    smp: str

    @property
    def seat_id(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return names[0].value if names else ""


def _resolver() -> dns.resolver.Resolver:
    servers = settings.KYTE_PEPPOL_DNS
    if not servers:
        return dns.resolver.Resolver()
    resolver = dns.resolver.Resolver(configure=False)
    host, _, port = servers[0].rpartition(":") if ":" in servers[0] else (servers[0], "", "53")
    resolver.nameservers = [host or servers[0]]
    resolver.port = int(port)
    resolver.timeout = resolver.lifetime = settings.KYTE_PEPPOL_DNS_TIMEOUT
    return resolver


def smp_url(participant: Participant) -> str:
    """The SMP base URL from the NAPTR record of the participant in the SML zone."""
    name = participant.sml_name(settings.KYTE_PEPPOL_SML_ZONE)
    try:
        answer = _resolver().resolve(name, "NAPTR")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        raise NotRegistered(
            _("%(id)s is not registered on Peppol (no SML entry). Check the identifier, or send by e-mail.")
            % {"id": participant},
            code="not_registered",
        ) from None
    except (dns.exception.Timeout, dns.resolver.NoNameservers, OSError) as exc:
        raise TemporaryFailure(
            _("The Peppol directory (SML) did not answer; Kyte tries again."), detail=repr(exc)
        ) from None
    records = sorted(
        (r for r in answer if r.flags.decode().upper() == "U" and r.service.decode() == "Meta:SMP"),
        key=lambda r: (r.order, r.preference),
    )
    for record in records:
        regexp = record.regexp.decode()
        if len(regexp) > 2:
            delimiter = regexp[0]
            parts = regexp[1:].split(delimiter)
            if len(parts) >= 2:
                try:
                    url = re.sub(parts[0], parts[1], name)
                except re.error:
                    continue  # a malformed record: try the next one
                if url.startswith("https://") or (
                    settings.KYTE_PEPPOL_SMP_ALLOW_HTTP and url.startswith("http://")
                ):
                    return url.rstrip("/")
    raise NotRegistered(
        _("%(id)s has no usable SMP entry in the SML.") % {"id": participant}, code="not_registered"
    )


def _verify(data: bytes) -> etree._Element:
    """Verify the enveloped signature of the SMP against the configured SMP trust anchors."""
    from signxml import XMLVerifier
    from signxml.exceptions import SignXMLException

    if not settings.KYTE_PEPPOL_SMP_TRUST:
        raise ImproperlyConfigured("KYTE_PEPPOL_SMP_TRUST (the CA certificates of trusted SMPs) is not set")
    try:
        parse_untrusted(data, max_bytes=MAX_SMP_BYTES)  # refuse DOCTYPE, entities, oversize before signxml
    except UnsafeXML as exc:
        raise Rejected(_("The SMP answer is not safe XML."), code="smp_invalid", detail=str(exc)) from None
    try:
        result = XMLVerifier().verify(data, ca_pem_file=str(settings.KYTE_PEPPOL_SMP_TRUST))
    except (SignXMLException, etree.LxmlError, ValueError) as exc:
        raise Rejected(
            _("The SMP answer is not signed by a trusted Peppol SMP: the customer cannot be reached safely."),
            code="smp_signature_invalid",
            detail=repr(exc),
        ) from None
    return result.signed_xml


def _get(url: str) -> requests.Response:
    try:
        return requests.get(
            url, timeout=settings.KYTE_PEPPOL_HTTP_TIMEOUT, stream=False, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise TemporaryFailure(
            _("The customer's SMP did not answer; Kyte tries again."), detail=repr(exc)
        ) from None


def endpoint(participant: Participant, doctype: str) -> Endpoint:
    """The AS4 endpoint (URL and certificate) that receives `doctype` for `participant`."""
    base = smp_url(participant)
    url = (
        f"{base}/{quote(participant.uri, safe='')}/services/{quote(DOCTYPE_SCHEME + '::' + doctype, safe='')}"
    )
    for _hop in range(2):  # the metadata, or one Redirect
        response = _get(url)
        if response.status_code == 404:
            raise NotRegistered(
                _("%(id)s is on Peppol but does not receive this kind of document.") % {"id": participant},
                code="doctype_not_supported",
            )
        if response.status_code >= 500:
            raise TemporaryFailure(
                _("The customer's SMP failed; Kyte tries again."), detail=str(response.status_code)
            )
        if response.status_code != 200 or len(response.content) > MAX_SMP_BYTES:
            raise Rejected(_("The customer's SMP gave an unusable answer."), code="smp_invalid")
        signed = _verify(response.content)
        redirect = signed.find(f".//{{{SMP_NS}}}Redirect")
        if redirect is not None:
            url = redirect.get("href", "")
            continue
        try:
            return _endpoint_from(signed, base, participant)
        except (ValueError, TypeError) as exc:  # a bad date, base64 or certificate in signed metadata
            raise Rejected(
                _("The customer's SMP gave an unusable answer."), code="smp_invalid", detail=repr(exc)
            ) from None
    raise Rejected(_("The customer's SMP redirects more than once."), code="smp_invalid")


def _endpoint_from(signed, base: str, participant: Participant) -> Endpoint:
    now = datetime.now(UTC)
    for node in signed.iter(f"{{{SMP_NS}}}Endpoint"):
        if node.get("transportProfile") != TRANSPORT_PROFILE:
            continue
        start, end = (
            node.findtext(f"{{{SMP_NS}}}{n}") for n in ("ServiceActivationDate", "ServiceExpirationDate")
        )
        if (start and _date(start) > now) or (end and _date(end) < now):
            continue
        address = node.findtext(f"{{{WSA_NS}}}EndpointReference/{{{WSA_NS}}}Address") or ""
        der = base64.b64decode("".join((node.findtext(f"{{{SMP_NS}}}Certificate") or "").split()))
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError:
            raise Rejected(
                _("The customer's SMP lists an unreadable certificate."), code="smp_invalid"
            ) from None
        return Endpoint(url=address.strip(), certificate=certificate, smp=base)
    raise NotRegistered(
        _("%(id)s has no active Peppol AS4 endpoint for this document.") % {"id": participant},
        code="no_endpoint",
    )


def _date(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
