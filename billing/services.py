"""Kyte activation and subscription: one guarded state machine, audited at every transition."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Dossier, Firm, User
from accounts.services import audit_log, dossier_update
from billing.forms import COMPANY_FIELDS
from billing.models import TRANSITIONS, FirmKyte, KyteSubscription, Mode, Status, StatusChange
from kyte.errors import DomainError

TRIAL_DAYS = 30


def firm_kyte_for(firm: Firm) -> FirmKyte:
    return FirmKyte.objects.get_or_create(firm=firm)[0]


def subscription_for(dossier: Dossier) -> KyteSubscription:
    return KyteSubscription.objects.get_or_create(dossier=dossier)[0]


def _locked(dossier: Dossier) -> KyteSubscription:
    subscription_for(dossier)
    return (
        KyteSubscription.objects.select_for_update(of=("self",))
        .select_related("dossier__firm", "activated_by")
        .get(dossier=dossier)
    )


def _transition(sub: KyteSubscription, to: Status, *, actor: User | None, reason: str, **fields: Any) -> None:
    """The only place that changes `status`. An illegal transition raises."""
    current = Status(sub.status)
    if to not in TRANSITIONS[current]:
        raise DomainError(
            _("Kyte cannot go from “%(from)s” to “%(to)s”.") % {"from": current.label, "to": to.label},
            "transition",
        )
    for name, value in fields.items():
        setattr(sub, name, value)
    sub.status = to
    sub.save()
    StatusChange.objects.create(
        subscription=sub,
        dossier=sub.dossier,
        from_status=current,
        to_status=to,
        mode=sub.mode,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )
    if current.is_active != to.is_active:  # Kyte starts or stops: the Peppol registration follows
        dossier = sub.dossier
        transaction.on_commit(lambda: _peppol_sync(dossier))
    if sub.mode == Mode.ACCOUNTANT and {current, to} & {Status.ACTIVE, Status.PAST_DUE}:
        firm = sub.dossier.firm
        transaction.on_commit(lambda: firm_billing_sync(firm=firm))
    audit_log(
        actor=actor,
        dossier=sub.dossier,
        obj=sub,
        action=f"kyte.subscription.{to}",
        data={"from": current, "to": str(to), "reason": reason, "mode": sub.mode},
    )


def _peppol_sync(dossier: Dossier) -> None:
    from peppol.services import participants_sync

    participants_sync(dossier=dossier)


# --- Availability -------------------------------------------------------------------------------------------


@transaction.atomic
def firm_kyte_set_default(*, firm: Firm, available: bool, actor: User) -> FirmKyte:
    firm_kyte = FirmKyte.objects.select_for_update().get(pk=firm_kyte_for(firm).pk)
    if firm_kyte.available_by_default != available:
        firm_kyte.available_by_default = available
        firm_kyte.save(update_fields=["available_by_default"])
        audit_log(
            actor=actor,
            firm=firm,
            obj=firm_kyte,
            action="kyte.availability.default",
            data={"available": available},
        )
        if not available:
            for dossier in firm.dossiers.filter(kyte__available__isnull=True, kyte__status__in=_ACTIVE):
                _withdraw(dossier, actor=actor)
    return firm_kyte


_ACTIVE = [Status.TRIAL, Status.ACTIVE, Status.PAST_DUE]


@transaction.atomic
def kyte_set_available(*, dossier: Dossier, available: bool | None, actor: User) -> KyteSubscription:
    sub = _locked(dossier)
    if sub.available == available:
        return sub
    sub.available = available
    sub.save(update_fields=["available", "updated_at"])
    audit_log(
        actor=actor,
        dossier=dossier,
        obj=sub,
        action="kyte.availability.dossier",
        data={"available": available},
    )
    if not sub.is_available() and sub.is_active:
        _withdraw(dossier, actor=actor)
    return sub


def _withdraw(dossier: Dossier, *, actor: User) -> None:
    """The firm no longer offers Kyte: the dossier stops (its invoices stay readable)."""
    sub = _locked(dossier)
    if sub.is_active:
        _cancel_remote(sub)
        _transition(
            sub, Status.NOT_ACTIVE, actor=actor, reason="withdrawn_by_firm", cancel_at_period_end=False
        )


# --- Activation -----------------------------------------------------------------------------------------------


@transaction.atomic
def kyte_start_trial(
    *, dossier: Dossier, actor: User, mode: Mode, company: dict[str, Any], contact: dict[str, str]
) -> KyteSubscription:
    """Verify the company data, then start the 30-day trial (or refuse with the reason)."""
    sub = _locked(dossier)
    if not sub.is_available():
        raise DomainError(
            _("Your accounting firm has not made Kyte available to this dossier yet."), "unavailable"
        )
    if sub.is_active:
        raise DomainError(_("Kyte is already active for this dossier."), "already_active")
    if sub.trial_used:
        raise DomainError(
            _("The free trial has already been used: start the subscription to use Kyte again."), "trial_used"
        )
    dossier_update(dossier=dossier, actor=actor, data=company)
    now = timezone.now()
    _transition(
        sub,
        Status.TRIAL,
        actor=actor,
        reason="trial_started",
        mode=mode,
        activated_by=actor,
        activated_at=now,
        company_verified_at=now,
        trial_started_at=now,
        trial_ends_at=now + timedelta(days=TRIAL_DAYS),
        backend=settings.KYTE_BILLING_BACKEND,
        contact_name=contact["name"],
        contact_email=contact["email"],
        contact_phone=contact.get("phone", ""),
        reminder_7_sent_at=None,
        reminder_1_sent_at=None,
    )
    return sub


def default_contact(*, user: User, dossier: Dossier, mode: Mode) -> dict[str, str]:
    """Self-service: the entrepreneur. Accountant mode: the accountant, who must replace them with the client's."""
    if mode == Mode.ACCOUNTANT:
        return {"name": user.get_full_name(), "email": user.email, "phone": user.phone}
    return {
        "name": user.get_full_name(),
        "email": dossier.email or user.email,
        "phone": dossier.phone or user.phone,
    }


def kyte_activate_for_clients(
    *, firm: Firm, dossiers: list[Dossier], actor: User
) -> tuple[list[Dossier], dict]:
    """Accountant mode, from the firm dashboard: each dossier separately; returns (activated, {dossier: reason})."""
    from billing.forms import CompanyDataForm

    activated, refused = [], {}
    for dossier in dossiers:
        # The stored company data, checked with the rules of the verification form.
        form = CompanyDataForm(
            data={name: getattr(dossier, name) or "" for name in COMPANY_FIELDS}, instance=dossier
        )
        if not form.is_valid():
            refused[dossier] = _("Company data incomplete: %(fields)s.") % {
                "fields": ", ".join(
                    str(form.fields[name].label) for name in form.errors if name in form.fields
                )
            }
            continue
        try:
            kyte_start_trial(
                dossier=dossier,
                actor=actor,
                mode=Mode.ACCOUNTANT,
                company={name: form.cleaned_data[name] for name in COMPANY_FIELDS},
                contact=default_contact(user=actor, dossier=dossier, mode=Mode.ACCOUNTANT),
            )
        except DomainError as exc:
            refused[dossier] = exc.message
        else:
            activated.append(dossier)
    return activated, refused


@transaction.atomic
def kyte_update_contact(
    *, dossier: Dossier, actor: User, name: str, email: str, phone: str
) -> KyteSubscription:
    sub = _locked(dossier)
    changes = {
        k: [getattr(sub, f"contact_{k}"), v]
        for k, v in {"name": name, "email": email, "phone": phone}.items()
        if getattr(sub, f"contact_{k}") != v
    }
    if changes:
        sub.contact_name, sub.contact_email, sub.contact_phone = name, email, phone
        sub.save(update_fields=["contact_name", "contact_email", "contact_phone", "updated_at"])
        audit_log(
            actor=actor, dossier=dossier, obj=sub, action="kyte.contact.updated", data={"changes": changes}
        )
    return sub


@transaction.atomic
def kyte_switch_mode(*, dossier: Dossier, mode: Mode, actor: User) -> KyteSubscription:
    sub = _locked(dossier)
    if sub.mode != mode:
        audit_log(
            actor=actor,
            dossier=dossier,
            obj=sub,
            action="kyte.mode.switched",
            data={"from": sub.mode, "to": str(mode)},
        )
        sub.mode = mode
        sub.save(update_fields=["mode", "updated_at"])
        # The history the monthly counts are computed from records mode switches too (same status).
        StatusChange.objects.create(
            subscription=sub,
            dossier=dossier,
            from_status=sub.status,
            to_status=sub.status,
            mode=mode,
            actor=actor if actor is not None and actor.is_authenticated else None,
            reason="mode_switched",
        )
        firm = dossier.firm
        transaction.on_commit(lambda: firm_billing_sync(firm=firm))
    return sub


@transaction.atomic
def kyte_stop(*, dossier: Dossier, actor: User) -> KyteSubscription:
    """Stop using Kyte: a trial ends now; a paid subscription ends at the end of the paid year."""
    sub = _locked(dossier)
    if sub.status == Status.TRIAL or sub.status == Status.PAST_DUE:
        _transition(sub, Status.NOT_ACTIVE, actor=actor, reason="stopped")
    elif sub.status == Status.ACTIVE:
        if not sub.cancel_at_period_end:
            _cancel_remote(sub, at_period_end=True)
            sub.cancel_at_period_end = True
            sub.save(update_fields=["cancel_at_period_end", "updated_at"])
            audit_log(
                actor=actor,
                dossier=dossier,
                obj=sub,
                action="kyte.subscription.cancel_scheduled",
                data={"ends": sub.current_period_end.isoformat() if sub.current_period_end else None},
            )
    else:
        raise DomainError(_("Kyte is not active for this dossier."), "not_active")
    return sub


@transaction.atomic
def kyte_resume(*, dossier: Dossier, actor: User) -> KyteSubscription:
    sub = _locked(dossier)
    if sub.status == Status.ACTIVE and sub.cancel_at_period_end:
        _cancel_remote(sub, at_period_end=False)
        sub.cancel_at_period_end = False
        sub.save(update_fields=["cancel_at_period_end", "updated_at"])
        audit_log(actor=actor, dossier=dossier, obj=sub, action="kyte.subscription.cancel_revoked")
    return sub


def _cancel_remote(sub: KyteSubscription, *, at_period_end: bool = False) -> None:
    from billing.backends import backend_for

    if sub.mode == Mode.SELF_SERVICE and sub.stripe_subscription_id:
        backend_for(sub).cancel(sub, at_period_end=at_period_end)


def kyte_subscription_started(
    *, sub: KyteSubscription, actor: User | None, period_end: datetime, reason: str, **fields: Any
) -> None:
    """Payment done (local checkout, Stripe checkout or invoice paid): the dossier is Active until period_end."""
    if sub.status == Status.ACTIVE:
        if period_end and (sub.current_period_end is None or period_end > sub.current_period_end):
            sub.current_period_end = period_end
            for name, value in fields.items():
                setattr(sub, name, value)
            sub.save()
        return
    if sub.status == Status.NOT_ACTIVE and not sub.is_available():
        raise DomainError(
            _("Your accounting firm has not made Kyte available to this dossier yet."), "unavailable"
        )
    fields.setdefault("mode", sub.mode or Mode.SELF_SERVICE)
    _transition(
        sub,
        Status.ACTIVE,
        actor=actor,
        reason=reason,
        current_period_end=period_end,
        cancel_at_period_end=False,
        **fields,
    )


@transaction.atomic
def kyte_firm_subscribe(*, dossier: Dossier, actor: User) -> KyteSubscription:
    """Accountant mode: the firm takes the subscription over; it is billed monthly per billable dossier."""
    sub = _locked(dossier)
    if sub.mode != Mode.ACCOUNTANT:
        raise DomainError(_("This dossier's subscription is managed by the entrepreneur."), "mode")
    kyte_subscription_started(
        sub=sub,
        actor=actor,
        period_end=None,
        reason="firm_subscription_started",
        backend=settings.KYTE_BILLING_BACKEND,
    )
    return sub


def billable_count(firm: Firm) -> int:
    """Billable now: accountant-managed and active (trial days are not billed)."""
    return KyteSubscription.objects.filter(
        dossier__firm=firm, mode=Mode.ACCOUNTANT, status__in=[Status.ACTIVE, Status.PAST_DUE]
    ).count()


def firm_billing_sync(*, firm: Firm) -> int:
    """Set the firm's billed quantity to its billable dossiers (idempotent; called after each change)."""
    from billing.backends import get_backend

    with transaction.atomic():
        firm_kyte = FirmKyte.objects.select_for_update().get(pk=firm_kyte_for(firm).pk)
        quantity = billable_count(firm)
        if quantity != firm_kyte.billed_quantity or (
            quantity and not firm_kyte.stripe_subscription_id and settings.KYTE_BILLING_BACKEND == "stripe"
        ):
            get_backend().sync_firm_quantity(firm_kyte, quantity)
            audit_log(
                actor=None,
                firm=firm,
                obj=firm_kyte,
                action="kyte.firm_billing.quantity",
                data={"quantity": quantity},
            )
    return quantity


@transaction.atomic
def kyte_local_checkout_paid(*, dossier: Dossier, actor: User, token) -> KyteSubscription:
    sub = _locked(dossier)
    if str(sub.checkout_token) != str(token):
        raise DomainError(_("This payment page has expired. Start the subscription again."), "token")
    period_end = timezone.now() + relativedelta(years=1)
    if sub.status == Status.TRIAL and sub.trial_ends_at and sub.trial_ends_at > timezone.now():
        period_end = sub.trial_ends_at + relativedelta(years=1)  # the remaining trial days are not lost
    kyte_subscription_started(
        sub=sub,
        actor=actor,
        period_end=period_end,
        reason="subscription_started",
        backend="local",
        mode=sub.mode or Mode.SELF_SERVICE,
        activated_by=sub.activated_by or actor,
    )
    sub.checkout_token = uuid.uuid4()  # single use
    sub.save(update_fields=["checkout_token"])
    return sub


# --- Sweeps (Celery beat) ---------------------------------------------------------------------------------------


def _claim(pk: int, **conditions) -> KyteSubscription | None:
    """Lock one row that still meets the conditions; a row another sweep holds is skipped, not waited for."""
    return (
        KyteSubscription.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("dossier__firm")
        .filter(pk=pk, **conditions)
        .first()
    )


def trial_expiry_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Trials past their end become Not active; reminders 7 days and 1 day before. Re-runnable and concurrent-safe:
    each row is claimed under a lock (skip_locked) or by a conditional UPDATE that must touch exactly one row."""
    now = now or timezone.now()
    counts = {"expired": 0, "reminded_7": 0, "reminded_1": 0}
    due = KyteSubscription.objects.filter(status=Status.TRIAL, trial_ends_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            sub = _claim(pk, status=Status.TRIAL, trial_ends_at__lte=now)
            if sub is None:
                continue
            _transition(sub, Status.NOT_ACTIVE, actor=None, reason="trial_expired")
            counts["expired"] += 1
            transaction.on_commit(lambda s=sub: _send_trial_mail(s, "expired"))
    for days, field in ((1, "reminder_1_sent_at"), (7, "reminder_7_sent_at")):
        window = KyteSubscription.objects.filter(
            status=Status.TRIAL,
            trial_ends_at__gt=now,
            trial_ends_at__lte=now + timedelta(days=days),
            **{f"{field}__isnull": True},
        )
        if days == 7:  # inside the last day only the 1-day reminder is sent
            window = window.filter(trial_ends_at__gt=now + timedelta(days=1))
        for pk in list(window.values_list("pk", flat=True)):
            with transaction.atomic():
                claimed = KyteSubscription.objects.filter(
                    pk=pk, status=Status.TRIAL, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if claimed != 1:
                    continue
                sub = KyteSubscription.objects.select_related("dossier__firm").get(pk=pk)
                audit_log(
                    actor=None,
                    dossier=sub.dossier,
                    obj=sub,
                    action="kyte.trial.reminder",
                    data={"days": days, "to": sub.contact_email},
                )
                counts[f"reminded_{days}"] += 1
                transaction.on_commit(lambda s=sub, d=days: _send_trial_mail(s, f"reminder_{d}"))
    return counts


def local_renewal_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Local backend: paid years roll over, or end where the subscription was cancelled."""
    now = now or timezone.now()
    counts = {"renewed": 0, "ended": 0}
    due = KyteSubscription.objects.filter(
        Q(status=Status.ACTIVE) & Q(backend="local") & Q(current_period_end__lte=now)
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            sub = _claim(pk, status=Status.ACTIVE, current_period_end__lte=now)
            if sub is None:
                continue
            if sub.cancel_at_period_end or not sub.is_available():
                _transition(
                    sub,
                    Status.NOT_ACTIVE,
                    actor=None,
                    reason="cancelled_at_period_end",
                    cancel_at_period_end=False,
                )
                counts["ended"] += 1
            else:
                sub.current_period_end = sub.current_period_end + relativedelta(years=1)
                sub.save(update_fields=["current_period_end", "updated_at"])
                audit_log(
                    actor=None,
                    dossier=sub.dossier,
                    obj=sub,
                    action="kyte.subscription.renewed",
                    data={"until": sub.current_period_end.isoformat()},
                )
                counts["renewed"] += 1
    return counts


def _send_trial_mail(sub: KyteSubscription, kind: str) -> None:
    """Self-service: to the Kyte contact. Accountant mode: the firm decides and pays, so to the activating accountant."""
    recipient = sub.contact_email
    if sub.mode == Mode.ACCOUNTANT and sub.activated_by is not None:
        recipient = sub.activated_by.email
    if not recipient:
        return
    language = (
        sub.dossier.language if sub.dossier.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    )
    with translation.override(language):
        context = {"sub": sub, "dossier": sub.dossier, "kind": kind, "site_url": settings.SITE_URL}
        subject = render_to_string("billing/email/trial_subject.txt", context).strip()
        body = render_to_string("billing/email/trial_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])


def snooze_prompt(*, membership, days: int = 7) -> None:
    type(membership).objects.filter(pk=membership.pk).update(
        kyte_prompt_snoozed_until=timezone.now() + timedelta(days=days)
    )
