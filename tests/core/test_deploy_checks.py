"""`manage.py check --deploy` refuses the embedded defaults and malformed production settings (SPEC ACC-1)."""

import pytest
from cryptography.fernet import Fernet
from django.core.checks import ERROR, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from marketing.tokens.ips import client_ip
from marketing.tokens.services import token_create

REDIS_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379/0"}
}


@pytest.fixture
def production(settings):
    """A production-like configuration: every check passes (the tests database is PostgreSQL)."""
    settings.DEBUG = False
    settings.SECRET_KEY = "a-production-secret-of-fifty-characters-or-more-0123456789"
    settings.ENVIRONMENT_KEYS_SET = frozenset({"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL"})
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    settings.CELERY_BROKER_URL = "redis://broker:6379/1"
    settings.CACHES = REDIS_CACHE
    settings.ALLOWED_HOSTS = ["app.example.com"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]
    return settings


def _error_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True) if message.level >= ERROR}


def test_a_production_configuration_passes_the_deploy_check(production):
    assert _error_ids() == set()
    call_command("check", "--deploy", "--fail-level", "ERROR")  # raises SystemCheckError on any error


def test_the_embedded_broker_fails_the_deploy_check(production):
    production.CELERY_BROKER_URL = "filesystem://"

    assert _error_ids() == {"marketing.E004"}
    with pytest.raises(SystemCheckError, match="marketing.E004"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


@pytest.mark.parametrize(
    "backend",
    ["django.core.cache.backends.filebased.FileBasedCache", "django.core.cache.backends.locmem.LocMemCache"],
)
def test_a_cache_the_processes_do_not_share_fails_the_deploy_check(production, backend):
    production.CACHES = {"default": {"BACKEND": backend, "LOCATION": "/tmp/cache"}}

    assert _error_ids() == {"marketing.E005"}


@pytest.mark.parametrize("hosts", [["127.0.0.1", "localhost", "[::1]", "testserver"], ["*"], ["app.example.com", "*"]])
def test_the_default_or_a_wildcard_allowed_hosts_fails_the_deploy_check(production, hosts):
    production.ALLOWED_HOSTS = hosts

    assert _error_ids() == {"marketing.E006"}


@pytest.mark.parametrize("keys", [["not-a-fernet-key"], ["c2hvcnQ="], []])
def test_an_invalid_field_encryption_key_fails_the_deploy_check(production, keys):
    production.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *keys] if keys else []

    assert _error_ids() == {"marketing.E007"}


def test_the_deploy_check_names_the_bad_key_by_position_not_value(production):
    production.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "leaked-secret-value"]

    messages = [m.msg for m in run_checks(include_deployment_checks=True) if m.id == "marketing.E007"]

    assert messages == ["FIELD_ENCRYPTION_KEYS entry 2 is not a Fernet key."]


def test_the_key_derived_from_secret_key_fails_the_deploy_check(production):
    production.ENVIRONMENT_KEYS_SET = frozenset({"SECRET_KEY", "DATABASE_URL"})

    assert _error_ids() == {"marketing.E002"}


def test_https_without_hsts_fails_the_deploy_check(production):
    production.SECURE_HSTS_SECONDS = 0

    assert _error_ids() == {"marketing.E008"}


def test_secure_cookies_alone_count_as_https(production):
    del production.SECURE_PROXY_SSL_HEADER
    production.SECURE_HSTS_SECONDS = 0

    assert _error_ids() == {"marketing.E008"}


def test_plain_http_without_hsts_is_left_to_djangos_warnings(production):
    del production.SECURE_PROXY_SSL_HEADER
    production.SESSION_COOKIE_SECURE = production.CSRF_COOKIE_SECURE = False
    production.SECURE_HSTS_SECONDS = 0

    messages = run_checks(include_deployment_checks=True)

    assert {m.id for m in messages if m.level >= ERROR} == set()
    assert "security.W004" in {m.id for m in messages}


@pytest.mark.parametrize("proxies", [["localhost"], ["10.0.0.0/8", "proxy.internal"], ["10.0.0.300"]])
def test_trusted_proxies_that_are_not_addresses_fail_the_deploy_check(production, proxies):
    production.TRUSTED_PROXIES = proxies

    messages = [m for m in run_checks(include_deployment_checks=True) if m.level >= ERROR]

    assert [m.id for m in messages] == ["marketing.E009"]
    assert proxies[-1] in messages[0].msg


def test_an_invalid_trusted_proxy_is_ignored_at_runtime_instead_of_failing_the_request(rf, settings):
    settings.TRUSTED_PROXIES = ["localhost", "10.0.0.0/8"]
    request = rf.get("/api/v1/account/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.10")

    assert client_ip(request) == "203.0.113.10"


def test_a_proxy_listed_only_by_name_is_not_trusted(rf, settings):
    settings.TRUSTED_PROXIES = ["localhost"]
    request = rf.get("/api/v1/account/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")

    assert client_ip(request) == "127.0.0.1"


def test_the_api_answers_behind_a_proxy_named_by_host(account, settings):
    settings.TRUSTED_PROXIES = ["localhost"]
    token = token_create(account=account, actor=account.owner, name="API").plaintext

    response = Client().get(
        "/api/v1/account/",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
    )

    assert response.status_code == 200


def test_healthz_reports_a_malformed_trusted_proxies_setting(client, db, settings):
    settings.TRUSTED_PROXIES = ["localhost"]

    body = client.get("/healthz").json()

    assert body["configuration"] == {"status": "error", "invalid": ["TRUSTED_PROXIES"]}
    assert "localhost" not in str(body)
