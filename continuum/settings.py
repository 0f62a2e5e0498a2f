"""Django settings for Continuum, read from the environment (see docs/configuration.md).

Nothing here needs setting for the local demo; a deployment sets DATABASE_URL, the secret
files and CONTINUUM_ALLOWED_HOSTS. Bad values stop the process at start (continuum.env).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from continuum.env import env_bool, env_int, env_list, env_str, secret_from_env_or_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONTINUUM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CONTINUUM_DEBUG", False)
SECRET_KEY = secret_from_env_or_file(
    value_var="CONTINUUM_SECRET_KEY",
    file_var="CONTINUUM_SECRET_KEY_FILE",
    default_file=VAR_DIR / "secrets" / "secret_key",
)
# The audit chain is keyed with its own secret so that someone holding the database alone
# cannot rewrite history and recompute the chain. Never derived from SECRET_KEY.
CONTINUUM_AUDIT_KEY = secret_from_env_or_file(
    value_var="CONTINUUM_AUDIT_KEY",
    file_var="CONTINUUM_AUDIT_KEY_FILE",
    default_file=VAR_DIR / "secrets" / "audit_key",
)
# Blind indexes (exact search over sealed values) have their own key too.
CONTINUUM_BLIND_INDEX_KEY = secret_from_env_or_file(
    value_var="CONTINUUM_BLIND_INDEX_KEY",
    file_var="CONTINUUM_BLIND_INDEX_KEY_FILE",
    default_file=VAR_DIR / "secrets" / "blind_index_key",
)
if len({SECRET_KEY, CONTINUUM_AUDIT_KEY, CONTINUUM_BLIND_INDEX_KEY}) != 3:
    raise ImproperlyConfigured(
        "The secret key, the audit key and the blind-index key must all be different"
    )
# The encryption key ring (continuum.core.keyring): CONTINUUM_KEYRING holds the JSON itself,
# or this file does. Generated for the demo; a deployment keeps it off the database server.
CONTINUUM_KEYRING_FILE = Path(
    env_str("CONTINUUM_KEYRING_FILE", str(VAR_DIR / "secrets" / "keyring.json"))
)

ALLOWED_HOSTS = env_list("CONTINUUM_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CONTINUUM_CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("CONTINUUM_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "continuum.core",
    "continuum.accounts",
    "continuum.access",
    "continuum.audit",
    "continuum.survivors",
    "continuum.cases",
    "continuum.api",
    "continuum.demo",
    "continuum.retention",
    "continuum.exports",
    "continuum.drafts",
    "continuum.needs",
    "continuum.plans",
    "continuum.outcomes",
    "continuum.screening",
    "continuum.protocols",
    "continuum.mdt",
    "continuum.directory",
    "continuum.referrals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy, on every response.
    "continuum.core.middleware.SecurityHeadersMiddleware",
    # Outermost after security, so every response gets them, including early answers of the
    # session, idle-logout and lockout middleware below.
    "continuum.core.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "continuum.accounts.middleware.IdleLogoutMiddleware",
    "continuum.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "continuum.urls"
WSGI_APPLICATION = "continuum.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "continuum" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "continuum.core.context_processors.shell",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'continuum.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so two writers queue
        # instead of one failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name SQLite or PostgreSQL")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:my_work"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (django-axes): five wrong passwords for one username lock it for 30 minutes.
AXES_FAILURE_LIMIT = env_int("CONTINUUM_LOCKOUT_FAILURES", 5, minimum=3, maximum=50)
AXES_COOLOFF_TIME = env_int("CONTINUUM_LOCKOUT_MINUTES", 30, minimum=1, maximum=1440) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
# Axes stores a keyed digest of what was typed as a username, never the text itself
# (continuum/accounts/lockout.py); `continuum unlock USERNAME` lifts a lockout.
AXES_USERNAME_CALLABLE = "continuum.accounts.lockout.axes_username"
# Lock the account, not the address: agencies share one office address, and one person's
# typos must not lock out their colleagues. Guessing is still capped per username.
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",
    # HSTS preload is not set on purpose: the preload list is baked into browsers and takes
    # months to leave, and the deploying agency may not control every name under its domain.
    # An agency that does can ask for preload after a year of HSTS without trouble.
    "security.W021",
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 0

# Sessions: idle logout after CONTINUUM_IDLE_MINUTES without a request (HIPAA automatic
# logoff), and at most a working day in all.
IDLE_TIMEOUT_SECONDS = env_int("CONTINUUM_IDLE_MINUTES", 15, minimum=2, maximum=240) * 60
IDLE_WARNING_SECONDS = min(120, IDLE_TIMEOUT_SECONDS // 2)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
# Flash messages ("Saved: Substance use treatment.") stay on the server with the session: the
# default keeps them in a cookie that is signed, not encrypted.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    # __Host-: the browser accepts the cookie only if Secure, Path=/ and no Domain, so neither
    # a sibling subdomain nor a plain-HTTP page can plant or overwrite it. Django sets
    # Path=/ and no Domain by default. Scripts take the CSRF token from
    # <meta name="csrf-token">; their fallback to a "csrftoken" cookie only serves local runs.
    SESSION_COOKIE_NAME = "__Host-continuum-session"
    CSRF_COOKIE_NAME = "__Host-continuum-csrf"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "continuum.core.errors.csrf_failure"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
# Every name under the deployment's host is HTTPS-only too; preload: see SILENCED_SYSTEM_CHECKS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts or styles anywhere; everything comes from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

QUICK_EXIT_URL = env_str("CONTINUUM_QUICK_EXIT_URL", "https://www.bbc.co.uk/weather")
if not QUICK_EXIT_URL.startswith(("https://", "http://", "/")):
    raise ImproperlyConfigured("CONTINUUM_QUICK_EXIT_URL must be an http(s) URL or a path")

# The number of days from an abuse report's intake to the MDT staffing (DOMAIN.md: 2 weeks).
# The protocol issue moves this into the community protocol.
MDT_STAFFING_DAYS = env_int("CONTINUUM_MDT_STAFFING_DAYS", 14, minimum=1, maximum=90)

# Screening must start within this many hours of the first indicator (65C-43.001: 24). The
# protocol issue moves this into the community protocol; each screening keeps the value it
# was started under.
CONTINUUM_SCREENING_START_HOURS = env_int(
    "CONTINUUM_SCREENING_START_HOURS", 24, minimum=1, maximum=168
)
# Days from a screening with concern to the in-depth assessment it puts on the case's to-do
# list. Our default, not a rule of law: set it to your protocol's.
CONTINUUM_ASSESSMENT_DUE_DAYS = env_int("CONTINUUM_ASSESSMENT_DUE_DAYS", 7, minimum=1, maximum=60)
# How long a screening-training record stays current when whoever records it gives no end
# date (the training issue replaces this with the courses' own renewal periods).
CONTINUUM_SCREENING_TRAINING_DAYS = env_int(
    "CONTINUUM_SCREENING_TRAINING_DAYS", 730, minimum=30, maximum=3650
)

# Care plans are reviewed with the survivor at least this often (days); each plan may set
# its own interval. The protocol issue moves the default into the community protocol.
CONTINUUM_PLAN_REVIEW_DAYS = env_int("CONTINUUM_PLAN_REVIEW_DAYS", 30, minimum=7, maximum=180)
# A need identified this many days ago with no plan task or service for it is "unmet with
# nothing planned": on the case's assessment, on My work, and in the measures.
CONTINUUM_UNMET_NEED_DAYS = env_int("CONTINUUM_UNMET_NEED_DAYS", 14, minimum=1, maximum=180)
# What someone typed into a long form and had not saved when the idle sign-out came is kept
# (sealed) this long, for them alone, and put back into the form when they return.
CONTINUUM_DRAFT_HOURS = env_int("CONTINUUM_DRAFT_HOURS", 24, minimum=1, maximum=168)

# How long break-glass (emergency) access to a record outside one's access lasts.
CONTINUUM_BREAK_GLASS_MINUTES = env_int("CONTINUUM_BREAK_GLASS_MINUTES", 60, minimum=5, maximum=480)

# How long an approved export of a survivor's record may be downloaded; then its file is no
# longer served and the next purge destroys it (docs/exports.md).
CONTINUUM_EXPORT_HOURS = env_int("CONTINUUM_EXPORT_HOURS", 72, minimum=1, maximum=720)

# A directory listing whose agency has not said it is still true (HSDS assured_date) for
# this many days is marked stale on every result that shows it (docs/directory.md).
CONTINUUM_DIRECTORY_STALE_DAYS = env_int(
    "CONTINUUM_DIRECTORY_STALE_DAYS", 180, minimum=7, maximum=730
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("ht", _("Haitian Creole"))]
LOCALE_PATHS = [BASE_DIR / "continuum" / "locale"]
TIME_ZONE = env_str("CONTINUUM_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the finders (no collectstatic for `make run`) but wants the folder.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "continuum" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the source folders so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

OTP_TOTP_ISSUER = env_str("CONTINUUM_TOTP_ISSUER", "Continuum")
OTP_TOTP_TOLERANCE = 1

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # Request logs carry URLs only; URLs carry no personal data (record ids are UUIDs).
    "root": {"handlers": ["console"], "level": env_str("CONTINUUM_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
