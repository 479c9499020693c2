from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesforceConfig(AppConfig):
    """Salesforce, one connector of `integrations`: its settings and API usage, screens, tasks and commands."""

    name = "integrations.salesforce"
    label = "salesforce"
    verbose_name = _("Salesforce")

    def ready(self) -> None:
        from . import events, notices, provider  # noqa: F401 - registers Salesforce, its consumers, notices
