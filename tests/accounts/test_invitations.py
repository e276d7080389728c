import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import DossierMembership, FirmMembership, Invitation, InvitationStatus, User
from accounts.roles import DossierRole, FirmRole
from accounts.services import invitation_accept, invitation_create
from kyte.errors import DomainError

LINK = re.compile(r"http://[^\s]+/invitations/([\w-]+)/")


def _token_from(handler):
    assert handler.messages, "no e-mail reached the SMTP server"
    return LINK.search(handler.messages[-1]["body"]).group(1)


@pytest.mark.django_db(transaction=True)
def test_accountant_invites_entrepreneur_who_signs_up_and_lands_in_the_dossier(
    client, personas, smtp, settings
):
    settings.KYTE_SITE_URL = "http://testserver"
    personas.dossier_a.language = "nl"
    personas.dossier_a.save()
    client.force_login(personas.accountant)
    response = client.post(
        reverse("dossier_invite", kwargs={"dossier_code": personas.dossier_a.code}),
        {"email": "Nieuw@Client.test", "role": DossierRole.OWNER},
    )
    assert response.status_code == 302
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["to"] == ["nieuw@client.test"]
    assert personas.dossier_a.legal_name in mail["subject"]
    assert "Open deze link om te aanvaarden" in mail["body"]  # the dossier's language: Dutch
    token = _token_from(smtp)
    client.logout()

    page = client.get(reverse("invitation_accept", kwargs={"token": token}))
    assert page.status_code == 200
    assert personas.dossier_a.legal_name in page.content.decode()
    signup = client.post(
        reverse("account_signup"),
        {"email": "nieuw@client.test", "password1": "Zeer-geheim-2026!", "password2": "Zeer-geheim-2026!"},
    )
    # The address came from the invitation e-mail: no second verification, straight back to the invitation.
    assert signup.status_code == 302
    assert signup.url == reverse("invitation_accept", kwargs={"token": token})
    accepted = client.post(signup.url)
    assert accepted.url == reverse("dossier_dashboard", kwargs={"dossier_code": personas.dossier_a.code})
    user = User.objects.get(email="nieuw@client.test")
    assert DossierMembership.objects.get(user=user).dossier == personas.dossier_a
    assert client.get(accepted.url).status_code == 200


def test_owner_invites_accountant_who_logs_in_and_joins_the_firm(
    client, personas, smtp, user_factory, django_capture_on_commit_callbacks
):
    newcomer = user_factory(email="newcomer@alpha.test")
    client.force_login(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("firm_invite", kwargs={"firm_slug": personas.firm.slug}),
            {"email": "newcomer@alpha.test", "role": FirmRole.ACCOUNTANT},
        )
    token = _token_from(smtp)
    client.logout()
    url = reverse("invitation_accept", kwargs={"token": token})
    login = client.post(
        reverse("account_login") + f"?next={url}",
        {"login": "newcomer@alpha.test", "password": "correct-horse-battery"},
    )
    assert login.url == url
    response = client.post(url)
    assert response.url == reverse("firm_dashboard", kwargs={"firm_slug": personas.firm.slug})
    assert FirmMembership.objects.get(user=newcomer).role == FirmRole.ACCOUNTANT


def test_invitation_link_is_single_use(personas, user_factory):
    user = user_factory(email="once@client.test")
    _, token = invitation_create(
        firm=personas.firm,
        dossier=personas.dossier_b,
        email=user.email,
        role=DossierRole.MEMBER,
        actor=personas.accountant,
    )
    invitation_accept(token=token, user=user)
    with pytest.raises(DomainError) as info:
        invitation_accept(token=token, user=user)
    assert info.value.code == "used"


def test_invitation_expires(personas, user_factory, settings):
    user = user_factory(email="late@client.test")
    _, token = invitation_create(
        firm=personas.firm,
        dossier=personas.dossier_b,
        email=user.email,
        role=DossierRole.MEMBER,
        actor=personas.accountant,
    )
    later = timezone.now() + timedelta(days=settings.KYTE_INVITATION_DAYS, minutes=1)
    with time_machine.travel(later), pytest.raises(DomainError) as info:
        invitation_accept(token=token, user=user)
    assert info.value.code == "expired"
    assert not DossierMembership.objects.filter(user=user).exists()


def test_invitation_for_someone_else_is_refused(personas, user_factory):
    _, token = invitation_create(
        firm=personas.firm,
        dossier=personas.dossier_b,
        email="right@client.test",
        role=DossierRole.MEMBER,
        actor=personas.accountant,
    )
    wrong = user_factory(email="wrong@client.test")
    with pytest.raises(DomainError) as info:
        invitation_accept(token=token, user=wrong)
    assert info.value.code == "wrong_user"


def test_new_invitation_replaces_the_pending_one(personas):
    first, first_token = invitation_create(
        firm=personas.firm,
        dossier=personas.dossier_b,
        email="x@client.test",
        role=DossierRole.MEMBER,
        actor=personas.accountant,
    )
    invitation_create(
        firm=personas.firm,
        dossier=personas.dossier_b,
        email="x@client.test",
        role=DossierRole.MEMBER,
        actor=personas.accountant,
    )
    first.refresh_from_db()
    assert first.status == InvitationStatus.REVOKED


def test_only_the_token_hash_is_stored(personas):
    invitation, token = invitation_create(
        firm=personas.firm, email="hash@alpha.test", role=FirmRole.ASSISTANT, actor=personas.owner
    )
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_staff_of_another_firm_cannot_be_invited(personas):
    with pytest.raises(DomainError):
        invitation_create(
            firm=personas.firm, email=personas.outsider.email, role=FirmRole.ACCOUNTANT, actor=personas.owner
        )


def test_invite_form_error_is_shown_beside_the_field_with_htmx(login, personas):
    client = login(personas.owner)
    response = client.post(
        reverse("firm_invite", kwargs={"firm_slug": personas.firm.slug}),
        {"email": "not-an-address", "role": "accountant"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="invite-form"' in html and 'class="error"' in html and 'value="not-an-address"' in html


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_create_one_membership(personas, user_factory):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is tested on PostgreSQL (CI sets DATABASE_URL)")
    user = user_factory(email="race@client.test")
    _, token = invitation_create(
        firm=personas.firm,
        dossier=personas.dossier_b,
        email=user.email,
        role=DossierRole.MEMBER,
        actor=personas.accountant,
    )
    barrier = threading.Barrier(8)
    outcomes = []

    def accept():
        barrier.wait()
        try:
            invitation_accept(token=token, user=user)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert outcomes.count("used") == 7
    assert DossierMembership.objects.filter(user=user).count() == 1
