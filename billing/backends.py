"""Billing backends: `local` (embedded, the default: a simulated checkout, works offline) and `stripe`.

Both drive the same state machine in billing.services. Every mutating Stripe call carries an idempotency key
derived from our own object, so a replay after a time-out creates nothing new.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.urls import reverse

from billing.models import FirmKyte, KyteSubscription


class LocalBackend:
    name = "local"

    def checkout_url(self, sub: KyteSubscription, *, success_url: str, cancel_url: str) -> str:
        return reverse(
            "kyte_checkout_local", kwargs={"dossier_code": sub.dossier.code, "uuid": sub.checkout_token}
        )

    def portal_url(self, sub: KyteSubscription, *, return_url: str) -> str:
        return reverse("kyte_subscription", kwargs={"dossier_code": sub.dossier.code})

    def cancel(self, sub: KyteSubscription, *, at_period_end: bool) -> None:
        """Nothing remote: the renewal sweep ends the period."""

    def sync_firm_quantity(self, firm_kyte: FirmKyte, quantity: int) -> None:
        firm_kyte.billed_quantity = quantity
        firm_kyte.save(update_fields=["billed_quantity"])


class StripeBackend:
    name = "stripe"

    def __init__(self):
        import stripe

        self.stripe = stripe
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else {},
            http_client=getattr(settings, "STRIPE_HTTP_CLIENT", None),
            max_network_retries=2,
        )

    def _key(self, *parts) -> str:
        return "kyte-" + "-".join(str(p) for p in parts)

    def ensure_customer(self, sub: KyteSubscription) -> str:
        if not sub.stripe_customer_id:
            dossier = sub.dossier
            customer = self.client.v1.customers.create(
                params={
                    "name": dossier.legal_name,
                    "email": sub.contact_email or dossier.email,
                    "metadata": {"kyte_dossier": dossier.code, "kyte_firm": dossier.firm.slug},
                },
                options={"idempotency_key": self._key("customer", dossier.code)},
            )
            KyteSubscription.objects.filter(pk=sub.pk).update(stripe_customer_id=customer.id)
            sub.stripe_customer_id = customer.id
        return sub.stripe_customer_id

    def checkout_url(self, sub: KyteSubscription, *, success_url: str, cancel_url: str) -> str:
        customer = self.ensure_customer(sub)
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer,
                "line_items": [{"price": settings.STRIPE_PRICE_ANNUAL, "quantity": 1}],
                "success_url": success_url,
                "cancel_url": cancel_url,
                "client_reference_id": sub.dossier.code,
                "subscription_data": {"metadata": {"kyte_dossier": sub.dossier.code}},
            },
            options={"idempotency_key": self._key("checkout", sub.dossier.code, sub.checkout_token)},
        )
        return session.url

    def create_subscription(self, sub: KyteSubscription):
        """Direct subscription (card already on file); used by the firm for accountant mode and in tests."""
        customer = self.ensure_customer(sub)
        return self.client.v1.subscriptions.create(
            params={
                "customer": customer,
                "items": [{"plan": settings.STRIPE_PRICE_ANNUAL}],
                "metadata": {"kyte_dossier": sub.dossier.code},
            },
            options={"idempotency_key": self._key("subscription", sub.dossier.code, sub.checkout_token)},
        )

    def portal_url(self, sub: KyteSubscription, *, return_url: str) -> str:
        session = self.client.v1.billing_portal.sessions.create(
            params={"customer": self.ensure_customer(sub), "return_url": return_url},
            # A portal session is short-lived: one per dossier and minute (a double click opens the same one).
            options={"idempotency_key": self._key("portal", sub.dossier.code, int(time.time() // 60))},
        )
        return session.url

    def cancel(self, sub: KyteSubscription, *, at_period_end: bool) -> None:
        if at_period_end:
            self.client.v1.subscriptions.update(
                sub.stripe_subscription_id,
                params={"cancel_at_period_end": True},
                options={"idempotency_key": self._key("cancel-at-end", sub.stripe_subscription_id)},
            )
        else:
            self.client.v1.subscriptions.cancel(
                sub.stripe_subscription_id,
                options={"idempotency_key": self._key("cancel", sub.stripe_subscription_id)},
            )

    def sync_firm_quantity(self, firm_kyte: FirmKyte, quantity: int) -> None:
        """Accountant mode: one monthly firm subscription whose quantity is the number of billable dossiers."""
        firm = firm_kyte.firm
        if not firm_kyte.stripe_customer_id:
            customer = self.client.v1.customers.create(
                params={"name": firm.name, "email": firm.email, "metadata": {"kyte_firm": firm.slug}},
                options={"idempotency_key": self._key("firm-customer", firm.slug)},
            )
            firm_kyte.stripe_customer_id = customer.id
        if not firm_kyte.stripe_subscription_id:
            subscription = self.client.v1.subscriptions.create(
                params={
                    "customer": firm_kyte.stripe_customer_id,
                    "items": [{"plan": settings.STRIPE_PRICE_FIRM_MONTHLY, "quantity": quantity}],
                    "metadata": {"kyte_firm": firm.slug},
                },
                options={"idempotency_key": self._key("firm-subscription", firm.slug)},
            )
            firm_kyte.stripe_subscription_id = subscription.id
        elif firm_kyte.billed_quantity != quantity:
            subscription = self.client.v1.subscriptions.retrieve(firm_kyte.stripe_subscription_id)
            item = subscription["items"]["data"][0]["id"]
            self.client.v1.subscription_items.update(
                item,
                params={"quantity": quantity},
                options={"idempotency_key": self._key("firm-quantity", firm.slug, quantity)},
            )
        firm_kyte.billed_quantity = quantity
        firm_kyte.save(update_fields=["stripe_customer_id", "stripe_subscription_id", "billed_quantity"])


def get_backend(name: str | None = None):
    name = name or settings.KYTE_BILLING_BACKEND
    return StripeBackend() if name == "stripe" else LocalBackend()


def backend_for(sub: KyteSubscription):
    return get_backend(sub.backend or None)
