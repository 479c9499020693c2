"""ACC-1: sign-in throttling. Too many wrong passwords for one username, or from one address, pause signing in
on the sign-in page and the admin's, with the wait shown; the pause ends by itself after the cool-off."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ..factories import PASSWORD, UserFactory

LIMIT = 5
ATTACKER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"
HEBREW_LOCKOUT = "יותר מדי ניסיונות כניסה שגויים"


@pytest.fixture(autouse=True)
def _throttling(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def sign_in(username: str, password: str, ip: str = ATTACKER, client: Client | None = None, url: str = "/login/"):
    client = client or Client()
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_after_too_many_wrong_passwords_the_right_one_is_refused_with_the_wait(account):
    username = account.owner.username
    for _ in range(LIMIT):
        sign_in(username, "guess")

    response = sign_in(username, PASSWORD)

    assert response.status_code == 429 and not signed_in(response)
    page = response.content.decode()
    assert HEBREW_LOCKOUT in page and "נסו שוב בעוד 15 דקות" in page
    assert 'name="password"' in page  # the sign-in page itself, not a bare text page
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_the_lockout_message_speaks_the_chosen_language(account):
    client = Client()
    client.cookies["django_language"] = "en"
    for _ in range(LIMIT):
        sign_in(account.owner.username, "guess", client=client)

    page = sign_in(account.owner.username, PASSWORD, client=client).content.decode()

    assert "Too many failed sign-in attempts" in page and "try again in 15 minutes" in page


def test_a_wrong_password_under_the_limit_still_says_what_to_check(account):
    response = sign_in(account.owner.username, "guess")

    assert response.status_code == 200
    assert "שם המשתמש או הסיסמה שגויים" in response.content.decode()


def test_a_locked_username_is_locked_from_every_address(account):
    for i in range(LIMIT):
        sign_in(account.owner.username, "guess", ip=f"192.0.2.{i + 1}")

    assert sign_in(account.owner.username, PASSWORD, ip=ELSEWHERE).status_code == 429


def test_many_usernames_from_one_address_lock_that_address(account):
    for i in range(LIMIT):
        sign_in(f"someone{i}", "guess")

    response = sign_in(account.owner.username, PASSWORD)

    assert response.status_code == 429 and HEBREW_LOCKOUT in response.content.decode()


def test_a_locked_address_leaves_other_addresses_alone(account):
    for i in range(LIMIT):
        sign_in(f"someone{i}", "guess")

    assert signed_in(sign_in(account.owner.username, PASSWORD, ip=ELSEWHERE))


def test_a_locked_username_leaves_other_users_alone(account, make_member):
    other = make_member(account).user
    for i in range(LIMIT):
        sign_in(account.owner.username, "guess", ip=f"192.0.2.{i + 1}")

    assert signed_in(sign_in(other.username, PASSWORD, ip=ELSEWHERE))


def test_signing_in_works_again_after_the_cool_off(account):
    for _ in range(LIMIT):
        sign_in(account.owner.username, "guess")

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        response = sign_in(account.owner.username, PASSWORD)

    assert signed_in(response)


def test_a_successful_sign_in_clears_that_users_failures(account):
    for _ in range(LIMIT - 1):
        sign_in(account.owner.username, "guess")
    assert signed_in(sign_in(account.owner.username, PASSWORD))

    for _ in range(LIMIT - 1):
        sign_in(account.owner.username, "guess")

    assert signed_in(sign_in(account.owner.username, PASSWORD))


def test_signing_in_to_ones_own_account_does_not_clear_an_addresss_spraying(account, make_member):
    sprayer = make_member(account).user
    for i in range(LIMIT - 1):
        sign_in(f"someone{i}", "guess")
    assert signed_in(sign_in(sprayer.username, PASSWORD))

    sign_in("someone-else", "guess")

    assert sign_in(account.owner.username, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_locked_not_the_proxy(account, settings, make_member):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    colleague = make_member(account).user
    for i in range(LIMIT):
        Client().post(
            "/login/",
            {"username": f"someone{i}", "password": "guess"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )

    locked = Client().post(
        "/login/",
        {"username": account.owner.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=ATTACKER,
    )
    other_client = Client().post(
        "/login/",
        {"username": colleague.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=ELSEWHERE,
    )

    assert locked.status_code == 429
    assert signed_in(other_client)


def test_the_admin_sign_in_is_throttled_with_the_message_on_its_own_page(db):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        sign_in(admin_user.username, "guess", url="/admin/login/")

    response = sign_in(admin_user.username, PASSWORD, url="/admin/login/")

    assert response.status_code == 429 and not signed_in(response)
    page = response.content.decode()
    assert HEBREW_LOCKOUT in page and 'class="errornote"' in page and 'name="password"' in page


def test_failures_on_the_admin_sign_in_count_for_the_product_sign_in_too(account):
    for _ in range(LIMIT):
        sign_in(account.owner.username, "guess", url="/admin/login/")

    assert sign_in(account.owner.username, PASSWORD).status_code == 429
