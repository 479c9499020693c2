import pytest
from django.utils import timezone

from marketing.tokens.services import token_create
from marketing.tokens.stepup import stepup_mark


@pytest.fixture
def verified_owner(account):
    owner = account.owner
    owner.phone, owner.phone_verified_at = "+972521234567", timezone.now()
    owner.email, owner.email_verified_at = "owner@example.com", timezone.now()
    owner.save()
    return owner


@pytest.fixture
def stepped_up(client_for):
    """stepped_up(user, account) -> a client that passed the OTP step-up just now."""

    def make(user, account):
        client = client_for(user)
        session = client.session
        stepup_mark(session, account=account)
        session.save()
        return client

    return make


@pytest.fixture
def issue(db):
    """issue(account, **fields) -> (token row, plaintext)."""

    def make(account, **fields):
        issued = token_create(account=account, actor=account.owner, name=fields.pop("name", "Test"), **fields)
        return issued.token, issued.plaintext

    return make


@pytest.fixture
def account(db):
    """These screens are checked in English; Hebrew rendering is covered by the translations test."""
    from ..factories import AccountFactory

    return AccountFactory(name="Account A", slug="account-a", language="en")
