from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "peppol"
EXAMPLES = sorted((SHARED / "examples").glob("*.xml"))


@pytest.fixture(autouse=True)
def _artefacts(settings):
    """The official artefacts: those installed in KYTE_PEPPOL_ARTEFACTS (make test copies them there), else
    ../shared/peppol."""
    root = Path(settings.KYTE_PEPPOL_ARTEFACTS)
    if not (root / "xslt").exists():
        root = SHARED
    if not (root / "xslt").exists():
        pytest.skip("the Peppol artefacts are not available (../shared/peppol)")
    settings.KYTE_PEPPOL_ARTEFACTS = root


# The invoicing fixtures (an active seller, a customer, drafts), shared with these tests.
# --- The Peppol network tests ---------------------------------------------------------------------------------
import pytest as _pytest  # noqa: E402

from billing.models import KyteSubscription, Mode, Status  # noqa: E402
from invoicing import services as invoicing  # noqa: E402
from peppol import services  # noqa: E402
from tests.invoicing.conftest import (  # noqa: E402, F401
    LINE,  # noqa: E402
    _eager_celery,
    customer,
    make_draft,
    seller,
)


def _activate(dossier):
    sub, _ = KyteSubscription.objects.update_or_create(
        dossier=dossier, defaults={"status": Status.ACTIVE, "mode": Mode.SELF_SERVICE}
    )
    services.participants_sync(dossier=dossier)
    return sub


@_pytest.fixture
def receiver_b(personas):
    """Dossier B with Kyte active: registered on the local network as 0208:<its enterprise number>."""
    _activate(personas.dossier_b)
    return personas.dossier_b


@_pytest.fixture
def issued_to(seller, personas, django_capture_on_commit_callbacks):  # noqa: F811 - the fixture imported above
    """Issue an invoice from A to a customer built from `fields`, PDF and UBL rendered (as the worker does)."""

    def _issue(**fields):
        services.participants_sync(dossier=seller)
        buyer = invoicing.customer_create(
            dossier=seller,
            actor=personas.entrepreneur_a,
            **{"street": "Rue 1", "postal_code": "1000", "city": "Bruxelles", "country": "BE", **fields},
        )
        draft = invoicing.invoice_create(dossier=seller, actor=personas.entrepreneur_a, customer=buyer)
        draft = invoicing.invoice_save_draft(
            invoice=draft, actor=personas.entrepreneur_a, data={}, lines=[dict(LINE)]
        )
        with django_capture_on_commit_callbacks(execute=True):
            invoice = invoicing.invoice_issue(invoice=draft, actor=personas.entrepreneur_a)
        invoice.refresh_from_db()
        return invoice

    return _issue


def _customer_b(personas):
    b = personas.dossier_b
    return {"legal_name": b.legal_name, "enterprise_number": b.enterprise_number, "vat_number": b.vat_number}
