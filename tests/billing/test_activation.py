"""Self-service and accountant activation through the pages, with the audit trail."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from billing.models import KyteSubscription, Mode, Status, StatusChange


def _activation_data(dossier, **overrides):
    data = {
        "company-legal_name": dossier.legal_name,
        "company-enterprise_number": dossier.enterprise_number,
        "company-vat_number": dossier.vat_number,
        "company-street": dossier.street,
        "company-postal_code": dossier.postal_code,
        "company-city": dossier.city,
        "company-country": "BE",
        "company-iban": dossier.iban,
        "company-bic": "",
        "company-email": dossier.email,
        "contact-name": "Marc Dupont",
        "contact-email": "marc@client-a.test",
        "contact-phone": "+32 470 00 00 00",
        "contact-confirm": "on",
    }
    data.update(overrides)
    return data


def _url(name, dossier):
    return reverse(name, kwargs={"dossier_code": dossier.code})


def test_activation_is_refused_where_the_firm_has_not_made_kyte_available(login, personas, complete_dossier):
    client = login(personas.entrepreneur_a)
    response = client.get(_url("kyte_activate", complete_dossier))
    assert response.status_code == 403
    assert "Kyte is not available for this dossier yet" in response.content.decode()
    response = client.post(_url("kyte_activate", complete_dossier), _activation_data(complete_dossier))
    assert response.status_code == 403
    assert not KyteSubscription.objects.filter(dossier=complete_dossier, status=Status.TRIAL).exists()


def test_entrepreneur_verifies_company_data_and_starts_the_trial(
    login, personas, complete_dossier, available
):
    client = login(personas.entrepreneur_a)
    page = client.get(_url("kyte_activate", complete_dossier)).content.decode()
    assert f'value="{complete_dossier.legal_name}"' in page  # pre-filled from the dossier
    response = client.post(_url("kyte_activate", complete_dossier), _activation_data(complete_dossier))
    assert response.url == _url("dossier_settings", complete_dossier)
    sub = KyteSubscription.objects.get(dossier=complete_dossier)
    assert (sub.status, sub.mode, sub.activated_by) == (
        Status.TRIAL,
        Mode.SELF_SERVICE,
        personas.entrepreneur_a,
    )
    assert sub.trial_ends_at - sub.trial_started_at == timedelta(days=30)
    assert sub.contact_email == "marc@client-a.test"
    settings_page = client.get(_url("dossier_settings", complete_dossier)).content.decode()
    assert "Active – Trial period" in settings_page
    assert "30 days left in the trial" in settings_page
    assert 'data-testid="kyte-menu"' in settings_page
    assert client.get(_url("kyte_home", complete_dossier)).url == _url("invoice_list", complete_dossier)
    change = StatusChange.objects.get(dossier=complete_dossier)
    assert (change.from_status, change.to_status, change.reason) == (
        Status.NOT_ACTIVE,
        Status.TRIAL,
        "trial_started",
    )
    assert AuditEntry.objects.filter(dossier=complete_dossier, action="kyte.subscription.trial").count() == 1


def test_invalid_company_data_blocks_the_trial_with_field_errors(
    login, personas, complete_dossier, available
):
    client = login(personas.entrepreneur_a)
    data = _activation_data(complete_dossier, **{"company-iban": "BE68 5390 0754 7035", "company-street": ""})
    response = client.post(_url("kyte_activate", complete_dossier), data)
    assert response.status_code == 200
    assert set(response.context["company"].errors) == {"iban", "street"}
    assert "BE68 5390 0754 7035" in response.content.decode()
    assert not KyteSubscription.objects.filter(status=Status.TRIAL).exists()


def test_confirmation_box_is_required(login, personas, complete_dossier, available):
    data = _activation_data(complete_dossier)
    del data["contact-confirm"]
    response = login(personas.entrepreneur_a).post(_url("kyte_activate", complete_dossier), data)
    assert "confirm" in response.context["contact_form"].errors


@pytest.mark.parametrize(
    ("language", "trial", "active", "inactive"),
    [
        ("fr", "Actif – Période d’essai", "Actif", "Non actif"),
        ("nl", "Actief – Proefperiode", "Actief", "Niet actief"),
        ("en", "Active – Trial period", "Active", "Not active"),
    ],
)
def test_statuses_read_exactly_in_three_languages(
    login, personas, complete_dossier, available, settings, language, trial, active, inactive
):
    client = login(personas.entrepreneur_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = _url("dossier_settings", complete_dossier)
    sub = KyteSubscription.objects.create(dossier=complete_dossier)
    assert f'data-testid="kyte-status">{inactive}</span>' in client.get(url).content.decode()
    sub.status = Status.TRIAL
    sub.trial_ends_at = timezone.now() + timedelta(days=3)
    sub.save()
    assert f'data-testid="kyte-status">{trial}</span>' in client.get(url).content.decode()
    sub.status = Status.ACTIVE
    sub.save()
    assert f'data-testid="kyte-status">{active}</span>' in client.get(url).content.decode()


def test_kyte_urls_explain_how_to_activate_when_not_active(login, personas, available):
    client = login(personas.entrepreneur_a)
    response = client.get(_url("kyte_home", personas.dossier_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kyte is not active" in html and _url("kyte_activate", personas.dossier_a) in html
    assert 'data-testid="kyte-menu"' not in html


def test_pop_up_for_the_owner_until_snoozed(login, personas, available):
    client = login(personas.entrepreneur_a)
    url = _url("dossier_dashboard", personas.dossier_a)
    assert 'data-testid="kyte-prompt"' in client.get(url).content.decode()
    response = client.post(_url("kyte_prompt_snooze", personas.dossier_a), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert 'data-testid="kyte-prompt"' not in client.get(url).content.decode()
    membership = personas.dossier_a.memberships.get(user=personas.entrepreneur_a)
    assert timedelta(days=6) < membership.kyte_prompt_snoozed_until - timezone.now() <= timedelta(days=7)
    # Not for read-only members, not where Kyte is unavailable.
    assert 'data-testid="kyte-prompt"' not in login(personas.reader_a).get(url).content.decode()


def test_no_pop_up_where_kyte_is_not_available(login, personas):
    page = login(personas.entrepreneur_a).get(_url("dossier_dashboard", personas.dossier_a)).content.decode()
    assert 'data-testid="kyte-prompt"' not in page


def test_accountant_activates_two_clients_and_must_replace_the_contact(
    login, personas, available, client_dossiers
):
    incomplete = personas.dossier_b  # no address, no e-mail
    client = login(personas.accountant)
    response = client.post(
        reverse("firm_kyte_bulk", kwargs={"firm_slug": "alpha"}),
        {"action": "activate", "dossiers": [d.code for d in client_dossiers] + [incomplete.code]},
    )
    assert response.status_code == 302
    for dossier in client_dossiers:
        sub = KyteSubscription.objects.get(dossier=dossier)
        assert (sub.status, sub.mode, sub.contact_email) == (
            Status.TRIAL,
            Mode.ACCOUNTANT,
            personas.accountant.email,
        )
        assert sub.contact_is_activating_accountant
    assert not KyteSubscription.objects.filter(dossier=incomplete, status=Status.TRIAL).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Company data incomplete" in m and incomplete.legal_name in m for m in messages)
    assert any("replace them" in m for m in messages)

    dossier = client_dossiers[0]
    page = client.get(_url("dossier_dashboard", dossier)).content.decode()
    assert 'data-testid="contact-warning"' in page
    client.post(
        _url("kyte_subscription", dossier),
        {"contact-name": "Client Zero", "contact-email": "boss@c0.test", "contact-phone": ""},
    )
    assert (
        'data-testid="contact-warning"' not in client.get(_url("dossier_dashboard", dossier)).content.decode()
    )
    assert AuditEntry.objects.filter(dossier=dossier, action="kyte.contact.updated").exists()


def test_withdrawing_availability_deactivates_but_keeps_history(login, personas, complete_dossier, available):
    login(personas.entrepreneur_a).post(
        _url("kyte_activate", complete_dossier), _activation_data(complete_dossier)
    )
    client = login(personas.accountant)
    client.post(
        reverse("firm_kyte_bulk", kwargs={"firm_slug": "alpha"}),
        {"action": "withdraw", "dossiers": [complete_dossier.code]},
    )
    sub = KyteSubscription.objects.get(dossier=complete_dossier)
    assert (sub.status, sub.available) == (Status.NOT_ACTIVE, False)
    assert list(sub.changes.values_list("reason", flat=True)) == ["trial_started", "withdrawn_by_firm"]
    assert login(personas.entrepreneur_a).get(_url("kyte_activate", complete_dossier)).status_code == 403


def test_firm_default_and_dossier_override(personas):
    from billing.services import firm_kyte_set_default, kyte_set_available, subscription_for

    firm_kyte_set_default(firm=personas.firm, available=True, actor=personas.owner)
    assert subscription_for(personas.dossier_a).is_available()
    kyte_set_available(dossier=personas.dossier_b, available=False, actor=personas.owner)
    assert not subscription_for(personas.dossier_b).is_available()
    assert not subscription_for(personas.other_dossier).is_available()


def test_mode_switch_is_audited(login, personas, complete_dossier, available):
    login(personas.entrepreneur_a).post(
        _url("kyte_activate", complete_dossier), _activation_data(complete_dossier)
    )
    login(personas.accountant).post(_url("kyte_mode", complete_dossier), {"mode": "accountant"})
    assert KyteSubscription.objects.get(dossier=complete_dossier).mode == Mode.ACCOUNTANT
    entry = AuditEntry.objects.get(dossier=complete_dossier, action="kyte.mode.switched")
    assert entry.data == {"from": "self_service", "to": "accountant"}


def test_stop_during_trial_then_the_trial_cannot_restart(login, personas, complete_dossier, available):
    client = login(personas.entrepreneur_a)
    client.post(_url("kyte_activate", complete_dossier), _activation_data(complete_dossier))
    client.post(_url("kyte_stop", complete_dossier))
    assert KyteSubscription.objects.get(dossier=complete_dossier).status == Status.NOT_ACTIVE
    response = client.post(_url("kyte_activate", complete_dossier), _activation_data(complete_dossier))
    assert response.status_code == 302
    assert "already been used" in str(list(response.wsgi_request._messages)[-1])
    assert KyteSubscription.objects.get(dossier=complete_dossier).status == Status.NOT_ACTIVE


def test_local_checkout_activates_for_a_year_after_the_trial(login, personas, complete_dossier, available):
    client = login(personas.entrepreneur_a)
    client.post(_url("kyte_activate", complete_dossier), _activation_data(complete_dossier))
    checkout = client.post(_url("kyte_subscribe", complete_dossier))
    sub = KyteSubscription.objects.get(dossier=complete_dossier)
    assert checkout.url == reverse(
        "kyte_checkout_local", kwargs={"dossier_code": complete_dossier.code, "uuid": sub.checkout_token}
    )
    assert client.get(checkout.url).status_code == 200
    client.post(checkout.url)
    sub.refresh_from_db()
    assert sub.status == Status.ACTIVE
    assert sub.current_period_end.date() == (sub.trial_ends_at + timedelta(days=365)).date()
    assert client.post(checkout.url).status_code == 302  # the token was single-use
    assert sub.changes.count() == 2
    assert (
        'data-testid="kyte-status">Active</span>'
        in client.get(_url("dossier_settings", complete_dossier)).content.decode()
    )


def test_firm_takes_over_after_the_trial_and_is_billed_per_dossier(
    login, personas, available, client_dossiers, django_capture_on_commit_callbacks
):
    from billing.models import FirmKyte

    client = login(personas.accountant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("firm_kyte_bulk", kwargs={"firm_slug": "alpha"}),
            {"action": "activate", "dossiers": [d.code for d in client_dossiers]},
        )
    assert FirmKyte.objects.get(firm=personas.firm).billed_quantity == 0  # trial days are not billed
    with django_capture_on_commit_callbacks(execute=True):
        for dossier in client_dossiers:
            client.post(_url("kyte_subscribe", dossier))
    subs = KyteSubscription.objects.filter(dossier__in=client_dossiers)
    assert {s.status for s in subs} == {Status.ACTIVE}
    assert FirmKyte.objects.get(firm=personas.firm).billed_quantity == 2
    # The entrepreneur cannot start a subscription that the firm manages.
    entrepreneur = login(personas.entrepreneur_a)
    from billing.services import kyte_switch_mode

    with django_capture_on_commit_callbacks(execute=True):
        kyte_switch_mode(dossier=client_dossiers[0], mode=Mode.SELF_SERVICE, actor=personas.accountant)
    assert FirmKyte.objects.get(firm=personas.firm).billed_quantity == 1
    assert entrepreneur.get(_url("kyte_subscription", personas.dossier_a)).status_code == 200


def test_accountant_mode_reminders_go_to_the_accountant(
    personas, available, client_dossiers, mailoutbox, django_capture_on_commit_callbacks
):
    from billing.services import kyte_activate_for_clients, kyte_update_contact, trial_expiry_sweep

    kyte_activate_for_clients(firm=personas.firm, dossiers=client_dossiers[:1], actor=personas.accountant)
    kyte_update_contact(
        dossier=client_dossiers[0], actor=personas.accountant, name="Client", email="c@client.test", phone=""
    )
    sub = KyteSubscription.objects.get(dossier=client_dossiers[0])
    with django_capture_on_commit_callbacks(execute=True):
        trial_expiry_sweep(now=sub.trial_ends_at - timedelta(days=6))
    assert [m.to for m in mailoutbox] == [[personas.accountant.email]]


def test_dossier_history_names_every_kyte_event(login, personas, complete_dossier, available):
    client = login(personas.entrepreneur_a)
    client.post(_url("kyte_activate", complete_dossier), _activation_data(complete_dossier))
    client.post(_url("kyte_stop", complete_dossier))
    page = client.get(_url("dossier_settings", complete_dossier)).content.decode()
    assert "Kyte trial started · activation" in page
    assert "Kyte stopped · stopped by the user" in page
    assert "kyte.subscription" not in page
