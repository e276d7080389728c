"""Peppol pipeline benchmark (run on demand, not in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kyte_bench KYTE_PEPPOL_BACKEND=local \
        .venv/bin/python bench/peppol.py [--invoices 200] [--workers 2]

Per document, through the whole pipeline — issue (with the Peppol pre-check) → UBL → envelope → send → receive →
inbox — on the local backend, then over AS4 on loopback (a dnslib SML, a signed SMP, Kyte's own AS4 endpoint
served by a WSGI server thread) with N worker threads. Prints documents per second, median and p95 per document,
and the share of the time spent in validation and in AS4 crypto (build, parse/decrypt/verify, receipt check).
The PDF is a fixed small file here: its rendering is measured in bench/invoicing.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import configure, seller, test_database  # noqa: E402

configure()

TIMES: dict[str, float] = defaultdict(float)
LOCK = threading.Lock()


def timed(name, function):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            with LOCK:
                TIMES[name] += time.perf_counter() - t0

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with test_database(postgres_only=True):
        run(args)


def _world():
    from accounts.models import Dossier, DossierMembership
    from billing.models import KyteSubscription, Mode, Status
    from invoicing import services as invoicing
    from peppol import services

    firm, a, user = seller()
    b = Dossier.objects.create(
        firm=firm,
        legal_name="Buyer SA",
        enterprise_number="0202239951",
        vat_number="BE0202239951",
        street="Rue 2",
        postal_code="1000",
        city="Bruxelles",
        iban="BE68539007547034",
        email="b@b.test",
    )
    DossierMembership.objects.create(dossier=b, user=user, role="owner")
    KyteSubscription.objects.create(dossier=b, status=Status.ACTIVE, mode=Mode.SELF_SERVICE)
    for d in (a, b):
        services.participants_sync(dossier=d)
    customer = invoicing.customer_create(
        dossier=a,
        actor=user,
        legal_name=b.legal_name,
        enterprise_number=b.enterprise_number,
        vat_number=b.vat_number,
        street=b.street,
        postal_code=b.postal_code,
        city=b.city,
        country="BE",
    )
    return a, b, user, customer


LINE = {
    "description": "Consultance",
    "quantity": "3",
    "unit": "HUR",
    "unit_price": "85",
    "discount_percent": "0",
    "vat_case": "standard",
    "vat_rate": "21",
}


def _pipeline(label, count, workers, seller, user, customer):
    from django.db import connections, transaction

    from invoicing import services as invoicing
    from invoicing.tasks import render_invoice_pdf
    from peppol import services
    from peppol.models import ReceivedDocument, Transmission

    TIMES.clear()
    before = ReceivedDocument.objects.count()
    started = time.perf_counter()
    created: dict[int, float] = {}
    finished: dict[int, float] = {}
    issuing: list[float] = []
    sending: dict[int, float] = defaultdict(float)
    for _ in range(count):
        t0 = time.perf_counter()
        draft = invoicing.invoice_create(dossier=seller, actor=user, customer=customer)
        invoicing.invoice_save_draft(invoice=draft, actor=user, data={}, lines=[dict(LINE)])
        with transaction.atomic():
            invoice = invoicing.invoice_issue(invoice=draft, actor=user)
        render_invoice_pdf(invoice.pk)  # the UBL with its (fixed, small) PDF
        invoice.refresh_from_db()
        transmission = services.invoice_send(invoice=invoice, actor=user)
        created[transmission.pk] = t0
        issuing.append((time.perf_counter() - t0) * 1000)
    sent_from = time.perf_counter()
    queue = list(created)
    lock = threading.Lock()

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    pk = queue.pop(0)
                t1 = time.perf_counter()
                result = services.transmission_process(pk)
                sending[pk] += (time.perf_counter() - t1) * 1000
                if result in ("delivered", "sent", "failed", "rejected"):
                    finished[pk] = time.perf_counter()
                elif result == "retry":
                    time.sleep(0.05)
                    with lock:
                        queue.append(pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    send_elapsed = time.perf_counter() - sent_from
    per_doc = sorted(sending[pk] for pk in finished)
    issuing.sort()
    received = ReceivedDocument.objects.count() - before
    statuses = set(Transmission.objects.filter(pk__in=created).values_list("status", flat=True))
    print(
        f"{label}: {count} documents, {received} received ({', '.join(sorted(statuses))}); whole pipeline "
        f"{count / elapsed:.1f} per second; issue + UBL (one process) median {statistics.median(issuing):.0f} ms, "
        f"p95 {issuing[int(len(issuing) * 0.95) - 1]:.0f} ms; send → inbox with {workers} worker(s) "
        f"{count / send_elapsed:.1f} per second, per document median {statistics.median(per_doc):.0f} ms, "
        f"p95 {per_doc[int(len(per_doc) * 0.95) - 1]:.0f} ms"
    )
    busy = elapsed * workers  # the worker threads' time, plus the issuing before them
    parts = ", ".join(f"{name} {seconds / busy * 100:.0f} %" for name, seconds in sorted(TIMES.items()))
    print(f"  share of the busy time: {parts} (the rest: issuing, storage, HTTP and our own code)")


def run(args) -> None:
    import peppol.validation
    from peppol import services

    # Validation runs twice per document: the pre-check at issue and the check of what is received.
    validate = timed("validation", peppol.validation.validate)
    patches = [
        mock.patch("peppol.validation.validate", validate),
        mock.patch("invoicing.pdf.render_pdf", return_value=b"%PDF-1.7 bench"),
        mock.patch.object(services, "_wake"),
    ]
    for patch in patches:
        patch.start()
    seller, buyer, user, customer = _world()
    _pipeline("local", args.invoices, args.workers, seller, user, customer)
    _as4(args, seller, user, customer, buyer)
    for patch in patches:
        patch.stop()


def _as4(args, seller, user, customer, buyer):
    import tempfile
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    import as4.peppol
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from peppol.identifiers import Participant
    from tests.peppol import network, pki

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    directory = Path(tempfile.mkdtemp(prefix="kyte-bench-pki-"))
    pki.generate(directory)
    sml = network.SML()
    dns_server, port = network.start_dns(sml)
    smp = network.SMP(directory)
    smp_server, smp.url = network.serve(network.smp_handler(smp))
    web = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=Server, handler_class=Quiet)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{web.server_address[1]}/peppol/as4/"
    participant = Participant.parse(f"0208:{buyer.enterprise_number}")
    sml.register(participant, smp.url)
    smp.endpoints[str(participant)] = (url, "POP000001")
    settings.KYTE_PEPPOL_BACKEND = "as4"
    settings.KYTE_PEPPOL_SML_ZONE = network.ZONE
    settings.KYTE_PEPPOL_DNS = [f"127.0.0.1:{port}"]
    settings.KYTE_PEPPOL_SMP_ALLOW_HTTP = True
    settings.KYTE_PEPPOL_SMP_TRUST = str(directory / "root-ca.pem")
    settings.KYTE_AS4_SEAT_ID = "POP000001"
    settings.KYTE_AS4_KEY = str(directory / "POP000001.key")
    settings.KYTE_AS4_CERT = str(directory / "POP000001.pem")
    settings.KYTE_AS4_TRUST = str(directory / "root-ca.pem")
    settings.KYTE_AS4_INTERMEDIATES = str(directory / "ap-ca.pem")
    settings.ALLOWED_HOSTS = ["*"]
    crypto = [
        mock.patch.object(
            as4.peppol.PeppolSendingExchange,
            "build",
            timed("as4 build", as4.peppol.PeppolSendingExchange.build),
        ),
        mock.patch.object(
            as4.peppol.PeppolSendingExchange,
            "receive_signal",
            timed("as4 receipt check", as4.peppol.PeppolSendingExchange.receive_signal),
        ),
        mock.patch("as4.peppol.parse_peppol_message", timed("as4 parse", as4.peppol.parse_peppol_message)),
    ]
    for patch in crypto:
        patch.start()
    try:
        _pipeline("as4 loopback", args.invoices, args.workers, seller, user, customer)
    finally:
        for patch in crypto:
            patch.stop()
        web.shutdown()
        smp_server.shutdown()
        dns_server.stop()


if __name__ == "__main__":
    main()
