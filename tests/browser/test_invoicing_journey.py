"""Invoicing in headless Chromium: customer, three-rate invoice with live totals, preview, issue, PDF, credit."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from invoicing.models import Invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_line(page, i, description, quantity, price, case, rate):
    page.locator(f"#id_line-{i}-description").fill(description)
    page.locator(f"#id_line-{i}-quantity").fill(quantity)
    page.locator(f"#id_line-{i}-unit_price").fill(price)
    page.locator(f"#id_line-{i}-vat_case").select_option(case)
    page.locator(f"#id_line-{i}-vat_rate").fill(rate)


@pytest.fixture(autouse=True)
def _worker_in_process():
    """No worker process in this test: the PDF task runs in the live server's thread."""
    from kyte.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_entrepreneur_invoices_a_customer_at_three_rates_then_credits_it(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "0")
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill("desmet@demo.kyte.test")  # Brouwerij De Smet: Kyte trial
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.get_by_test_id("kyte-menu").click()

    # A customer, from the Customers tab.
    page.locator(".tabs a", has_text=re.compile("^(Clients|Klanten|Customers|Kunden)$")).click()
    page.locator(".page-head a.btn-primary").click()
    page.locator("#id_legal_name").fill("Café Het Anker BV")
    page.locator("#id_enterprise_number").fill("0864.250.402")
    page.locator("#id_vat_number").fill("BE0864250402")
    page.locator("#id_street").fill("Markt 1")
    page.locator("#id_postal_code").fill("9000")
    page.locator("#id_city").fill("Gent")
    page.locator("#id_language").select_option("nl")
    page.locator("form.panel button[type=submit]").click()
    expect(page.get_by_role("link", name="Café Het Anker BV")).to_be_visible()
    expect(page.get_by_text("0208:0864250402")).to_be_visible()

    # A new invoice with three lines: 21 %, 6 % and reverse charge.
    page.locator(".tabs a").nth(0).click()
    page.locator(".page-head form button.btn-primary").click()
    page.locator("#id_h-customer").select_option(label="Café Het Anker BV")
    _fill_line(page, 0, "Bier van het vat", "10", "2.50", "standard", "21")
    page.locator("button[name=action][value=add_line]").click()
    expect(page.locator("#id_line-1-description")).to_be_visible()
    _fill_line(page, 1, "Boek over bier", "2", "15", "standard", "6")
    page.locator("button[name=action][value=add_line]").click()
    expect(page.locator("#id_line-2-description")).to_be_visible()
    _fill_line(page, 2, "Installatie tapinstallatie", "1", "400", "reverse_charge", "0")
    page.locator("#id_line-2-vat_rate").press("Tab")
    # Live totals: 25 + 30 + 400 = 455 excl. VAT; VAT 5.25 + 1.80 = 7.05; total 462.05.
    expect(page.get_by_test_id("total-payable")).to_contain_text("462,05")
    expect(page.get_by_test_id("total-vat")).to_contain_text("7,05")

    with page.expect_popup() as popup:
        page.locator(".page-head a[target=_blank]").click()
    preview = popup.value
    expect(preview.locator("body")).to_contain_text("Café Het Anker BV")
    expect(preview.locator("body")).to_contain_text("art. 51")
    preview.close()

    page.locator("button[name=action][value=issue]").click()
    expect(page.locator("h1")).to_contain_text("F2026-00001")
    invoice = Invoice.objects.get(number="F2026-00001")
    assert str(invoice.payable) == "462.05"
    with page.expect_download() as download:
        page.get_by_test_id("download-pdf").click()
    path = download.value.path()
    with open(path, "rb") as handle:
        assert handle.read(4) == b"%PDF"

    # Credit it: a real credit note referring to the invoice.
    page.locator(".page-head form button").click()
    expect(page.locator("#editor")).to_contain_text("F2026-00001")
    page.locator("button[name=action][value=issue]").click()
    expect(page.locator("h1")).to_contain_text(re.compile("NC2026-00001"))
    invoice.refresh_from_db()
    assert invoice.status == "credited"
