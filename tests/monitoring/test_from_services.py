"""The history written by billing.services (activation, firm subscription, mode switch, withdrawal) gives the
expected months: the Surveillance numbers follow what really happened, on the real services."""

from datetime import date

import pytest
import time_machine

from billing import services as kyte
from billing.models import FirmKyte, Mode
from monitoring import selectors, services
from tests.factories import DossierFactory
from tests.monitoring.conftest import bxl


@pytest.mark.django_db
def test_months_from_the_services_history(personas):
    FirmKyte.objects.create(firm=personas.firm, available_by_default=True)
    dossier = DossierFactory(
        firm=personas.firm,
        legal_name="Client BV",
        street="Meir 1",
        postal_code="2000",
        city="Antwerpen",
        email="c@client.test",
    )
    with time_machine.travel(bxl(2026, 9, 25, 10), tick=False):
        activated, refused = kyte.kyte_activate_for_clients(
            firm=personas.firm, dossiers=[dossier], actor=personas.accountant
        )
        assert activated == [dossier] and not refused
    with time_machine.travel(bxl(2026, 10, 15, 9), tick=False):
        kyte.kyte_firm_subscribe(dossier=dossier, actor=personas.accountant)
    with time_machine.travel(bxl(2026, 11, 21, 9), tick=False):
        kyte.kyte_switch_mode(dossier=dossier, mode=Mode.SELF_SERVICE, actor=personas.accountant)
    with time_machine.travel(bxl(2026, 12, 3, 9), tick=False):
        kyte.kyte_set_available(dossier=dossier, available=False, actor=personas.owner)  # withdrawn

    now = bxl(2026, 12, 4, 12)
    rows = {r.month: r for r in selectors.month_rows(personas.firm, last=date(2026, 12, 1), count=4, now=now)}
    sep, oct_, nov, dec = (rows[date(2026, m, 1)] for m in (9, 10, 11, 12))
    assert (sep.activated, sep.billable, sep.trial_only, sep.new) == (1, 0, 1, 1)  # trial only
    assert (oct_.activated, oct_.billable, oct_.paid, oct_.new) == (
        1,
        1,
        1,
        0,
    )  # paid by the firm from the 15th
    assert (nov.billable, nov.self_service, nov.accountant) == (1, 1, 0)  # billable until the switch
    assert (dec.activated, dec.billable, dec.deactivated, dec.active_at_end) == (1, 0, 1, 0)
    close = services.close_month(firm=personas.firm, month=date(2026, 10, 1), now=now)
    assert close.facts.get().billable_days == 17  # 15–31 October
    assert not close.facts.get().new and close.counts["new"] == 0  # activated in September
