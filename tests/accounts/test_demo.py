from django.core.management import call_command
from django.db import transaction
from stdnum import iban
from stdnum.be import vat

from accounts.demo import DEMO_PASSWORD
from accounts.models import Dossier, DossierMembership, Firm, FirmMembership, User


def test_demo_is_idempotent_and_valid(db, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("kyte_demo", "--seed", "7")
    first = sorted(Dossier.objects.values_list("code", "enterprise_number", "iban"))
    call_command("kyte_demo", "--seed", "7")
    assert sorted(Dossier.objects.values_list("code", "enterprise_number", "iban")) == first
    assert Firm.objects.count() == 1
    assert len(first) == 12
    for _code, number, account in first:
        vat.validate(number)
        iban.validate(account)
    assert FirmMembership.objects.count() == 3
    assert DossierMembership.objects.count() == 12
    assert User.objects.get(email="accountant@demo.kyte.test").check_password(DEMO_PASSWORD)
    from billing.models import FirmKyte, KyteSubscription

    states = dict(
        KyteSubscription.objects.exclude(status="not_active").values_list("dossier__legal_name", "status")
    )
    assert states == {
        "Brouwerij De Smet": "trial",
        "Studio Wouters Architecture": "active",
        "IT Consult Maes": "active",
        "Transport Claeys": "trial",
    }
    assert FirmKyte.objects.get().billed_quantity == 1
    # Past Kyte periods give Surveillance months of history; the ended months are closed, once.
    from billing.models import StatusChange
    from monitoring.models import MonthClose

    assert StatusChange.objects.filter(reason="demo_history").count() > 10
    closes = MonthClose.objects.count()
    assert closes > 6 and MonthClose.objects.filter(billable__gt=0).exists()
    call_command("kyte_demo", "--seed", "7")
    assert MonthClose.objects.count() == closes
    out = capsys.readouterr().out
    assert "accountant@demo.kyte.test" in out and DEMO_PASSWORD in out


def _demo_numbers(seed: str) -> list[str]:
    with transaction.atomic():
        call_command("kyte_demo", "--seed", seed)
        numbers = sorted(Dossier.objects.values_list("enterprise_number", flat=True))
        transaction.set_rollback(True)
    return numbers


def test_seed_makes_the_demo_deterministic(db):
    assert _demo_numbers("3") == _demo_numbers("3")
    assert _demo_numbers("3") != _demo_numbers("4")


def test_demo_invoices_cover_every_vat_case_and_verify(db, django_capture_on_commit_callbacks):
    from invoicing.models import Invoice, InvoiceLine
    from invoicing.services import verify_chain
    from invoicing.vat import VatCase

    call_command("kyte_demo", "--seed", "2", "--invoices", "16")
    assert set(InvoiceLine.objects.values_list("vat_case", flat=True)) == set(VatCase.values)
    assert Invoice.objects.filter(kind="credit_note", status="issued").exists()
    assert verify_chain() == []
    count = Invoice.objects.count()
    call_command("kyte_demo", "--seed", "2", "--invoices", "16")
    assert Invoice.objects.count() == count
