"""Forms of the Salesforce screens. They read and check input; the services write."""

from .connection import ConnectForm, PauseForm
from .salesforce_settings import SalesforceSettingsForm, translations_format, translations_parse

__all__ = ["ConnectForm", "PauseForm", "SalesforceSettingsForm", "translations_format", "translations_parse"]
