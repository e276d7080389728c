"""Stripe webhooks: verified, stored once by event id, applied in order, only through legal transitions."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from billing.models import TRANSITIONS, KyteSubscription, Mode, Status, StripeEvent
from billing.services import _transition, kyte_subscription_started

log = logging.getLogger(__name__)

STRIPE_STATUS = {
    "active": Status.ACTIVE,
    "trialing": Status.ACTIVE,
    "past_due": Status.PAST_DUE,
    "unpaid": Status.PAST_DUE,
    "canceled": Status.NOT_ACTIVE,
    "incomplete_expired": Status.NOT_ACTIVE,
}


class WebhookRejected(Exception):
    pass


def handle_webhook(*, payload: bytes, signature: str) -> str:
    if not signature:
        raise WebhookRejected("missing Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected(f"invalid signature or payload: {exc}") from None
    data = json.loads(payload)
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=data["id"], type=data["type"], created=data.get("created", 0), payload=data
            )
            outcome = _apply(data)
            record.outcome = outcome[:200]
            record.save(update_fields=["outcome"])
    except IntegrityError:
        return "duplicate"
    return outcome


def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _find(*, dossier_code=None, subscription_id=None, customer_id=None) -> KyteSubscription | None:
    qs = KyteSubscription.objects.select_for_update(of=("self",)).select_related("dossier__firm")
    for field, value in (
        ("dossier__code", dossier_code),
        ("stripe_subscription_id", subscription_id),
        ("stripe_customer_id", customer_id),
    ):
        if value:
            sub = qs.filter(**{field: value}).first()
            if sub is not None:
                return sub
    return None


def _fresh(sub: KyteSubscription, created: int) -> bool:
    """An event older than the last one applied to this subscription is stale (out-of-order delivery)."""
    if created < sub.stripe_state_at:
        return False
    sub.stripe_state_at = created
    return True


def _period_end(obj: dict) -> datetime | None:
    end = obj.get("current_period_end")
    if not end:
        items = (obj.get("items") or {}).get("data") or []
        end = items[0].get("current_period_end") if items else None
    return _ts(end)


def _apply(event: dict) -> str:
    kind, obj, created = event["type"], event["data"]["object"], event.get("created", 0)
    if kind == "checkout.session.completed":
        sub = _find(dossier_code=obj.get("client_reference_id"), customer_id=obj.get("customer"))
        if sub is None:
            return _unknown(event)
        sub.stripe_customer_id = obj.get("customer") or sub.stripe_customer_id
        sub.stripe_subscription_id = obj.get("subscription") or sub.stripe_subscription_id
        sub.backend = "stripe"
        sub.save(update_fields=["stripe_customer_id", "stripe_subscription_id", "backend", "updated_at"])
        return "checkout linked"
    if kind.startswith("customer.subscription."):
        metadata = obj.get("metadata") or {}
        sub = _find(
            dossier_code=metadata.get("kyte_dossier"),
            subscription_id=obj.get("id"),
            customer_id=obj.get("customer"),
        )
        if sub is None:
            return _unknown(event)
        if not _fresh(sub, created):
            sub.save(update_fields=[])
            return "stale"
        sub.stripe_subscription_id = obj.get("id")
        sub.stripe_customer_id = obj.get("customer") or sub.stripe_customer_id
        sub.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
        target = (
            Status.NOT_ACTIVE
            if kind == "customer.subscription.deleted"
            else STRIPE_STATUS.get(obj.get("status"))
        )
        return _move(sub, target, period_end=_period_end(obj), reason=kind)
    if kind in ("invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed"):
        subscription_id = obj.get("subscription") or (
            ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        )
        sub = _find(subscription_id=subscription_id, customer_id=obj.get("customer"))
        if sub is None:
            return _unknown(event)
        if not _fresh(sub, created):
            sub.save(update_fields=["stripe_state_at"])
            return "stale"
        if subscription_id:
            sub.stripe_subscription_id = subscription_id
        lines = (obj.get("lines") or {}).get("data") or []
        period_end = _ts(lines[0]["period"]["end"]) if lines and lines[0].get("period") else None
        target = Status.PAST_DUE if kind == "invoice.payment_failed" else Status.ACTIVE
        if (
            sub.status == Status.NOT_ACTIVE
            and subscription_id
            and sub.changes.filter(reason="customer.subscription.deleted").exists()
            and sub.stripe_subscription_id == subscription_id
        ):
            sub.save(update_fields=["stripe_state_at"])
            return "subscription already ended"  # a late invoice event never revives a deleted subscription
        return _move(sub, target, period_end=period_end, reason=kind)
    return "ignored"


def _move(sub: KyteSubscription, target: Status | None, *, period_end, reason: str) -> str:
    sub.backend = "stripe"
    if target is None or target == sub.status:
        if period_end and (sub.current_period_end is None or period_end > sub.current_period_end):
            sub.current_period_end = period_end
        sub.save()
        return "state kept"
    if target not in TRANSITIONS[Status(sub.status)]:
        sub.save()
        return f"illegal transition {sub.status}->{target} ignored"
    if target == Status.ACTIVE:
        sub.mode = sub.mode or Mode.SELF_SERVICE
        kyte_subscription_started(sub=sub, actor=None, period_end=period_end, reason=reason)
    else:
        _transition(sub, target, actor=None, reason=reason)
    return f"{target}"


def _unknown(event: dict) -> str:
    log.warning(
        "Stripe event %s (%s) for an unknown customer or subscription: acknowledged, nothing changed",
        event.get("id"),
        event.get("type"),
    )
    return "unknown customer"
