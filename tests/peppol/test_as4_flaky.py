"""A flaky network: 100 invoices over AS4 to an access point on 127.0.0.1 that, for 30 % of the requests, accepts
then drops the connection, answers 503, or resets it. Every document arrives once; nothing is left pending."""

import statistics
import time
from unittest import mock

from django.utils import timezone

from peppol import services
from peppol.envelope import unwrap
from peppol.models import ReceivedDocument, Transmission
from tests.peppol.test_as4 import BUYER_FIELDS, net, pki_dir  # noqa: F401 - fixtures


def test_hundred_invoices_through_a_flaky_network_arrive_once_each(
    net,  # noqa: F811
    issued_to,
    personas,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.KYTE_PEPPOL_RETRY_BASE = 0.02  # seconds: the test runs the real backoff, fast
    settings.KYTE_PEPPOL_RETRY_CAP = 0.5
    settings.KYTE_PEPPOL_MAX_ATTEMPTS = 8
    with mock.patch(
        "invoicing.pdf.render_pdf", return_value=b"%PDF-1.7 flaky"
    ):  # PDFs are not under test here
        invoices = [issued_to(**BUYER_FIELDS) for _ in range(100)]
    net.ap.fault_rate = 0.3
    with mock.patch.object(services, "_wake"):  # this loop is the worker: no task queue
        for invoice in invoices:
            with django_capture_on_commit_callbacks(execute=True):
                services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            now = timezone.now()
            services.sweep(now=now)
            due = list(
                Transmission.objects.filter(status="queued", next_attempt_at__lte=now).values_list(
                    "pk", flat=True
                )
            )
            for pk in due:
                services.transmission_process(pk)
            if not Transmission.objects.filter(status__in=["queued", "sending"]).exists():
                break
            time.sleep(0.01)
    rows = list(Transmission.objects.all())
    assert {t.status for t in rows} == {"delivered"}
    assert not Transmission.objects.filter(status__in=["queued", "sending"]).exists()
    assert all(1 <= t.attempts <= 8 for t in rows) and sum(t.attempts for t in rows) > 100  # faults happened
    instance_ids = [unwrap(body).instance_id for body in net.ap.delivered]
    assert len(instance_ids) == 100 and len(set(instance_ids)) == 100  # 100 distinct documents, 0 duplicates
    assert not ReceivedDocument.objects.exists()  # they went to the other access point, not to us
    seconds = sorted((t.sent_at - t.created_at).total_seconds() for t in rows)
    print(
        f"\nflaky network: {len(net.ap.bodies)} requests for 100 documents, "
        f"time to sent p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {seconds[98] * 1000:.0f} ms, "
        f"max attempts {max(t.attempts for t in rows)}"
    )
