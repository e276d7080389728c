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
from tests.invoicing.conftest import _eager_celery, customer, make_draft, seller  # noqa: E402, F401
