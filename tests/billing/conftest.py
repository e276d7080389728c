import pytest

from billing.models import FirmKyte
from tests.factories import DossierFactory


@pytest.fixture
def complete_dossier(personas):
    """Dossier A with the company data Kyte needs (the verification form accepts it as is)."""
    d = personas.dossier_a
    d.street, d.postal_code, d.city, d.email = "Rue de Fer 12", "5000", "Namur", "contact@client-a.test"
    d.save()
    return d


@pytest.fixture
def available(personas):
    return FirmKyte.objects.create(firm=personas.firm, available_by_default=True)


@pytest.fixture
def client_dossiers(personas):
    return [
        DossierFactory(
            firm=personas.firm,
            legal_name=f"Client {n} BV",
            street="Meir 1",
            postal_code="2000",
            city="Antwerpen",
            email=f"c{n}@client.test",
        )
        for n in range(2)
    ]
