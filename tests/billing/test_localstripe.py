"""The Stripe backend against localstripe on 127.0.0.1: customers, the annual subscription, cancellation and
localstripe's own signed webhooks delivered to our endpoint on the live server."""

import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import requests
import stripe
from django.utils import timezone

from billing.backends import StripeBackend
from billing.models import KyteSubscription, Mode, Status
from tests.mail import free_port

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec_localstripe_kyte"


@pytest.fixture(scope="module")
def localstripe():
    port = free_port()
    # localstripe's own CLI binds every interface; serve its app on the loopback only.
    code = (
        "from aiohttp import web; from localstripe.server import app; "
        f"web.run_app(app, host='127.0.0.1', port={port}, print=None)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 15
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("localstripe did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


class RecordingClient(stripe.RequestsClient):
    """Records every request; can make the first customer creation time out after the server processed it."""

    def __init__(self, *, timeout_first_customer=False):
        super().__init__()
        self.calls = []
        self.timeout_first_customer = timeout_first_customer

    def request(self, method, url, headers, post_data=None):
        self.calls.append((method, url.split("/v1/", 1)[-1], (headers or {}).get("Idempotency-Key")))
        result = super().request(method, url, headers, post_data)
        if self.timeout_first_customer and method == "post" and url.endswith("/v1/customers"):
            self.timeout_first_customer = False
            raise stripe.APIConnectionError("Request timed out", should_retry=True)
        return result


@pytest.fixture
def stripe_settings(settings, localstripe, live_server):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "localstripe delivers webhooks concurrently to the live server: run on PostgreSQL (CI does)"
        )
    settings.KYTE_BILLING_BACKEND = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_kyte"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_HTTP_CLIENT = RecordingClient()
    client = stripe.StripeClient("sk_test_kyte", base_addresses={"api": localstripe})
    product = client.v1.products.create(params={"name": "Kyte"})
    plan = client.v1.plans.create(
        params={
            "product": product.id,
            "currency": "eur",
            "amount": 12000,
            "interval": "year",
            "id": f"kyte-annual-{time.time_ns()}",
        }
    )
    settings.STRIPE_PRICE_ANNUAL = plan.id
    requests.post(
        f"{localstripe}/_config/webhooks/kyte",
        timeout=5,
        data={"url": live_server.url + "/billing/stripe/webhook/", "secret": SECRET},
    )
    return client


def _card(client, customer_id):
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer_id})
    client.v1.customers.update(
        customer_id, params={"invoice_settings": {"default_payment_method": method.id}}
    )


def _wait_for(sub, status, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        sub.refresh_from_db()
        if sub.status == status:
            return
        time.sleep(0.2)
    pytest.fail(f"status stayed {sub.status}, expected {status}")


def test_subscription_and_cancellation_arrive_through_signed_webhooks(personas, available, stripe_settings):
    now = timezone.now()
    sub = KyteSubscription.objects.create(
        dossier=personas.dossier_a,
        status=Status.TRIAL,
        mode=Mode.SELF_SERVICE,
        backend="stripe",
        trial_started_at=now,
        trial_ends_at=now + timedelta(days=30),
        contact_email="marc@client-a.test",
    )
    backend = StripeBackend()
    customer = backend.ensure_customer(sub)
    remote = stripe_settings.v1.customers.retrieve(customer)
    assert remote.metadata["kyte_dossier"] == personas.dossier_a.code
    _card(stripe_settings, customer)

    remote_sub = backend.create_subscription(sub)
    assert remote_sub.status == "active"
    _wait_for(sub, Status.ACTIVE)  # customer.subscription.created, signed by localstripe, verified by us
    from billing.models import StripeEvent

    deadline = time.time() + 10  # let the other events of the creation land before cancelling
    while StripeEvent.objects.filter(type__startswith="invoice.").count() < 1 and time.time() < deadline:
        time.sleep(0.2)
    assert sub.stripe_subscription_id == remote_sub.id
    assert sub.current_period_end > timezone.now() + timedelta(days=360)

    sub.cancel_at_period_end = False
    backend.cancel(sub, at_period_end=False)
    _wait_for(sub, Status.NOT_ACTIVE)  # customer.subscription.deleted
    # localstripe sends its events concurrently: whichever of subscription.created or invoice.payment_succeeded
    # lands first activates; the other is then a no-op. The path is what matters.
    changes = list(sub.changes.values_list("to_status", "reason"))
    assert [to for to, _ in changes] == [Status.ACTIVE, Status.NOT_ACTIVE]
    assert changes[0][1] in {"customer.subscription.created", "invoice.payment_succeeded", "invoice.paid"}
    assert changes[1][1] == "customer.subscription.deleted"

    from django.conf import settings

    posts = [c for c in settings.STRIPE_HTTP_CLIENT.calls if c[0] == "post"]
    assert posts and all(key for _, _, key in posts)  # every mutating call carries an idempotency key
    assert ("post", "customers", f"kyte-customer-{personas.dossier_a.code}") in posts
    assert all(key.startswith("kyte-") for _, _, key in posts)


def test_a_replay_after_a_time_out_reuses_the_idempotency_key(personas, available, stripe_settings, settings):
    settings.STRIPE_HTTP_CLIENT = RecordingClient(timeout_first_customer=True)
    sub = KyteSubscription.objects.create(dossier=personas.dossier_b, mode=Mode.SELF_SERVICE)
    customer = StripeBackend().ensure_customer(sub)
    attempts = [c for c in settings.STRIPE_HTTP_CLIENT.calls if c[:2] == ("post", "customers")]
    assert len(attempts) == 2  # the first timed out after reaching the server; the client retried
    assert attempts[0][2] == attempts[1][2] == f"kyte-customer-{personas.dossier_b.code}"
    sub.refresh_from_db()
    assert sub.stripe_customer_id == customer
    # Our own replay (the job runs again) sends nothing: the customer id is stored.
    before = len(settings.STRIPE_HTTP_CLIENT.calls)
    assert StripeBackend().ensure_customer(sub) == customer
    assert len(settings.STRIPE_HTTP_CLIENT.calls) == before


class CheckoutClient(RecordingClient):
    """localstripe has no Checkout: answer that one call with a Stripe-shaped session, record everything."""

    def request(self, method, url, headers, post_data=None):
        if url.endswith("/v1/checkout/sessions"):
            self.calls.append((method, "checkout/sessions", (headers or {}).get("Idempotency-Key")))
            self.checkout_body = post_data
            return (
                '{"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.stripe.test/c/pay/cs_1"}',
                200,
                {},
            )
        return super().request(method, url, headers, post_data)


def test_subscribe_sends_the_entrepreneur_to_stripe_checkout(
    login, personas, available, stripe_settings, settings
):
    settings.STRIPE_HTTP_CLIENT = CheckoutClient()
    now = timezone.now()
    sub = KyteSubscription.objects.create(
        dossier=personas.dossier_a,
        status=Status.TRIAL,
        mode=Mode.SELF_SERVICE,
        trial_started_at=now,
        trial_ends_at=now + timedelta(days=30),
    )
    response = login(personas.entrepreneur_a).post(f"/d/{personas.dossier_a.code}/kyte/subscription/start/")
    assert response.url == "https://checkout.stripe.test/c/pay/cs_1"
    body = settings.STRIPE_HTTP_CLIENT.checkout_body
    assert "mode=subscription" in body and f"client_reference_id={personas.dossier_a.code}" in body
    assert f"line_items[0][price]={settings.STRIPE_PRICE_ANNUAL}" in body
    key = [c for c in settings.STRIPE_HTTP_CLIENT.calls if c[1] == "checkout/sessions"][0][2]
    assert key == f"kyte-checkout-{personas.dossier_a.code}-{sub.checkout_token}"
    sub.refresh_from_db()
    assert sub.stripe_customer_id.startswith("cus_") and sub.backend == "stripe"
