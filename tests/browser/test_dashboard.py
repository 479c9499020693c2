"""A person signs in with the demo login and reads the dashboard in Hebrew, then in English."""

import os

import pytest
from playwright.sync_api import expect

from marketing.accounts.demo import DEMO_USERNAME, demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_login_opens_the_dashboard_in_hebrew_then_english(live_server, browser_page, tmp_path):
    _, password = demo_seed()
    page = browser_page

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "he")
    expect(page.locator("#dashboard-title")).to_have_text("שלום, Dana")
    expect(page.get_by_role("link", name="לוח בקרה")).to_be_visible()
    expect(page.locator("#stat-sms-credits")).to_have_text("1,000")
    # Right-to-left for real: the brand sits at the right edge, the sign-out button at the left.
    brand = page.locator(".navbar-brand").bounding_box()
    sign_out = page.get_by_role("button", name="יציאה").bounding_box()
    assert brand["x"] > sign_out["x"]
    page.screenshot(path=str(_shot(tmp_path, "dashboard-he.png")), full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#dashboard-title")).to_have_text("Hello, Dana")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    brand = page.locator(".navbar-brand").bounding_box()
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    assert brand["x"] < sign_out["x"]
    page.screenshot(path=str(_shot(tmp_path, "dashboard-en.png")), full_page=True)

    page.get_by_role("button", name="עברית").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_a_wrong_password_is_refused_in_hebrew(live_server, browser_page):
    demo_seed()
    page = browser_page

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill("not-the-password")
    page.get_by_role("button", name="כניסה").click()

    expect(page.get_by_role("alert")).to_contain_text("שם המשתמש או הסיסמה שגויים")


def _shot(tmp_path, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    return os.path.join(folder, name) if folder else tmp_path / name
