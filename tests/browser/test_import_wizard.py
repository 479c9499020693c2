"""A business user walks the import wizard in Hebrew with the sample file and sees the summary."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from marketing.accounts.demo import DEMO_USERNAME, demo_seed

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hebrew_wizard_with_the_sample_file(live_server, browser_page, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    account, password = demo_seed()
    page = browser_page

    page.goto(f"{live_server.url}/login/?next=/contacts/import/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="ייבוא אנשי קשר")).to_be_visible()
    # Only the place chosen shows: a file first, pasted rows or typed points when chosen.
    expect(page.locator('[data-import-source="paste"]')).to_be_hidden()
    expect(page.locator('[data-import-source="typed"]')).to_be_hidden()
    page.locator('input[name="source"][value="paste"]').check()
    expect(page.locator('[data-import-source="paste"]')).to_be_visible()
    expect(page.locator('[data-import-source="file"]')).to_be_hidden()
    page.locator('input[name="source"][value="file"]').check()

    with page.expect_download() as download:
        page.get_by_role("link", name="הורדת קובץ לדוגמה").click()
    sample = tmp_path / "sample.csv"
    download.value.save_as(sample)
    page.get_by_label("קובץ CSV או Excel").set_input_files(str(sample))
    page.get_by_label("כל מי שברשימה הסכים").check()
    page.get_by_role("button", name="הבא: התאמת שדות").click()

    expect(page.get_by_role("combobox", name="שדה עבור טלפון נייד")).to_have_value("phone")
    page.get_by_role("button", name="הבא", exact=True).click()  # the file names its groups: no group step

    expect(page.locator("#import-summary")).to_be_visible(timeout=20_000)
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("0")
    page.screenshot(path=str(_shot(tmp_path, "import-summary-he.png")), full_page=True)
    assert Contact.objects.filter(account=account).count() == 2
