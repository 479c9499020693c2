from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "marketing.tokens"
    label = "tokens"
    verbose_name = _("API tokens")

    def ready(self):
        from . import openapi  # noqa: F401 — registers the schema extensions
