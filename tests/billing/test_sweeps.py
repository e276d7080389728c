"""Trial expiry, reminders and local renewals: time_machine for the dates, a real SMTP server for the mail."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from accounts.models import AuditEntry
from billing.models import KyteSubscription, Mode, Status, StatusChange
from billing.services import (
    kyte_local_checkout_paid,
    kyte_start_trial,
    kyte_stop,
    local_renewal_sweep,
    trial_expiry_sweep,
)
from kyte.errors import DomainError


def _start(dossier, actor):
    company = {
        f: getattr(dossier, f)
        for f in (
            "legal_name",
            "enterprise_number",
            "vat_number",
            "street",
            "postal_code",
            "city",
            "country",
            "iban",
            "bic",
            "email",
        )
    }
    return kyte_start_trial(
        dossier=dossier,
        actor=actor,
        mode=Mode.SELF_SERVICE,
        company=company,
        contact={"name": "Marc", "email": "marc@client-a.test", "phone": ""},
    )


@pytest.mark.django_db(transaction=True)
def test_reminders_7_and_1_days_before_then_expiry_exactly_once(personas, complete_dossier, available, smtp):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        sub = _start(complete_dossier, personas.entrepreneur_a)
    end = sub.trial_ends_at

    with time_machine.travel(end - timedelta(days=8), tick=False):
        assert trial_expiry_sweep() == {"expired": 0, "reminded_7": 0, "reminded_1": 0}
    with time_machine.travel(end - timedelta(days=7), tick=False):
        assert trial_expiry_sweep()["reminded_7"] == 1
        assert trial_expiry_sweep()["reminded_7"] == 0  # re-run: nothing twice
    with time_machine.travel(end - timedelta(days=3), tick=False):
        assert trial_expiry_sweep() == {"expired": 0, "reminded_7": 0, "reminded_1": 0}
    with time_machine.travel(end - timedelta(days=1), tick=False):
        assert trial_expiry_sweep()["reminded_1"] == 1
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        assert trial_expiry_sweep()["expired"] == 0
        sub.refresh_from_db()
        assert sub.status == Status.TRIAL
    with time_machine.travel(end + timedelta(seconds=1), tick=False):
        assert trial_expiry_sweep()["expired"] == 1
        assert trial_expiry_sweep()["expired"] == 0
    sub.refresh_from_db()
    assert sub.status == Status.NOT_ACTIVE
    subjects = [m["subject"] for m in smtp.messages]
    assert len(subjects) == 3
    # In the dossier's language (French here).
    assert "se termine dans 7 jours" in subjects[0]
    assert "se termine demain" in subjects[1]
    assert "est terminé" in subjects[2]
    assert all(m["to"] == ["marc@client-a.test"] for m in smtp.messages)
    assert StatusChange.objects.filter(dossier=complete_dossier, reason="trial_expired").count() == 1


def test_late_first_sweep_sends_only_the_one_day_reminder(
    personas, complete_dossier, available, mailoutbox, django_capture_on_commit_callbacks
):
    sub = _start(complete_dossier, personas.entrepreneur_a)
    with (
        time_machine.travel(sub.trial_ends_at - timedelta(hours=12), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        counts = trial_expiry_sweep()
    assert counts == {"expired": 0, "reminded_7": 0, "reminded_1": 1}
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_change_each_dossier_once(personas, available, client_dossiers, mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sweeps are tested on PostgreSQL (CI sets DATABASE_URL)")
    subs = [_start(d, personas.accountant) for d in client_dossiers]
    later = subs[0].trial_ends_at + timedelta(minutes=5)
    barrier = threading.Barrier(4)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(trial_expiry_sweep(now=later))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["expired"] for r in results) == 2
    for sub in subs:
        assert StatusChange.objects.filter(subscription=sub, reason="trial_expired").count() == 1
    assert len(mailoutbox) == 2


def test_after_expiry_kyte_pages_ask_for_the_subscription_and_history_stays(
    login, personas, complete_dossier, available
):
    sub = _start(complete_dossier, personas.entrepreneur_a)
    trial_expiry_sweep(now=sub.trial_ends_at + timedelta(seconds=1))
    client = login(personas.entrepreneur_a)
    page = client.get(f"/d/{complete_dossier.code}/kyte/").content.decode()
    assert "Kyte is not active" in page and "Start the subscription" in page
    assert client.get(f"/d/{complete_dossier.code}/settings/").status_code == 200  # reading stays allowed
    assert AuditEntry.objects.filter(dossier=complete_dossier, action="kyte.subscription.not_active").exists()


def test_local_renewal_rolls_the_year_over_or_ends_a_cancelled_subscription(
    personas, complete_dossier, available
):
    sub = _start(complete_dossier, personas.entrepreneur_a)
    kyte_local_checkout_paid(
        dossier=complete_dossier, actor=personas.entrepreneur_a, token=sub.checkout_token
    )
    sub.refresh_from_db()
    first_end = sub.current_period_end
    assert local_renewal_sweep(now=first_end - timedelta(seconds=1)) == {"renewed": 0, "ended": 0}
    assert local_renewal_sweep(now=first_end + timedelta(seconds=1)) == {"renewed": 1, "ended": 0}
    assert local_renewal_sweep(now=first_end + timedelta(seconds=2)) == {"renewed": 0, "ended": 0}
    sub.refresh_from_db()
    assert sub.current_period_end.year == first_end.year + 1
    kyte_stop(dossier=complete_dossier, actor=personas.entrepreneur_a)
    sub.refresh_from_db()
    assert (sub.status, sub.cancel_at_period_end) == (Status.ACTIVE, True)
    assert local_renewal_sweep(now=sub.current_period_end + timedelta(seconds=1)) == {
        "renewed": 0,
        "ended": 1,
    }
    sub.refresh_from_db()
    assert sub.status == Status.NOT_ACTIVE


def test_illegal_transitions_raise(personas, complete_dossier, available):
    from billing.services import _locked, _transition

    sub = _locked(complete_dossier)
    with pytest.raises(DomainError):
        _transition(sub, Status.PAST_DUE, actor=None, reason="test")
    assert KyteSubscription.objects.get(pk=sub.pk).status == Status.NOT_ACTIVE


def test_stop_when_not_active_is_refused(personas, complete_dossier, available):
    with pytest.raises(DomainError):
        kyte_stop(dossier=complete_dossier, actor=personas.entrepreneur_a)
