"""What every benchmark shares: Django on a throw-away test database, and a seller dossier with Kyte active."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure() -> None:
    """Import path and defaults; call before `django.setup()`."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyte.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    os.environ.setdefault("KYTE_MANIFEST_STATIC", "false")  # no collectstatic needed to run a benchmark
    os.environ.setdefault("KYTE_PEPPOL_BACKEND", "local")
    os.environ.setdefault("KYTE_PEPPOL_ARTEFACTS", str(ROOT.parent / "shared" / "peppol"))


@contextmanager
def test_database(*, postgres_only: bool = False):
    """Django set up on a test database created for the run and dropped after it."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment

    if postgres_only and connection.vendor != "postgresql":
        sys.exit("this benchmark needs PostgreSQL (worker threads): set DATABASE_URL")
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        yield
    finally:
        if connection.vendor == "postgresql":  # server threads may still hold connections
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        runner.teardown_databases(old)


def seller(*, slug: str = "bench"):
    """A firm, a complete seller dossier with Kyte active, and its owner: (firm, dossier, user)."""
    from accounts.models import Dossier, DossierMembership, Firm, User
    from billing.models import KyteSubscription, Mode, Status

    firm = Firm.objects.create(name="Bench", slug=slug)
    dossier = Dossier.objects.create(
        firm=firm,
        legal_name="Bench SRL",
        enterprise_number="0403170701",
        vat_number="BE0403170701",
        street="Rue 1",
        postal_code="5000",
        city="Namur",
        iban="BE71096123456769",
        bic="GKCCBEBB",
        email="b@bench.test",
    )
    user = User.objects.create_user(f"{slug}@bench.test", "pw-bench-123")
    DossierMembership.objects.create(dossier=dossier, user=user, role="owner")
    KyteSubscription.objects.create(dossier=dossier, status=Status.ACTIVE, mode=Mode.SELF_SERVICE)
    return firm, dossier, user
