from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache

from accounts.models import Dossier, Firm, User
from accounts.roles import DossierRole, FirmRole
from tests.factories import (
    DossierFactory,
    DossierMembershipFactory,
    FirmFactory,
    FirmMembershipFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KYTE_MANIFEST_STATIC = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_COOKIE_SECURE = False
    settings.LANGUAGE_CODE = "en"  # assertions read English unless a test picks a language
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "peppol"
    if not (Path(settings.KYTE_PEPPOL_ARTEFACTS) / "xslt").exists() and shared.exists():
        settings.KYTE_PEPPOL_ARTEFACTS = shared  # not installed (make test installs them): the ones beside us
    cache.clear()
    yield
    cache.clear()


@dataclass
class Personas:
    firm: Firm
    other_firm: Firm
    dossier_a: Dossier
    dossier_b: Dossier
    other_dossier: Dossier
    owner: User
    accountant: User
    assistant: User
    entrepreneur_a: User
    entrepreneur_b: User
    reader_a: User
    outsider: User

    def __getitem__(self, name):
        return getattr(self, name)


@pytest.fixture
def personas(db) -> Personas:
    firm = FirmFactory(name="Fiduciaire Alpha", slug="alpha")
    other_firm = FirmFactory(name="Cabinet Omega", slug="omega")
    owner = FirmMembershipFactory(firm=firm, role=FirmRole.OWNER, user__email="owner@alpha.test").user
    accountant = FirmMembershipFactory(firm=firm, role=FirmRole.ACCOUNTANT, user__email="acc@alpha.test").user
    assistant = FirmMembershipFactory(
        firm=firm, role=FirmRole.ASSISTANT, user__email="assist@alpha.test"
    ).user
    outsider = FirmMembershipFactory(firm=other_firm, role=FirmRole.OWNER, user__email="boss@omega.test").user
    dossier_a = DossierFactory(firm=firm, legal_name="Alpha Client A SRL", accountant=accountant)
    dossier_b = DossierFactory(firm=firm, legal_name="Alpha Client B SRL")
    other_dossier = DossierFactory(firm=other_firm, legal_name="Omega Client SRL")
    entrepreneur_a = DossierMembershipFactory(dossier=dossier_a, user__email="ent-a@client.test").user
    entrepreneur_b = DossierMembershipFactory(dossier=dossier_b, user__email="ent-b@client.test").user
    reader_a = DossierMembershipFactory(
        dossier=dossier_a, role=DossierRole.READ_ONLY, user__email="reader-a@client.test"
    ).user
    return Personas(
        firm,
        other_firm,
        dossier_a,
        dossier_b,
        other_dossier,
        owner,
        accountant,
        assistant,
        entrepreneur_a,
        entrepreneur_b,
        reader_a,
        outsider,
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def smtp(settings):
    """Kyte's mail goes through a real SMTP server on 127.0.0.1; the test reads what it received."""
    from tests.mail import start_smtp

    controller, handler = start_smtp()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield handler
    controller.stop()
