from django.conf import settings
from django.core.checks import Error, Tags, register


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
    return errors
