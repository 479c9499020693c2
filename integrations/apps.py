from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """What every connector shares. Each connector is an app of its own that registers its provider in ready()."""

    name = "integrations"
    verbose_name = _("Integrations")
