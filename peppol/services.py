"""Sending issued documents (the outbox), participant registry and lookups."""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Dossier, User
from accounts.services import audit_log
from kyte.errors import DomainError
from peppol import transport
from peppol.envelope import wrap
from peppol.identifiers import InvalidParticipant, Participant, doctype_for
from peppol.models import (
    Channel,
    Lookup,
    ParticipantState,
    PeppolParticipant,
    Transmission,
    TransmissionEvent,
    TransmissionStatus,
)

logger = logging.getLogger(__name__)


# --- Participants ---------------------------------------------------------------------------------------------


def participants_sync(*, dossier: Dossier) -> list[PeppolParticipant]:
    """A dossier with Kyte active receives for 0208:<enterprise number>, unless another dossier of this
    installation already does (then: held by another provider — it can still send). An identifier given up
    (Kyte stopped, enterprise number changed) passes to a dossier that was waiting for it."""
    from billing.models import KyteSubscription

    active = KyteSubscription.objects.filter(
        dossier=dossier, status__in=["trial", "active", "past_due"]
    ).exists()
    freed = []
    for old in PeppolParticipant.objects.filter(dossier=dossier).exclude(
        value=dossier.enterprise_number or ""
    ):
        if old.state == ParticipantState.REGISTERED:
            freed.append(old.value)
        if old.state != ParticipantState.NOT_REGISTERED:
            old.state, old.detail = ParticipantState.NOT_REGISTERED, _("No longer the enterprise number.")
            old.save(update_fields=["state", "detail", "updated_at"])
    rows = []
    if dossier.enterprise_number:
        row, was_registered = _sync_one(dossier, dossier.enterprise_number, active)
        if was_registered and row.state != ParticipantState.REGISTERED:
            freed.append(row.value)
        rows.append(row)
    for value in freed:  # a dossier that was waiting for a freed identifier receives it now
        waiting = PeppolParticipant.objects.filter(
            scheme="0208", value=value, state=ParticipantState.ELSEWHERE
        )
        for other in waiting.select_related("dossier").exclude(dossier=dossier)[:1]:
            participants_sync(dossier=other.dossier)
    return rows


def _sync_one(dossier: Dossier, value: str, active: bool) -> tuple[PeppolParticipant, bool]:
    elsewhere = _("Another provider receives for this identifier.")
    with transaction.atomic():
        row, _created = PeppolParticipant.objects.select_for_update().get_or_create(
            dossier=dossier, scheme="0208", value=value
        )
        was_registered = row.state == ParticipantState.REGISTERED
        wanted, detail = ParticipantState.NOT_REGISTERED, ""
        if active:
            holder = (
                PeppolParticipant.objects.filter(
                    scheme="0208", value=value, state=ParticipantState.REGISTERED
                )
                .exclude(pk=row.pk)
                .exists()
            )
            wanted, detail = (
                (ParticipantState.ELSEWHERE, elsewhere) if holder else (ParticipantState.REGISTERED, "")
            )
        if (row.state, row.detail) != (wanted, detail):
            row.state, row.detail = wanted, detail
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # registered concurrently by another dossier
                row.state, row.detail = ParticipantState.ELSEWHERE, elsewhere
                row.save()
    return row, was_registered


def participants_sync_all() -> int:
    """Beat: bring the registry in line with Kyte's state and the dossiers' enterprise numbers (dossiers already
    active when Kyte was deployed, changed enterprise numbers, identifiers freed)."""
    from billing.models import KyteSubscription

    active = KyteSubscription.objects.filter(status__in=["trial", "active", "past_due"]).values("dossier_id")
    dossiers = Dossier.objects.filter(Q(pk__in=active) | Q(peppol_participants__isnull=False)).distinct()
    count = 0
    for dossier in dossiers.iterator(chunk_size=500):
        participants_sync(dossier=dossier)
        count += 1
    return count


# --- Lookup ---------------------------------------------------------------------------------------------------


def lookup(participant: Participant, doctype: str, *, refresh: bool = False, dossier=None) -> Lookup:
    """Can this participant receive this document type? Cached per backend for KYTE_PEPPOL_LOOKUP_TTL seconds."""
    backend = transport.backend_name(dossier)
    ttl = timedelta(seconds=settings.KYTE_PEPPOL_LOOKUP_TTL)
    cached = Lookup.objects.filter(backend=backend, participant=str(participant), doctype=doctype).first()
    if cached and not refresh and cached.checked_at > timezone.now() - ttl:
        return cached
    try:
        result = transport.get_backend(backend).lookup(participant, doctype)
    except transport.TransportError as exc:  # a technical failure: say so, do not cache it
        return Lookup(participant=str(participant), doctype=doctype, reachable=False, detail=exc.message)
    row, _created = Lookup.objects.update_or_create(
        backend=backend,
        participant=str(participant),
        doctype=doctype,
        defaults={
            "reachable": result.reachable,
            "detail": result.detail[:300],
            "endpoint": result.endpoint[:300],
            "checked_at": timezone.now(),
        },
    )
    return row


def customer_participant(customer) -> Participant | None:
    from invoicing.services import _party_buyer
    from peppol.ubl.generate import endpoint

    address = endpoint(_party_buyer(customer))
    if address is None:
        return None
    try:
        return Participant.parse(f"{address[0]}:{address[1]}")
    except InvalidParticipant:
        return None


def customer_reachability(customer, *, refresh: bool = False) -> Lookup | None:
    """For the customer page and the editor: None when the customer has no Peppol address at all."""
    participant = customer_participant(customer)
    return (
        lookup(participant, doctype_for("invoice"), refresh=refresh, dossier=customer.dossier)
        if participant
        else None
    )


# --- Sending --------------------------------------------------------------------------------------------------


def _event(transmission: Transmission, kind: str, detail: str = "") -> None:
    TransmissionEvent.objects.create(transmission=transmission, kind=kind, detail=detail[:500])


def route(invoice) -> tuple[str, str, str]:
    """(channel, receiver, reason) for an issued document, from its frozen buyer."""
    from peppol.ubl.generate import endpoint

    buyer = invoice.snapshot.get("buyer") or {}
    address = endpoint(buyer)
    if address is not None:
        try:
            participant = Participant.parse(f"{address[0]}:{address[1]}")
        except InvalidParticipant:
            participant = None
        if participant is not None:
            found = lookup(participant, doctype_for(invoice.kind), dossier=invoice.dossier)
            if found.reachable:
                return Channel.PEPPOL, str(participant), ""
            if (
                found.pk is None
            ):  # the directory did not answer: send on Peppol, the sending retries discovery
                return Channel.PEPPOL, str(participant), found.detail
            reason = _("%(id)s is not reachable on Peppol: %(detail)s") % {
                "id": participant,
                "detail": found.detail,
            }
        else:
            reason = _("The customer's Peppol identifier is not valid.")
    else:
        reason = _("The customer has no Peppol address (a private person or a business outside the EU).")
    email = buyer.get("email") or (invoice.customer.email if invoice.customer else "")
    if not email:
        raise DomainError(
            reason + " " + _("Add the customer's e-mail address to send the PDF and the UBL by e-mail."),
            "no_channel",
        )
    return Channel.EMAIL, email, reason


def invoice_send(*, invoice, actor: User) -> Transmission:
    """Queue the sending of an issued document: the transmission row is written in one transaction (the invoice
    row locked) and a worker is woken once it commits. The lookup, which may go to the network, runs before."""
    from invoicing.models import Invoice, InvoiceStatus

    if invoice.status == InvoiceStatus.DRAFT:
        raise DomainError(_("Issue the document before sending it."), "draft")
    channel, receiver, reason = route(invoice)
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("dossier", "customer")
            .get(pk=invoice.pk)
        )
        live = invoice.transmissions.exclude(
            status__in=[TransmissionStatus.FAILED, TransmissionStatus.REJECTED]
        ).first()
        if live is not None:
            raise DomainError(_("This document has already been sent."), "already_sent")
        return _queue(invoice, actor, channel, receiver, reason)


def _queue(invoice, actor: User, channel: str, receiver: str, reason: str) -> Transmission:
    sender = f"0208:{invoice.dossier.enterprise_number}" if invoice.dossier.enterprise_number else ""
    transmission = Transmission.objects.create(
        invoice=invoice,
        dossier=invoice.dossier,
        channel=channel,
        backend=transport.backend_name(invoice.dossier) if channel == Channel.PEPPOL else "email",
        sender=sender,
        receiver=receiver,
        doctype=doctype_for(invoice.kind) if channel == Channel.PEPPOL else "",
        channel_reason=reason[:300],
        message_id=f"{uuid.uuid4()}@kyte",
        max_attempts=settings.KYTE_PEPPOL_MAX_ATTEMPTS,
    )
    _event(transmission, "queued", reason)
    audit_log(
        actor=actor,
        dossier=invoice.dossier,
        obj=invoice,
        action="kyte.invoice.sent",
        data={"channel": channel, "receiver": receiver, "transmission": str(transmission.uuid)},
    )
    pk = transmission.pk
    transaction.on_commit(lambda: _wake(pk))
    return transmission


def _wake(pk: int, countdown: float = 0) -> None:
    from peppol.tasks import send_transmission

    send_transmission.apply_async((pk,), countdown=countdown)


def _backoff(attempt: int) -> float:
    """Exponential, capped, with jitter (0.5–1.5×) so that retries after an outage do not arrive together."""
    base, cap = settings.KYTE_PEPPOL_RETRY_BASE, settings.KYTE_PEPPOL_RETRY_CAP
    return min(cap, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not a secret


def _lease() -> timedelta:
    """Longer than the longest send (HTTP time-out); the Redis visibility timeout is longer still."""
    return timedelta(seconds=settings.KYTE_PEPPOL_LEASE_SECONDS)


def _claim(pk: int, now: datetime) -> Transmission | None:
    claimed = Transmission.objects.filter(
        pk=pk, status=TransmissionStatus.QUEUED, next_attempt_at__lte=now
    ).update(
        status=TransmissionStatus.SENDING,
        lease_until=now + _lease(),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return None
    return Transmission.objects.select_related("invoice", "dossier").get(pk=pk)


def _finish(t: Transmission, **fields) -> bool:
    """Write the outcome only if this worker still holds the claim (same attempt, still sending)."""
    updated = Transmission.objects.filter(
        pk=t.pk, status=TransmissionStatus.SENDING, attempts=t.attempts
    ).update(**fields, lease_until=None, updated_at=timezone.now())
    return bool(updated)


def transmission_process(pk: int, *, now: datetime | None = None) -> str:
    """The worker's part: claim the row (conditional update and a lease), commit, then call out."""
    now = now or timezone.now()
    with transaction.atomic():
        t = _claim(pk, now)
    if t is None:
        return "not claimed"
    invoice = t.invoice
    ready = invoice.ubl if t.channel == Channel.PEPPOL else invoice.pdf
    if not ready and now - t.created_at > timedelta(minutes=30):
        return _failed(
            t,
            transport.TransportError(
                _("The PDF or UBL of this document could not be produced; contact support.")
            ),
            now,
        )
    if not ready:  # the worker rendering the PDF and UBL has not finished: come back shortly
        Transmission.objects.filter(pk=t.pk, status=TransmissionStatus.SENDING).update(
            status=TransmissionStatus.QUEUED,
            attempts=F("attempts") - 1,
            next_attempt_at=now + timedelta(seconds=3),
            lease_until=None,
        )
        transaction.on_commit(lambda: _wake(pk, countdown=3))
        return "waiting for the UBL"
    _event(t, "sending", _("Attempt %(n)s") % {"n": t.attempts})
    try:
        result = _send_email(t) if t.channel == Channel.EMAIL else _send_peppol(t)
    except transport.TransportError as exc:
        return _failed(t, exc, now)
    except Exception as exc:  # an unexpected error: retried like a transient one, and logged
        logger.exception("sending transmission %s", t.pk)
        return _failed(
            t, transport.TemporaryFailure(_("Unexpected error; Kyte tries again."), detail=repr(exc)), now
        )
    finished = timezone.now()
    status = TransmissionStatus.DELIVERED if result.delivered else TransmissionStatus.SENT
    final = result.delivered or t.channel == Channel.EMAIL or result.evidence.startswith("sandbox")
    if _finish(
        t,
        status=status,
        evidence=result.evidence,
        detail=result.detail,
        error_code="",
        sent_at=finished,
        finished_at=finished if final else None,
    ):
        _event(t, "sent", result.detail or (_("Sent to %(to)s") % {"to": t.receiver}))
        if result.delivered:
            _event(t, "delivered", result.evidence)
    return str(status)


def _failed(t: Transmission, exc: transport.TransportError, now: datetime) -> str:
    now = max(now, timezone.now())  # the backoff counts from the end of this attempt
    if isinstance(exc, transport.NotRegistered) and t.channel == Channel.PEPPOL:
        Lookup.objects.filter(participant=t.receiver).delete()  # the cached "reachable" was wrong
    if exc.transient and t.attempts < t.max_attempts:
        delay = _backoff(t.attempts)
        if _finish(
            t,
            status=TransmissionStatus.QUEUED,
            error_code=exc.code,
            detail=exc.message,
            next_attempt_at=now + timedelta(seconds=delay),
        ):
            _event(
                t,
                "retry",
                _("%(message)s (next attempt in %(s)s s)") % {"message": exc.message, "s": round(delay)},
            )
            _wake(t.pk, countdown=delay)
        return "retry"
    status = TransmissionStatus.REJECTED if isinstance(exc, transport.Rejected) else TransmissionStatus.FAILED
    message = exc.message
    if exc.transient:
        message = _("Gave up after %(n)s attempts: %(message)s") % {"n": t.attempts, "message": exc.message}
    if _finish(t, status=status, error_code=exc.code, detail=message, finished_at=timezone.now()):
        _event(t, str(status), message)
    return str(status)


def _envelope(t: Transmission) -> bytes:
    """The same bytes on every attempt: fixed InstanceIdentifier and creation time."""
    invoice = t.invoice
    invoice.ubl.open("rb")
    try:
        payload = invoice.ubl.read()
    finally:
        invoice.ubl.close()
    return wrap(
        payload,
        sender=Participant.parse(t.sender),
        receiver=Participant.parse(t.receiver),
        doctype=t.doctype,
        instance_id=str(t.instance_id),
        country_c1=invoice.dossier.country or "BE",
        created=t.created_at,
    )


def _send_peppol(t: Transmission):
    if not t.sender:
        raise transport.NotRegistered(_("Your company has no enterprise number: it cannot send on Peppol."))
    return transport.get_backend(t.backend).send(
        envelope=_envelope(t),
        sender=Participant.parse(t.sender),
        receiver=Participant.parse(t.receiver),
        doctype=t.doctype,
        message_id=t.message_id,
        attempt=t.attempts,
        transmission=t,
    )


def _send_email(t: Transmission):
    with translation.override(t.invoice.language):
        return _send_email_in_language(t)


def _send_email_in_language(t: Transmission):
    from django.core.mail import EmailMessage

    invoice = t.invoice
    kind = _("Credit note") if invoice.kind == "credit_note" else _("Invoice")
    message = EmailMessage(
        subject=f"{kind} {invoice.number} — {invoice.dossier.legal_name}",
        body=_(
            "Please find attached %(kind)s %(number)s of %(seller)s (PDF, and the structured UBL file for your "
            "accounting software)."
        )
        % {
            "kind": kind if translation.get_language() == "de" else kind.lower(),
            "number": invoice.number,
            "seller": invoice.dossier.legal_name,
        },
        to=[t.receiver],
        reply_to=[invoice.dossier.email] if invoice.dossier.email else None,
        headers={"Message-ID": f"<{t.message_id}>"},
    )
    for field, mime in ((invoice.pdf, "application/pdf"), (invoice.ubl, "application/xml")):
        if field:
            field.open("rb")
            try:
                message.attach(field.name.rsplit("/", 1)[-1], field.read(), mime)
            finally:
                field.close()
    message.send()
    return transport.SendResult(
        delivered=False, evidence=f"e-mail to {t.receiver}, Message-ID <{t.message_id}>"
    )


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: re-queue rows whose lease expired (a worker died mid-send), wake rows whose retry time passed."""
    now = now or timezone.now()
    expired = list(
        Transmission.objects.filter(status=TransmissionStatus.SENDING, lease_until__lt=now).values_list(
            "pk", flat=True
        )
    )
    requeued = 0
    for pk in expired:
        stale = Transmission.objects.filter(pk=pk, status=TransmissionStatus.SENDING, lease_until__lt=now)
        if stale.filter(attempts__gte=F("max_attempts")).update(
            status=TransmissionStatus.FAILED,
            lease_until=None,
            error_code="worker_lost",
            detail=_("The sending stopped too many times; contact support."),
            finished_at=timezone.now(),
        ):
            _event(Transmission(pk=pk), "failed", _("The sending stopped too many times; contact support."))
            continue
        if stale.update(
            status=TransmissionStatus.QUEUED, lease_until=None, next_attempt_at=min(now, timezone.now())
        ):
            requeued += 1
            _event(Transmission(pk=pk), "requeued", _("The worker stopped mid-send; sent again."))
    due = list(
        Transmission.objects.filter(status=TransmissionStatus.QUEUED, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )[:500]
    )
    for pk in due:
        _wake(pk)
    return {"requeued": requeued, "woken": len(due)}
