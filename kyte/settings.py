"""Kyte settings: everything comes from the environment, with embedded defaults for development.

See .env.example for every variable. A malformed value is a start-up error naming the variable.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from kyte.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_path,
    env_redis_url,
    env_str,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("KYTE_VAR_DIR", BASE_DIR / "var", base=BASE_DIR)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key("SECRET_KEY", VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("KYTE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "kyte",
    "accounts",
    "billing",
    "invoicing",
    "peppol",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.TenantMiddleware",
    "accounts.middleware.LanguageCookieMiddleware",
]

ROOT_URLCONF = "kyte.urls"
WSGI_APPLICATION = "kyte.wsgi.application"
ASGI_APPLICATION = "kyte.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "billing.context_processors.kyte",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kyte.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -------------------------------------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kyte",
        }
    }
else:
    # A file cache is shared by the web server and the worker, so login rate limits hold across processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
    }
else:
    # Celery's filesystem transport: no server needed, and a real worker process still consumes the queue.
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without it kombu writes its exchange tables to ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Brussels"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "kyte-trial-expiry": {"task": "billing.trial_expiry_sweep", "schedule": 3600.0},
    "kyte-local-renewals": {"task": "billing.local_renewal_sweep", "schedule": 3600.0},
    "kyte-close-months": {"task": "monitoring.close_ended_months", "schedule": 3600.0},
    "kyte-peppol-sweep": {"task": "peppol.sweep_transmissions", "schedule": 60.0},
    "kyte-peppol-registry": {"task": "peppol.sync_participants", "schedule": 3600.0},
}

# --- Auth (django-allauth) ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kyte] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kyte"

# --- Internationalisation -----------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "kyte_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media ---------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media", base=BASE_DIR)
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("KYTE_MANIFEST_STATIC", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
KYTE_IMPORT_MAX_BYTES = env_int("KYTE_IMPORT_MAX_BYTES", 1_048_576, minimum=1024)
KYTE_IMPORT_MAX_ROWS = env_int("KYTE_IMPORT_MAX_ROWS", 2000, minimum=1)

# --- E-mail -------------------------------------------------------------------------------------------------
MAILERS = {"default": env_email("EMAIL_URL")}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kyte <no-reply@kyte.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
KYTE_INVITATION_DAYS = env_int("KYTE_INVITATION_DAYS", 14, minimum=1)

# --- Billing ------------------------------------------------------------------------------------------------
# "local": the embedded backend (simulated checkout, works offline; the default). "stripe": Stripe Checkout.
KYTE_BILLING_BACKEND = env_str("KYTE_BILLING_BACKEND", "local")
if KYTE_BILLING_BACKEND not in {"local", "stripe"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"KYTE_BILLING_BACKEND={KYTE_BILLING_BACKEND!r} must be 'local' or 'stripe'.")
KYTE_PRICE_ANNUAL = env_str("KYTE_PRICE_ANNUAL", "120.00")  # EUR excl. VAT, shown to entrepreneurs
KYTE_PRICE_FIRM_MONTHLY = env_str("KYTE_PRICE_FIRM_MONTHLY", "9.00")  # EUR excl. VAT per billable dossier
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_PRICE_ANNUAL = env_str("STRIPE_PRICE_ANNUAL", "")
STRIPE_PRICE_FIRM_MONTHLY = env_str("STRIPE_PRICE_FIRM_MONTHLY", "")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")  # e.g. a localstripe on 127.0.0.1 in tests
if KYTE_BILLING_BACKEND == "stripe":
    from django.core.exceptions import ImproperlyConfigured

    for _name in (
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_PRICE_ANNUAL",
        "STRIPE_PRICE_FIRM_MONTHLY",
    ):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} is required when KYTE_BILLING_BACKEND=stripe.")

# --- Peppol -------------------------------------------------------------------------------------------------
# Directory of the official validation artefacts (see ../shared/peppol/README.md); filled at set-up.
KYTE_PEPPOL_ARTEFACTS = env_path("KYTE_PEPPOL_ARTEFACTS", VAR_DIR / "peppol-artefacts", base=BASE_DIR)
# The pinned release that `manage.py kyte_peppol_artefacts` installs there (zip and its SHA-256).
KYTE_PEPPOL_ARTEFACTS_URL = env_str("KYTE_PEPPOL_ARTEFACTS_URL", "")
KYTE_PEPPOL_ARTEFACTS_SHA256 = env_str("KYTE_PEPPOL_ARTEFACTS_SHA256", "")
# Transport: "local" (delivers between this installation's dossiers, sandbox for the rest; refused as an implicit
# default when DEBUG is off) — an empty value means local in development.
KYTE_PEPPOL_BACKEND = env_str("KYTE_PEPPOL_BACKEND", "")
KYTE_PEPPOL_MAX_BYTES = env_int("KYTE_PEPPOL_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
KYTE_PEPPOL_LOOKUP_TTL = env_int("KYTE_PEPPOL_LOOKUP_TTL", 6 * 3600, minimum=0)
KYTE_PEPPOL_MAX_ATTEMPTS = env_int("KYTE_PEPPOL_MAX_ATTEMPTS", 8, minimum=1)
# Retries: base × 2^(attempt-1) seconds, capped, with jitter; a worker holds a sending for the lease, then the
# sweeper hands it to another worker.
KYTE_PEPPOL_RETRY_BASE = env_int("KYTE_PEPPOL_RETRY_BASE", 10, minimum=1)
KYTE_PEPPOL_RETRY_CAP = env_int("KYTE_PEPPOL_RETRY_CAP", 3600, minimum=1)
KYTE_PEPPOL_LEASE_SECONDS = env_int("KYTE_PEPPOL_LEASE_SECONDS", 300, minimum=30)
# AS4 (backend "as4": Kyte as its own access point). Discovery: the SML zone, optional DNS servers (host:port),
# the CA that signs trusted SMPs. Our seat id (= the CN of our AP certificate), key, certificate, and the Peppol
# AP trust anchors (and intermediates), as PEM files.
KYTE_PEPPOL_SML_ZONE = env_str("KYTE_PEPPOL_SML_ZONE", "participant.sml.test.tech.peppol.org")
KYTE_PEPPOL_DNS = env_list("KYTE_PEPPOL_DNS", [])
KYTE_PEPPOL_DNS_TIMEOUT = env_int("KYTE_PEPPOL_DNS_TIMEOUT", 5, minimum=1)
KYTE_PEPPOL_HTTP_TIMEOUT = env_int("KYTE_PEPPOL_HTTP_TIMEOUT", 60, minimum=1)
KYTE_PEPPOL_SMP_ALLOW_HTTP = env_bool("KYTE_PEPPOL_SMP_ALLOW_HTTP", False)  # production SMPs are https only
KYTE_PEPPOL_SMP_TRUST = env_str("KYTE_PEPPOL_SMP_TRUST", "")
KYTE_AS4_SEAT_ID = env_str("KYTE_AS4_SEAT_ID", "")
KYTE_AS4_KEY = env_str("KYTE_AS4_KEY", "")
KYTE_AS4_CERT = env_str("KYTE_AS4_CERT", "")
KYTE_AS4_TRUST = env_str("KYTE_AS4_TRUST", "")
KYTE_AS4_INTERMEDIATES = env_str("KYTE_AS4_INTERMEDIATES", "")

# --- Security -----------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KYTE_BEHIND_PROXY", False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
