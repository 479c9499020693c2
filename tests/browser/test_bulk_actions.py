"""A business user searches the contacts, selects every contact the search finds (more than a page), adds them to
a group, and the group then holds exactly those contacts: in Hebrew at once, in English in the background."""

import re

import pytest
from playwright.sync_api import expect

from contacts import bulk
from contacts.models import Contact, Group, GroupMembership
from marketing.accounts.demo import DEMO_USERNAME, demo_seed

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _people(account, last_name: str, n: int, first_phone: int) -> set[int]:
    made = Contact.objects.bulk_create(
        [
            Contact(account=account, first_name="Dana", last_name=last_name, phone=f"+97250{first_phone + i}")
            for i in range(n)
        ]
    )
    return {c.pk for c in made}


def _members(group) -> set[int]:
    return set(GroupMembership.objects.filter(group=group).values_list("contact_id", flat=True))


def _login(page, live_server, password):
    page.goto(f"{live_server.url}/login/?next=/contacts/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()


def _search_and_select_all(page, term: str):
    page.locator("#contact-filters input[name=q]").fill(term)
    page.locator("#contact-filters button[type=submit]").click()
    page.locator("#bulk-page").check()
    expect(page.locator("#bulk-chosen-count")).to_have_text("50")  # the page
    page.locator("#bulk-all").check()


def test_hebrew_select_all_matching_then_add_to_a_group(live_server, browser_page, tmp_path):
    account, password = demo_seed()
    club = Group.objects.create(account=account, name="מועדון")
    wanted = _people(account, "Zilberman", 55, 1000000)
    _people(account, "Katz", 3, 2000000)
    page = browser_page

    _login(page, live_server, password)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _search_and_select_all(page, "Zilberman")
    expect(page.locator("#bulk-chosen-count")).to_have_text("55")
    expect(page.get_by_text("בחירת כל 55 אנשי הקשר שתואמים לחיפוש")).to_be_visible()
    page.locator("#bulk-form").get_by_role("button", name="הוספה לקבוצה").click()

    expect(page.locator("#bulk-question")).to_have_text("הוספת 55 אנשי קשר לקבוצה")
    page.get_by_label("קבוצה", exact=True).select_option(label="מועדון")
    page.get_by_role("button", name="המשך").click()
    expect(page.locator("#bulk-question")).to_have_text("להוסיף 55 אנשי קשר לקבוצה „מועדון”?")
    assert _members(club) == set()  # asking changed nothing
    page.screenshot(path=str(_shot(tmp_path, "bulk-confirm-he.png")), full_page=True)
    page.locator("#bulk-confirm").get_by_role("button", name="הוספה לקבוצה").click()

    expect(page.get_by_role("alert").filter(has_text="נוספו")).to_contain_text("55 אנשי קשר נוספו לקבוצה „מועדון”.")
    expect(page).to_have_url(re.compile(r"/contacts/\?q=Zilberman"))  # back on the same search
    page.screenshot(path=str(_shot(tmp_path, "bulk-done-he.png")), full_page=True)
    assert _members(club) == wanted


def test_english_a_large_selection_runs_in_the_background(live_server, browser_page, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 10)  # so that these 55 take the background path
    account, password = demo_seed()
    wanted = _people(account, "Zilberman", 55, 1000000)
    _people(account, "Katz", 3, 2000000)
    page = browser_page

    _login(page, live_server, password)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    _search_and_select_all(page, "Zilberman")
    expect(page.get_by_text("Select all 55 contacts matching this search")).to_be_visible()
    page.locator("#bulk-form").get_by_role("button", name="Add to a group").click()

    page.get_by_label("Or a new group named").fill("Zilbermans")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#bulk-question")).to_have_text("Add 55 contacts to a new group named “Zilbermans”?")
    expect(page.get_by_text("handled in the background")).to_be_visible()
    page.get_by_role("button", name="Add to the group").click()

    expect(page.locator("#bulk-result")).to_have_text("55 contacts added to “Zilbermans”.", timeout=20_000)
    page.screenshot(path=str(_shot(tmp_path, "bulk-background-en.png")), full_page=True)
    page.get_by_role("link", name="Open the group").click()
    expect(page.get_by_role("heading", name=re.compile("Zilbermans"))).to_be_visible()
    assert _members(Group.objects.get(account=account, name="Zilbermans")) == wanted

    # Later, the history of bulk actions lists it and opens its status screen again.
    page.locator("#contacts-nav").get_by_role("link", name="Bulk actions").click()
    row = page.locator("#bulk-table tbody tr").first
    expect(row).to_contain_text("Zilbermans")
    expect(row).to_contain_text("55 of 55 contacts")
    expect(row).to_contain_text("Done")
    page.screenshot(path=str(_shot(tmp_path, "bulk-history-en.png")), full_page=True)
    row.get_by_role("link", name="Add to a group").click()
    expect(page.locator("#bulk-result")).to_have_text("55 contacts added to “Zilbermans”.")
