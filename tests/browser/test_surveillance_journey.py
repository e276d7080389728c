"""The accountant opens Surveillance: chart and month table, filter by accountant, drill-down, CSV export."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from billing.models import KyteSubscription, Mode, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accountant_reads_surveillance_drills_into_billable_dossiers_and_exports_csv(page, live_server):
    call_command("kyte_demo", "--seed", "1", "--invoices", "0")
    billable_now = set(
        KyteSubscription.objects.filter(
            dossier__firm__slug="fiduciaire-demo", mode=Mode.ACCOUNTANT, status=Status.ACTIVE
        ).values_list("dossier__legal_name", flat=True)
    )
    assert billable_now  # the demo has a dossier the firm pays for

    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill("accountant@demo.kyte.test")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.get_by_role("navigation", name=re.compile("cabinet|firm", re.I)).get_by_role(
        "link", name="Surveillance"
    ).click()

    expect(page.locator("h1")).to_have_text("Surveillance")
    expect(page.get_by_test_id("chart")).to_be_visible()
    assert page.locator("[data-testid=chart] rect.bar-a").count() >= 12  # months of history, charted
    rows = page.locator("#months tbody tr")
    assert rows.count() >= 12
    expect(page.locator('[data-kpi="billable"]')).to_have_text(str(len(billable_now)))

    # Filtering by another member of the staff (HTMX, the URL follows): no dossier in their charge.
    page.locator("#accountant").select_option(label="Isabelle Verhaegen")
    expect(page).to_have_url(re.compile(r"accountant=\d+"))
    expect(page.locator('[data-kpi="activated"]')).to_have_text("0")
    page.locator("#accountant").select_option(index=0)
    expect(page.locator('[data-kpi="billable"]')).to_have_text(str(len(billable_now)))

    # Drill into the billable dossiers of the current month.
    rows.first.locator("a[data-cell=billable]").click()
    expect(page).to_have_url(re.compile(r"/surveillance/\d{4}-\d{2}/\?show=billable"))
    listed = page.locator("#dossiers tbody tr td:first-child a")
    expect(listed).to_have_count(len(billable_now))
    assert {name.strip() for name in listed.all_inner_texts()} == billable_now

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Exporter en CSV|Export CSV")).click()
    content = download_info.value.path().read_bytes().decode("utf-8-sig")
    rows_csv = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows_csv[0][0] in ("Mois", "Month")
    assert billable_now <= {row[2] for row in rows_csv[1:]}
