import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyte.settings")

app = Celery("kyte")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="kyte.ping")
def ping() -> str:
    """Round-trip check used by the health of the worker (and by the tests of the broker set-up)."""
    return "pong"
