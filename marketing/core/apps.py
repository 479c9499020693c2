from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "marketing.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from . import checks  # noqa: F401 — registers the deploy checks
