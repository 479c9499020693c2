from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

from marketing.tokens.ips import invalid_networks

EMBEDDED_BROKER_TRANSPORTS = ("filesystem", "memory")
SHARED_CACHE_BACKENDS = ("RedisCache", "MemcacheCache", "PyMemcacheCache", "PyLibMCCache")
EMBEDDED_ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "testserver"})
FERNET_HINT = (
    "Each key is 32 bytes in URL-safe base64: "
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


@register(Tags.security, deploy=True)
def production_secrets(app_configs, **kwargs):
    """`manage.py check --deploy` fails while an embedded-mode secret is in use."""
    errors = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        errors.append(Error("SECRET_KEY is the embedded default.", hint="Set SECRET_KEY.", id="marketing.E001"))
    if "FIELD_ENCRYPTION_KEYS" not in settings.ENVIRONMENT_KEYS_SET:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is derived from SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEYS to one or more Fernet keys, newest first.",
                id="marketing.E002",
            )
        )
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        errors.append(Error("The database is the embedded SQLite file.", hint="Set DATABASE_URL.", id="marketing.E003"))
    errors.extend(_field_encryption_key_errors())
    return errors


def _field_encryption_key_errors() -> list[Error]:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        return [Error("FIELD_ENCRYPTION_KEYS is empty.", hint=FERNET_HINT, id="marketing.E007")]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            # The key itself is a secret: name its position, never its value.
            message = f"FIELD_ENCRYPTION_KEYS entry {position} is not a Fernet key."
            errors.append(Error(message, hint=FERNET_HINT, id="marketing.E007"))
    return errors


@register(Tags.caches, deploy=True)
def production_services(app_configs, **kwargs):
    """Production runs Celery on a real broker and caches in a server every process shares."""
    errors = []
    transport = settings.CELERY_BROKER_URL.split("://", 1)[0].split("+", 1)[0]
    if transport in EMBEDDED_BROKER_TRANSPORTS:
        errors.append(
            Error(
                f"CELERY_BROKER_URL is the embedded {transport}:// transport.",
                hint="Set REDIS_URL or CELERY_BROKER_URL to a Redis or RabbitMQ server.",
                id="marketing.E004",
            )
        )
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if backend not in SHARED_CACHE_BACKENDS:
        errors.append(
            Error(
                f"The cache is {backend}, which the web and worker processes do not share.",
                hint="Set REDIS_URL.",
                id="marketing.E005",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def production_http(app_configs, **kwargs):
    """Host names, HSTS and the proxies whose X-Forwarded-For is believed."""
    errors = []
    hosts = set(settings.ALLOWED_HOSTS)
    if "*" in hosts or hosts <= EMBEDDED_ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS is the embedded default or allows every host.",
                hint="Set ALLOWED_HOSTS to the host names the platform is served under.",
                id="marketing.E006",
            )
        )
    served_over_https = bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None)) or settings.SESSION_COOKIE_SECURE
    if served_over_https and not settings.SECURE_HSTS_SECONDS:
        errors.append(
            Error(
                "The platform is served over HTTPS but SECURE_HSTS_SECONDS is 0.",
                hint="Set SECURE_HSTS_SECONDS (31536000, a year, once HTTPS works everywhere).",
                id="marketing.E008",
            )
        )
    invalid = invalid_networks(settings.TRUSTED_PROXIES)
    if invalid:
        errors.append(
            Error(
                f"TRUSTED_PROXIES has entries that are not IP addresses or CIDR ranges: {', '.join(invalid)}.",
                hint="List the proxies as addresses or ranges, e.g. 10.0.0.5,10.1.0.0/16; host names are not resolved.",
                id="marketing.E009",
            )
        )
    return errors
