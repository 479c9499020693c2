"""Settings: every knob comes from the environment (see `.env.example`).

With no environment at all the platform runs embedded: a SQLite file, Celery on
kombu's filesystem transport, a file cache, console SMS and email backends.
Production sets `DATABASE_URL`, `CELERY_BROKER_URL`/`REDIS_URL`, `SECRET_KEY`,
`FIELD_ENCRYPTION_KEYS` and `ALLOWED_HOSTS`.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
for _sub in ("staticfiles", "media", "cache", "celery/queue", "celery/processed", "celery/control"):
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)

# `manage.py check --deploy` refuses this key (marketing.core.checks).
DEV_SECRET_KEY = "embedded-only-not-a-secret-change-me-in-production"  # noqa: S105
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if env.bool("SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
# Browsers keep to HTTPS this long (production: 31536000, a year); check --deploy refuses HTTPS without it.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_email",
    "django_celery_beat",
    "django_celery_results",
    "axes",
    "pgtrigger",
    "marketing.core",
    "marketing.accounts",
    "marketing.tokens",
    "marketing.messaging",
    "contacts",
    "automations",
    "integrations",
    "integrations.salesforce",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "marketing.core.middleware.ScreenBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "marketing.core.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketing.accounts.middleware.CurrentAccountMiddleware",
    "marketing.tokens.middleware.ApiAnonymousThrottleMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketing.urls"
WSGI_APPLICATION = "marketing.wsgi.application"
ASGI_APPLICATION = "marketing.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketing.accounts.context_processors.current_account",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'marketing.sqlite3'}"),
}
# Each gunicorn or Celery worker keeps its connection between requests: opening one costs PostgreSQL a process
# and the request several milliseconds (a third of a one-contact API call). Checked before reuse, so a restarted
# database costs no failed request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database is shared by the web server and two worker processes: writers wait their
    # turn instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis in production; a file cache shared by web and worker when embedded)
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (SPEC ACC-1, django-axes): AXES_FAILURE_LIMIT wrong passwords for one username, or from one
# client address, lock further attempts for AXES_COOLOFF_MINUTES (on /login/ and /admin/login/ alike).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The same client address as the API tokens' IP check (TRUSTED_PROXIES, X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "marketing.tokens.ips.client_ip"
AXES_HANDLER = "marketing.accounts.login_throttling.LoginAttemptsHandler"
AXES_LOCKOUT_CALLABLE = "marketing.accounts.login_throttling.lockout_response"
AXES_VERBOSE = False  # no start-up banner in every management command

# --- Languages and time -------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="he")
LANGUAGES = [("he", _("Hebrew")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["marketing.formats"]

# --- Static files: our own under static/, third-party ones installed from npm ---
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "static" / "vendor" / "node_modules"
STATICFILES_DIRS = [
    ("css", BASE_DIR / "static" / "css"),
    ("js", BASE_DIR / "static" / "js"),
    ("img", BASE_DIR / "static" / "img"),
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/grapesjs", NODE_MODULES / "grapesjs" / "dist"),
    ("vendor/grapesjs-preset-newsletter", NODE_MODULES / "grapesjs-preset-newsletter" / "dist"),
    ("vendor/font-awesome", NODE_MODULES / "font-awesome"),  # the icons GrapesJS's panels use
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# --- Imported workbooks (SPEC IMP-1): refused before they are opened when they unpack far beyond their size ---
# A 1,000,000-row × 10-column .xlsx unpacks to about 0.5-1 GB at a compression ratio of 10-25; a zip bomb unpacks
# hundreds of times its size. A part is judged by its ratio once it unpacks past 1 MB.
IMPORT_XLSX_MAX_UNPACKED_BYTES = env.int("IMPORT_XLSX_MAX_UNPACKED_BYTES", default=2 << 30)
IMPORT_XLSX_MAX_PART_BYTES = env.int("IMPORT_XLSX_MAX_PART_BYTES", default=1 << 30)
IMPORT_XLSX_MAX_COMPRESSION_RATIO = env.int("IMPORT_XLSX_MAX_COMPRESSION_RATIO", default=100)
IMPORT_XLSX_MAX_SHARED_STRINGS = env.int("IMPORT_XLSX_MAX_SHARED_STRINGS", default=10_000_000)

# --- Content-Security-Policy (django-csp): no inline script, style or event handler on any screen ---
# Forms may also lead to Salesforce: the OAuth sign-in answers a POST with a redirect there, and browsers
# hold that redirect to form-action. A custom login domain outside salesforce.com/force.com is added by env.
_extra_form_action = env.list("CSP_EXTRA_FORM_ACTION", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "https://*.salesforce.com", "https://*.force.com", *_extra_form_action],
    },
}


# --- Secrets at rest ----------------------------------------------------------
def _embedded_field_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(("field-encryption:" + secret).encode()).digest()).decode()


FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[_embedded_field_key(SECRET_KEY)])
ENVIRONMENT_KEYS_SET = frozenset(k for k in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL") if k in env.ENVIRON)


# --- API tokens and the OTP step-up (SPEC TOK) ----------------------------------
def _derived_secret(purpose: str, secret: str) -> str:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).hexdigest()


# Server-side key mixed into every token digest: a stolen table alone cannot be brute-forced.
API_TOKEN_PEPPER = env.str("API_TOKEN_PEPPER", default=_derived_secret("api-token-pepper", SECRET_KEY))
# Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); otherwise REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
API_RATE_PER_TOKEN = env.str("API_RATE_PER_TOKEN", default="600/minute")
# API requests that end without a valid token (missing, wrong, refused), per client address; over it: 429.
API_RATE_ANONYMOUS_PER_IP = env.str("API_RATE_ANONYMOUS_PER_IP", default="120/minute")
TOKEN_LAST_USED_WRITE_SECONDS = 15 * 60
# A verified token (and the users of its account a legacy call named) is cached this long: a burst of calls costs
# one query, not one per call. Pausing, changing or deleting a token takes effect at once; deactivating an account
# or a user reaches the API within these seconds. 0: no cache.
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=10)
STEP_UP_MAX_AGE_SECONDS = env.int("STEP_UP_MAX_AGE_SECONDS", default=600)
OTP_MAX_FAILED_ATTEMPTS = 5
OTP_EMAIL_SUBJECT = _("Your verification code")
OTP_EMAIL_BODY_TEMPLATE_PATH = "tokens/otp_email.txt"
OTP_EMAIL_TOKEN_VALIDITY = 300
OTP_EMAIL_COOLDOWN_DURATION = 30
OTP_EMAIL_THROTTLE_FACTOR = 2
OTP_SMS_TOKEN_VALIDITY = 300
OTP_SMS_COOLDOWN_DURATION = 30
OTP_SMS_THROTTLE_FACTOR = 2
OTP_SMS_SENDER = env.str("OTP_SMS_SENDER", default="Verify")

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# Successful results are not kept; failures are, and show in the admin (SPEC BG-2).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 30 * 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How long a worker heartbeat stays "fresh" for /healthz.
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=180)
# An event consumer failing this many times on an event gives up on it (the delivery shows as dead in the admin).
EVENTS_CONSUMER_MAX_ATTEMPTS = env.int("EVENTS_CONSUMER_MAX_ATTEMPTS", default=5)

# --- Outbound channels (console in development) -------------------------------
# `EMAIL_URL`: `smtp://user:password@host:587`, `smtp+tls://…`, `consolemail://`, `filemail:///path`, `memorymail://`.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_BACKEND)  # noqa: F821 - set by EMAIL_URL above
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
# `console`, `memory`, `twilio` or the dotted path of an SmsBackend class (marketing.messaging.backends).
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com")
# The base of every link that leaves the platform (unsubscribe, clicks, landing pages, webhooks); Twilio signs it.
PUBLIC_URL = env.str("PUBLIC_URL", default="http://127.0.0.1:8000")
# One sending rate per channel shared by every worker (messages a second; 0: as fast as they go).
SMS_RATE_PER_SECOND = env.float("SMS_RATE_PER_SECOND", default=0)
EMAIL_RATE_PER_SECOND = env.float("EMAIL_RATE_PER_SECOND", default=0)
# How many delivery tasks share one message's recipients once it is prepared.
MESSAGE_DELIVERY_WORKERS = env.int("MESSAGE_DELIVERY_WORKERS", default=2)
# ESP tracking webhooks under /hooks/email/<esp>/tracking/ ask for this basic auth ("user:password");
# without it they refuse every call.
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}
# A finished message's recipient rows move into the archive this many days after it finished (SPEC MSG-6).
MESSAGING_ARCHIVE_AFTER_DAYS = env.int("MESSAGING_ARCHIVE_AFTER_DAYS", default=90)

# --- REST API -----------------------------------------------------------------
# The largest request body read into memory (file uploads are not counted): a full batch of 1,000 contacts,
# every text at its longest with 20 custom texts of 1,000 characters, all escaped as \uXXXX, is about 120 MB.
# Over it: 413, in the error shape on /api/.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=128 * 1024 * 1024)
# Screens (forms, sign-in) take at most this much; file uploads are streamed to disk and not counted.
# A running import renews its lease with every chunk; one whose lease passed lost its worker and is taken over.
IMPORT_JOB_LEASE_SECONDS = env.int("IMPORT_JOB_LEASE_SECONDS", default=300)
SCREEN_DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("SCREEN_DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "marketing.core.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["marketing.tokens.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["marketing.core.permissions.HasAccount"],
    "DEFAULT_THROTTLE_CLASSES": ["marketing.tokens.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_PER_TOKEN},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "marketing.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "marketing.core.pagination.Pagination",
    "EXCEPTION_HANDLER": "marketing.core.errors.api_exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketing platform API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"MessageStatusEnum": "marketing.messaging.models.Message.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "marketing.core.openapi.forbid_null_characters_hook",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "DESCRIPTION": "Authenticate with `Authorization: Bearer <token>`; tokens are created on the API tokens screen. "
    'Every error answers `{"error": {"code", "message", "details"}}`.',
}

# --- Logging ------------------------------------------------------------------
# API tokens never reach the logs: both handlers mask them in every record (also runserver's request lines).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "marketing.core.redaction.RedactSecretsFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
