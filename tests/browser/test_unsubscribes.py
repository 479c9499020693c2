"""A business user unsubscribes one phone in Hebrew and one email in English from the list screen, and finds
each again by typing part of it."""

import pytest
from playwright.sync_api import expect

from contacts.models import Suppression
from marketing.accounts.demo import DEMO_USERNAME, demo_seed

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_one_unsubscribe_and_find_it_by_part_of_it_in_hebrew_then_english(live_server, browser_page, tmp_path):
    account, password = demo_seed()
    page = browser_page

    page.goto(f"{live_server.url}/login/?next=/contacts/unsubscribes/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()
    expect(page.locator("h1")).to_contain_text("מוסרים")

    # Hebrew: a phone that is no contact, unsubscribed from SMS.
    page.get_by_label("טלפון או אימייל").fill("052-765 4321")
    page.get_by_role("radio", name="SMS", exact=True).check()
    page.get_by_label("סיבה (לא חובה)").fill("ביקש בטלפון")
    page.get_by_role("button", name="הסרה", exact=True).click()

    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("לא יישלחו עוד הודעות SMS אל")
    expect(notice.locator('bdi[dir="ltr"]')).to_have_text("+972 52-765-4321")
    page.get_by_role("searchbox", name="חיפוש").fill("765-43")
    page.get_by_role("button", name="חיפוש").click()
    rows = page.locator("#unsubscribe-table tbody tr:not(.collapse)")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("+972527654321")
    expect(rows.first).to_contain_text("ביקש בטלפון")
    page.get_by_role("button", name="ייצוא תוצאות החיפוש").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="ייצוא המוסרים מ-SMS שנמצאו (CSV)").click()
    exported = tmp_path / "removes.csv"
    download.value.save_as(exported)
    assert "+972527654321" in exported.read_text(encoding="utf-8-sig")
    page.screenshot(path=str(_shot(tmp_path, "unsubscribes-he.png")), full_page=True)

    # English: a mistyped email is refused next to its field, then the right one is unsubscribed from email.
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_contain_text("Unsubscribes")  # the page heading, with the count
    page.get_by_label("Phone or email").fill("noa.example.com")
    page.get_by_role("radio", name="Email", exact=True).check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.locator("#unsubscribe-add-form")).to_contain_text("is not a valid email address: it has no @ sign.")

    page.get_by_label("Phone or email").fill("Noa@Example.com")
    page.get_by_role("radio", name="Email", exact=True).check()
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("noa@example.com will no longer receive email.")
    page.get_by_role("searchbox", name="Search").fill("NOA@EX")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("noa@example.com")
    page.screenshot(path=str(_shot(tmp_path, "unsubscribes-en.png")), full_page=True)

    assert set(Suppression.objects.filter(account=account).values_list("channel", "point", "source")) == {
        ("sms", "+972527654321", "manual"),
        ("email", "noa@example.com", "manual"),
    }
