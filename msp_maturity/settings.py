"""Settings for msp-maturity.

Everything that differs between a laptop and production comes from the environment.
With no environment at all the product runs on embedded defaults: SQLite, e-mail to the
console and Celery tasks executed in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch
to PostgreSQL and Redis; ``DEBUG=0`` switches to production mode, which then requires
``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envrequired(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    return value


DEBUG = envbool("DEBUG", True)

if DEBUG:
    # Only for development: production refuses to start without its own key.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-msp-maturity"
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
else:
    SECRET_KEY = envrequired("SECRET_KEY")
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS") or envrequired("ALLOWED_HOSTS")


def dev_site_url(argv: list[str]) -> str:
    """Development's own address for links in e-mails: the host and port ``runserver``
    was started with (``make run PORT=8011`` must not mail links to port 8000).
    ``make run`` also passes SITE_URL to the schedules process beside the server."""
    host, port = "127.0.0.1", "8000"
    if len(argv) > 1 and argv[1] == "runserver":
        addrport = next((a for a in argv[2:] if not a.startswith("-")), "")
        if addrport.isdigit():
            port = addrport
        elif addrport:
            head, _sep, tail = addrport.rpartition(":")
            host, port = (head, tail) if head else (tail, port)
    if host in {"0.0.0.0", "::", "[::]", ""}:  # noqa: S104 - listening everywhere: open it locally
        host = "127.0.0.1"
    return f"http://{host}:{port}"


SITE_URL = os.environ.get(
    "SITE_URL", dev_site_url(sys.argv) if DEBUG else "http://127.0.0.1:8000"
).rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django.contrib.admin, with the back office signing in through the product's page.
    "accounts.apps.BackOfficeConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    # The floors, bottom up: the shared core; sign-in and the organisation; the subject
    # apps; the ticket rating, which needs two of them; insights, which combine them; demo
    # data (docs/architecture.md).
    "core",
    "accounts",
    "organisation",
    "assessments",
    "surveys",
    "kpis",
    "ratings",
    # Above the subject apps: the PSA connectors write through kpis.upsert.
    "integrations",
    "insights",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "msp_maturity.urls"
WSGI_APPLICATION = "msp_maturity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.roles.role_context",
                "organisation.context_processors.brand",
                "insights.navigation.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Persistent connections matter for throughput: a fresh PostgreSQL connection per request
# costs more than a small insert.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling (docs/operations.md, scaling out): streamed
# exports cannot keep a server-side cursor open across transactions.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = envbool("DATABASE_BEHIND_POOLER", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must not hold a sign-in for long: the throttle gives up
            # and lets the attempt through (msp_maturity/login_throttle.py).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker every task runs in-process, so a fresh clone needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
# Late acknowledgement: a task whose worker dies mid-batch is delivered again; the tasks
# are idempotent, so the redelivery sends only what is still unsent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Berlin"
# Scaling out (docs/operations.md): with CELERY_SPLIT_QUEUES=1 each kind of work has a
# queue of its own, so a large import or a PSA backfill never holds up e-mail and the
# workers of each queue can be scaled apart; every worker then names its queues (-Q).
# The rest (schedules, checks, the team-round and alert e-mails' triggers) stays on
# Celery's default queue, "celery".
TASK_QUEUES = {
    "core.delivery.*": "mail",
    "organisation.chat.*": "mail",
    "ratings.tasks.*": "mail",
    "kpis.tasks.run_import": "imports",
    "kpis.tasks.sweep_imports": "imports",
    "kpis.tasks.refresh_rollups": "imports",
    "integrations.tasks.*": "psa",
}
CELERY_TASK_ROUTES = (
    {name: {"queue": queue} for name, queue in TASK_QUEUES.items()}
    if envbool("CELERY_SPLIT_QUEUES", False)
    else {}
)
# The periodic schedule lives in msp_maturity/celery.py beside the app that runs it.

# --- Auth -----------------------------------------------------------------------------
LOGIN_URL = "login"
# Managers land on the attention page, everyone else on the home page (insights.views.start).
LOGIN_REDIRECT_URL = "insights:start"
LOGOUT_REDIRECT_URL = "home"
# The throttle refuses attempts before any password is checked (msp_maturity/login_throttle.py).
AUTHENTICATION_BACKENDS = [
    "accounts.login_throttle.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# An (account, address) pair is refused for LOGIN_LOCKOUT_SECONDS after LOGIN_MAX_FAILURES
# failures; an account alone only waits, 2 s doubling up to LOGIN_MAX_DELAY_SECONDS.
LOGIN_MAX_FAILURES = envint("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = envint("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
LOGIN_MAX_DELAY_SECONDS = envint("LOGIN_MAX_DELAY_SECONDS", 5 * 60, minimum=1)
# Proxies in front of the web process whose X-Forwarded-For entries are trusted (the TLS
# proxy: 1). 0: the client address is REMOTE_ADDR.
LOGIN_TRUSTED_PROXIES = envint("LOGIN_TRUSTED_PROXIES", 0, minimum=0)
# Time between the right password and the two-factor code (accounts/two_factor.py).
TWO_FACTOR_PENDING_SECONDS = 5 * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# English dates in the European order with a 24-hour clock, in pages and e-mails alike.
FORMAT_MODULE_PATH = ["msp_maturity.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------------
# Django 6.1 mailers. Send with `mail.mailers.default` (one connection for a batch:
# `with mailers.default as connection: connection.send_messages(messages)`), not with the
# deprecated get_connection(). Tests get the in-memory backend automatically.
# Development prints e-mail to the console; production always sends by SMTP (to
# EMAIL_HOST, by default a mail server on the same host).
_email_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST") or not DEBUG
    else "core.console_mail.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _email_backend}}
if _email_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", False),
        "timeout": envint("EMAIL_TIMEOUT", 20),
    }
# The product's own sender (sign-in, alerts, staff's e-mails). E-mails to clients come
# from the MSP's sender set on the brand page (organisation.models.Brand.from_email) and
# fall back to this one. Production sets it; development uses a reserved example domain
# rather than "localhost", which real mail servers refuse.
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL",
    "msp-maturity <msp-maturity@msp.example>" if DEBUG else "msp-maturity <noreply@localhost>",
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Uploads --------------------------------------------------------------------------
# Imports stream from a temporary file; nothing above this size is kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = envint("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)

# --- Security -------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # Plotly sets inline styles on the SVG it draws; scripts stay strictly same-origin.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Health checks from the orchestrator speak plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # The CSRF token is read from the form, never from JavaScript.
    CSRF_COOKIE_HTTPONLY = True

SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS")
if not DEBUG and not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way commitment for the whole domain; left to the operator.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    # Survey links are credentials: no log line may carry one (msp_maturity/log_redaction.py).
    "filters": {"redact_tokens": {"()": "core.log_redaction.RedactSurveyTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- Product settings -----------------------------------------------------------------
# Aggregates of technicians' in-depth answers are shown only from this many answers on.
SURVEY_MIN_AGGREGATE = envint("SURVEY_MIN_AGGREGATE", 5)
# E-mail to people (msp_maturity/delivery.py). First retry delay after an SMTP error;
# doubles on each retry (capped at one hour). The SURVEY_ names are the ones of earlier
# versions, still read.
EMAIL_RETRY_BASE_SECONDS = envint(
    "EMAIL_RETRY_BASE_SECONDS", envint("SURVEY_RETRY_BASE_SECONDS", 30)
)
# E-mails claimed, sent and recorded together; at most this many are "in doubt" when a
# worker dies mid-send.
EMAIL_SEND_CHUNK = envint("EMAIL_SEND_CHUNK", envint("SURVEY_SEND_CHUNK", 50))
# Chat channels (core/chat.py): accept http://127.0.0.1 and localhost webhooks, for a
# local fake endpoint in tests and development only. Off in production: webhooks must be
# https on Slack's or Microsoft's own hosts.
CHAT_WEBHOOK_ALLOW_LOCAL = envbool("CHAT_WEBHOOK_ALLOW_LOCAL", False)

# --- PSA integrations (integrations/, docs/integrations.md) -----------------------------
# Fernet keys (urlsafe base64 of 32 bytes) that encrypt the PSA credentials and event
# secrets at rest, comma-separated: the first encrypts, every one decrypts, so a new key
# goes first and `manage.py rotate_integration_keys` re-encrypts before the old one is
# dropped. Not SECRET_KEY: rotating one must not touch the other. Production refuses to
# start without it; development and tests use a published key that protects nothing.
DEV_INTEGRATIONS_ENCRYPTION_KEY = "ZGV2LW9ubHktbXNwLW1hdHVyaXR5LWludGVncmF0aW8="
INTEGRATIONS_ENCRYPTION_KEYS = envlist("INTEGRATIONS_ENCRYPTION_KEYS") or (
    [DEV_INTEGRATIONS_ENCRYPTION_KEY] if DEBUG else [envrequired("INTEGRATIONS_ENCRYPTION_KEYS")]
)
# A PSA's base URL must be https; plain http is allowed only to this machine (the local
# fake PSA servers of the tests and of development).
INTEGRATIONS_ALLOW_LOCAL_HTTP = envbool("INTEGRATIONS_ALLOW_LOCAL_HTTP", DEBUG)
# Largest live event accepted, in bytes (a ConnectWise ticket callback is ~3 KiB).
INTEGRATIONS_EVENT_MAX_BYTES = envint("INTEGRATIONS_EVENT_MAX_BYTES", 256 * 1024, minimum=1024)
