"""On PostgreSQL: concurrent workers on one transmission claim it once; concurrent deliveries of one message store
one document."""

import threading
from unittest import mock

import pytest
from django.db import connection, connections

from peppol import inbound, services
from peppol.models import ReceivedDocument, Transmission
from tests.peppol.conftest import _activate, _customer_b
from tests.peppol.test_network import _envelope

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row claims are tested on PostgreSQL (CI sets DATABASE_URL)")


def _run(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def work():
        barrier.wait()
        try:
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_eight_workers_on_one_transmission_deliver_once(personas, seller, django_capture_on_commit_callbacks):
    from invoicing import services as invoicing
    from tests.invoicing.conftest import LINE

    _activate(personas.dossier_b)
    services.participants_sync(dossier=seller)
    customer = invoicing.customer_create(
        dossier=seller,
        actor=personas.entrepreneur_a,
        street="Rue 1",
        postal_code="1000",
        city="Bruxelles",
        **_customer_b(personas),
    )
    draft = invoicing.invoice_create(dossier=seller, actor=personas.entrepreneur_a, customer=customer)
    draft = invoicing.invoice_save_draft(
        invoice=draft, actor=personas.entrepreneur_a, data={}, lines=[dict(LINE)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoicing.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
    with mock.patch.object(services, "_wake"):  # no worker: the threads below are the workers
        transmission = services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
    results, errors = _run(8, lambda: services.transmission_process(transmission.pk))
    assert errors == []
    assert sorted(results) == ["delivered"] + ["not claimed"] * 7
    transmission.refresh_from_db()
    assert transmission.attempts == 1 and ReceivedDocument.objects.count() == 1


def test_the_same_message_delivered_eight_times_at_once_is_stored_once(personas):
    from pathlib import Path

    from lxml import etree

    _activate(personas.dossier_b)
    example = (
        Path(__file__).resolve().parents[2].parent / "shared" / "peppol" / "examples" / "base-example.xml"
    )
    payload = etree.tostring(etree.fromstring(example.read_bytes()), xml_declaration=True, encoding="UTF-8")
    data = _envelope(personas, payload)
    results, errors = _run(8, lambda: inbound.receive(data, via="test")[1])
    assert errors == [] and sorted(results) == [False] * 7 + [True]
    assert ReceivedDocument.objects.count() == 1
    assert Transmission.objects.count() == 0
