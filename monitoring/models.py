"""Closed months: the frozen facts a firm's Surveillance tab shows and the firm is invoiced for.

A `MonthClose` freezes, per dossier that counted, one `MonthFact` row (sign +1). Nothing is ever rewritten: a late
correction of the history adds a `MonthAdjustment` with a reversal (sign -1) of the old row and the new row
(sign +1). Counts are sums of signs, so the snapshot and its corrections always add up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Dossier, Firm


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("Closed months are append-only.")

    def delete(self):
        raise ValueError("Closed months are append-only.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Closed months are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Closed months are append-only.")


class MonthClose(AppendOnly):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="month_closes")
    month = models.DateField(help_text="first day of the month (Europe/Brussels)")
    closed_at = models.DateTimeField(default=timezone.now)
    activated = models.PositiveIntegerField(default=0)
    billable = models.PositiveIntegerField(default=0)
    active_at_end = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="every Surveillance number of the month, as closed")

    class Meta:
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        constraints = [
            models.UniqueConstraint(fields=["firm", "month"], name="monitoring_one_close_per_month")
        ]
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.firm} {self.month:%Y-%m}"


class MonthAdjustment(AppendOnly):
    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="adjustments")
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=200)
    delta_activated = models.IntegerField(default=0)
    delta_billable = models.IntegerField(default=0)
    deltas = models.JSONField(default=dict, help_text="the change of every Surveillance number")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.close}: {self.reason}"


class MonthFact(AppendOnly):
    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="facts")
    adjustment = models.ForeignKey(
        MonthAdjustment, on_delete=models.PROTECT, null=True, blank=True, related_name="facts"
    )
    sign = models.SmallIntegerField(default=1)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")
    accountant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(max_length=12, blank=True)
    activated = models.BooleanField(default=False)
    billable = models.BooleanField(default=False)
    paid = models.BooleanField(default=False)
    new = models.BooleanField(default=False)
    deactivated = models.BooleanField(default=False)
    active_at_end = models.BooleanField(default=False)
    active_from = models.DateField(null=True)
    active_until = models.DateField(null=True)
    billable_days = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["close", "dossier"])]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.close} {self.dossier_id} {'+' if self.sign > 0 else '-'}"
