import pytest
from rest_framework.test import APIClient

from marketing.tokens.services import token_create


@pytest.fixture
def token_of(db):
    """token_of(account, **fields) -> plaintext of a new token."""

    def make(account, **fields):
        return token_create(account=account, actor=account.owner, name=fields.pop("name", "API"), **fields).plaintext

    return make


@pytest.fixture
def api_for(token_of):
    """api_for(account, **token_fields) -> an APIClient sending that account's Bearer token."""

    def make(account, **fields):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_of(account, **fields)}")
        return client

    return make
