"""The local network: delivers between participants registered in this installation, keeps everything else in a
visible sandbox outbox. Reserved identifiers (scheme 9915) inject failures so every error path can be seen:

- `9915:kyte-not-registered` — the receiver is not on Peppol (permanent);
- `9915:kyte-temporary` — the receiving access point is down (transient, retried until the bound);
- `9915:kyte-flaky` — fails the first attempt, then delivers to the sandbox;
- `9915:kyte-rejected` — the receiving access point refuses the document (permanent).
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from peppol.identifiers import Participant
from peppol.models import ParticipantState, PeppolParticipant
from peppol.transport.base import (
    Backend,
    LookupResult,
    NotRegistered,
    Rejected,
    SendResult,
    TemporaryFailure,
)

NOT_REGISTERED = Participant("9915", "kyte-not-registered")
TEMPORARY = Participant("9915", "kyte-temporary")
FLAKY = Participant("9915", "kyte-flaky")
REJECTED = Participant("9915", "kyte-rejected")


def _local_receiver(participant: Participant) -> PeppolParticipant | None:
    return (
        PeppolParticipant.objects.filter(
            scheme=participant.scheme, value=participant.value, state=ParticipantState.REGISTERED
        )
        .select_related("dossier")
        .first()
    )


class LocalBackend(Backend):
    name = "local"

    def lookup(self, participant: Participant, doctype: str) -> LookupResult:
        if participant == NOT_REGISTERED:
            return LookupResult(str(participant), doctype, False, detail=_("Not registered on Peppol."))
        if _local_receiver(participant):
            return LookupResult(str(participant), doctype, True, endpoint="local")
        return LookupResult(
            str(participant),
            doctype,
            True,
            endpoint="sandbox",
            detail=_("Outside this installation: sandbox."),
        )

    def send(
        self, *, envelope, sender, receiver, doctype, message_id, attempt, transmission=None
    ) -> SendResult:
        from peppol import inbound

        if receiver == NOT_REGISTERED:
            raise NotRegistered(
                _(
                    "The customer is not registered on Peppol. Check their Peppol identifier, or send the "
                    "invoice by e-mail."
                )
            )
        if receiver == TEMPORARY or (receiver == FLAKY and attempt == 1):
            raise TemporaryFailure(_("The customer's Peppol access point did not answer; Kyte tries again."))
        if receiver == REJECTED:
            raise Rejected(
                _("The customer's Peppol access point refused the document. Contact the customer."),
                detail="local:rejected",
            )
        if _local_receiver(receiver):
            try:
                document, created = inbound.receive(envelope, via="local", message_id=message_id)
            except inbound.NotServiced as exc:
                raise NotRegistered(_("The customer is not registered on Peppol."), detail=str(exc)) from None
            except inbound.InboundError as exc:  # the receiving side refuses this message: not worth retrying
                raise Rejected(
                    _("The customer's Peppol access point refused the document. Contact the customer."),
                    code=exc.code,
                    detail=str(exc),
                ) from None
            where = (
                f"dossier {document.dossier.code}, document {document.uuid}, sha256 {document.sha256}"
                if document
                else "response recorded"
            )
            record = f"local delivery to {where}{'' if created else ' (already delivered)'}"
            return SendResult(delivered=True, evidence=record)
        from peppol.models import SandboxMessage, Transmission

        transmission = Transmission.objects.filter(message_id=message_id).first()
        if transmission is not None:
            SandboxMessage.objects.get_or_create(
                transmission=transmission, defaults={"receiver": str(receiver), "envelope": envelope}
            )
        digest = hashlib.sha256(envelope).hexdigest()
        return SendResult(
            delivered=False,
            evidence=f"sandbox: kept locally, not sent (sha256 {digest})",
            detail=_("Kept in the local sandbox: this installation is not connected to the Peppol network."),
        )
