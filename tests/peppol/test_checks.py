"""The deploy check refuses an implicit local Peppol network when DEBUG is off; the time-out checks."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from peppol import checks


def test_deploy_check_refuses_an_unset_backend_without_debug(settings):
    settings.DEBUG = False
    settings.KYTE_PEPPOL_BACKEND = ""
    assert [e.id for e in checks.local_backend_is_not_an_implicit_production_default(None)] == ["kyte.E101"]
    with pytest.raises(SystemCheckError, match="kyte.E101"):
        call_command("check", "--deploy", "--fail-level", "ERROR", "--tag", "security")
    settings.KYTE_PEPPOL_BACKEND = "local"  # chosen explicitly: a demo or test installation
    assert checks.local_backend_is_not_an_implicit_production_default(None) == []
    settings.KYTE_PEPPOL_BACKEND = ""
    settings.DEBUG = True
    assert checks.local_backend_is_not_an_implicit_production_default(None) == []


def test_time_outs_must_nest(settings):
    settings.KYTE_PEPPOL_HTTP_TIMEOUT, settings.KYTE_PEPPOL_LEASE_SECONDS = 60, 300
    assert checks.timeouts_are_nested(None) == []
    settings.KYTE_PEPPOL_LEASE_SECONDS = 120
    assert [w.id for w in checks.timeouts_are_nested(None)] == ["kyte.W102"]
