"""The Peppol network in Kyte: participants we receive for, transmissions (the outbox) and received documents."""

from __future__ import annotations

import uuid as uuidlib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Dossier


class ParticipantState(models.TextChoices):
    REGISTERED = "registered", _("Registered: receives on Peppol through Kyte")
    NOT_REGISTERED = "not_registered", _("Not registered")
    ELSEWHERE = "elsewhere", _("Held by another Peppol provider")


class PeppolParticipant(models.Model):
    """A Peppol identifier of a dossier (0208:<enterprise number>). One dossier receives for an identifier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="peppol_participants")
    scheme = models.CharField(max_length=4)
    value = models.CharField(max_length=100)
    state = models.CharField(
        max_length=16, choices=ParticipantState.choices, default=ParticipantState.NOT_REGISTERED
    )
    detail = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "scheme", "value"], name="peppol_participant_per_dossier"
            ),
            models.UniqueConstraint(
                fields=["scheme", "value"],
                condition=Q(state="registered"),
                name="peppol_one_receiver_per_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class DossierTransport(models.Model):
    """A dossier that uses another Peppol backend than the installation's (set by an administrator)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="peppol_transport")
    backend = models.CharField(max_length=16, choices=[("local", "local"), ("as4", "as4")])

    class Meta:
        verbose_name = _("Peppol backend of a dossier")

    def __str__(self) -> str:
        return f"{self.dossier} → {self.backend}"


class Lookup(models.Model):
    """Cached discovery result: can this participant receive this document type on Peppol?"""

    backend = models.CharField(max_length=16, default="local")
    participant = models.CharField(max_length=110)
    doctype = models.CharField(max_length=300)
    reachable = models.BooleanField(default=False)
    detail = models.CharField(max_length=300, blank=True)
    endpoint = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["backend", "participant", "doctype"], name="peppol_lookup_once")
        ]

    def __str__(self) -> str:
        return f"{self.participant} {'reachable' if self.reachable else 'unreachable'}"


class Channel(models.TextChoices):
    PEPPOL = "peppol", _("Peppol")
    EMAIL = "email", _("E-mail")


class TransmissionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


FINAL = {TransmissionStatus.DELIVERED, TransmissionStatus.REJECTED, TransmissionStatus.FAILED}
LIVE = [
    TransmissionStatus.QUEUED,
    TransmissionStatus.SENDING,
    TransmissionStatus.SENT,
    TransmissionStatus.DELIVERED,
]


class Transmission(models.Model):
    """One sending of one issued document: the outbox row, written in the transaction of the "send" action.

    `instance_id` (the SBDH InstanceIdentifier) and `message_id` (the AS4 MessageId) are fixed at creation: every
    attempt sends the same message, so a receiver sees a retry as a duplicate, never as a second invoice."""

    uuid = models.UUIDField(default=uuidlib.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey("invoicing.Invoice", on_delete=models.PROTECT, related_name="transmissions")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="transmissions")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    backend = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=10, choices=TransmissionStatus.choices, default=TransmissionStatus.QUEUED
    )
    sender = models.CharField(max_length=110, blank=True)
    receiver = models.CharField(max_length=254, help_text="Peppol identifier, or e-mail address")
    doctype = models.CharField(max_length=300, blank=True)
    channel_reason = models.CharField(max_length=300, blank=True)
    instance_id = models.UUIDField(default=uuidlib.uuid4, unique=True, editable=False)
    message_id = models.CharField(max_length=200, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    detail = models.TextField(blank=True)
    evidence = models.TextField(blank=True, help_text="the signed receipt or the delivery record")
    response = models.CharField(max_length=40, blank=True, help_text="the buyer's latest Invoice Response")
    # AS4: the message exactly as first built, re-sent as is on a retry (a rebuilt one would change its digests).
    wire = models.BinaryField(null=True, blank=True, editable=False)
    wire_headers = models.JSONField(default=dict, blank=True)
    wire_state = models.TextField(blank=True)
    wire_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Never two live sendings of one document: a new one only after a failure or a rejection.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status__in=LIVE), name="peppol_one_live_transmission"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} → {self.receiver} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


class TransmissionEvent(models.Model):
    """The delivery timeline of a transmission."""

    transmission = models.ForeignKey(Transmission, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind}"


def _inbound_path(instance: ReceivedDocument, filename: str) -> str:
    return f"peppol/inbound/{instance.dossier.code}/{instance.uuid}/{filename}"


class ReceivedDocument(models.Model):
    """A document received for one of our participants: the exact bytes, what the reader found, its validation."""

    uuid = models.UUIDField(default=uuidlib.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="received_documents")
    via = models.CharField(max_length=16)
    sender = models.CharField(max_length=110)
    receiver = models.CharField(max_length=110)
    instance_id = models.CharField(max_length=200)
    doctype = models.CharField(max_length=300)
    message_id = models.CharField(max_length=200, blank=True)
    envelope = models.FileField(upload_to=_inbound_path)
    sha256 = models.CharField(max_length=64)
    ubl = models.FileField(upload_to=_inbound_path)
    ubl_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to=_inbound_path, blank=True)
    kind = models.CharField(max_length=12)  # invoice / credit_note
    number = models.CharField(max_length=200, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    seller_name = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    payable = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    summary = models.JSONField(default=dict)
    issues = models.JSONField(default=list)
    valid = models.BooleanField(default=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["sender", "instance_id"], name="peppol_received_once")]
        indexes = [models.Index(fields=["dossier", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.number} from {self.sender}"


class SandboxMessage(models.Model):
    """Local backend: what would have left for a participant outside this installation (never sent anywhere)."""

    transmission = models.OneToOneField(Transmission, on_delete=models.CASCADE, related_name="sandbox")
    receiver = models.CharField(max_length=110)
    envelope = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sandbox → {self.receiver}"


class AS4Inbound(models.Model):
    """A verified AS4 message we answered: the same message again gets the same signal, and no second delivery."""

    remote_seat = models.CharField(max_length=40)
    message_id = models.CharField(max_length=300)
    signal = models.BinaryField()
    signal_headers = models.JSONField(default=dict)
    document = models.ForeignKey(ReceivedDocument, on_delete=models.PROTECT, null=True, related_name="as4")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["remote_seat", "message_id"], name="peppol_as4_once")]

    def __str__(self) -> str:
        return f"{self.remote_seat} {self.message_id}"


class ResponseMessage(models.Model):
    """An Invoice Response or MLR received for one of our sendings."""

    sender = models.CharField(max_length=110)
    instance_id = models.CharField(max_length=200)
    transmission = models.ForeignKey(Transmission, on_delete=models.CASCADE, related_name="responses")
    code = models.CharField(max_length=4)
    reason = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["sender", "instance_id"], name="peppol_response_once")]

    def __str__(self) -> str:
        return f"{self.code} for {self.transmission_id}"
