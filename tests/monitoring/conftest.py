from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from billing.models import KyteSubscription, StatusChange

BXL = ZoneInfo("Europe/Brussels")


def bxl(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BXL)


@pytest.fixture
def history():
    """Write a dossier's Kyte history: steps of (instant, status, mode), as billing.services records them."""

    def _write(dossier, *steps):
        sub, _ = KyteSubscription.objects.get_or_create(dossier=dossier)
        previous = StatusChange.objects.filter(dossier=dossier).order_by("-at", "-id").first()
        before = previous.to_status if previous else "not_active"
        for at, status, mode in steps:
            StatusChange.objects.create(
                subscription=sub,
                dossier=dossier,
                at=at,
                from_status=before,
                to_status=status,
                mode=mode,
                reason="t",
            )
            before = status
        return sub

    return _write
