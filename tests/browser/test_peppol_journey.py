"""Dossier A sends an invoice over the local Peppol network to a customer that is dossier B: A watches the timeline
reach "delivered"; B finds it among the received documents, with its PDF."""

import re

import pytest
from django.core.management import call_command
from django.db import transaction
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import Dossier, User
from invoicing import services as invoicing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _worker_in_process():
    from kyte.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _login(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()


def test_a_sends_to_b_over_the_local_network_and_b_finds_it_with_its_pdf(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "0")
    a = Dossier.objects.get(legal_name="Brouwerij De Smet")  # Kyte trial
    b = Dossier.objects.get(legal_name="Studio Wouters Architecture")  # Kyte active: registered on Peppol
    actor = User.objects.get(email="desmet@demo.kyte.test")
    with transaction.atomic():
        customer = invoicing.customer_create(
            dossier=a,
            actor=actor,
            legal_name=b.legal_name,
            enterprise_number=b.enterprise_number,
            vat_number=b.vat_number,
            street=b.street,
            postal_code=b.postal_code,
            city=b.city,
            country="BE",
        )
        draft = invoicing.invoice_create(dossier=a, actor=actor, customer=customer)
        line = {
            "description": "Brassin spécial",
            "quantity": "12",
            "unit": "C62",
            "unit_price": "4.5",
            "discount_percent": "0",
            "vat_case": "standard",
            "vat_rate": "21",
        }
        draft = invoicing.invoice_save_draft(invoice=draft, actor=actor, data={}, lines=[line])
        invoice = invoicing.invoice_issue(invoice=draft, actor=actor)  # the PDF and UBL render on commit

    _login(page, live_server, "desmet@demo.kyte.test")
    page.goto(live_server.url + f"/d/{a.code}/kyte/invoices/{invoice.uuid}/")
    delivery = page.get_by_test_id("delivery")
    expect(delivery).to_contain_text(re.compile("Pas encore envoy|Nog niet verstuurd|Not sent yet"))
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("delivery-status")).to_have_text(re.compile("Delivered|Livré|Afgeleverd"))
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(4)

    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name=re.compile("Log out|Se déconnecter|Afmelden")).click()
    _login(page, live_server, "wouters@demo.kyte.test")
    page.goto(live_server.url + f"/d/{b.code}/kyte/received/")
    expect(page.get_by_test_id("participant-state")).to_have_text(
        re.compile("Registered|Enregistré|Geregistreerd")
    )
    page.get_by_role("link", name=re.compile(invoice.number)).click()
    expect(page.get_by_test_id("received-total")).to_contain_text(f"{invoice.payable}")
    pdf = page.get_by_test_id("received-pdf")
    response = page.request.get(live_server.url + pdf.get_attribute("href"))
    assert response.ok and response.body()[:5] == b"%PDF-"
