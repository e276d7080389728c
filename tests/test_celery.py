"""The Celery app runs on the configured broker: Redis when REDIS_URL is set (CI), the filesystem otherwise."""

import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from kyte.celery import app


@app.task(name="tests.mark_done")
def mark_done(key: str) -> None:
    cache.set(key, "done", 60)


def test_broker_follows_the_settings():
    if os.environ.get("REDIS_URL"):
        assert app.conf.broker_url == settings.REDIS_URL
        assert app.conf.broker_transport_options["visibility_timeout"] >= 60
    else:
        assert app.conf.broker_url == "filesystem://"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert "kyte-trial-expiry" in app.conf.beat_schedule


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_a_task_from_the_broker():
    app.control.purge()  # messages other tests queued without a worker (the broker is the configured one)
    key = f"kyte-test-{uuid.uuid4()}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            mark_done.delay(key)
            deadline = time.time() + 20
            while cache.get(key) is None and time.time() < deadline:
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = eager
    assert cache.get(key) == "done"
