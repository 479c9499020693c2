"""TOK-3, API-2: a verified token is cached briefly, so a burst of calls costs one lookup; a pause, a change or a
deletion still takes effect on the very next call."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from marketing.tokens import services
from marketing.tokens.services import TokenRefused, token_authenticate

IP = "192.0.2.1"


def test_a_burst_of_calls_looks_the_token_up_once(account, issue, django_assert_num_queries):
    _token, plaintext = issue(account)
    token_authenticate(raw=plaintext, ip=IP)

    with django_assert_num_queries(0):
        again = token_authenticate(raw=plaintext, ip=IP)

    assert again.account == account


def test_a_wrong_value_is_looked_up_every_time(account, issue, django_assert_num_queries):
    _token, plaintext = issue(account)
    wrong = plaintext[:-4] + ("aaaa" if not plaintext.endswith("aaaa") else "bbbb")

    for _ in range(2):
        with django_assert_num_queries(1), pytest.raises(TokenRefused):
            token_authenticate(raw=wrong, ip=IP)


def test_pausing_a_cached_token_refuses_the_next_call(account, issue):
    token, plaintext = issue(account)
    token_authenticate(raw=plaintext, ip=IP)

    services.token_set_active(account=account, actor=account.owner, token=token, active=False)

    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip=IP)
    assert refused.value.code == "token_paused"


def test_a_new_allowed_ip_list_applies_to_the_next_call(account, issue):
    token, plaintext = issue(account)
    token_authenticate(raw=plaintext, ip=IP)

    services.token_update(
        account=account,
        actor=account.owner,
        token=token,
        name=token.name,
        note="",
        allowed_ips=["203.0.113.0/24"],
        expires_at=None,
    )

    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip=IP)
    assert refused.value.code == "ip_not_allowed"


def test_a_deleted_cached_token_is_refused(account, issue):
    token, plaintext = issue(account)
    token_authenticate(raw=plaintext, ip=IP)

    services.token_delete(account=account, actor=account.owner, token=token)

    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip=IP)
    assert refused.value.code == "invalid_token"


def test_the_expiry_is_checked_on_every_call_of_a_cached_token(account, issue):
    expires = timezone.now() + dt.timedelta(seconds=5)
    _token, plaintext = issue(account, expires_at=expires)
    token_authenticate(raw=plaintext, ip=IP)

    with time_machine.travel(expires + dt.timedelta(seconds=1)), pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip=IP)
    assert refused.value.code == "token_expired"


def test_an_account_deactivated_meanwhile_is_refused_once_the_cache_lapses(account, issue, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    _token, plaintext = issue(account)
    token_authenticate(raw=plaintext, ip=IP)
    account.is_active = False
    account.save(update_fields=["is_active"])

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=11)), pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip=IP)
    assert refused.value.code == "account_inactive"


def test_the_legacy_username_check_is_cached_only_when_it_passes(account, issue, django_assert_max_num_queries):
    _token, plaintext = issue(account)

    def call(username: str):
        document = {"User": {"Username": username, "Token": plaintext}, "Data": {"Contacts": [{"Email": "a@x.com"}]}}
        return APIClient().post("/api/Contact/Update", document, format="json")

    assert call("someone-else").status_code == 401
    assert call(account.owner.username).status_code == 200
    assert call("someone-else").status_code == 401  # a refusal is never remembered as a pass
    with django_assert_max_num_queries(12) as captured:
        assert call(account.owner.username).status_code == 200
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "tokens_apitoken" not in tables and "accounts_membership" not in tables
