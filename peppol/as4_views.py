"""Kyte's AS4 receiving endpoint: verify, decrypt, check it is for our seat, reject duplicates, route to the dossier
that owns the final recipient, answer with a signed receipt or the right ebMS error."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from peppol import inbound
from peppol.identifiers import InvalidParticipant, Participant
from peppol.models import AS4Inbound, ParticipantState, PeppolParticipant

logger = logging.getLogger(__name__)
SOAP = "application/soap+xml;charset=utf-8"


def _errors():
    from as4.errors import BaseValueInconsistentException

    class WrongAddressee(BaseValueInconsistentException):
        detail = "eb:To does not name this access point"

    class Undeliverable(BaseValueInconsistentException):
        detail = "the business document cannot be delivered"

    return WrongAddressee, Undeliverable


def _reject(exchange, exc, local):
    from as4 import ExchangeState
    from as4.profiles.peppol.receipt import PeppolAS4Receipt

    message = exchange.message
    exchange.receipt = PeppolAS4Receipt.create_error_signal_from_exception(
        exc,
        local_party=local,
        referenced_message_id=message.message_id,
        referenced_messaging_id=message.messaging_id,
    )
    exchange.state = ExchangeState.REJECTED


def _answer(headers: dict, signal: bytes) -> HttpResponse:
    response = HttpResponse(signal, status=200, content_type=headers.get("Content-Type", SOAP))
    return response


def _accept(participant_id: str) -> None:
    from as4 import ParticipantNotServicedError

    try:
        participant = Participant.parse(participant_id)
    except InvalidParticipant:
        raise ParticipantNotServicedError(participant_id) from None
    if not PeppolParticipant.objects.filter(
        scheme=participant.scheme, value=participant.value, state=ParticipantState.REGISTERED
    ).exists():
        raise ParticipantNotServicedError(participant_id)


@csrf_exempt
@require_POST
def as4_receive(request):
    from as4 import ParticipantNotServicedError
    from as4.peppol import parse_peppol_message

    from peppol.transport.as4 import local_party, security_policy

    limit = settings.KYTE_PEPPOL_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > limit:
        return HttpResponse("message too large", status=413, content_type="text/plain")
    body = request.read(limit + 1)  # the raw stream: Django's own 2.5 MB body limit does not apply here
    if len(body) > limit:
        return HttpResponse("message too large", status=413, content_type="text/plain")
    local = local_party()
    exchange = parse_peppol_message(
        request_headers=dict(request.headers),
        request_body=body,
        local_party=local,
        accept_participant=_accept,
        security_policy=security_policy(),
    )
    if not exchange.successful:
        logger.info("AS4 message refused: %s", exchange.error and exchange.error.error_code)
        headers, signal = exchange.build_signal()
        return _answer(headers, signal)
    message = exchange.message
    wrong_addressee, undeliverable = _errors()
    if message.addressed_to is None or message.addressed_to.party_id != local.identity.party_id:
        _reject(exchange, wrong_addressee(), local)
        headers, signal = exchange.build_signal()
        return _answer(headers, signal)
    remote = exchange.remote_party.identity.party_id
    seen = AS4Inbound.objects.filter(remote_seat=remote, message_id=exchange.message_id).first()
    if seen is not None:  # the same message again: the same receipt, no second delivery
        return _answer(seen.signal_headers, bytes(seen.signal))
    sbd = next(iter(message.decrypted_data.values()))
    try:
        document, _created = inbound.receive(sbd, via="as4", message_id=exchange.message_id)
    except inbound.NotServiced as exc:
        _reject(exchange, ParticipantNotServicedError(str(exc)), local)
        headers, signal = exchange.build_signal()
        return _answer(headers, signal)
    except inbound.InboundError as exc:
        logger.warning("AS4 message %s not delivered: %s", exchange.message_id, exc)
        _reject(exchange, undeliverable(), local)
        headers, signal = exchange.build_signal()
        return _answer(headers, signal)
    headers, signal = exchange.build_signal()
    try:
        with transaction.atomic():
            AS4Inbound.objects.create(
                remote_seat=remote,
                message_id=exchange.message_id,
                signal=signal,
                signal_headers=dict(headers),
                document=document,
            )
    except IntegrityError:  # the same message, concurrently: answer with the first signal
        seen = AS4Inbound.objects.get(remote_seat=remote, message_id=exchange.message_id)
        return _answer(seen.signal_headers, bytes(seen.signal))
    return _answer(headers, signal)
