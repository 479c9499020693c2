import pytest

from automations import consumers as consumers_module


@pytest.fixture
def consumers(monkeypatch):
    """An empty consumer registry for the test: only the consumers it registers run (not Salesforce's)."""
    monkeypatch.setattr(consumers_module, "_REGISTRY", {})
    return consumers_module


@pytest.fixture
def max_attempts(settings):
    settings.EVENTS_CONSUMER_MAX_ATTEMPTS = 3
    return 3
