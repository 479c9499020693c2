import os

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from marketing.accounts.models import Account, Membership
from marketing.accounts.roles import Role
from marketing.celery import app as celery_app
from marketing.messaging.backends import sms

from .factories import AccountFactory, DepartmentFactory, MembershipFactory

celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Each test gets an empty cache of its own (the embedded default is a shared file cache), a folder of
    its own for what the embedded run keeps under var/, and a fast password hasher."""
    settings.VAR_DIR = tmp_path / "var"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "memory"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sms.outbox.clear()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services called directly speak English in tests; each request still picks its own language."""
    with translation.override("en"):
        yield


@pytest.fixture
def account(db) -> Account:
    return AccountFactory(name="Account A", slug="account-a")


@pytest.fixture
def other_account(db) -> Account:
    return AccountFactory(name="Account B", slug="account-b")


@pytest.fixture
def make_member(db):
    """make_member(account, role=..., department=...) -> Membership, with a user that can log in."""

    def make(account: Account, role: str = Role.USER, department=None, **kwargs) -> Membership:
        return MembershipFactory(account=account, role=role, department=department, **kwargs)

    return make


@pytest.fixture
def make_department(db):
    return lambda account, **kw: DepartmentFactory(account=account, **kw)


@pytest.fixture
def client_for():
    """client_for(user) -> a Django test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner_client(account, client_for) -> Client:
    return client_for(account.owner)


# CI explores the same examples every run; locally hypothesis keeps searching.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
