"""Kyte activation journeys in headless Chromium, on the embedded (local) billing backend."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import Dossier
from billing.models import KyteSubscription, Status
from billing.services import trial_expiry_sweep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()


def _activate_via_pop_up(page, live_server):
    _login(page, live_server, "dupont@demo.kyte.test")
    prompt = page.get_by_test_id("kyte-prompt")
    expect(prompt).to_be_visible()
    prompt.get_by_role("link", name=re.compile("Activer Kyte")).click()
    expect(page.locator("#id_company-legal_name")).to_have_value("Boulangerie Dupont")  # pre-filled
    page.get_by_label(re.compile("Les données de l.entreprise ci-dessus sont correctes")).check()
    page.get_by_role("button", name=re.compile("essai gratuit", re.I)).click()


def test_entrepreneur_activates_the_trial_from_the_pop_up(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "2")
    _activate_via_pop_up(page, live_server)
    expect(page.get_by_test_id("kyte-status").first).to_have_text("Actif – Période d’essai")
    expect(page.get_by_text(re.compile("30 jours d.essai restants"))).to_be_visible()
    menu = page.get_by_role("navigation", name=re.compile("dossier", re.I))
    expect(menu.get_by_role("link")).to_contain_text(["Tableau de bord", "Boîtes de réception", "Kyte"])
    menu.get_by_test_id("kyte-menu").click()
    expect(page.locator("h1")).to_contain_text("Factures")


def test_after_the_trial_the_entrepreneur_subscribes_through_the_local_checkout(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "2")
    _activate_via_pop_up(page, live_server)
    dossier = Dossier.objects.get(legal_name="Boulangerie Dupont")
    sub = KyteSubscription.objects.get(dossier=dossier)
    KyteSubscription.objects.filter(pk=sub.pk).update(trial_ends_at=timezone.now() - timedelta(seconds=1))
    trial_expiry_sweep()
    page.goto(live_server.url + f"/d/{dossier.code}/kyte/")
    expect(
        page.get_by_text("Kyte n’est pas actif").or_(page.get_by_text("Kyte n'est pas actif"))
    ).to_be_visible()
    page.get_by_role("link", name=re.compile("Démarrer l.abonnement")).click()
    page.get_by_role("button", name=re.compile("Démarrer l.abonnement")).click()
    expect(page.get_by_text(re.compile("Paiement simulé"))).to_be_visible()
    page.get_by_role("button", name=re.compile("Payer")).click()
    expect(page.get_by_test_id("kyte-status").first).to_have_text("Actif")
    sub.refresh_from_db()
    assert sub.status == Status.ACTIVE


def test_accountant_activates_two_clients_and_replaces_the_contact_details(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "2")
    _login(page, live_server, "accountant@demo.kyte.test")
    page.get_by_role("checkbox", name="Bakkerij Peeters").check()
    page.get_by_role("checkbox", name="Fleurs & Co").check()
    page.locator("#bulk-action").select_option("activate")
    page.get_by_role("button", name=re.compile("Appliquer")).click()
    expect(page.locator(".flash-warning")).to_contain_text("remplacez")
    for name in ("Bakkerij Peeters", "Fleurs & Co"):
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
        expect(row).to_contain_text("Actif – Période d’essai")
        expect(row).to_contain_text("contact à remplacer")

    page.get_by_role("link", name="Bakkerij Peeters").click()
    warning = page.get_by_test_id("contact-warning")
    expect(warning).to_be_visible()
    warning.get_by_role("link").click()
    page.locator("#id_contact-name").fill("Jan Peeters")
    page.locator("#id_contact-email").fill("jan@bakkerij-peeters.test")
    page.locator("#id_contact-phone").fill("+32 16 00 00 00")
    page.locator("#contact").get_by_role("button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("contact-warning")).to_have_count(0)
    sub = KyteSubscription.objects.get(dossier__legal_name="Bakkerij Peeters")
    assert (sub.status, sub.contact_email) == (Status.TRIAL, "jan@bakkerij-peeters.test")
