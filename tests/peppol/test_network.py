"""The local Peppol network end to end: registry, lookup, send (outbox, claim, lease, retries), one inbound path,
idempotency. Real services, the real Celery task (eager here; the worker test runs it on the real broker)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from billing.models import KyteSubscription, Mode, Status
from peppol import inbound, services
from peppol.envelope import wrap
from peppol.identifiers import INVOICE_DOCTYPE, Participant
from peppol.models import (
    Lookup,
    ParticipantState,
    PeppolParticipant,
    ReceivedDocument,
    SandboxMessage,
    Transmission,
)
from tests.peppol.conftest import _activate, _customer_b


def _send(invoice, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transmission = services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
    transmission.refresh_from_db()
    return transmission


def test_registry_one_receiver_per_identifier(personas):
    from tests.factories import DossierFactory

    _activate(personas.dossier_b)
    twin = DossierFactory(firm=personas.other_firm, enterprise_number=personas.dossier_b.enterprise_number)
    _activate(twin)
    states = {p.dossier_id: p.state for p in PeppolParticipant.objects.all()}
    assert states == {personas.dossier_b.pk: ParticipantState.REGISTERED, twin.pk: ParticipantState.ELSEWHERE}
    KyteSubscription.objects.filter(dossier=personas.dossier_b).update(status=Status.NOT_ACTIVE)
    services.participants_sync(dossier=personas.dossier_b)
    services.participants_sync(dossier=twin)  # the identifier is free again
    states = {p.dossier_id: p.state for p in PeppolParticipant.objects.all()}
    assert states == {
        personas.dossier_b.pk: ParticipantState.NOT_REGISTERED,
        twin.pk: ParticipantState.REGISTERED,
    }


def test_activation_registers_the_dossier_on_commit(personas, django_capture_on_commit_callbacks):
    from billing import services as kyte
    from billing.models import FirmKyte

    FirmKyte.objects.create(firm=personas.firm, available_by_default=True)
    d = personas.dossier_a
    d.street, d.postal_code, d.city, d.email = "Rue de Fer 12", "5000", "Namur", "a@client-a.test"
    d.save()
    with django_capture_on_commit_callbacks(execute=True):
        kyte.kyte_activate_for_clients(firm=personas.firm, dossiers=[d], actor=personas.accountant)
    assert PeppolParticipant.objects.get(dossier=d).state == ParticipantState.REGISTERED


def test_invoice_from_a_to_b_lands_byte_identical_in_bs_inbox(
    issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(**_customer_b(personas))
    transmission = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert transmission.status == "delivered" and transmission.attempts == 1
    assert [e.kind for e in transmission.events.all()] == ["queued", "sending", "sent", "delivered"]
    received = ReceivedDocument.objects.get()
    assert received.dossier == receiver_b and received.via == "local"
    assert received.ubl.read() == invoice.ubl.read()  # byte for byte what A stored
    assert received.pdf.read()[:5] == b"%PDF-" and received.valid
    assert received.number == invoice.number and received.payable == invoice.payable
    assert received.sender == f"0208:{personas.dossier_a.enterprise_number}"
    assert str(received.uuid) in transmission.evidence


def test_task_run_twice_and_crash_after_the_remote_call_give_one_delivery(
    issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(**_customer_b(personas))
    real_finish = services._finish
    # The worker dies after the remote call, before it records the outcome (eager: the error is logged).
    with mock.patch.object(services, "_finish", side_effect=RuntimeError("worker died")):
        _send(invoice, personas, django_capture_on_commit_callbacks)
    t = Transmission.objects.get()
    assert t.status == "sending" and ReceivedDocument.objects.count() == 1  # delivered, not recorded
    assert services.transmission_process(t.pk) == "not claimed"  # the lease holds
    later = timezone.now() + timedelta(minutes=6)
    with mock.patch.object(services, "_wake"):
        assert services.sweep(now=later)["requeued"] == 1
    with mock.patch.object(services, "_finish", side_effect=real_finish):
        assert services.transmission_process(t.pk, now=later) == "delivered"
    t.refresh_from_db()
    assert t.attempts == 2 and "already delivered" in t.evidence
    assert ReceivedDocument.objects.count() == 1
    assert services.transmission_process(t.pk, now=later) == "not claimed"


def test_unregistered_receiver_fails_at_once_and_is_not_retried(
    issued_to, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(
        legal_name="Ghost BV", peppol_scheme="9915", peppol_id="kyte-not-registered", country="NL"
    )
    # A stale lookup said reachable; the network now says the participant is unknown.
    Lookup.objects.create(participant="9915:kyte-not-registered", doctype=INVOICE_DOCTYPE, reachable=True)
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.status, t.attempts, t.error_code) == ("failed", 1, "not_registered")
    assert "not registered on Peppol" in t.detail and t.finished_at
    assert services.transmission_process(t.pk, now=timezone.now() + timedelta(days=1)) == "not claimed"


def test_unreachable_customer_with_an_email_gets_the_email_channel(
    issued_to, personas, django_capture_on_commit_callbacks, smtp
):
    invoice = issued_to(
        legal_name="Ghost BV",
        peppol_scheme="9915",
        peppol_id="kyte-not-registered",
        country="NL",
        email="ap@ghost.test",
    )
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.channel, t.status, t.receiver) == ("email", "sent", "ap@ghost.test")
    assert "not reachable on Peppol" in t.channel_reason and t.finished_at
    message = smtp.messages[-1]["message"]
    assert smtp.messages[-1]["to"] == ["ap@ghost.test"]
    names = sorted(part.get_filename() for part in message.iter_attachments())
    assert [name.rsplit(".", 1)[1] for name in names] == ["pdf", "xml"] and invoice.number in names[0]
    assert message["Message-ID"] == f"<{t.message_id}>"


def test_no_peppol_address_and_no_email_is_refused_with_what_to_do(issued_to, personas):
    from kyte.errors import DomainError

    invoice = issued_to(legal_name="Jean Dupont", kind="person")
    with pytest.raises(DomainError, match="e-mail address"):
        services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
    assert not Transmission.objects.exists()


def test_temporary_failures_retry_with_backoff_until_the_bound(
    issued_to, personas, settings, django_capture_on_commit_callbacks
):
    settings.KYTE_PEPPOL_MAX_ATTEMPTS = 3
    invoice = issued_to(legal_name="Down BV", peppol_scheme="9915", peppol_id="kyte-temporary", country="NL")
    with mock.patch("random.uniform", return_value=1.0):
        t = _send(invoice, personas, django_capture_on_commit_callbacks)
        assert (t.status, t.attempts) == ("queued", 1)
        assert 9 <= (t.next_attempt_at - timezone.now()).total_seconds() <= 11  # 10 s, then 20 s, …
        now = t.next_attempt_at
        assert services.transmission_process(t.pk, now=now) == "retry"
        t.refresh_from_db()
        assert 19 <= (t.next_attempt_at - now).total_seconds() <= 21
        assert services.transmission_process(t.pk, now=t.next_attempt_at) == "failed"
    t.refresh_from_db()
    assert t.attempts == 3 and "Gave up after 3 attempts" in t.detail


def test_flaky_receiver_succeeds_on_the_second_attempt_into_the_sandbox(
    issued_to, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(legal_name="Flaky BV", peppol_scheme="9915", peppol_id="kyte-flaky", country="NL")
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert t.status == "queued"
    assert services.transmission_process(t.pk, now=t.next_attempt_at) == "sent"
    t.refresh_from_db()
    assert t.attempts == 2 and t.evidence.startswith("sandbox") and t.finished_at
    assert SandboxMessage.objects.get(transmission=t).receiver == "9915:kyte-flaky"


def test_rejected_by_the_receiving_access_point(issued_to, personas, django_capture_on_commit_callbacks):
    invoice = issued_to(legal_name="Strict BV", peppol_scheme="9915", peppol_id="kyte-rejected", country="NL")
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.status, t.attempts) == ("rejected", 1) and "Contact the customer" in t.detail


def test_a_document_is_not_sent_twice_while_a_sending_lives(
    issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    from kyte.errors import DomainError

    invoice = issued_to(**_customer_b(personas))
    _send(invoice, personas, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="already been sent"):
        services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)


def _envelope(personas, payload, instance="11111111-1111-1111-1111-111111111111", receiver=None):
    return wrap(
        payload,
        sender=Participant.parse("0208:0202239951"),
        receiver=receiver or Participant.parse(f"0208:{personas.dossier_b.enterprise_number}"),
        doctype=INVOICE_DOCTYPE,
        instance_id=instance,
    )


def test_inbound_dedupes_caps_and_refuses_unknown_recipients(receiver_b, personas, settings):
    from pathlib import Path

    from lxml import etree

    example = (
        Path(__file__).resolve().parents[2].parent / "shared" / "peppol" / "examples" / "base-example.xml"
    )
    payload = etree.tostring(etree.fromstring(example.read_bytes()), xml_declaration=True, encoding="UTF-8")
    data = _envelope(personas, payload)
    first, created = inbound.receive(data, via="test")
    again, created_again = inbound.receive(data, via="test")
    assert created and not created_again and first.pk == again.pk and ReceivedDocument.objects.count() == 1
    assert first.ubl.read() == payload and first.number and first.summary["lines"]
    with pytest.raises(inbound.NotServiced):
        inbound.receive(_envelope(personas, payload, "2", Participant.parse("0208:0403170701")), via="test")
    settings.KYTE_PEPPOL_MAX_BYTES = 1024
    with pytest.raises(inbound.InboundError, match="larger"):
        inbound.receive(_envelope(personas, payload, "3"), via="test")
    settings.KYTE_PEPPOL_MAX_BYTES = 10**6
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(inbound.InboundError, match="unreadable"):
        inbound.receive(hostile, via="test")
    assert ReceivedDocument.objects.count() == 1


def test_customer_reachability_badge(login, personas, seller, receiver_b):
    from invoicing import services as inv

    client = login(personas.entrepreneur_a)
    reachable = inv.customer_create(dossier=seller, actor=personas.entrepreneur_a, **_customer_b(personas))
    ghost = inv.customer_create(
        dossier=seller,
        actor=personas.entrepreneur_a,
        legal_name="Ghost",
        country="NL",
        peppol_scheme="9915",
        peppol_id="kyte-not-registered",
    )
    person = inv.customer_create(
        dossier=seller, actor=personas.entrepreneur_a, legal_name="Jean", kind="person"
    )
    base = f"/d/{seller.code}/kyte/customers"
    assert "Reachable on Peppol" in client.get(f"{base}/{reachable.code}/peppol/").content.decode()
    assert "Not reachable on Peppol" in client.get(f"{base}/{ghost.code}/peppol/").content.decode()
    assert "No Peppol address" in client.get(f"{base}/{person.code}/peppol/").content.decode()
    assert Lookup.objects.count() == 2  # cached: asking again does not look up again
    client.get(f"{base}/{reachable.code}/peppol/")
    assert Lookup.objects.count() == 2


def test_delivery_timeline_polls_until_final_and_inbox_lists_received(
    login, issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(**_customer_b(personas))
    client = login(personas.entrepreneur_a)
    url = f"/d/{personas.dossier_a.code}/kyte/invoices/{invoice.uuid}/"
    html = client.get(url).content.decode()
    assert 'data-testid="send"' in html and "Not sent yet" in html
    with mock.patch.object(services, "_wake"):  # queued, no worker yet
        response = client.post(url + "send/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in html and "Queued" in html
    services.transmission_process(Transmission.objects.get().pk)
    html = client.get(url + "delivery/").content.decode()
    assert "Delivered" in html and "every 2s" not in html and 'data-testid="send"' not in html
    reader = login(personas.entrepreneur_b)
    html = reader.get(f"/d/{receiver_b.code}/kyte/received/").content.decode()
    assert invoice.number in html and "Registered" in html


def test_bulk_send_from_the_invoice_list_with_progress(
    login, issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    to_b = issued_to(**_customer_b(personas))
    ghost = issued_to(legal_name="Ghost BV", peppol_scheme="9915", peppol_id="kyte-rejected", country="NL")
    person = issued_to(legal_name="Jean Dupont", kind="person")
    client = login(personas.entrepreneur_a)
    base = f"/d/{personas.dossier_a.code}/kyte/invoices/"
    html = client.get(base).content.decode()
    assert 'data-testid="bulk-send"' in html and html.count('name="invoices"') == 3
    with django_capture_on_commit_callbacks(execute=True):  # the worker, woken when each sending commits
        response = client.post(
            base + "send/", {"invoices": [str(to_b.uuid), str(ghost.uuid), str(person.uuid)]}
        )
    assert response.status_code == 302 and "/sending/" in response.url
    html = client.get(response.url).content.decode()
    assert "2 of 2 finished" in html and "every 2s" not in html
    assert person.number in html and "e-mail address" in html  # refused, with what to do
    assert ghost.number in html and "refused the document" in html
    assert 'data-status="delivered">Delivered: 1<' in html and 'data-status="rejected">Rejected: 1<' in html
    html = client.get(base).content.decode()
    assert 'data-sending="delivered"' in html and 'data-sending="rejected"' in html
    # Another session cannot read this batch.
    assert login(personas.accountant).get(response.url).status_code == 404


def _invoice_response(code, reference, reason=""):
    status = f"<cac:Status><cbc:StatusReason>{reason}</cbc:StatusReason></cac:Status>" if reason else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ApplicationResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2" '
        'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3</cbc:CustomizationID>"
        "<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3</cbc:ProfileID>"
        f"<cbc:ID>resp-{code}</cbc:ID><cbc:IssueDate>2026-12-04</cbc:IssueDate>"
        f"<cac:DocumentResponse><cac:Response><cbc:ResponseCode>{code}</cbc:ResponseCode>{status}</cac:Response>"
        f"<cac:DocumentReference><cbc:ID>{reference}</cbc:ID></cac:DocumentReference></cac:DocumentResponse>"
        "</ApplicationResponse>"
    ).encode()


def test_invoice_responses_update_the_sending(
    login, issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    from peppol.identifiers import INVOICE_RESPONSE_DOCTYPE

    invoice = issued_to(**_customer_b(personas))
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    b = Participant.parse(f"0208:{personas.dossier_b.enterprise_number}")
    a = Participant.parse(f"0208:{personas.dossier_a.enterprise_number}")

    def respond(code, reason="", instance=None, reference=None):
        data = wrap(
            _invoice_response(code, reference or invoice.number, reason),
            sender=b,
            receiver=a,
            doctype=INVOICE_RESPONSE_DOCTYPE,
            instance_id=instance or f"response-{code}",
        )
        return inbound.receive(data, via="local")

    assert respond("AB") == (None, True)
    assert respond("RE", "Wrong purchase order number") == (None, True)
    assert respond("RE", "Wrong purchase order number") == (None, False)  # the same response again
    t.refresh_from_db()
    assert t.response == "RE" and t.responses.count() == 2
    kinds = [e.kind for e in t.events.all()]
    assert kinds[-2:] == ["response:AB", "response:RE"]
    html = (
        login(personas.entrepreneur_a)
        .get(f"/d/{personas.dossier_a.code}/kyte/invoices/{invoice.uuid}/")
        .content
    )
    assert b"Rejected by the customer" in html and b"Wrong purchase order number" in html
    with pytest.raises(inbound.InboundError):
        respond("AP", instance="other", reference="F-UNKNOWN")
    assert respond("PD", instance="paid")[1] and Transmission.objects.get().response == "PD"


def test_registry_follows_enterprise_numbers_and_hands_freed_identifiers_on(personas):
    from tests.factories import DossierFactory

    b = personas.dossier_b
    _activate(b)
    twin = DossierFactory(firm=personas.other_firm, enterprise_number=b.enterprise_number)
    _activate(twin)
    assert PeppolParticipant.objects.get(dossier=twin).state == ParticipantState.ELSEWHERE
    old_number = b.enterprise_number
    b.enterprise_number = "0202239951"
    b.save()
    services.participants_sync(dossier=b)  # B's number changed: its old identifier goes to the twin
    states = {(p.dossier_id, p.value): p.state for p in PeppolParticipant.objects.all()}
    assert states[(b.pk, old_number)] == ParticipantState.NOT_REGISTERED
    assert states[(b.pk, "0202239951")] == ParticipantState.REGISTERED
    assert states[(twin.pk, old_number)] == ParticipantState.REGISTERED


def test_beat_registers_dossiers_already_active(personas):
    KyteSubscription.objects.create(dossier=personas.dossier_a, status=Status.ACTIVE, mode=Mode.SELF_SERVICE)
    assert not PeppolParticipant.objects.exists()  # active before the registry existed
    assert services.participants_sync_all() == 1
    assert PeppolParticipant.objects.get(dossier=personas.dossier_a).state == ParticipantState.REGISTERED


def test_sweeper_gives_up_on_a_sending_that_keeps_killing_its_worker(
    issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(**_customer_b(personas))
    with mock.patch.object(services, "_wake"):
        t = services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
    Transmission.objects.filter(pk=t.pk).update(
        status="sending", attempts=8, lease_until=timezone.now() - timedelta(seconds=1)
    )
    with mock.patch.object(services, "_wake"):
        assert services.sweep()["requeued"] == 0
    t.refresh_from_db()
    assert (t.status, t.error_code) == ("failed", "worker_lost") and not ReceivedDocument.objects.exists()


def test_a_private_customer_gets_the_pdf_by_email_without_a_ubl(
    issued_to, personas, django_capture_on_commit_callbacks, smtp
):
    invoice = issued_to(legal_name="Jean Dupont", kind="person", email="jean@dupont.test")
    assert invoice.pdf and not invoice.ubl
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.channel, t.status) == ("email", "sent")
    names = [part.get_filename() for part in smtp.messages[-1]["message"].iter_attachments()]
    assert len(names) == 1 and names[0].endswith(".pdf")


def test_bulk_send_ignores_values_that_are_not_documents(login, personas, seller):
    response = login(personas.entrepreneur_a).post(
        f"/d/{seller.code}/kyte/invoices/send/", {"invoices": ["not-a-uuid", "'; drop"]}
    )
    assert response.status_code == 302 and not Transmission.objects.exists()


def test_received_document_page_in_french_names_the_sender(login, personas, receiver_b):
    from pathlib import Path

    from lxml import etree

    example = (
        Path(__file__).resolve().parents[2].parent / "shared" / "peppol" / "examples" / "base-example.xml"
    )
    payload = etree.tostring(etree.fromstring(example.read_bytes()), xml_declaration=True, encoding="UTF-8")
    document, _ = inbound.receive(_envelope(personas, payload), via="test")
    client = login(personas.entrepreneur_b)
    client.cookies["kyte_language"] = "fr"
    html = client.get(f"/d/{receiver_b.code}/kyte/received/{document.uuid}/").content.decode()
    assert "<dt>Expéditeur</dt>" in html and "<dt>Destinataire</dt>" in html
