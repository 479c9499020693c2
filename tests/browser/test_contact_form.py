"""CON-5 and UX-3 in a browser, in Hebrew and in English: typing a phone another contact has names that contact
before anything is saved; a form sent with two bad fields shows both errors, each next to its field."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from marketing.accounts.demo import DEMO_USERNAME, demo_seed

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "+972549871234"

HEBREW = {
    "username": "שם משתמש",
    "password": "סיסמה",
    "sign_in": "כניסה",
    "phone": "טלפון נייד",
    "email": "אימייל",
    "first_name": "שם פרטי",
    "belongs": "הטלפון +972549871234 שייך לאיש הקשר דנה כהן.",
    "open": "פתיחת דנה כהן",
    "save_anyway": "שמירה בכל זאת",
    "add": "הוספת איש קשר",
    "added": "איש הקשר נוסף.",
    "too_short": "מספר הטלפון קצר מדי.",
}
ENGLISH = {
    "phone": "Mobile phone",
    "email": "Email",
    "first_name": "First name",
    "belongs": "The phone +972549871234 belongs to Dana Cohen.",
    "open": "Open Dana Cohen",
    "save_anyway": "Save anyway",
    "add": "Add contact",
    "added": "Contact added.",
    "too_short": "The phone number is too short.",
}


def _sign_in(page, live_server, words, language: str):
    account, password = demo_seed()
    if account.language != language:
        account.language = language
        account.save(update_fields=["language"])
    page.goto(f"{live_server.url}/login/?next=/contacts/new/")  # the sign-in page speaks the browser's Hebrew
    page.get_by_label(HEBREW["username"]).fill(DEMO_USERNAME)
    page.get_by_label(HEBREW["password"], exact=True).fill(password)
    page.get_by_role("button", name=HEBREW["sign_in"]).click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "he" else "ltr")
    return account


@pytest.mark.parametrize(("language", "words"), [("he", HEBREW), ("en", ENGLISH)])
def test_typing_a_phone_another_contact_has_names_that_contact(live_server, browser_page, tmp_path, language, words):
    page = browser_page
    account = _sign_in(page, live_server, words, language)
    Contact.objects.filter(account=account, phone=PHONE).delete()
    first, last = ("דנה", "כהן") if language == "he" else ("Dana", "Cohen")
    dana = Contact.objects.create(account=account, first_name=first, last_name=last, phone=PHONE)

    page.get_by_label(words["first_name"]).fill("Noa")
    page.get_by_label(words["phone"]).fill("054-9871234")

    warning = page.locator("#phone-holders")
    expect(warning).to_contain_text(words["belongs"])
    expect(warning.locator("bdi[dir=ltr]")).to_have_text(PHONE)
    expect(warning.get_by_role("link", name=words["open"])).to_have_attribute("href", f"/contacts/{dana.pk}/")
    page.screenshot(path=str(_shot(tmp_path, f"contact-duplicate-{language}.png")), full_page=True)
    assert Contact.objects.filter(account=account, phone=PHONE).count() == 1

    warning.get_by_role("button", name=words["save_anyway"]).click()

    expect(page.get_by_text(words["added"])).to_be_visible()
    assert Contact.objects.filter(account=account, phone=PHONE).count() == 2
    dana.refresh_from_db()
    assert (dana.first_name, dana.last_name) == (first, last)


@pytest.mark.parametrize(("language", "words"), [("he", HEBREW), ("en", ENGLISH)])
def test_two_bad_fields_show_both_errors_each_next_to_its_field(live_server, browser_page, tmp_path, language, words):
    page = browser_page
    account = _sign_in(page, live_server, words, language)
    before = Contact.objects.filter(account=account).count()

    page.get_by_label(words["phone"]).fill("050-12")
    page.get_by_label(words["email"], exact=True).fill("dana@")
    page.locator("#contact-form").get_by_role("button", name=words["add"]).click()

    phone, email = page.locator("#id_phone"), page.locator("#id_email")
    expect(phone).to_have_class("form-control is-invalid")
    expect(email).to_have_class("form-control is-invalid")
    expect(page.locator("#id_phone ~ .invalid-feedback")).to_have_text(words["too_short"])
    expect(page.locator("#id_email ~ .invalid-feedback")).to_have_count(1)
    expect(page.locator("#id_email ~ .invalid-feedback")).to_contain_text("dana@")
    page.screenshot(path=str(_shot(tmp_path, f"contact-errors-{language}.png")), full_page=True)
    assert Contact.objects.filter(account=account).count() == before
