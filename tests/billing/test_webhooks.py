"""Stripe webhooks with Stripe-shaped events signed for real (stripe.WebhookSignature)."""

import json
import threading
import time
from datetime import timedelta

import pytest
import stripe
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from billing.models import KyteSubscription, Mode, Status, StatusChange, StripeEvent

SECRET = "whsec_test_kyte"
URL = "/billing/stripe/webhook/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def sign(payload: str, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return f"t={timestamp},v1={signature}"


_counter = iter(range(1, 10_000))


def event(kind: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_{next(_counter)}",
            "object": "event",
            "type": kind,
            "created": created or int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "api_version": "2025-01-27",
        }
    )


def post(client, payload: str, signature: str | None = "auto"):
    headers = {}
    if signature == "auto":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(payload)
    elif signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return client.post(URL, data=payload, content_type="application/json", **headers)


@pytest.fixture
def trialing(personas, available):
    now = timezone.now()
    return KyteSubscription.objects.create(
        dossier=personas.dossier_a,
        status=Status.TRIAL,
        mode=Mode.SELF_SERVICE,
        trial_started_at=now,
        trial_ends_at=now + timedelta(days=30),
        stripe_customer_id="cus_A",
        backend="stripe",
    )


def subscription_obj(status="active", *, sub_id="sub_A", customer="cus_A", dossier=None, period_end=None):
    period_end = period_end or int(time.time()) + 365 * 86400
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": False,
        "metadata": {"kyte_dossier": dossier} if dossier else {},
        "items": {"data": [{"id": "si_1", "current_period_end": period_end}]},
    }


def test_subscription_created_activates(client, trialing):
    response = post(
        client, event("customer.subscription.created", subscription_obj(dossier=trialing.dossier.code))
    )
    assert response.status_code == 200
    trialing.refresh_from_db()
    assert (trialing.status, trialing.stripe_subscription_id) == (Status.ACTIVE, "sub_A")
    assert trialing.current_period_end > timezone.now() + timedelta(days=360)


@pytest.mark.parametrize("case", ["body_changed", "wrong_secret", "no_header", "too_old"])
def test_bad_signatures_are_refused_without_side_effect(client, trialing, case):
    payload = event("customer.subscription.created", subscription_obj())
    signature = {
        "body_changed": sign(payload),
        "wrong_secret": sign(payload, secret="whsec_other"),
        "no_header": None,
        "too_old": sign(payload, timestamp=int(time.time()) - 3600),
    }[case]
    if case == "body_changed":
        payload = payload.replace('"active"', '"activf"')  # one byte changed after signing
    response = post(client, payload, signature)
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    trialing.refresh_from_db()
    assert trialing.status == Status.TRIAL


def test_duplicate_delivery_is_applied_once(client, trialing):
    payload = event("customer.subscription.created", subscription_obj(), event_id="evt_dup")
    assert post(client, payload).content == b"active"
    assert post(client, payload).content == b"duplicate"
    assert StripeEvent.objects.filter(event_id="evt_dup").count() == 1
    assert StatusChange.objects.filter(subscription=trialing).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_have_one_side_effect(personas, available):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent deliveries are tested on PostgreSQL (CI sets DATABASE_URL)")
    from django.test import Client

    KyteSubscription.objects.create(
        dossier=personas.dossier_a,
        status=Status.TRIAL,
        mode=Mode.SELF_SERVICE,
        trial_started_at=timezone.now(),
        stripe_customer_id="cus_A",
    )
    payload = event(
        "invoice.paid",
        {
            "id": "in_1",
            "object": "invoice",
            "customer": "cus_A",
            "subscription": "sub_A",
            "lines": {"data": [{"period": {"end": int(time.time()) + 86400 * 365}}]},
        },
        event_id="evt_race",
    )
    barrier = threading.Barrier(6)
    answers = []

    def deliver():
        barrier.wait()
        try:
            answers.append(post(Client(), payload).content)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [b"active"] + [b"duplicate"] * 5
    assert StatusChange.objects.filter(dossier=personas.dossier_a, to_status=Status.ACTIVE).count() == 1


def test_updated_before_created_ends_in_the_right_state(client, trialing):
    now = int(time.time())
    assert (
        post(client, event("customer.subscription.updated", subscription_obj("active"), created=now)).content
        == b"active"
    )
    late = post(
        client, event("customer.subscription.created", subscription_obj("incomplete"), created=now - 60)
    )
    assert late.content == b"stale"
    trialing.refresh_from_db()
    assert (trialing.status, trialing.stripe_subscription_id) == (Status.ACTIVE, "sub_A")


def test_illegal_transition_from_an_event_is_ignored(client, trialing):
    response = post(client, event("customer.subscription.updated", subscription_obj("past_due")))
    assert response.content == b"illegal transition trial->past_due ignored"
    trialing.refresh_from_db()
    assert trialing.status == Status.TRIAL


def test_invoice_paid_before_subscription_created(client, trialing):
    now = int(time.time())
    end = now + 365 * 86400
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "customer": "cus_A",
        "subscription": "sub_A",
        "lines": {"data": [{"period": {"start": now, "end": end}}]},
    }
    post(client, event("invoice.paid", invoice, created=now))
    post(client, event("customer.subscription.created", subscription_obj("incomplete"), created=now - 5))
    trialing.refresh_from_db()
    assert (trialing.status, trialing.stripe_subscription_id) == (Status.ACTIVE, "sub_A")
    assert int(trialing.current_period_end.timestamp()) == end


def test_payment_failed_then_paid_then_deleted(client, trialing):
    now = int(time.time())
    post(client, event("customer.subscription.created", subscription_obj(), created=now))
    post(
        client,
        event(
            "invoice.payment_failed",
            {"id": "in_2", "customer": "cus_A", "subscription": "sub_A"},
            created=now + 1,
        ),
    )
    trialing.refresh_from_db()
    assert trialing.status == Status.PAST_DUE
    post(
        client,
        event("invoice.paid", {"id": "in_2", "customer": "cus_A", "subscription": "sub_A"}, created=now + 2),
    )
    trialing.refresh_from_db()
    assert trialing.status == Status.ACTIVE
    post(client, event("customer.subscription.deleted", subscription_obj("canceled"), created=now + 3))
    trialing.refresh_from_db()
    assert trialing.status == Status.NOT_ACTIVE
    assert list(trialing.changes.values_list("to_status", flat=True)) == [
        Status.ACTIVE,
        Status.PAST_DUE,
        Status.ACTIVE,
        Status.NOT_ACTIVE,
    ]


def test_checkout_completion_links_the_subscription(client, trialing):
    post(
        client,
        event(
            "checkout.session.completed",
            {
                "id": "cs_1",
                "object": "checkout.session",
                "client_reference_id": trialing.dossier.code,
                "customer": "cus_A",
                "subscription": "sub_A",
            },
        ),
    )
    trialing.refresh_from_db()
    assert trialing.stripe_subscription_id == "sub_A"
    assert trialing.status == Status.TRIAL  # activation waits for the subscription or the paid invoice


def test_unknown_customer_is_acknowledged_and_changes_nothing(client, trialing, caplog):
    response = post(
        client, event("invoice.paid", {"id": "in_9", "customer": "cus_nobody", "subscription": "sub_9"})
    )
    assert (response.status_code, response.content) == (200, b"unknown customer")
    assert "unknown customer" in caplog.text
    trialing.refresh_from_db()
    assert trialing.status == Status.TRIAL


def test_unknown_event_types_are_acknowledged(client, db):
    response = post(client, event("radar.early_fraud_warning.created", {"id": "issfr_1"}))
    assert (response.status_code, response.content) == (200, b"ignored")


def test_webhook_is_post_only(client, db):
    assert client.get(URL).status_code == 405


def test_checkout_return_page_polls_until_active(login, personas, trialing):
    client = login(personas.entrepreneur_a)
    url = reverse("kyte_checkout_return", kwargs={"dossier_code": trialing.dossier.code})
    assert 'hx-trigger="every 2s"' in client.get(url).content.decode()
    post(client, event("customer.subscription.created", subscription_obj()))
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "<html" not in partial


def test_a_late_invoice_event_never_revives_a_deleted_subscription(client, trialing):
    now = int(time.time())
    post(client, event("customer.subscription.created", subscription_obj(), created=now))
    post(client, event("customer.subscription.deleted", subscription_obj("canceled"), created=now + 1))
    late = post(
        client,
        event("invoice.paid", {"id": "in_3", "customer": "cus_A", "subscription": "sub_A"}, created=now + 1),
    )
    assert late.content == b"subscription already ended"
    trialing.refresh_from_db()
    assert trialing.status == Status.NOT_ACTIVE
