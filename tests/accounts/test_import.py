import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Dossier, Invitation

GOOD = (
    "legal_name;enterprise_number;vat_number;city;email;language;iban\n"
    "Garage Lejeune;0202.239.951;BE0202239951;Wavre;lejeune@client.test;fr;BE71 0961 2345 6769\n"
    "Bakkerij Wouters;0403.170.701;;Leuven;wouters@client.test;nl;\n"
)


def _upload(client, firm, text, *, invite=True, name="clients.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")}
    if invite:
        data["invite"] = "on"
    return client.post(reverse("dossier_import", kwargs={"firm_slug": firm.slug}), data)


def test_preview_then_confirm_imports_every_row_and_invites(
    login, personas, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(personas.accountant)
    preview = _upload(client, personas.firm, GOOD)
    assert preview.context["ready"] is True
    assert [r.line for r in preview.context["rows"]] == [2, 3]
    assert not Dossier.objects.filter(legal_name="Garage Lejeune").exists()  # a preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("dossier_import_confirm", kwargs={"firm_slug": personas.firm.slug}))
    assert done.url == reverse("firm_dashboard", kwargs={"firm_slug": personas.firm.slug})
    garage = Dossier.objects.get(firm=personas.firm, legal_name="Garage Lejeune")
    assert (garage.enterprise_number, garage.iban, garage.accountant) == (
        "0202239951",
        "BE71096123456769",
        personas.accountant,
    )
    assert Dossier.objects.get(legal_name="Bakkerij Wouters").language == "nl"
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "lejeune@client.test",
        "wouters@client.test",
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["lejeune@client.test", "wouters@client.test"]


def test_rows_with_errors_are_listed_and_nothing_is_imported(login, personas):
    text = (
        GOOD + "Broken SRL;0403.170.702;;;;fr;\nTwin;0202 239 951;;;;fr;\n;;;;;;\nNoLang;0202239951x;;;;xx;\n"
    )
    response = _upload(login(personas.accountant), personas.firm, text)
    rows = {r.line: r for r in response.context["rows"]}
    assert rows[2].ok and rows[3].ok
    assert "enterprise_number" in rows[4].errors  # checksum
    assert "Same enterprise number as line 2" in rows[5].errors["enterprise_number"][0]
    assert set(rows[7].errors) >= {"enterprise_number", "language"}
    assert 6 not in rows  # blank lines are skipped
    html = response.content.decode()
    assert "<strong>Enterprise number</strong> — This enterprise number fails the mod-97 check" in html
    assert response.context.get("ready") is None
    assert response.context["error_count"] == 3
    confirm = login(personas.accountant).post(
        reverse("dossier_import_confirm", kwargs={"firm_slug": "alpha"})
    )
    assert confirm.url == reverse("dossier_import", kwargs={"firm_slug": "alpha"})
    assert personas.firm.dossiers.count() == 2


def test_existing_dossier_is_reported(login, personas):
    text = f"legal_name,enterprise_number\nAgain,{personas.dossier_a.enterprise_number}\n"
    rows = _upload(login(personas.accountant), personas.firm, text).context["rows"]
    assert "already exists" in rows[0].errors["enterprise_number"][0]


def test_dossier_created_between_preview_and_confirm_rolls_back_the_whole_import(login, personas):
    from tests.factories import DossierFactory

    client = login(personas.accountant)
    assert _upload(client, personas.firm, GOOD).context["ready"]
    DossierFactory(firm=personas.firm, enterprise_number="0403170701")
    response = client.post(reverse("dossier_import_confirm", kwargs={"firm_slug": personas.firm.slug}))
    assert response.status_code == 302
    assert not Dossier.objects.filter(legal_name="Garage Lejeune").exists()
    assert personas.firm.dossiers.count() == 3


def test_missing_columns_and_oversize_files_are_explained(login, personas, settings):
    client = login(personas.accountant)
    response = _upload(client, personas.firm, "name;city\nX;Y\n")
    assert "enterprise_number" in response.context["file_errors"][0]
    settings.KYTE_IMPORT_MAX_BYTES = 100
    response = _upload(client, personas.firm, GOOD * 3)
    assert "file" in response.context["form"].errors


def test_french_and_dutch_headers_and_cp1252_are_understood(login, personas):
    text = "Nom;Numéro_entreprise;Ville\nCafé Léon;0202239951;Liège\n"
    client = login(personas.accountant)
    data = {"file": SimpleUploadedFile("c.csv", text.replace("Numéro_entreprise", "BCE").encode("cp1252"))}
    response = client.post(reverse("dossier_import", kwargs={"firm_slug": "alpha"}), data)
    assert response.context["ready"]
    assert response.context["rows"][0].values["legal_name"] == "Café Léon"


def test_import_session_of_another_firm_is_not_replayed(login, personas):
    """An import previewed in firm A can't be confirmed into firm B."""
    client = login(personas.accountant)
    _upload(client, personas.firm, GOOD)
    session = client.session
    session["kyte_dossier_import"]["firm"] = personas.other_firm.pk
    session.save()
    client.post(reverse("dossier_import_confirm", kwargs={"firm_slug": "alpha"}))
    assert not Dossier.objects.filter(legal_name="Garage Lejeune").exists()


@pytest.mark.parametrize("persona", ["assistant", "entrepreneur_a"])
def test_import_is_not_for_assistants_or_entrepreneurs(login, personas, persona):
    response = _upload(login(personas[persona]), personas.firm, GOOD)
    assert response.status_code in (403, 404)
