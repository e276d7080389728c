"""A Peppol network on 127.0.0.1 for the AS4 tests: a dnslib DNS server for the SML zone, an SMP serving signed
ServiceMetadata, and a second access point (POP000002) built on the `as4` package."""

from __future__ import annotations

import base64
import http.server
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from dnslib import NAPTR, QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSServer
from lxml import etree

from peppol.identifiers import DOCTYPE_SCHEME, PARTICIPANT_SCHEME, TRANSPORT_PROFILE, Participant
from tests.peppol import pki

ZONE = "sml.kyte.test"
SMP_NS = "http://busdox.org/serviceMetadata/publishing/1.0/"
WSA_NS = "http://www.w3.org/2005/08/addressing"


class SML(BaseResolver):
    def __init__(self):
        self.records: dict[str, str] = {}  # DNS name → SMP base URL

    def register(self, participant: Participant, smp_url: str) -> None:
        self.records[participant.sml_name(ZONE)] = smp_url

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        url = self.records.get(name)
        if url and request.q.qtype == QTYPE.NAPTR:
            rdata = NAPTR(100, 10, b"U", b"Meta:SMP", f"!^.*$!{url}!".encode(), ".")
            reply.add_answer(RR(name, QTYPE.NAPTR, rdata=rdata, ttl=60))
        elif not url:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


@dataclass
class SMP:
    """Serves `GET /{participant}/services/{doctype}` as SignedServiceMetadata, signed with `signer` (stem)."""

    pki_dir: Path
    endpoints: dict[str, tuple[str, str]] = field(default_factory=dict)  # participant → (AS4 URL, cert stem)
    signer: str = "smp"
    url: str = ""

    def metadata(self, participant: str, doctype: str) -> bytes | None:
        if participant not in self.endpoints:
            return None
        address, stem = self.endpoints[participant]
        der = pki.load_cert(self.pki_dir / f"{stem}.pem").public_bytes(serialization.Encoding.DER)
        root = etree.Element(f"{{{SMP_NS}}}SignedServiceMetadata", nsmap={None: SMP_NS, "wsa": WSA_NS})
        info = etree.SubElement(
            etree.SubElement(root, f"{{{SMP_NS}}}ServiceMetadata"), f"{{{SMP_NS}}}ServiceInformation"
        )
        etree.SubElement(
            info, f"{{{SMP_NS}}}ParticipantIdentifier", scheme=PARTICIPANT_SCHEME
        ).text = participant
        etree.SubElement(info, f"{{{SMP_NS}}}DocumentIdentifier", scheme=DOCTYPE_SCHEME).text = doctype
        process = etree.SubElement(etree.SubElement(info, f"{{{SMP_NS}}}ProcessList"), f"{{{SMP_NS}}}Process")
        etree.SubElement(
            process, f"{{{SMP_NS}}}ProcessIdentifier", scheme="cenbii-procid-ubl"
        ).text = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
        endpoint = etree.SubElement(
            etree.SubElement(process, f"{{{SMP_NS}}}ServiceEndpointList"),
            f"{{{SMP_NS}}}Endpoint",
            transportProfile=TRANSPORT_PROFILE,
        )
        reference = etree.SubElement(endpoint, f"{{{WSA_NS}}}EndpointReference")
        etree.SubElement(reference, f"{{{WSA_NS}}}Address").text = address
        etree.SubElement(endpoint, f"{{{SMP_NS}}}RequireBusinessLevelSignature").text = "false"
        etree.SubElement(endpoint, f"{{{SMP_NS}}}Certificate").text = base64.b64encode(der).decode()
        etree.SubElement(endpoint, f"{{{SMP_NS}}}ServiceDescription").text = "test AP"
        etree.SubElement(endpoint, f"{{{SMP_NS}}}TechnicalContactUrl").text = "https://kyte.test"
        from signxml import XMLSigner

        signed = XMLSigner(c14n_algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315").sign(
            root,
            key=(self.pki_dir / f"{self.signer}.key").read_bytes(),
            cert=(self.pki_dir / f"{self.signer}.pem").read_bytes().decode(),
        )
        return etree.tostring(signed)


def serve(handler_factory) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_factory)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def smp_handler(smp: SMP):
    from urllib.parse import unquote

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API
            parts = self.path.strip("/").split("/services/")
            body = None
            if len(parts) == 2:
                participant = unquote(parts[0]).split("::", 1)[-1]
                doctype = unquote(parts[1]).split("::", 1)[-1]
                body = smp.metadata(participant, doctype)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    return Handler


@dataclass
class TestAP:
    """The second access point (POP000002): verifies, decrypts, keeps the payloads, answers signed receipts.
    `faults` is a list of what to do with the next requests: "503", "reset", "accept-then-timeout"."""

    pki_dir: Path
    serviced: set[str] = field(default_factory=set)
    delivered: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    seen: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fault_rate: float = 0.0  # besides `faults`: this share of requests gets a random fault
    rng: random.Random = field(default_factory=lambda: random.Random(30))  # noqa: S311 - test faults

    def party(self):
        from as4 import AS4LocalPrivateKey
        from as4.peppol import create_peppol_internal_party

        return create_peppol_internal_party(
            party_id="POP000002",
            certificate=pki.load_cert(self.pki_dir / "POP000002.pem"),
            private_key=AS4LocalPrivateKey(pki.load_key(self.pki_dir / "POP000002.key")),
        )

    def handle(self, headers: dict, body: bytes) -> tuple[dict, bytes]:
        from as4 import ParticipantNotServicedError
        from as4.peppol import parse_peppol_message, peppol_security_policy

        def accept(participant: str) -> None:
            if participant.lower() not in self.serviced:
                raise ParticipantNotServicedError(participant)

        policy = peppol_security_policy(
            pki.load_cert(self.pki_dir / "root-ca.pem"),
            intermediates=[pki.load_cert(self.pki_dir / "ap-ca.pem")],
        )
        exchange = parse_peppol_message(
            request_headers=headers,
            request_body=body,
            local_party=self.party(),
            accept_participant=accept,
            security_policy=policy,
        )
        if exchange.successful:
            key = (exchange.remote_party.identity.party_id, exchange.message_id)
            with self.lock:
                if key in self.seen:
                    return self.seen[key]
                self.delivered.append(next(iter(exchange.message.decrypted_data.values())))
                self.seen[key] = exchange.build_signal()
                return self.seen[key]
        return exchange.build_signal()


def ap_handler(ap: TestAP):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with ap.lock:
                ap.bodies.append(body)
                fault = ap.faults.pop(0) if ap.faults else ""
                if not fault and ap.rng.random() < ap.fault_rate:
                    fault = ap.rng.choice(["503", "reset", "accept-then-timeout"])
            if fault.startswith("slow"):  # a slow access point: the sender is still waiting
                time.sleep(float(fault.split(":")[1]))
            if fault == "503":
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault == "reset":
                self.connection.close()
                return
            headers, signal = ap.handle(dict(self.headers.items()), body)
            if fault == "accept-then-timeout":
                self.connection.close()  # delivered, but the sender never sees the receipt
                return
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(signal)))
            self.end_headers()
            self.wfile.write(signal)

        def log_message(self, *args):
            pass

    return Handler


def start_dns(sml: SML) -> tuple[DNSServer, int]:
    server = DNSServer(sml, port=0, address="127.0.0.1")
    server.start_thread()
    return server, server.server.server_address[1]
