"""Journeys in headless Chromium (Debian's), driven by Playwright, against the live server."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from accounts.models import Dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accountant_logs_in_opens_a_dossier_switches_to_dutch_and_logs_out(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "2")
    dossier = Dossier.objects.get(legal_name="Brouwerij De Smet")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("Log in|Se connecter")).first.click()
    page.locator("input[name=login]").fill("accountant@demo.kyte.test")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()

    # The firm dashboard, in the accountant's language (French).
    expect(page).to_have_url(re.compile(r"/f/fiduciaire-demo/$"))
    expect(page.locator("h1")).to_have_text("Dossiers clients")
    expect(page.locator("table tbody tr")).to_have_count(12)

    # Live search (HTMX) narrows the list without a reload.
    page.get_by_placeholder(re.compile("Nom|Name")).fill("Brouwerij")
    expect(page.locator("table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Brouwerij De Smet").click()

    expect(page).to_have_url(re.compile(rf"/d/{dossier.code}/$"))
    expect(page.locator("h1")).to_have_text("Brouwerij De Smet")
    menu = page.get_by_role("navigation", name=re.compile("dossier", re.I))
    expect(menu.get_by_role("link")).to_contain_text(["Tableau de bord", "Boîtes de réception", "Paramètres"])

    # Switch to Dutch from the header menu.
    page.locator("details.language-menu > summary").click()
    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_url(re.compile(rf"/d/{dossier.code}/$"))
    expect(menu.get_by_role("link")).to_contain_text(["Dashboard", "Mailboxen", "Instellingen"])

    # Log out from the user menu.
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name=re.compile("Afmelden|Uitloggen")).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(live_server.url + f"/d/{dossier.code}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
