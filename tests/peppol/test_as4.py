"""Peppol over real AS4 on 127.0.0.1: discovery through a dnslib SML and a signed SMP, Kyte sending to a second
access point and receiving from it, Kyte to Kyte through its own endpoint, and the negative cases."""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from peppol import discovery, services
from peppol.envelope import unwrap
from peppol.identifiers import INVOICE_DOCTYPE, Participant
from peppol.models import AS4Inbound, ReceivedDocument, Transmission
from peppol.transport.base import NotRegistered, Rejected, TemporaryFailure
from tests.peppol import network, pki
from tests.peppol.conftest import _customer_b

BUYER = Participant.parse("0208:0202239951")  # served by the second access point


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory) -> Path:
    return pki.generate(tmp_path_factory.mktemp("pki"))


@dataclass
class Net:
    sml: network.SML
    smp: network.SMP
    ap: network.TestAP
    ap_url: str
    dns: object
    dns_port: int


@pytest.fixture
def net(pki_dir, settings):
    sml = network.SML()
    dns_server, port = network.start_dns(sml)
    smp = network.SMP(pki_dir)
    smp_server, smp.url = network.serve(network.smp_handler(smp))
    ap = network.TestAP(pki_dir, serviced={str(BUYER)})
    ap_server, ap_url = network.serve(network.ap_handler(ap))
    sml.register(BUYER, smp.url)
    smp.endpoints[str(BUYER)] = (ap_url + "/as4", "POP000002")
    settings.KYTE_PEPPOL_BACKEND = "as4"
    settings.KYTE_PEPPOL_SML_ZONE = network.ZONE
    settings.KYTE_PEPPOL_DNS = [f"127.0.0.1:{port}"]
    settings.KYTE_PEPPOL_DNS_TIMEOUT = 1
    settings.KYTE_PEPPOL_HTTP_TIMEOUT = 5
    settings.KYTE_PEPPOL_SMP_ALLOW_HTTP = True
    settings.KYTE_PEPPOL_SMP_TRUST = str(pki_dir / "root-ca.pem")
    settings.KYTE_AS4_SEAT_ID = "POP000001"
    settings.KYTE_AS4_KEY = str(pki_dir / "POP000001.key")
    settings.KYTE_AS4_CERT = str(pki_dir / "POP000001.pem")
    settings.KYTE_AS4_TRUST = str(pki_dir / "root-ca.pem")
    settings.KYTE_AS4_INTERMEDIATES = str(pki_dir / "ap-ca.pem")
    yield Net(sml, smp, ap, ap_url, dns_server, port)
    for server in (smp_server, ap_server):
        server.shutdown()
    dns_server.stop()


def test_sml_labels_follow_the_test_vectors():
    from peppol.identifiers import sml_label

    assert sml_label("9915:test") == "eh5boavaktmbgzyh2a63dz4qov33fvp5nsdvqklucfraayoodw6a"
    assert sml_label("0088:1234567890123") == "sjsyvccmqyjxk3weuapffq4x3umcrf4qryherj4vovhmonh7gccq"
    assert (
        sml_label("0088:123abc")
        == sml_label("0088:123ABC")
        == "y7dzfxaf3d4cjz4kcgrxtec6twvcga4ky7zwa5boif6mswd4tdrq"
    )
    assert sml_label("0010:5798000000001") == "xukhfqabqziki3ykvr2fhr4snfa3pf5vpq6k4tonv3lmvsy5arvq"


def test_discovery_finds_the_signed_endpoint(net):
    found = discovery.endpoint(BUYER, INVOICE_DOCTYPE)
    assert found.url == net.ap_url + "/as4" and found.seat_id == "POP000002"
    with pytest.raises(NotRegistered, match="not registered"):
        discovery.endpoint(Participant.parse("0208:0403170701"), INVOICE_DOCTYPE)


def test_smp_signed_by_an_untrusted_key_is_refused(net):
    net.smp.signer = "rogue-smp"
    with pytest.raises(Rejected) as caught:
        discovery.endpoint(BUYER, INVOICE_DOCTYPE)
    assert caught.value.code == "smp_signature_invalid"


def test_dns_down_is_a_temporary_failure(net):
    net.dns.stop()
    with pytest.raises(TemporaryFailure):
        discovery.endpoint(BUYER, INVOICE_DOCTYPE)


def _send(invoice, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transmission = services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
    transmission.refresh_from_db()
    return transmission


BUYER_FIELDS = {
    "legal_name": "Garage Lejeune SA",
    "enterprise_number": "0202239951",
    "vat_number": "BE0202239951",
}


def test_kyte_sends_to_the_second_access_point_and_keeps_its_signed_receipt(
    net, issued_to, personas, django_capture_on_commit_callbacks
):
    invoice = issued_to(**BUYER_FIELDS)
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.channel, t.status, t.attempts) == ("peppol", "delivered", 1), t.detail
    assert "Receipt" in t.evidence and "NonRepudiationInformation" in t.evidence
    assert len(net.ap.delivered) == 1
    envelope = unwrap(net.ap.delivered[0])
    assert envelope.payload == invoice.ubl.read()  # the stored payload equals what was sent
    assert envelope.instance_id == str(t.instance_id)


def test_a_retry_resends_the_same_message_and_delivers_once(
    net, issued_to, personas, django_capture_on_commit_callbacks
):
    net.ap.faults = ["accept-then-timeout"]  # delivered, but Kyte never sees the receipt
    invoice = issued_to(**BUYER_FIELDS)
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.status, t.error_code) == ("queued", "temporary")
    assert services.transmission_process(t.pk, now=t.next_attempt_at) == "delivered"
    t.refresh_from_db()
    assert t.attempts == 2 and len(net.ap.bodies) == 2 and net.ap.bodies[0] == net.ap.bodies[1]
    assert len(net.ap.delivered) == 1  # the same MessageId: a duplicate for the receiver


def test_unknown_recipient_at_the_receiving_access_point_fails_at_once(
    net, issued_to, personas, django_capture_on_commit_callbacks
):
    net.ap.serviced.clear()
    invoice = issued_to(**BUYER_FIELDS)
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.status, t.error_code, t.attempts) == ("failed", "not_serviced", 1)
    assert "PEPPOL:NOT_SERVICED" in t.detail


def test_503_and_reset_are_retried(net, issued_to, personas, django_capture_on_commit_callbacks):
    net.ap.faults = ["503", "reset"]
    invoice = issued_to(**BUYER_FIELDS)
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert t.status == "queued"
    assert services.transmission_process(t.pk, now=t.next_attempt_at) == "retry"
    t.refresh_from_db()
    assert services.transmission_process(t.pk, now=t.next_attempt_at) == "delivered"
    assert len(net.ap.delivered) == 1


# --- Kyte receiving: a message built by the second access point, posted to Kyte's endpoint -------------------


def _message(
    pki_dir, *, recipient, stem="POP000002", to_seat="POP000001", to_stem="POP000001", message_id=None
):
    from as4 import AS4LocalPrivateKey, AS4References
    from as4.peppol import (
        BusdoxDocidQnsDocumentIdentifier,
        PeppolAS4MessageBuilderArgs,
        PeppolAS4Profile,
        PeppolSendingExchange,
        create_peppol_external_party,
        create_peppol_internal_party,
    )

    local = create_peppol_internal_party(
        party_id="POP000002",
        certificate=pki.load_cert(pki_dir / f"{stem}.pem"),
        private_key=AS4LocalPrivateKey(pki.load_key(pki_dir / f"{stem}.key")),
    )
    remote = create_peppol_external_party(to_seat, pki.load_cert(pki_dir / f"{to_stem}.pem"))
    exchange = PeppolSendingExchange(
        profile=PeppolAS4Profile,
        local_party=local,
        remote_party=remote,
        identifiers=AS4References(message_id=message_id) if message_id else AS4References(),
    )
    example = (
        Path(__file__).resolve().parents[2].parent / "shared" / "peppol" / "examples" / "base-example.xml"
    )
    from lxml import etree

    payload = etree.tostring(etree.fromstring(example.read_bytes()), xml_declaration=True, encoding="UTF-8")
    headers, body = exchange.build(
        payload,
        PeppolAS4MessageBuilderArgs(
            sender="0208:0202239951",
            recipient=recipient,
            document_type_identifier=BusdoxDocidQnsDocumentIdentifier.from_identifier_value(INVOICE_DOCTYPE),
            document_identification_instance_identifier=message_id or "instance-1",
            process_identifier="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
            c1_country_id="BE",
        ),
    )
    return exchange, headers, body, payload


def _post(client, headers, body):
    return client.generic("POST", "/peppol/as4/", body, content_type=headers["Content-Type"])


def _signal_error(response) -> str:
    text = response.content.decode()
    return text


def test_kyte_receives_verifies_and_answers_with_a_signed_receipt(client, net, pki_dir, receiver_b, personas):
    recipient = f"0208:{receiver_b.enterprise_number}"
    exchange, headers, body, payload = _message(pki_dir, recipient=recipient, message_id="m1@ap2")
    response = _post(client, headers, body)
    assert response.status_code == 200
    exchange.receive_signal(response.content)  # the sender verifies our signed receipt
    assert exchange.state.name == "ACKNOWLEDGED"
    document = ReceivedDocument.objects.get()
    assert document.dossier == receiver_b and document.via == "as4" and document.ubl.read() == payload
    # The same message again: the same receipt, no second delivery.
    again = _post(client, headers, body)
    assert again.content == response.content and ReceivedDocument.objects.count() == 1
    assert AS4Inbound.objects.count() == 1


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("untrusted", "EBMS:0101"),
        ("tampered", "EBMS:0102"),
        ("unknown_recipient", "PEPPOL:NOT_SERVICED"),
        ("wrong_seat", "EBMS:0003"),
    ],
)
def test_kyte_refuses_bad_messages_with_the_right_ebms_error(
    client, net, pki_dir, receiver_b, case, expected
):
    recipient = f"0208:{receiver_b.enterprise_number}"
    kwargs = {"recipient": recipient}
    if case == "untrusted":
        kwargs["stem"] = "rogue-POP000001"
    if case == "unknown_recipient":
        kwargs["recipient"] = "0208:0403170701"
    if case == "wrong_seat":
        kwargs["to_seat"] = "POP000009"
    _exchange, headers, body, _payload = _message(pki_dir, **kwargs)
    if case == "tampered":
        index = len(body) - 200
        body = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
    response = _post(client, headers, body)
    assert response.status_code == 200 and expected in response.content.decode()
    assert not ReceivedDocument.objects.exists() and not AS4Inbound.objects.exists()


def test_oversize_body_is_refused_before_parsing(client, net, settings, receiver_b):
    settings.KYTE_PEPPOL_MAX_BYTES = 2048
    response = client.generic(
        "POST", "/peppol/as4/", b"x" * 4096, content_type="multipart/related; boundary=x"
    )
    assert response.status_code == 413 and not ReceivedDocument.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_kyte_to_kyte_through_discovery_and_its_own_as4_endpoint(
    net, live_server, issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    participant = Participant.parse(f"0208:{receiver_b.enterprise_number}")
    net.sml.register(participant, net.smp.url)
    net.smp.endpoints[str(participant)] = (live_server.url + "/peppol/as4/", "POP000001")
    invoice = issued_to(**_customer_b(personas))
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.status, t.attempts) == ("delivered", 1), t.detail
    received = ReceivedDocument.objects.get()
    assert received.dossier == receiver_b and received.via == "as4"
    assert received.ubl.read() == invoice.ubl.read()
    assert AS4Inbound.objects.get().document == received
    assert connection.vendor in ("postgresql", "sqlite")
    assert Transmission.objects.get().wire  # the message as sent, kept for a retry


def test_a_dossier_can_use_another_backend_than_the_installation(
    net, issued_to, receiver_b, personas, django_capture_on_commit_callbacks
):
    from peppol.models import DossierTransport

    DossierTransport.objects.create(dossier=personas.dossier_a, backend="local")  # the installation says as4
    invoice = issued_to(**_customer_b(personas))
    t = _send(invoice, personas, django_capture_on_commit_callbacks)
    assert (t.backend, t.status) == ("local", "delivered")
    assert ReceivedDocument.objects.get().via == "local" and not net.ap.bodies
