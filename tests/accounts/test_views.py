import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Dossier, Firm, FirmMembership
from accounts.roles import FirmRole
from tests.factories import DossierFactory

BAD_DOSSIER = {
    "legal_name": "Nouvelle Boulangerie",
    "legal_form": "srl",
    "enterprise_number": "0403.170.702",
    "vat_number": "BE0403170701",
    "iban": "BE68 5390 0754 7035",
    "bic": "",
    "street": "Rue Haute 1",
    "postal_code": "1000",
    "city": "Bruxelles",
    "country": "BE",
    "email": "contact@boulangerie.test",
    "phone": "",
    "language": "fr",
}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This enterprise number fails the mod-97 check"),
        ("fr", "Ce numéro d"),
        ("nl", "Dit ondernemingsnummer"),
    ],
)
def test_bad_identifiers_are_explained_beside_the_field_in_the_users_language(
    login, personas, language, message, settings
):
    client = login(personas.accountant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("dossier_create", kwargs={"firm_slug": personas.firm.slug}), BAD_DOSSIER)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    form = response.context["form"]
    assert set(form.errors) == {"enterprise_number", "iban"}
    # What was typed is kept.
    assert (
        'value="0403.170.702"' in html
        and 'value="Nouvelle Boulangerie"' in html
        and "BE68 5390 0754 7035" in html
    )
    assert not Dossier.objects.filter(legal_name="Nouvelle Boulangerie").exists()


def test_vat_number_must_match_the_enterprise_number(login, personas):
    data = {**BAD_DOSSIER, "enterprise_number": "0202.239.951", "iban": ""}
    response = login(personas.accountant).post(
        reverse("dossier_create", kwargs={"firm_slug": personas.firm.slug}), data
    )
    assert list(response.context["form"].errors) == ["vat_number"]


def test_accountant_creates_a_dossier_and_it_is_audited(login, personas):
    data = {
        **BAD_DOSSIER,
        "enterprise_number": "0202.239.951",
        "vat_number": "BE 0202.239.951",
        "iban": "BE71 0961 2345 6769",
        "accountant": personas.accountant.pk,
    }
    response = login(personas.accountant).post(
        reverse("dossier_create", kwargs={"firm_slug": personas.firm.slug}), data
    )
    dossier = Dossier.objects.get(legal_name="Nouvelle Boulangerie")
    assert response.url == reverse("dossier_members", kwargs={"dossier_code": dossier.code})
    assert (dossier.firm, dossier.enterprise_number, dossier.vat_number, dossier.iban, dossier.bic) == (
        personas.firm,
        "0202239951",
        "BE0202239951",
        "BE71096123456769",
        "GKCCBEBB",
    )
    entry = AuditEntry.objects.get(dossier=dossier)
    assert (entry.action, entry.actor) == ("kyte.dossier.created", personas.accountant)


def test_duplicate_enterprise_number_in_the_firm_is_refused_beside_the_field(login, personas):
    data = {
        **BAD_DOSSIER,
        "enterprise_number": personas.dossier_a.enterprise_number,
        "vat_number": "",
        "iban": "",
    }
    response = login(personas.accountant).post(
        reverse("dossier_create", kwargs={"firm_slug": personas.firm.slug}), data
    )
    assert "enterprise_number" in response.context["form"].errors
    assert personas.firm.dossiers.count() == 2


def test_dossier_settings_change_is_recorded_in_the_history(login, personas):
    client = login(personas.entrepreneur_a)
    url = reverse("dossier_settings", kwargs={"dossier_code": personas.dossier_a.code})
    form = client.get(url).context["form"]
    data = {
        name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields
    }
    data["city"] = "Dinant"
    response = client.post(url, data)
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Dinant" in page
    entry = AuditEntry.objects.filter(dossier=personas.dossier_a, action="kyte.dossier.updated").get()
    assert entry.data["changes"]["city"] == ["Namur", "Dinant"]
    assert entry.actor == personas.entrepreneur_a


def test_entrepreneur_cannot_reassign_the_accountant(login, personas):
    client = login(personas.entrepreneur_a)
    url = reverse("dossier_settings", kwargs={"dossier_code": personas.dossier_a.code})
    assert "accountant" not in client.get(url).context["form"].fields


def test_read_only_member_sees_a_disabled_form(login, personas):
    response = login(personas.reader_a).get(
        reverse("dossier_settings", kwargs={"dossier_code": personas.dossier_a.code})
    )
    assert all(field.disabled for field in response.context["form"].fields.values())


def test_firm_dashboard_searches_by_name_and_number_with_an_htmx_partial(login, personas):
    client = login(personas.accountant)
    url = reverse("firm_dashboard", kwargs={"firm_slug": personas.firm.slug})
    response = client.get(url, {"q": "client b"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "Alpha Client B SRL" in html and "Alpha Client A SRL" not in html
    number = personas.dossier_a.enterprise_number_display
    html = client.get(url, {"q": number}).content.decode()
    assert "Alpha Client A SRL" in html and "Alpha Client B SRL" not in html
    assert "Omega Client SRL" not in client.get(url).content.decode()


def test_firm_dashboard_filters_by_accountant(login, personas):
    response = login(personas.owner).get(
        reverse("firm_dashboard", kwargs={"firm_slug": personas.firm.slug}),
        {"accountant": personas.accountant.pk},
    )
    assert [d.legal_name for d in response.context["page"].object_list] == ["Alpha Client A SRL"]


def test_firm_dashboard_paginates(login, personas):
    DossierFactory.create_batch(30, firm=personas.firm)
    client = login(personas.owner)
    url = reverse("firm_dashboard", kwargs={"firm_slug": personas.firm.slug})
    first = client.get(url).context["page"]
    second = client.get(url, {"page": 2}).context["page"]
    assert len(first.object_list) == 25 and len(second.object_list) == 7
    assert not {d.pk for d in first.object_list} & {d.pk for d in second.object_list}


def _count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["firm_dashboard", "firm_team"])
def test_firm_page_query_count_stays_flat_as_data_grows(
    login, personas, django_assert_max_num_queries, url_name
):
    client = login(personas.owner)
    url = reverse(url_name, kwargs={"firm_slug": personas.firm.slug})
    small = _count_queries(client, url, django_assert_max_num_queries, 15)
    DossierFactory.create_batch(40, firm=personas.firm, accountant=personas.accountant)
    for i in range(5):
        FirmMembership.objects.create(
            firm=personas.firm,
            role=FirmRole.ASSISTANT,
            user=type(personas.owner).objects.create_user(f"more{i}@alpha.test"),
        )
    assert _count_queries(client, url, django_assert_max_num_queries, 15) == small


@pytest.mark.parametrize("url_name", ["dossier_dashboard", "dossier_settings", "dossier_members"])
def test_dossier_page_query_count_stays_flat_as_history_grows(
    login, personas, django_assert_max_num_queries, url_name
):
    from accounts.services import audit_log

    client = login(personas.accountant)
    url = reverse(url_name, kwargs={"dossier_code": personas.dossier_a.code})
    small = _count_queries(client, url, django_assert_max_num_queries, 15)
    for i in range(30):
        audit_log(
            actor=personas.accountant,
            dossier=personas.dossier_a,
            action="kyte.dossier.updated",
            data={"changes": {"city": [str(i), str(i + 1)]}},
        )
    assert _count_queries(client, url, django_assert_max_num_queries, 15) == small


def test_language_switch_sets_the_cookie_and_remembers_the_choice(login, personas, settings):
    client = login(personas.accountant)
    response = client.post(reverse("set_language"), {"language": "nl", "next": "/f/alpha/"})
    assert response.url == "/f/alpha/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    personas.accountant.refresh_from_db()
    assert personas.accountant.language == "nl"
    page = client.get("/f/alpha/").content.decode()
    assert 'lang="nl"' in page and "Klantendossiers" in page


def test_language_switch_refuses_foreign_redirects(client, db):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "https://evil.example/"})
    assert response.url == "/"


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Dossiers clients"), ("nl", "Klantendossiers"), ("en", "Client dossiers")]
)
def test_firm_dashboard_speaks_three_languages(login, personas, settings, language, title):
    client = login(personas.accountant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert title in client.get(reverse("firm_dashboard", kwargs={"firm_slug": "alpha"})).content.decode()


def test_new_user_creates_a_firm_and_becomes_its_owner(login, user_factory):
    user = user_factory(email="founder@new.test")
    client = login(user)
    assert "accounts/onboarding.html" in [t.name for t in client.get("/").templates]
    response = client.post(
        reverse("firm_signup"),
        {
            "full_name": "Anne Founder",
            "name": "Fiduciaire Nouvelle",
            "enterprise_number": "0202.239.951",
            "vat_number": "",
            "street": "",
            "postal_code": "",
            "city": "",
            "country": "be",
            "email": "",
            "phone": "",
        },
    )
    firm = Firm.objects.get(name="Fiduciaire Nouvelle")
    assert response.url == reverse("firm_dashboard", kwargs={"firm_slug": firm.slug})
    assert FirmMembership.objects.get(user=user).role == FirmRole.OWNER
    assert client.get("/").url == response.url


def test_entrepreneur_with_several_dossiers_gets_a_switcher(login, personas):
    from accounts.models import DossierMembership

    DossierMembership.objects.create(dossier=personas.dossier_b, user=personas.entrepreneur_a, role="member")
    client = login(personas.entrepreneur_a)
    assert client.get("/").url == reverse("dossier_choose")
    page = client.get(
        reverse("dossier_dashboard", kwargs={"dossier_code": personas.dossier_a.code})
    ).content.decode()
    assert "Alpha Client B SRL" in page  # in the header switcher
    assert "Omega Client SRL" not in page


def test_dossier_menu_lists_dashboard_then_mailboxes(login, personas):
    page = (
        login(personas.entrepreneur_a)
        .get(reverse("dossier_dashboard", kwargs={"dossier_code": personas.dossier_a.code}))
        .content.decode()
    )
    assert page.index(
        reverse("dossier_dashboard", kwargs={"dossier_code": personas.dossier_a.code}) + '"'
    ) < page.index(reverse("dossier_mailboxes", kwargs={"dossier_code": personas.dossier_a.code}))


def test_pages_carry_htmx_and_the_csrf_header(login, personas):
    page = login(personas.accountant).get("/f/alpha/").content.decode()
    assert "htmx" in page and "X-CSRFToken" in page


def test_healthz(client, db):
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_owner_updates_the_firm_and_bad_vat_is_explained(login, personas):
    client = login(personas.owner)
    url = reverse("firm_settings", kwargs={"firm_slug": "alpha"})
    data = {
        "name": "Fiduciaire Alpha & Associés",
        "enterprise_number": "0202.239.951",
        "vat_number": "BE0202239952",
        "street": "",
        "postal_code": "",
        "city": "Liège",
        "country": "BE",
        "email": "",
        "phone": "",
    }
    response = client.post(url, data)
    assert list(response.context["form"].errors) == ["vat_number"]
    assert 'value="BE0202239952"' in response.content.decode()
    personas.firm.refresh_from_db()
    assert personas.firm.name == "Fiduciaire Alpha"
    response = client.post(url, {**data, "vat_number": "BE0202239951"})
    assert response.status_code == 302
    personas.firm.refresh_from_db()
    assert (personas.firm.name, personas.firm.city) == ("Fiduciaire Alpha & Associés", "Liège")
    assert AuditEntry.objects.filter(firm=personas.firm, action="kyte.firm.updated").count() == 1


def test_the_last_owner_cannot_be_removed(login, personas):
    from accounts.services import firm_member_remove
    from kyte.errors import DomainError

    with pytest.raises(DomainError):
        firm_member_remove(membership=personas.owner.firm_membership, actor=personas.owner)


@pytest.mark.parametrize("model", ["user", "firm", "dossier", "invitation", "auditentry"])
def test_admin_lists_show_tenant_columns(client, personas, model):
    admin = type(personas.owner).objects.create_superuser("support@kyte.test", "pw-support-123")
    client.force_login(admin)
    response = client.get(reverse(f"admin:accounts_{model}_changelist"), {"q": "alpha"})
    assert response.status_code == 200
