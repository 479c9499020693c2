"""TOK-4 (the OTP gate) and the token screens (TOK-2, TOK-3, TOK-5)."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from marketing.accounts.roles import Role
from marketing.messaging.backends import sms
from marketing.tokens.models import ApiToken
from marketing.tokens.services import token_authenticate

from ..tenancy import TenancyCase, assert_tenant_isolated


def _last_sms_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)


def _send(client, channel="sms", **extra):
    return client.post("/account/tokens/verify/", {"action": "send", "channel": channel, **extra})


def _verify(client, code):
    return client.post("/account/tokens/verify/", {"action": "verify", "code": code, "next": "/account/tokens/"})


@pytest.fixture
def owner_client(verified_owner, client_for):
    return client_for(verified_owner)


def test_without_verification_the_screen_asks_for_a_code(owner_client):
    response = owner_client.get("/account/tokens/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/tokens/verify/")


def test_a_fresh_valid_code_opens_the_screen_and_shows_the_default_token_once(owner_client, account):
    _send(owner_client)
    assert sms.outbox[-1].to == "+972521234567"

    response = _verify(owner_client, _last_sms_code())

    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    page = owner_client.get("/account/tokens/").content.decode()
    plaintext = re.search(r'value="(mk_[^"]+)"', page).group(1)
    assert token_authenticate(raw=plaintext, ip="192.0.2.1").is_default
    again = owner_client.get("/account/tokens/").content.decode()
    assert plaintext not in again and ApiToken.objects.get(account=account).masked in again


def test_a_wrong_code_is_refused(owner_client):
    _send(owner_client)
    wrong = "000000" if _last_sms_code() != "000000" else "111111"

    response = _verify(owner_client, wrong)

    assert response.status_code == 200 and "The code is wrong" in response.content.decode()
    assert owner_client.get("/account/tokens/").status_code == 302


def test_an_expired_code_is_refused(owner_client):
    _send(owner_client)
    code = _last_sms_code()

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        response = _verify(owner_client, code)

    assert "The code has expired" in response.content.decode()


def test_a_code_works_once(owner_client):
    _send(owner_client)
    code = _last_sms_code()
    _verify(owner_client, code)
    session = owner_client.session
    session.pop("tokens_step_up")
    session["tokens_step_up_pending"] = "sms"
    session.save()

    response = _verify(owner_client, code)

    assert "No code is waiting" in response.content.decode()
    assert owner_client.get("/account/tokens/").status_code == 302


def test_quick_retries_are_throttled_and_too_many_wrong_codes_kill_the_code(owner_client):
    _send(owner_client)
    code = _last_sms_code()
    wrong = "000000" if code != "000000" else "111111"
    start = timezone.now()

    _verify(owner_client, wrong)
    throttled = _verify(owner_client, code).content.decode()
    assert "Too many wrong codes. Try again in" in throttled

    last = ""
    for attempt in range(1, 5):  # failures 2…5, each after the throttle delay has passed
        with time_machine.travel(start + dt.timedelta(seconds=40 * attempt)):
            last = _verify(owner_client, wrong).content.decode()
    assert "Too many wrong codes. Ask for a new code." in last
    with time_machine.travel(start + dt.timedelta(seconds=250)):
        final = _verify(owner_client, code).content.decode()
    assert "No code is waiting" in final
    assert owner_client.get("/account/tokens/").status_code == 302


def test_the_verification_expires_after_ten_minutes(owner_client):
    _send(owner_client)
    _verify(owner_client, _last_sms_code())
    assert owner_client.get("/account/tokens/").status_code == 200

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert owner_client.get("/account/tokens/").status_code == 302


def test_asking_for_codes_again_and_again_is_slowed_down(owner_client):
    _send(owner_client)

    response = _send(owner_client)

    assert "You can ask for another in" in response.content.decode()
    assert len(sms.outbox) == 1


def test_an_owner_without_a_verified_point_verifies_one_first(account, client_for):
    owner = account.owner
    client = client_for(owner)
    page = client.get("/account/tokens/verify/").content.decode()
    assert "First verify your mobile phone or email" in page

    _send(client, channel="email", address="  Owner@Example.com ")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == ["owner@example.com"]
    response = _verify(client, code)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email_verified_at is not None and owner.phone_verified_at is None
    assert client.get("/account/tokens/").status_code == 200


def test_another_manager_cannot_verify_for_the_owner(account, make_member, client_for):
    manager = make_member(account, role=Role.ACCOUNT_MANAGER)
    client = client_for(manager.user)

    page = client.get("/account/tokens/verify/").content.decode()
    response = _send(client, channel="email", address="me@example.com")

    assert "Ask the owner" in page
    assert not mail.outbox and not sms.outbox
    assert response.status_code in (200, 403)


def test_another_manager_gets_in_with_the_code_sent_to_the_owner(verified_owner, account, make_member, client_for):
    manager = make_member(account, role=Role.ACCOUNT_MANAGER)
    client = client_for(manager.user)

    _send(client)
    assert sms.outbox[-1].to == verified_owner.phone
    _verify(client, _last_sms_code())

    assert client.get("/account/tokens/").status_code == 200


@pytest.mark.parametrize("role", [Role.DEPARTMENT_MANAGER, Role.USER, Role.REPORTS_ONLY, Role.FIXED_SENDER])
def test_only_account_managers_manage_tokens(account, make_member, stepped_up, role):
    member = make_member(account, role=role)

    assert stepped_up(member.user, account).get("/account/tokens/").status_code == 403


def test_create_shows_the_token_once_and_stores_only_its_digest(account, verified_owner, stepped_up):
    client = stepped_up(verified_owner, account)

    response = client.post(
        "/account/tokens/new/",
        {"name": "Website form", "note": "CF7 on the main site", "allowed_ips": "203.0.113.0/24\n2001:db8::1"},
    )

    page = response.content.decode()
    plaintext = re.search(r'value="(mk_[^"]+)"', page).group(1)
    token = ApiToken.objects.get(account=account, name="Website form")
    assert token.allowed_ips == ["203.0.113.0/24", "2001:db8::1"]
    assert "data-copy-target" in page
    listing = client.get("/account/tokens/").content.decode()
    assert plaintext not in listing and token.masked in listing


def test_create_refuses_bad_input_with_a_reason(account, verified_owner, stepped_up):
    client = stepped_up(verified_owner, account)

    response = client.post("/account/tokens/new/", {"name": "Bad", "allowed_ips": "10.0.0.300"})

    assert response.status_code == 200 and "10.0.0.300" in response.content.decode()
    assert not ApiToken.objects.filter(name="Bad").exists()


def test_edit_pause_resume_delete_from_the_screen(account, verified_owner, stepped_up, issue):
    token, plaintext = issue(account, name="Zapier")
    client = stepped_up(verified_owner, account)

    client.post(
        f"/account/tokens/{token.pk}/", {"name": "Zapier prod", "note": "", "allowed_ips": "", "expires_at": ""}
    )
    client.post(f"/account/tokens/{token.pk}/active/", {"active": "0"})
    token.refresh_from_db()
    assert (token.name, token.is_active) == ("Zapier prod", False)
    client.post(f"/account/tokens/{token.pk}/active/", {"active": "1"})
    token.refresh_from_db()
    assert token.is_active
    client.post(f"/account/tokens/{token.pk}/delete/")
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_the_database_holds_no_token_in_clear(account, verified_owner, stepped_up, capsys):
    client = stepped_up(verified_owner, account)
    shown = _shown_tokens(client.get("/account/tokens/"))  # the default token, shown once
    shown += _shown_tokens(client.post("/account/tokens/new/", {"name": "Generated"}))
    custom = "a-custom-value-that-is-long-enough"
    client.post("/account/tokens/new/", {"name": "Custom", "custom_value": custom})
    call_command("create_api_token", account=account.slug, name="Script", ip=[], expires_days=None, note="")
    shown.append(capsys.readouterr().out.strip())
    secrets = [*shown, *(value.split("_", 2)[2] for value in shown), custom]
    assert len(shown) == 3

    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                found += [(table, secret) for secret in secrets if secret in text]
    for session in Session.objects.all():
        found += [("session", secret) for secret in secrets if secret in str(session.get_decoded())]
    assert not found


def _shown_tokens(response) -> list[str]:
    return re.findall(r'value="(mk_[^"]+)"', response.content.decode())


def test_another_accounts_tokens_are_out_of_reach(account, other_account, issue, make_member, stepped_up):
    token, _ = issue(account, name="Secret token of A")
    b_owner = other_account.owner
    client = stepped_up(b_owner, other_account)

    assert_tenant_isolated(
        client,
        TenancyCase(
            rows=[token],
            secrets=["Secret token of A", token.masked],
            list_urls=["/account/tokens/"],
            object_urls=[
                f"/account/tokens/{token.pk}/",
                f"/account/tokens/{token.pk}/active/",
                f"/account/tokens/{token.pk}/delete/",
            ],
            payload={"name": "stolen", "active": "0"},
            not_found=True,
        ),
    )


def test_create_refuses_a_custom_value_shaped_like_a_generated_token(account, verified_owner, stepped_up):
    client = stepped_up(verified_owner, account)

    response = client.post("/account/tokens/new/", {"name": "Lookalike", "custom_value": "mk_abcdefghijkl_" + "S" * 32})

    assert response.status_code == 200
    assert "cannot look like a generated token" in response.content.decode()
    assert not ApiToken.objects.filter(name="Lookalike").exists()
