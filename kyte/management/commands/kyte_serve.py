"""`make run`: the web server plus a Celery worker (with beat) on the embedded defaults, stopped together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand


def _stop(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Serve Kyte for development: runserver + Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        # SIGTERM (e.g. from a supervisor) stops the children too, like Ctrl-C does.
        signal.signal(signal.SIGTERM, _stop)
        for name in ("queue", "processed"):
            (settings.VAR_DIR / "celery" / name).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
        worker = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kyte",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
            env=env,
        )
        url = f"http://{host}:{port}/"
        self.stdout.write(
            self.style.SUCCESS(f"\nKyte is starting on {url}  (Ctrl-C stops the server and the worker)\n")
        )
        self.stdout.write("Demo logins (password: kyte-demo-2026):\n")
        from accounts.demo import DEMO_PASSWORD, demo_logins

        for role, email in demo_logins():
            self.stdout.write(f"  {role:<44} {email}")
        self.stdout.write(f"  (password for all: {DEMO_PASSWORD})\n")
        try:
            web = subprocess.Popen([sys.executable, "manage.py", "runserver", f"{host}:{port}"], env=env)  # noqa: S603
            while web.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for proc in (locals().get("web"), worker):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in (locals().get("web"), worker):
                if proc is not None:
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
