from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import KyteSubscription, Mode, Status
from invoicing import services


@pytest.fixture
def seller(personas):
    """Dossier A, complete and with Kyte active (trial)."""
    d = personas.dossier_a
    d.street, d.postal_code, d.city, d.email = "Rue de Fer 12", "5000", "Namur", "contact@client-a.test"
    d.save()
    KyteSubscription.objects.create(
        dossier=d,
        status=Status.TRIAL,
        mode=Mode.SELF_SERVICE,
        trial_started_at=timezone.now(),
        trial_ends_at=timezone.now() + timedelta(days=30),
    )
    return d


@pytest.fixture
def customer(seller, personas):
    return services.customer_create(
        dossier=seller,
        actor=personas.entrepreneur_a,
        legal_name="Garage Lejeune SA",
        enterprise_number="0202239951",
        vat_number="BE0202239951",
        street="Rue 1",
        postal_code="1300",
        city="Wavre",
        country="BE",
        language="fr",
    )


LINE = {
    "description": "Consultance",
    "quantity": Decimal("2"),
    "unit": "HUR",
    "unit_price": Decimal("75"),
    "discount_percent": Decimal("0"),
    "vat_case": "standard",
    "vat_rate": Decimal("21"),
}


@pytest.fixture
def draft(seller, customer, personas):
    invoice = services.invoice_create(dossier=seller, actor=personas.entrepreneur_a, customer=customer)
    return services.invoice_save_draft(
        invoice=invoice, actor=personas.entrepreneur_a, data={}, lines=[dict(LINE)]
    )


@pytest.fixture
def make_draft(seller, customer, personas):
    def _make(lines=None, **data):
        invoice = services.invoice_create(dossier=seller, actor=personas.entrepreneur_a, customer=customer)
        return services.invoice_save_draft(
            invoice=invoice, actor=personas.entrepreneur_a, data=data, lines=lines or [dict(LINE)]
        )

    return _make


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from kyte.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
