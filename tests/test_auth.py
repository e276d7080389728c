"""Authentication through django-allauth: e-mail login, verification, reset, rate limits, TOTP."""

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from accounts.models import User

PASSWORD = "correct-horse-battery"


def test_login_with_email_lands_on_the_firm_dashboard(client, personas):
    response = client.post(reverse("account_login"), {"login": "ACC@alpha.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("firm_dashboard", kwargs={"firm_slug": "alpha"})


def test_login_sets_the_users_language_cookie(client, personas, settings):
    personas.accountant.language = "nl"
    personas.accountant.save()
    response = client.post(reverse("account_login"), {"login": "acc@alpha.test", "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"


def test_signup_requires_email_verification(client, db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "new@firm.test", "password1": "Tr3s-secret-pw", "password2": "Tr3s-secret-pw"},
        )
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email="new@firm.test").exists()
    assert not client.get("/").wsgi_request.user.is_authenticated
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    path = link.split("testserver", 1)[-1]
    confirmed = client.post(path)
    assert confirmed.status_code == 302
    assert client.get("/").wsgi_request.user.email == "new@firm.test"


def test_failed_logins_are_rate_limited(client, personas):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "acc@alpha.test", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "acc@alpha.test", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert not response.wsgi_request.user.is_authenticated


def test_password_reset_mail_goes_through_smtp(client, personas, smtp):
    client.post(reverse("account_reset_password"), {"email": "acc@alpha.test"})
    assert smtp.messages and smtp.messages[-1]["to"] == ["acc@alpha.test"]
    assert "/accounts/password/reset/key/" in smtp.messages[-1]["body"]


def test_totp_two_factor_is_asked_at_login(client, personas):
    secret = generate_totp_secret()
    TOTP.activate(personas.accountant, secret)
    response = client.post(reverse("account_login"), {"login": "acc@alpha.test", "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    assert not client.get("/").wsgi_request.user.is_authenticated
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    ok = client.post(reverse("mfa_authenticate"), {"code": code})
    assert ok.status_code == 302
    assert client.get("/").wsgi_request.user == personas.accountant


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_auth_pages_render_in_the_kyte_layout(client, db, name):
    html = client.get(reverse(name)).content.decode()
    assert 'class="auth-card"' in html and "kyte.css" in html


def test_mfa_page_needs_login_and_renders(client, personas):
    assert client.get(reverse("mfa_index")).status_code == 302
    client.force_login(personas.accountant)
    assert client.get(reverse("mfa_index")).status_code == 200
