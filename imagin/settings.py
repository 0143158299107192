"""IMAG'IN settings: every difference between environments is a variable read here.

Development defaults are safe (SQLite, console e-mail, DEBUG off unless asked for);
production secrets have no default. README.md lists every variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from imagin.error_reports import init_sentry
from imagin.logs import logging_config
from imagin.storage_url import private_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on: in any other mode a
# missing key must stop the process rather than sign sessions with a known value.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=true for local development only)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
# Former keys, still accepted when checking signatures (sessions, links to
# choose a password, e-mail confirmations) during a rotation; comma-separated
# (docs/operations.md, "Rotating the encryption keys").
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's public address, for links in e-mails and documents.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "accounts.sso",
    "crispy_forms",
    "dsfr",
    # Before django_tasks_db: its `db_worker` command is replaced by imagin's,
    # which also writes the worker's heartbeat (imagin/heartbeat.py).
    "imagin",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "missions",
    "claims",
]

MIDDLEWARE = [
    # First: every request gets an id (X-Request-ID) and one log line.
    "imagin.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "imagin.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a cookie or a query string (400 on control
    # characters, which PostgreSQL refuses).
    "imagin.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language follows the visitor's choice (the header's switch, kept in a
    # cookie), else the browser's; French by default.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out after SESSION_ABSOLUTE_LIFETIME (needs the user and messages).
    "imagin.middleware.SessionLifetimeMiddleware",
    # Cache-Control: no-store on every response to a signed-in user.
    "imagin.middleware.NeverStoreSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AccountRequirementsMiddleware",
]

ROOT_URLCONF = "imagin.urls"
WSGI_APPLICATION = "imagin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "imagin.context_processors.deployment",
                "imagin.context_processors.help_link",
                "accounts.context_processors.roles",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite by default (embedded, for `make run`); PostgreSQL through psycopg 3 when
# DATABASE_URL points to one, with psycopg's connection pool unless disabled.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server processes and the worker share the file: readers never
    # wait for a writer (WAL), a writer takes its lock when its transaction
    # starts (IMMEDIATE, so two writers never deadlock upgrading their locks)
    # and waits up to SQLITE_BUSY_TIMEOUT seconds for the other to finish.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# A password is checked before it is hashed; the maximum first (a megabyte of
# text is refused, not compared). The common passwords are Django's list and a
# French one (imagin/passwords/common-passwords-fr.txt).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "imagin.passwords.MaximumLengthValidator"},
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "imagin.passwords.UsernameInPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "imagin.passwords.FrenchCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "imagin.passwords.RepeatedPatternValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Participants sign in with their participant number (externals) or username
# (staff); nobody signs up on their own: managers create accounts.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
# Signing in never waits on an e-mail; an address a person types becomes
# theirs (and usable to link a single sign-on) only once they follow the link
# sent to it, signed in (accounts/emails.py). One verified owner per address.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int(
    "EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3
)
ACCOUNT_LOGOUT_ON_GET = False
# Confirming one's access (before changing the e-mail address) asks for the
# password, or the second factor of those who enrolled one; never a code
# e-mailed to the very address being replaced.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
# allauth's defaults (failed logins: 10 a minute per IP, 5 in 5 minutes per
# account...) plus the public request form's own limit.
ACCOUNT_RATE_LIMITS = {
    "external_participant_request": env.str(
        "RATE_LIMIT_EXTERNAL_REQUEST", default="5/h/ip"
    ),
}
# Behind a reverse proxy, the client's address is in X-Forwarded-For: say how
# many proxies to trust, or rate limits will count every visitor as the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = (
    env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
)

# External participants' initial password (printed on their convocation) works
# once, and only for this many days.
INITIAL_PASSWORD_VALIDITY_DAYS = env.int("INITIAL_PASSWORD_VALIDITY_DAYS", default=60)

# --- Single sign-on (OpenID Connect: académie portal, ProConnect) ------------
# SSO_PROVIDERS is a JSON list of {"id", "name", "server_url", "client_id",
# "secret"}; server_url is the issuer (or its discovery document's URL).
SOCIALACCOUNT_ADAPTER = "accounts.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "imagin_oidc": {
        "APPS": [
            {
                "provider_id": provider["id"],
                "name": provider["name"],
                "client_id": provider["client_id"],
                "secret": provider["secret"],
                "settings": {
                    "server_url": provider["server_url"],
                    "token_auth_method": provider.get(
                        "token_auth_method", "client_secret_post"
                    ),
                    # ProConnect: ["openid", "email", "given_name", "usual_name"]
                    "scope": provider.get("scope", ["openid", "email", "profile"]),
                },
            }
            for provider in env.json("SSO_PROVIDERS", default=[])
        ],
    }
}
# Nobody picks a username on a form after single sign-on: the account is made
# (when allowed) from what the provider says, or the person is told whom to ask.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SSO_CREATE_UNKNOWN_AGENTS = env.bool("SSO_CREATE_UNKNOWN_AGENTS", default=False)

# --- Two-factor authentication ------------------------------------------------
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "accounts.mfa.MFAAdapter"  # secrets encrypted at rest
MFA_TOTP_ISSUER = "IMAG'IN"
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)

# --- Sessions and cookies ---------------------------------------------------
# Secure cookies everywhere but local development over plain HTTP.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60)
# The age above is an inactivity timeout, pushed back by a signed-in visit at
# most every SESSION_REFRESH_INTERVAL seconds (SessionLifetimeMiddleware), not
# by a database write at every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_INTERVAL = env.int("SESSION_REFRESH_INTERVAL", default=60)
if not 0 < SESSION_REFRESH_INTERVAL < SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        "SESSION_REFRESH_INTERVAL is a number of seconds, smaller than "
        "SESSION_IDLE_TIMEOUT."
    )
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However active, a sign-in lasts this many seconds at most
# (imagin.middleware.SessionLifetimeMiddleware); then sign in again.
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 60 * 60)
if SESSION_ABSOLUTE_LIFETIME <= 0:
    raise ImproperlyConfigured(
        "SESSION_ABSOLUTE_LIFETIME is a number of seconds, e.g. 43200 (12 hours)."
    )
# Messages can carry what only their reader may see (an initial password shown
# once): they stay in the session, in the database, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# A load balancer probes over plain HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
# Only once every subdomain serves HTTPS (preload: and the domain asks to be
# on browsers' preload list, which is hard to undo).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Where a form's redirect may lead besides the site and the single sign-on
# providers' own origins (Content-Security-Policy form-action): e.g. a
# provider whose authorisation or logout page is not on its issuer's host.
CSP_FORM_ACTION_ORIGINS = env.list("CSP_FORM_ACTION_ORIGINS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "imagin.views.csrf_failure"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation ---------------------------------------------------
# French by default; English when the visitor chooses it or their browser asks
# for it. The English catalogue (locale/en) is complete: tests/test_i18n.py
# fails on any string without a translation.
LANGUAGE_CODE = "fr"
LANGUAGE_COOKIE_NAME = "imagin_langue"
# Final: Django reads it as the literal "Lax" (a cookie attribute), not any str.
LANGUAGE_COOKIE_SAMESITE: Final = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded files hold personal data: no URL pattern or web server serves this
# prefix; they are only streamed by views that check who asks.
MEDIA_URL = "/media/"
# Hashed, compressed static files need `collectstatic`; development and tests
# serve straight from the apps' folders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
# Uploaded files (RIBs, supporting documents, convocation and batch PDFs) are
# private: in MEDIA_ROOT, a folder every web process and worker must share
# (one machine, or a network file system), or, with STORAGE_URL, in a private
# bucket of S3-compatible object storage, and web processes keep nothing:
# STORAGE_URL=s3://BUCKET/PREFIX?endpoint=https://s3.example&region=fr-par
# (credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; needs the `s3`
# extra: pip install ".[s3]").
STORAGE_URL = env.str("STORAGE_URL", default="")
PRIVATE_STORAGE = private_storage(STORAGE_URL)
STORAGES = {
    "default": PRIVATE_STORAGE,
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Caches (rate limits are counted here: share it between processes) ------
# CACHE_URL if given (any django-environ cache URL); otherwise the database,
# which every process and worker shares, in the table migration imagin/0002
# creates.
# A per-process memory cache would let each worker count its own attempts,
# multiplying the limits: only for development.
CACHE_TABLE = "imagin_cache"
CACHES = {
    "default": env.cache(
        "CACHE_URL",
        default="locmemcache://" if DEBUG else f"dbcache://{CACHE_TABLE}",
    )
}
# Sessions live in the database, which every process shares. With a shared
# memory cache (CACHE_URL=redis://host:6379/0, or memcached), a page reads its
# session from the cache instead of a table (`cached_db`): writes still go to
# the database first, so restarting the cache signs no one out.
_SHARED_MEMORY = ("redis", "memcached")  # django-redis's class path says redis too
SESSION_ENGINE = "django.contrib.sessions.backends." + (
    "cached_db"
    if any(kind in CACHES["default"]["BACKEND"].lower() for kind in _SHARED_MEMORY)
    else "db"
)

# --- Encryption of personal data at rest (IBAN, social security number) ------
# Separate from SECRET_KEY so that rotating one does not touch the other.
# Comma-separated Fernet keys: the first encrypts, all decrypt (for rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Generate one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`."
        )
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMzJieXQ="]

# Supporting documents (RIB, receipts): what may be uploaded.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# --- E-mail -----------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="imagin@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Forms ------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ("crispy_dsfr",)
CRISPY_TEMPLATE_PACK = "crispy_dsfr"
CRISPY_FAIL_SILENTLY = not DEBUG

# --- Deployment settings (what differs between académies) -----------------------
# Read in imagin/deployment.py: authority, currency, travel, reminders, texts.
from imagin import deployment  # noqa: E402

AUTHORITY_CONTACT = deployment.AUTHORITY_CONTACT
AUTHORITY_NAME = deployment.AUTHORITY_NAME
AUTHORITY_REFERENCE = deployment.AUTHORITY_REFERENCE
PAYMENT_DELAY_MONTHS = deployment.PAYMENT_DELAY_MONTHS
SERVICE_FAIT_REQUIRED = deployment.SERVICE_FAIT_REQUIRED
CLAIM_REMINDER_DAYS = deployment.CLAIM_REMINDER_DAYS
CONVOCATION_SIGNATURE = deployment.CONVOCATION_SIGNATURE
CURRENCY = deployment.CURRENCY
EXPORT_RETENTION_HOURS = deployment.EXPORT_RETENTION_HOURS
FINANCIAL_FILE_REQUIRES_NIR = deployment.FINANCIAL_FILE_REQUIRES_NIR
FINANCIAL_FILE_VALIDITY_MONTHS = deployment.FINANCIAL_FILE_VALIDITY_MONTHS
LEGAL_CONTENT_FILE = deployment.LEGAL_CONTENT_FILE
PDF_WORKERS = deployment.PDF_WORKERS
TRAVEL_ELSEWHERE_TEXT = deployment.TRAVEL_ELSEWHERE_TEXT
TRAVEL_ENABLED = deployment.TRAVEL_ENABLED
TRAVEL_RATE_ZONE = deployment.TRAVEL_RATE_ZONE

# --- Background tasks (django-tasks) ------------------------------------------
# The worker writes a heartbeat every WORKER_HEARTBEAT_INTERVAL seconds;
# /health/ fails when none came for WORKER_HEARTBEAT_TIMEOUT seconds.
WORKER_HEARTBEAT_INTERVAL = env.int("WORKER_HEARTBEAT_INTERVAL", default=10)
WORKER_HEARTBEAT_TIMEOUT = env.int("WORKER_HEARTBEAT_TIMEOUT", default=60)
if not 0 < WORKER_HEARTBEAT_INTERVAL < WORKER_HEARTBEAT_TIMEOUT:
    raise ImproperlyConfigured(
        "WORKER_HEARTBEAT_INTERVAL must be a positive number of seconds, "
        "smaller than WORKER_HEARTBEAT_TIMEOUT."
    )
# "immediate" runs a task inside the request that enqueues it (development,
# tests); "database" stores it for `manage.py db_worker` (production).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate" if DEBUG else "database")
if TASKS_BACKEND not in {"immediate", "database"}:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be immediate or database, not {TASKS_BACKEND!r}."
    )
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# --- Logging and error reports ------------------------------------------------
# One line per request and per background task, each line carrying the request
# (or task) id; users named by their id only (imagin/logs.py). LOG_FORMAT=json
# writes one JSON object per line, for a log collector.
LOGGING = logging_config(
    log_format=env.str("LOG_FORMAT", default="text"),
    level=env.str("LOG_LEVEL", default="INFO"),
)
# Errors reported to Sentry only when SENTRY_DSN is set, stripped of personal
# data (imagin/error_reports.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
    )
