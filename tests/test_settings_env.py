import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kyte import env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_malformed_boolean_is_an_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SOME_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env.env_bool("SOME_FLAG", False)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("YES", True), ("off", False)])
def test_booleans_are_read(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert env.env_bool("SOME_FLAG", not expected) is expected


def test_unset_boolean_takes_the_default(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    assert env.env_bool("SOME_FLAG", True) is True


@pytest.mark.parametrize("url", ["mysql://x@y/z", "postgres://127.0.0.1:5432/", "nonsense"])
def test_bad_database_url_is_rejected(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.env_database("DATABASE_URL", "sqlite:///x.sqlite3")


def test_postgres_url_is_parsed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://kyte:secret@db:5433/kyte")
    config = env.env_database("DATABASE_URL", "sqlite:///x")
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"]) == (
        "django.db.backends.postgresql",
        "db",
        5433,
        "kyte",
    )


@pytest.mark.parametrize("url", ["http://redis:6379", "redis://:6379/0", "redis://host:port/0"])
def test_bad_redis_url_is_rejected(monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env.env_redis_url("REDIS_URL")


def test_email_url_configures_smtp(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://me:pw@mail.example:2525?tls=1")
    config = env.env_email("EMAIL_URL")
    assert config["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["OPTIONS"]["host"] == "mail.example"
    assert config["OPTIONS"]["port"] == 2525
    assert config["OPTIONS"]["use_tls"] is True
    assert config["OPTIONS"]["username"] == "me"


def test_email_defaults_to_the_console(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    assert env.env_email("EMAIL_URL")["BACKEND"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize("url", ["smtp://mail.example?tls=perhaps", "pigeon://x", "smtp://"])
def test_bad_email_url_is_rejected(monkeypatch, url):
    monkeypatch.setenv("EMAIL_URL", url)
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env.env_email("EMAIL_URL")


def test_secret_key_is_generated_once_into_var(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    path = tmp_path / "var" / "secret_key"
    first = env.secret_key("SECRET_KEY", path)
    assert len(first) >= 50
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert env.secret_key("SECRET_KEY", path) == first


def test_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env.secret_key("SECRET_KEY", tmp_path / "k")


def test_start_up_fails_with_the_variable_named(tmp_path):
    environment = {**os.environ, "DEBUG": "sometimes", "KYTE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a boolean" in result.stderr


def test_list_with_empty_item_is_rejected(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env.env_list("ALLOWED_HOSTS", [])
