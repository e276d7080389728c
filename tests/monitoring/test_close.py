"""Counts for past and current months against a hand-computed firm, the month close, its immutability and the
adjustments of a late correction."""

from datetime import date

import pytest
import time_machine
from django.db import connection, transaction

from accounts.models import AuditEntry
from billing.models import KyteSubscription, StatusChange
from monitoring import selectors, services
from monitoring.models import MonthAdjustment, MonthClose, MonthFact
from tests.factories import DossierFactory
from tests.monitoring.conftest import bxl

A, S = "accountant", "self_service"
NOW = bxl(2026, 12, 4, 15)


@pytest.fixture
def firm_history(personas, history):
    """Six dossiers of firm Alpha, one of firm Omega. Expected counts written out below by hand."""
    firm = personas.firm
    d = {n: DossierFactory(firm=firm, legal_name=f"Client {n}") for n in "ABCDEF"}
    d["A"].accountant = personas.accountant
    d["A"].save()
    # A: accountant trial from 20 Sep, paid from 20 Oct, still active.
    history(d["A"], (bxl(2026, 9, 20), "trial", A), (bxl(2026, 10, 20), "active", A))
    # B: self-service trial 1 Oct, expired 31 Oct 10:00.
    history(d["B"], (bxl(2026, 10, 1, 9), "trial", S), (bxl(2026, 10, 31, 10), "not_active", S))
    # C: accountant paid from 31 Oct 23:59 (last minute of October), withdrawn 1 Nov 00:30.
    history(d["C"], (bxl(2026, 10, 31, 23, 59), "active", A), (bxl(2026, 11, 1, 0, 30), "not_active", A))
    # D: self-service paid from 15 Aug, switched to the firm on 10 Nov.
    history(d["D"], (bxl(2026, 8, 15), "active", S), (bxl(2026, 11, 10), "active", A))
    # E: accountant trial from 2 Dec (current month).
    history(d["E"], (bxl(2026, 12, 2), "trial", A))
    # F: never activated.
    history(personas.other_dossier, (bxl(2026, 10, 5), "active", A))  # another firm: never counted here
    return firm, d


def _counts(row):
    return tuple(row.counts[name] for name in selectors.METRICS)


@pytest.mark.django_db
def test_counts_for_past_and_current_months_match_the_hand_computed_history(firm_history):
    firm, _ = firm_history
    rows = {row.month: row for row in selectors.month_rows(firm, last=date(2026, 12, 1), count=4, now=NOW)}
    # September: A trial (accountant, new), D paid self-service since August (not new).
    assert _counts(rows[date(2026, 9, 1)]) == (2, 0, 1, 1, 1, 1, 1, 0, 2)
    # October: A trial→paid (billable), B trial only, C paid one minute (billable), D paid self-service.
    assert _counts(rows[date(2026, 10, 1)]) == (4, 2, 1, 3, 2, 2, 2, 1, 3)
    # November: A paid, C 30 minutes on the 1st (billable), D switched to the firm (billable from the 10th).
    assert _counts(rows[date(2026, 11, 1)]) == (3, 3, 0, 3, 0, 3, 0, 1, 2)
    # December so far: A, D billable; E trial only (new).
    assert _counts(rows[date(2026, 12, 1)]) == (3, 2, 1, 2, 0, 3, 1, 0, 3)
    assert [row.live for row in rows.values()] == [True] * 4


@pytest.mark.django_db
def test_close_freezes_the_month_and_rerunning_changes_nothing(firm_history, personas):
    firm, d = firm_history
    close = services.close_month(firm=firm, month=date(2026, 11, 1), now=NOW)
    assert (close.activated, close.billable, close.active_at_end) == (3, 3, 2)
    assert (
        close.counts["new"] == 0 and not close.facts.filter(new=True).exists()
    )  # all active before November
    billable = {f.dossier_id for f in close.facts.filter(billable=True)}
    assert billable == {d["A"].pk, d["C"].pk, d["D"].pk}
    assert close.facts.get(dossier=d["A"]).accountant_id == personas.accountant.pk
    again = services.close_month(firm=firm, month=date(2026, 11, 1), now=NOW)
    assert again.pk == close.pk and MonthFact.objects.count() == 3 and not MonthAdjustment.objects.exists()
    # Deactivating a dossier today does not change the closed month (nor the past live months).
    StatusChange.objects.create(
        subscription=d["A"].kyte,
        dossier=d["A"],
        at=NOW,
        from_status="active",
        to_status="not_active",
        reason="t",
    )
    rows = {row.month: row for row in selectors.month_rows(firm, last=date(2026, 12, 1), count=2, now=NOW)}
    assert rows[date(2026, 11, 1)].closed and _counts(rows[date(2026, 11, 1)])[:2] == (3, 3)
    with pytest.raises(ValueError):
        services.close_month(firm=firm, month=date(2026, 12, 1), now=NOW)  # not over


@pytest.mark.django_db
def test_late_correction_becomes_an_audited_adjustment(firm_history, personas):
    firm, d = firm_history
    close = services.close_month(firm=firm, month=date(2026, 11, 1), now=NOW)
    # A correction of the history: F was in fact activated by the firm on 20 November.
    StatusChange.objects.create(
        subscription=KyteSubscription.objects.get_or_create(dossier=d["F"])[0],
        dossier=d["F"],
        at=bxl(2026, 11, 20),
        from_status="not_active",
        to_status="active",
        mode=A,
        reason="correction",
    )
    services.close_month(firm=firm, month=date(2026, 11, 1), actor=personas.owner, now=NOW)
    adjustment = MonthAdjustment.objects.get(close=close)
    assert (adjustment.delta_activated, adjustment.delta_billable) == (1, 1)
    close.refresh_from_db()
    assert (close.activated, close.billable) == (3, 3)  # the snapshot itself is never rewritten
    row = next(r for r in selectors.month_rows(firm, last=date(2026, 11, 1), count=1, now=NOW))
    assert (row.activated, row.billable, row.adjusted) == (4, 4, True)
    dossiers, _ = selectors.month_dossiers(firm, date(2026, 11, 1), now=NOW)
    assert {r.code for r in selectors.filter_rows(dossiers, "billable")} == {d[n].code for n in "ACDF"}
    entry = AuditEntry.objects.get(firm=firm, action="kyte.month.adjusted")
    assert entry.actor == personas.owner and entry.data["billable"] == 1
    # Running it again after the adjustment: nothing more.
    services.close_month(firm=firm, month=date(2026, 11, 1), now=NOW)
    assert MonthAdjustment.objects.count() == 1


@pytest.mark.django_db
def test_closed_months_cannot_be_changed(firm_history):
    firm, _ = firm_history
    close = services.close_month(firm=firm, month=date(2026, 10, 1), now=NOW)
    fact = close.facts.first()
    for action in (
        lambda: close.save(),
        lambda: fact.delete(),
        lambda: MonthFact.objects.update(billable=False),
    ):
        with pytest.raises(ValueError):
            action()
    if connection.vendor == "postgresql":
        for sql in (
            "UPDATE monitoring_monthfact SET billable = NOT billable",
            "DELETE FROM monitoring_monthclose",
            "UPDATE billing_statuschange SET to_status = 'active'",
        ):
            with (
                pytest.raises(Exception, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)


@pytest.mark.django_db
def test_beat_job_closes_every_ended_month_once(firm_history, personas):
    firm, _ = firm_history
    assert services.close_ended_months(now=NOW) == 6  # Aug–Nov for Alpha, Oct–Nov for Omega
    assert services.close_ended_months(now=NOW) == 0
    assert sorted(MonthClose.objects.filter(firm=firm).values_list("month", flat=True)) == [
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
    ]
    omega = MonthClose.objects.filter(firm=personas.other_firm).order_by("month")
    assert [(c.month, c.billable) for c in omega] == [(date(2026, 10, 1), 1), (date(2026, 11, 1), 1)]
    assert not MonthFact.objects.filter(close__firm=firm, dossier__firm=personas.other_firm).exists()
    assert not MonthAdjustment.objects.exists()


@pytest.mark.django_db
def test_billable_is_hidden_for_a_firm_without_accountant_mode(personas, history, login):
    dossier = DossierFactory(firm=personas.firm, legal_name="Solo SRL")
    history(dossier, (bxl(2026, 10, 1), "active", S))
    response = login(personas.owner).get(f"/f/{personas.firm.slug}/surveillance/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'data-kpi="activated"' in html
        and 'data-kpi="billable"' not in html
        and 'data-cell="billable"' not in html
    )


@pytest.mark.django_db
def test_close_month_command(firm_history, capsys):
    from django.core.management import CommandError, call_command

    with time_machine.travel(NOW, tick=False):
        call_command("kyte_close_month", "--month", "2026-11", "--firm", "alpha")
        assert "alpha 2026-11: 3 activated, 3 billable" in capsys.readouterr().out
        call_command("kyte_close_month")
        assert "5 month(s) closed" in capsys.readouterr().out  # Aug–Oct for Alpha, Oct–Nov for Omega
        for bad in (["--month", "2026-12"], ["--month", "nope"], ["--firm", "alpha"]):
            with pytest.raises(CommandError):
                call_command("kyte_close_month", *bad)
