"""Sign-in, the account switcher, languages (UX-1) and the account's time zone (ACC-5)."""

import datetime as dt

import pytest
import time_machine

from contacts.models import ImportJob
from marketing.accounts.models import Membership
from marketing.accounts.roles import Role

from ..factories import PASSWORD


def test_sign_in_with_the_password_opens_the_dashboard(account, client):
    response = client.post("/login/", {"username": account.owner.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert account.name in response.content.decode()


def test_a_wrong_password_says_what_to_check(account, client):
    response = client.post("/login/", {"username": account.owner.username, "password": "nope"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "שם המשתמש או הסיסמה שגויים" in page


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/account/users/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_hebrew_by_default_right_to_left(owner_client):
    page = owner_client.get("/").content.decode()

    assert '<html lang="he" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert "לוח בקרה" in page


def test_switching_to_english_turns_the_page_left_to_right(owner_client):
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = owner_client.get("/").content.decode()

    assert '<html lang="en" dir="ltr">' in page
    assert "bootstrap.min.css" in page and "bootstrap.rtl" not in page
    assert "Dashboard" in page


def test_an_english_account_opens_in_english(account, owner_client):
    account.language = "en"
    account.save()

    assert '<html lang="en" dir="ltr">' in owner_client.get("/").content.decode()


@pytest.mark.parametrize(
    ("zone", "local_time"),
    [("Asia/Tokyo", "02/03/2026 08:30"), ("Asia/Jerusalem", "02/03/2026 01:30"), ("UTC", "01/03/2026 23:30")],
)
def test_pages_show_time_in_the_account_time_zone(account, owner_client, zone, local_time):
    account.time_zone = zone
    account.save()
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        ImportJob.objects.create(account=account, filename="list.csv")

    page = owner_client.get("/").content.decode()

    assert f'<bdi dir="ltr">{local_time}</bdi>' in page


def test_a_member_of_two_accounts_switches_between_them(account, other_account, make_member, client_for):
    member = make_member(account, role=Role.USER)
    Membership.objects.create(account=other_account, user=member.user, role=Role.REPORTS_ONLY)
    client = client_for(member.user)
    assert "Account A" in client.get("/").content.decode()

    response = client.post("/account/switch/", {"account": other_account.pk, "next": "https://evil.example/"})

    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "Account B" in page and "/account/switch/" in page
