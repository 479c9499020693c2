"""TOK-1…3, TOK-5: issuing, storing, editing and refusing API tokens."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from marketing.core.errors import ApplicationError
from marketing.core.models import AuditEntry
from marketing.tokens import services
from marketing.tokens.models import ApiToken
from marketing.tokens.services import TokenRefused, token_authenticate


def test_a_token_has_a_prefix_a_public_id_and_at_least_128_random_bits(account, issue):
    token, plaintext = issue(account)

    match = re.fullmatch(r"mk_([a-z0-9]{12})_([A-Za-z0-9_-]+)", plaintext)
    assert match and match.group(1) == token.public_id
    assert len(match.group(2)) * 6 >= 128
    assert plaintext not in token.digest and token.masked.endswith(plaintext[-4:])
    assert "••••" in token.masked


def test_two_tokens_never_share_a_value(account, issue):
    values = {issue(account)[1] for _ in range(20)}

    assert len(values) == 20


def test_the_issued_token_authenticates_as_its_account(account, issue):
    token, plaintext = issue(account)

    assert token_authenticate(raw=plaintext, ip="198.51.100.7") == token


@pytest.mark.parametrize(
    "mutate", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t + "x", lambda t: "mk_nope", lambda t: ""]
)
def test_a_wrong_token_is_refused_as_invalid(account, issue, mutate):
    _, plaintext = issue(account)

    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=mutate(plaintext), ip="198.51.100.7")
    assert (refused.value.status, refused.value.code) == (401, "invalid_token")


def test_an_expired_token_is_refused_with_the_date(account, issue):
    _, plaintext = issue(account, expires_at=timezone.now() + dt.timedelta(days=1))

    with time_machine.travel(timezone.now() + dt.timedelta(days=2)), pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip="198.51.100.7")
    assert (refused.value.status, refused.value.code) == (401, "token_expired")


def test_a_paused_token_is_refused_until_resumed(account, issue):
    token, plaintext = issue(account)
    services.token_set_active(account=account, actor=account.owner, token=token, active=False)

    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip="198.51.100.7")
    assert (refused.value.status, refused.value.code) == (403, "token_paused")

    services.token_set_active(account=account, actor=account.owner, token=token, active=True)
    assert token_authenticate(raw=plaintext, ip="198.51.100.7") == token


def test_a_deleted_token_is_refused(account, issue):
    token, plaintext = issue(account)
    services.token_delete(account=account, actor=account.owner, token=token)

    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw=plaintext, ip="198.51.100.7")
    assert refused.value.code == "invalid_token"


@pytest.mark.parametrize(
    ("allowed", "ip", "ok"),
    [
        (["203.0.113.7"], "203.0.113.7", True),
        (["203.0.113.7"], "203.0.113.8", False),
        (["203.0.113.0/24"], "203.0.113.200", True),
        (["203.0.113.0/24"], "203.0.114.1", False),
        (["203.0.113.7"], "::ffff:203.0.113.7", True),
        (["::ffff:203.0.113.0/120"], "203.0.113.9", True),
        (["2001:db8::/32"], "2001:db8:1::5", True),
        (["2001:db8::/32"], "2001:db9::5", False),
        ([], "192.0.2.55", True),
    ],
)
def test_allowed_ips_accept_addresses_ranges_and_mapped_ipv4(account, issue, allowed, ip, ok):
    _, plaintext = issue(account, allowed_ips=allowed)

    if ok:
        assert token_authenticate(raw=plaintext, ip=ip)
    else:
        with pytest.raises(TokenRefused) as refused:
            token_authenticate(raw=plaintext, ip=ip)
        assert (refused.value.status, refused.value.code) == (403, "ip_not_allowed")
        assert ip in refused.value.message


@pytest.mark.parametrize("bad", ["300.1.1.1", "10.0.0.0/33", "example.com", "1.2.3"])
def test_a_malformed_allowed_ip_is_refused_by_name(account, bad):
    with pytest.raises(ApplicationError, match=re.escape(bad)):
        services.token_create(account=account, actor=account.owner, name="x", allowed_ips=[bad])


def test_allowed_ips_are_normalized(account, issue):
    token, _ = issue(account, allowed_ips=[" 203.0.113.7 ", "203.0.113.9/24", "::ffff:198.51.100.1", "203.0.113.7"])

    assert token.allowed_ips == ["203.0.113.7", "203.0.113.0/24", "198.51.100.1"]


def test_a_custom_value_is_hashed_and_authenticates(account):
    value = "my-own-very-long-shared-secret-2026"
    issued = services.token_create(account=account, actor=account.owner, name="Legacy CRM", custom_value=value)

    assert issued.plaintext == value and issued.token.is_custom
    assert value not in issued.token.digest
    assert token_authenticate(raw=value, ip="192.0.2.1") == issued.token
    assert issued.token.masked == "••••2026"


@pytest.mark.parametrize("value", ["short", "has spaces inside but is long enough"])
def test_a_weak_custom_value_is_refused(account, value):
    with pytest.raises(ApplicationError, match="24 characters"):
        services.token_create(account=account, actor=account.owner, name="x", custom_value=value)


def test_last_used_is_written_at_most_once_per_15_minutes(account, issue, django_assert_num_queries, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0  # each call looks the token up
    token, plaintext = issue(account)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        token_authenticate(raw=plaintext, ip="192.0.2.1")
        with django_assert_num_queries(1):  # the lookup only: no write
            token_authenticate(raw=plaintext, ip="192.0.2.1")
    token.refresh_from_db()
    assert token.last_used_at == start

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        token_authenticate(raw=plaintext, ip="192.0.2.1")
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=16)


def test_every_change_is_audited(account, issue):
    token, _ = issue(account)
    owner = account.owner
    services.token_update(
        account=account, actor=owner, token=token, name="Renamed", note="n", allowed_ips=[], expires_at=None
    )
    services.token_set_active(account=account, actor=owner, token=token, active=False)
    services.token_set_active(account=account, actor=owner, token=token, active=True)
    services.token_delete(account=account, actor=owner, token=token)

    actions = list(AuditEntry.objects.filter(account=account).order_by("id").values_list("action", flat=True))
    assert actions[-5:] == ["token.create", "token.update", "token.pause", "token.resume", "token.delete"]


def test_another_accounts_token_cannot_be_changed(account, other_account, issue):
    token, _ = issue(other_account)

    with pytest.raises(ApplicationError):
        services.token_set_active(account=account, actor=account.owner, token=token, active=False)
    token.refresh_from_db()
    assert token.is_active


def test_the_default_token_is_created_once(account):
    first = services.token_ensure_default(account=account, actor=account.owner)

    assert first is not None and first.token.is_default
    assert services.token_ensure_default(account=account, actor=account.owner) is None
    assert ApiToken.objects.filter(account=account, is_default=True).count() == 1


def test_create_api_token_command_prints_a_working_token_once(account, capsys):
    call_command(
        "create_api_token", account=account.slug, name="Zapier", ip=["203.0.113.0/24"], expires_days=30, note=""
    )

    plaintext = capsys.readouterr().out.strip()
    token = token_authenticate(raw=plaintext, ip="203.0.113.5")
    assert token.account == account and token.name == "Zapier"
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)
    with pytest.raises(TokenRefused):
        token_authenticate(raw=plaintext, ip="192.0.2.1")


def test_a_token_with_invalid_unicode_is_refused_as_invalid(account):
    with pytest.raises(TokenRefused) as refused:
        token_authenticate(raw="mk_\ud800", ip="192.0.2.1")
    assert refused.value.code == "invalid_token"


def test_a_custom_value_shaped_like_a_generated_token_is_refused(account):
    # Before: accepted, then never authenticated (that shape is looked up by public id among generated tokens).
    lookalike = "mk_abcdefghijkl_" + "S" * 32

    with pytest.raises(ApplicationError, match="cannot look like a generated token"):
        services.token_create(account=account, actor=account.owner, name="Lookalike", custom_value=lookalike)
    assert not ApiToken.objects.filter(account=account).exists()


def test_a_custom_value_merely_starting_with_the_prefix_authenticates(account):
    value = "mk_my-own-long-shared-secret-2026"
    issued = services.token_create(account=account, actor=account.owner, name="Legacy", custom_value=value)

    assert token_authenticate(raw=value, ip="192.0.2.1") == issued.token
