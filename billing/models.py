"""Kyte availability and subscription state per dossier, and the events that moved it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Dossier, Firm


class Status(models.TextChoices):
    NOT_ACTIVE = "not_active", _("Not active")
    TRIAL = "trial", _("Active – Trial period")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Active – Payment overdue")

    @property
    def is_active(self) -> bool:
        return self in (Status.TRIAL, Status.ACTIVE, Status.PAST_DUE)


# The legal transitions of the state machine; anything else raises.
TRANSITIONS: dict[str, set[str]] = {
    Status.NOT_ACTIVE: {Status.TRIAL, Status.ACTIVE},
    Status.TRIAL: {Status.ACTIVE, Status.NOT_ACTIVE},
    Status.ACTIVE: {Status.PAST_DUE, Status.NOT_ACTIVE},
    Status.PAST_DUE: {Status.ACTIVE, Status.NOT_ACTIVE},
}


class Mode(models.TextChoices):
    SELF_SERVICE = "self_service", _("Self-service (the entrepreneur subscribes)")
    ACCOUNTANT = "accountant", _("Accountant (the firm pays)")


class FirmKyte(models.Model):
    """Firm-wide Kyte settings: the default availability for its dossiers, and the firm's billing customer."""

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, related_name="kyte")
    available_by_default = models.BooleanField(_("Kyte available to all dossiers by default"), default=False)
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    billed_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("firm Kyte settings")
        verbose_name_plural = _("firm Kyte settings")

    def __str__(self) -> str:
        return f"Kyte @ {self.firm}"


class KyteSubscription(models.Model):
    """The Kyte state of one dossier. Changed only by billing.services (guarded transitions, audited)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="kyte")
    available = models.BooleanField(
        _("Kyte available"), null=True, blank=True, help_text=_("Empty: the firm's default")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_ACTIVE)
    mode = models.CharField(_("managed by"), max_length=12, choices=Mode.choices, blank=True)
    backend = models.CharField(max_length=10, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    company_verified_at = models.DateTimeField(null=True, blank=True)
    trial_started_at = models.DateTimeField(null=True, blank=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(_("renewal date"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    reminder_7_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_1_sent_at = models.DateTimeField(null=True, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    stripe_customer_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_state_at = models.IntegerField(
        default=0, help_text="created time of the last Stripe event applied"
    )
    checkout_token = models.UUIDField(default=uuid.uuid4, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Kyte subscription")
        verbose_name_plural = _("Kyte subscriptions")
        indexes = [
            models.Index(fields=["status", "trial_ends_at"]),
            models.Index(fields=["status", "current_period_end"]),
        ]

    def __str__(self) -> str:
        return f"Kyte {self.status} @ {self.dossier}"

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def is_active(self) -> bool:
        return self.status_enum.is_active

    def is_available(self, firm_kyte: FirmKyte | None = None) -> bool:
        if self.available is not None:
            return self.available
        firm_kyte = firm_kyte or FirmKyte.objects.filter(firm_id=self.dossier.firm_id).first()
        return bool(firm_kyte and firm_kyte.available_by_default)

    @property
    def trial_days_left(self) -> int | None:
        if self.status != Status.TRIAL or self.trial_ends_at is None:
            return None
        seconds = (self.trial_ends_at - timezone.now()).total_seconds()
        return max(0, int((seconds + 86399) // 86400))

    @property
    def trial_used(self) -> bool:
        return self.trial_started_at is not None

    @property
    def contact_is_activating_accountant(self) -> bool:
        """Accountant mode starts with the accountant's own contact details: they must become the client's."""
        person = self.activated_by
        if self.mode != Mode.ACCOUNTANT or person is None or not self.is_active:
            return False
        return self.contact_email.lower() == person.email.lower() or (
            bool(self.contact_phone) and self.contact_phone == person.phone
        )


class StatusChange(models.Model):
    """Append-only history of the subscription state: the intervals a later issue counts per month."""

    subscription = models.ForeignKey(KyteSubscription, on_delete=models.PROTECT, related_name="changes")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="kyte_changes")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=60)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.from_status}→{self.to_status} ({self.reason})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The Kyte state history is append-only.")
        super().save(*args, **kwargs)


class StripeEvent(models.Model):
    """Every webhook event, stored once by its id: a duplicate delivery is acknowledged and ignored."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    created = models.IntegerField()
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
