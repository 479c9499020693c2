"""A business owner passes the OTP step-up and copies the default API token, in Hebrew."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marketing.accounts.demo import DEMO_USERNAME, demo_seed
from marketing.messaging.backends import sms
from marketing.tokens.services import token_authenticate

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_verifies_by_sms_and_copies_the_token_once(live_server, browser_page, tmp_path, settings):
    settings.SMS_BACKEND = "memory"
    account, password = demo_seed()
    owner = account.owner
    owner.phone_verified_at = timezone.now()
    owner.save()
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    page.goto(f"{live_server.url}/login/?next=/account/tokens/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()

    expect(page.get_by_role("heading", name="אשרו שזה אתם")).to_be_visible()
    page.get_by_role("button", name="שליחת קוד").click()
    expect(page.get_by_text("שלחנו קוד אל")).to_be_visible()
    code = re.search(r"\d{6}", sms.outbox[-1].body).group(0)
    page.get_by_label("קוד").fill(code)
    page.get_by_role("button", name="אימות").click()

    expect(page.get_by_role("heading", name="טוקני API")).to_be_visible()
    value = page.locator("#token-value").input_value()
    assert token_authenticate(raw=value, ip="127.0.0.1").is_default
    page.get_by_role("button", name="העתקה").click()
    expect(page.get_by_role("button", name="הועתק")).to_be_visible()
    page.screenshot(path=str(_shot(tmp_path, "tokens-he.png")), full_page=True)

    page.reload()
    expect(page.locator("#token-value")).to_have_count(0)
    expect(page.get_by_text(value)).to_have_count(0)
