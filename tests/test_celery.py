"""The Celery app runs on the configured broker: Redis when REDIS_URL is set (CI), the filesystem otherwise."""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from kyte.celery import app, ping


def test_broker_follows_the_settings():
    if os.environ.get("REDIS_URL"):
        assert app.conf.broker_url == settings.REDIS_URL
        assert app.conf.broker_transport_options["visibility_timeout"] >= 60
    else:
        assert app.conf.broker_url == "filesystem://"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_a_task_from_the_broker(tmp_path):
    if not os.environ.get("REDIS_URL"):
        folder = tmp_path / "queue"
        folder.mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(tmp_path),
            "store_processed": False,
        }
    backend = f"{settings.REDIS_URL}" if settings.REDIS_URL else "cache+memory://"
    app.conf.result_backend = backend
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert ping.delay().get(timeout=20) == "pong"
    finally:
        app.conf.result_backend = None
