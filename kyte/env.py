"""Strict readers for settings that come from the environment.

A malformed value stops start-up with an error naming the variable, instead of silently becoming a default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use one of: true, false, 1, 0, yes, no).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item; separate values with single commas.")
    return items


def env_database(name: str, default: str) -> dict:
    url = _raw(name) or default
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}: unsupported database URL scheme {scheme!r} (use postgres:// or sqlite:///)."
        )
    try:
        config = dj_database_url.parse(
            url, conn_max_age=0 if scheme == "sqlite" else 60, conn_health_checks=True
        )
    except Exception as exc:  # dj_database_url raises several types
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database (…/dbname).")
    return config


def env_redis_url(name: str) -> str | None:
    url = _raw(name)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"} or (parts.scheme != "unix" and not parts.hostname):
        raise ImproperlyConfigured(f"{name}={url!r} is not a Redis URL (redis://host:6379/0).")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={url!r} has a malformed port.") from None
    return url


def env_email(name: str) -> dict:
    """The default mailer (Django's MAILERS) from EMAIL_URL=smtp://user:pass@host:587?tls=1 | smtps://… |
    console: | file:///path. Unset: the console."""
    url = _raw(name)
    if url is None:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} must name the SMTP host (smtp://host:port).")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a malformed port.") from None
        query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
        tls = query.get("tls", "0").lower()
        if tls not in _TRUE | _FALSE:
            raise ImproperlyConfigured(f"{name}: tls={tls!r} is not a boolean.")
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname,
                "port": port,
                "username": parts.username or "",
                "password": parts.password or "",
                "use_ssl": parts.scheme == "smtps",
                "use_tls": tls in _TRUE,
                "timeout": 20,
            },
        }
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parts.path},
        }
    raise ImproperlyConfigured(
        f"{name}: unsupported scheme {parts.scheme!r} (use smtp://, smtps://, console: or file://)."
    )


def secret_key(name: str, fallback_file: Path) -> str:
    """Read SECRET_KEY, or generate one once into var/ (never committed)."""
    value = _raw(name)
    if value is not None:
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters long.")
        return value
    if fallback_file.exists():
        return fallback_file.read_text().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(fallback_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (web or worker) wrote it first
        return fallback_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def env_path(name: str, default: Path, *, base: Path) -> Path:
    value = _raw(name)
    if value is None:
        return default
    path = Path(value)
    return path if path.is_absolute() else (base / path).resolve()
