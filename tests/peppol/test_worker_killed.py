"""A real Celery worker (prefork) whose child is killed with SIGKILL in the middle of an AS4 send: the task comes
back (acks_late + reject_on_worker_lost), the lease keeps it from running twice at once, the sweeper hands it on
after the lease, the same message is re-sent, and the receiving access point delivers it once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from peppol import services
from peppol.models import Transmission
from tests.peppol.test_as4 import BUYER_FIELDS, net, pki_dir  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_child_killed_mid_send_gives_one_delivery(
    net,  # noqa: F811
    issued_to,
    personas,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("a worker process needs PostgreSQL and Redis (CI sets DATABASE_URL and REDIS_URL)")
    from kyte.celery import app

    invoice = issued_to(**BUYER_FIELDS)
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "KYTE_PEPPOL_BACKEND": "as4",
        "KYTE_PEPPOL_SML_ZONE": settings.KYTE_PEPPOL_SML_ZONE,
        "KYTE_PEPPOL_DNS": ",".join(settings.KYTE_PEPPOL_DNS),
        "KYTE_PEPPOL_SMP_ALLOW_HTTP": "true",
        "KYTE_PEPPOL_SMP_TRUST": settings.KYTE_PEPPOL_SMP_TRUST,
        "KYTE_PEPPOL_HTTP_TIMEOUT": "10",
        "KYTE_AS4_SEAT_ID": settings.KYTE_AS4_SEAT_ID,
        "KYTE_AS4_KEY": settings.KYTE_AS4_KEY,
        "KYTE_AS4_CERT": settings.KYTE_AS4_CERT,
        "KYTE_AS4_TRUST": settings.KYTE_AS4_TRUST,
        "KYTE_AS4_INTERMEDIATES": settings.KYTE_AS4_INTERMEDIATES,
    }
    app.control.purge()
    net.ap.faults = ["slow:4"]  # the first request hangs: the worker child is killed while it waits
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kyte",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: _children(worker.pid), 30, "the worker's child")
        with django_capture_on_commit_callbacks(execute=True):
            t = services.invoice_send(invoice=invoice, actor=personas.entrepreneur_a)
        _wait(lambda: net.ap.bodies, 30, "the first request at the access point")
        for child in _children(worker.pid):
            os.kill(child, signal.SIGKILL)
        # The task comes back to a new child, which finds the sending still leased and leaves it.
        _wait(lambda: "not claimed" in (tmp_path / "worker.log").read_text(), 30, "the redelivered task")
        t.refresh_from_db()
        assert t.status == "sending" and t.attempts == 1
        # After the lease, the sweeper hands it to the worker again; the same message is re-sent.
        assert (
            services.sweep(now=timezone.now() + timedelta(seconds=settings.KYTE_PEPPOL_LEASE_SECONDS + 1))[
                "requeued"
            ]
            == 1
        )
        _wait(lambda: Transmission.objects.get(pk=t.pk).status == "delivered", 60, "the delivery")
    finally:
        app.conf.task_always_eager = eager
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    t.refresh_from_db()
    assert t.attempts == 2
    assert len(net.ap.delivered) == 1  # killed mid-send, sent again: one delivery
    assert len(net.ap.bodies) == 2 and net.ap.bodies[0] == net.ap.bodies[1]
