"""The Surveillance tab: numbers, drill-down, CSV, filters, tenancy and a constant number of queries."""

import csv
import io
from datetime import date

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import services
from tests.factories import DossierFactory
from tests.monitoring.conftest import bxl

A, S = "accountant", "self_service"
NOW = bxl(2026, 12, 4, 15)


@pytest.fixture
def alpha(personas, history):
    firm = personas.firm
    paid = DossierFactory(firm=firm, legal_name="Boulangerie Paid", accountant=personas.accountant)
    trial = DossierFactory(firm=firm, legal_name="Atelier Trial")
    solo = DossierFactory(firm=firm, legal_name="Solo Self")
    history(paid, (bxl(2026, 10, 10), "trial", A), (bxl(2026, 11, 9), "active", A))
    history(trial, (bxl(2026, 11, 20), "trial", A))
    history(solo, (bxl(2026, 9, 1), "active", S))
    history(personas.other_dossier, (bxl(2026, 11, 2), "active", A))
    return {"paid": paid, "trial": trial, "solo": solo}


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        return client.get(url)


def test_surveillance_shows_the_months_and_the_definitions(login, personas, alpha):
    client = login(personas.accountant)
    response = _get(client, "/f/alpha/surveillance/")
    html = response.content.decode()
    assert response.status_code == 200
    # From the firm's first activation (September 2026), not empty months before it.
    assert html.count("data-month=") == 4 and 'data-month="2026-09"' in html
    assert 'data-kpi="billable">1<' in html  # December so far: the paid dossier
    assert 'data-kpi="activated">3<' in html
    assert "How these numbers are counted" in html and "never billable to the firm" in html
    assert "Omega" not in html


def test_drill_down_lists_the_dossiers_behind_a_number(login, personas, alpha):
    client = login(personas.owner)
    html = _get(client, "/f/alpha/surveillance/2026-11/?show=billable").content.decode()
    assert "Boulangerie Paid" in html and "Atelier Trial" not in html and "Solo Self" not in html
    assert 'data-count="billable">1<' in html and 'data-count="activated">3<' in html
    html = _get(client, "/f/alpha/surveillance/2026-11/?show=trial_only").content.decode()
    assert "Atelier Trial" in html and "Boulangerie Paid" not in html
    html = _get(client, f"/f/alpha/surveillance/2026-11/?show=activated&accountant={personas.accountant.pk}")
    html = html.content.decode()
    assert "Boulangerie Paid" in html and "Atelier Trial" not in html


def test_filter_by_accountant_changes_the_counts(login, personas, alpha):
    client = login(personas.owner)
    html = _get(client, f"/f/alpha/surveillance/?accountant={personas.accountant.pk}").content.decode()
    assert 'data-kpi="activated">1<' in html
    html = _get(client, "/f/alpha/surveillance/?accountant=999999").content.decode()  # not staff: ignored
    assert 'data-kpi="activated">3<' in html


def test_csv_export_of_a_closed_month(login, personas, alpha):
    services.close_month(firm=personas.firm, month=date(2026, 11, 1), now=NOW)
    response = _get(login(personas.owner), "/f/alpha/surveillance/2026-11/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="kyte-alpha-2026-11.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Month", "Dossier code", "Dossier"]
    by_name = {row[2]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_name) == {"Boulangerie Paid", "Atelier Trial", "Solo Self"}
    paid = by_name["Boulangerie Paid"]
    assert (paid["Billable"], paid["Billable days"], paid["Active from"]) == ("yes", "22", "2026-11-01")
    assert paid["Accountant in charge"] and paid["Status of the month"] == "closed"
    assert by_name["Solo Self"]["Billable"] == "no"


def test_csv_headers_follow_the_language(login, personas, alpha):
    client = login(personas.owner)
    client.cookies["kyte_language"] = "nl"
    response = _get(client, "/f/alpha/surveillance/2026-11/export.csv")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert header[0] == "Maand"


@pytest.mark.parametrize("path", ["2026-13/", "2027-01/", "1999-05/", "2026-00/export.csv"])
def test_impossible_or_future_months_are_404(login, personas, alpha, path):
    assert _get(login(personas.owner), f"/f/alpha/surveillance/{path}").status_code == 404


def test_another_firms_numbers_are_never_visible(login, personas, alpha):
    client = login(personas.outsider)  # owner of Omega
    html = _get(client, "/f/omega/surveillance/2026-11/?show=activated").content.decode()
    assert "Omega Client SRL" in html and "Boulangerie" not in html
    assert _get(client, "/f/alpha/surveillance/").status_code == 404
    assert _get(login(personas.entrepreneur_a), "/f/alpha/surveillance/").status_code == 404


def _queries(client, url):
    cache.clear()  # the uncached path: the live numbers computed from the history
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    ["/f/alpha/surveillance/", "/f/alpha/surveillance/2026-11/", "/f/alpha/surveillance/2026-10/export.csv"],
)
def test_query_count_does_not_grow_with_dossiers_or_closed_months(login, personas, alpha, history, url):
    client = login(personas.owner)
    services.close_ended_months(now=NOW)
    _get(client, url)
    small = _queries(client, url)
    for n in range(30):
        d = DossierFactory(firm=personas.firm, legal_name=f"More {n}", accountant=personas.accountant)
        history(d, (bxl(2025, 1 + n % 12, 3), "trial", A), (bxl(2025, 2 + n % 11, 3), "active", A))
    services.close_ended_months(now=NOW)
    assert _queries(client, url) == small
    if url.endswith("/surveillance/"):  # at most 24 months, newest first
        html = _get(client, url).content.decode()
        assert html.count("data-month=") == 24 and 'data-month="2025-01"' in html


def test_cached_live_numbers_follow_every_new_history_row(login, personas, alpha, history):
    client = login(personas.owner)
    assert 'data-kpi="activated">3<' in _get(client, "/f/alpha/surveillance/").content.decode()
    late = DossierFactory(firm=personas.firm, legal_name="Late Starter")
    history(late, (bxl(2026, 12, 3), "trial", S))
    assert 'data-kpi="activated">4<' in _get(client, "/f/alpha/surveillance/").content.decode()
