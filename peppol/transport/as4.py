"""Kyte as its own Peppol access point: discovery, then an AS4 push with the `as4` package; the signed receipt is
verified and kept as evidence. The inbound side is `peppol.as4_views`."""

from __future__ import annotations

import functools
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from peppol import discovery
from peppol.envelope import unwrap
from peppol.transport.base import Backend, LookupResult, NotRegistered, Rejected, SendResult, TemporaryFailure


def _certificates(path: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(Path(path).read_bytes()) if path else []


@functools.cache
def _local_party(seat: str, key_path: str, cert_path: str):
    from as4 import AS4LocalPrivateKey
    from as4.peppol import create_peppol_internal_party

    if not (seat and key_path and cert_path):
        raise ImproperlyConfigured("the as4 backend needs KYTE_AS4_SEAT_ID, KYTE_AS4_KEY and KYTE_AS4_CERT")
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return create_peppol_internal_party(
        party_id=seat, certificate=certificate, private_key=AS4LocalPrivateKey(key)
    )


def local_party():
    return _local_party(settings.KYTE_AS4_SEAT_ID, settings.KYTE_AS4_KEY, settings.KYTE_AS4_CERT)


def security_policy():
    """Trust: the configured Peppol AP anchors and intermediates (revocation: see the issue's note)."""
    from as4.peppol import peppol_security_policy

    anchors = _certificates(settings.KYTE_AS4_TRUST)
    if not anchors:
        raise ImproperlyConfigured("the as4 backend needs KYTE_AS4_TRUST (the Peppol AP CA certificates)")
    return peppol_security_policy(*anchors, intermediates=_certificates(settings.KYTE_AS4_INTERMEDIATES))


class AS4Backend(Backend):
    name = "as4"

    def lookup(self, participant, doctype) -> LookupResult:
        try:
            found = discovery.endpoint(participant, doctype)
        except NotRegistered as exc:
            return LookupResult(str(participant), doctype, False, detail=exc.message)
        return LookupResult(str(participant), doctype, True, endpoint=found.url)

    def send(
        self, *, envelope, sender, receiver, doctype, message_id, attempt, transmission=None
    ) -> SendResult:
        from as4 import AS4References, ExchangeState, ReceiptVerificationError
        from as4.peppol import (
            BusdoxDocidQnsDocumentIdentifier,
            PeppolAS4MessageBuilderArgs,
            PeppolAS4Profile,
            PeppolSendingExchange,
            create_peppol_external_party,
        )

        from peppol.models import Transmission

        local = local_party()
        if transmission is not None and transmission.wire:
            # A retry: the very message already sent, same MessageId, same bytes.
            body, headers, url = bytes(transmission.wire), transmission.wire_headers, transmission.wire_url
            exchange = PeppolSendingExchange.restore(transmission.wire_state, local)
        else:
            found = discovery.endpoint(receiver, doctype)
            content = unwrap(envelope)
            exchange = PeppolSendingExchange(
                profile=PeppolAS4Profile,
                local_party=local,
                remote_party=create_peppol_external_party(found.seat_id, found.certificate),
                identifiers=AS4References(message_id=message_id),
            )
            headers, body = exchange.build(
                content.payload,
                PeppolAS4MessageBuilderArgs(
                    sender=str(sender),
                    recipient=str(receiver),
                    document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(doctype),
                    document_identification_instance_identifier=content.instance_id,
                    process_identifier=content.process,
                    c1_country_id=content.country_c1 or "BE",
                ),
            )
            url = found.url
            if transmission is not None:
                Transmission.objects.filter(pk=transmission.pk).update(
                    wire=body, wire_headers=dict(headers), wire_state=exchange.model_dump_json(), wire_url=url
                )
        try:
            response = requests.post(
                url, data=body, headers=headers, timeout=settings.KYTE_PEPPOL_HTTP_TIMEOUT
            )
        except requests.RequestException as exc:
            raise TemporaryFailure(
                _("The customer's Peppol access point did not answer; Kyte tries again."), detail=repr(exc)
            ) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise TemporaryFailure(
                _("The customer's Peppol access point is unavailable; Kyte tries again."),
                detail=f"HTTP {response.status_code}",
            )
        if response.status_code == 413:
            raise Rejected(_("The document is too large for the customer's access point."), code="too_large")
        try:
            exchange.receive_signal(response.content)
        except ReceiptVerificationError as exc:
            raise TemporaryFailure(
                _("The answer of the customer's access point could not be verified; Kyte tries again."),
                detail=f"HTTP {response.status_code}: {exc}",
            ) from None
        if exchange.state == ExchangeState.ACKNOWLEDGED:
            return SendResult(delivered=True, evidence=response.content.decode("utf-8", "replace"))
        error = exchange.error
        code = getattr(error, "error_code", "") or ""
        detail = str(getattr(getattr(error, "error_detail", None), "value", "") or "")
        if "PEPPOL:NOT_SERVICED" in detail:
            raise NotRegistered(
                _("The customer's access point does not serve this identifier (PEPPOL:NOT_SERVICED)."),
                code="not_serviced",
                detail=f"{code} {detail}",
            )
        raise Rejected(
            _("The customer's access point refused the message (%(code)s). Contact the customer.")
            % {"code": code},
            code="as4_error",
            detail=f"{code} {getattr(error, 'short_description', '')} {detail}".strip(),
        )
