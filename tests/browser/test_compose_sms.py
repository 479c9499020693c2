"""A business user composes a Hebrew SMS, sees it counted as Unicode (UCS-2) segments as they type, sends it
to a group with the console backend and reads the report."""

import pytest
from playwright.sync_api import expect

from contacts.models import Contact, Group, GroupMembership, Suppression
from marketing.accounts.demo import DEMO_USERNAME, demo_seed
from marketing.messaging.models import Message, Recipient

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _member(account, group, **values) -> None:
    contact = Contact.objects.create(account=account, **values)
    GroupMembership.objects.create(account=account, group=group, contact=contact)


def test_compose_a_hebrew_sms_see_its_segments_send_it_and_read_the_report(
    live_server, browser_page, tmp_path, settings
):
    settings.SMS_BACKEND = "console"
    account, password = demo_seed()
    group = Group.objects.create(account=account, name="לקוחות")
    _member(account, group, first_name="דנה", phone="+972501111111")
    _member(account, group, first_name="אבי", phone="+972502222222")
    _member(account, group, first_name="נועה", phone="+972503333333")
    Suppression.objects.create(account=account, channel="sms", point="+972503333333", source="manual")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())  # "send this message now?"

    page.goto(f"{live_server.url}/login/?next=/messages/new/sms/")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()
    expect(page.locator("h1")).to_contain_text("SMS חדש")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.get_by_label("שם ההודעה").fill("מבצע חורף")
    page.get_by_label("הודעה", exact=True).fill("שלום [#שם פרטי#], ")
    page.get_by_label("הודעה", exact=True).press_sequentially("המבצע שלנו מתחיל מחר בבוקר")
    counter = page.locator("#sms-counter")
    expect(counter).to_contain_text("יוניקוד (UCS-2")
    expect(counter).to_contain_text("1 הודעות SMS")

    page.get_by_label("שליחה לקבוצות").select_option(label="לקוחות")
    expect(page.locator("#compose-audience")).to_contain_text("2")  # the unsubscribed phone is left out
    page.screenshot(path=str(_shot(tmp_path, "compose-sms-he.png")), full_page=True)

    page.get_by_role("button", name="שליחה עכשיו").click()

    message = Message.objects.get(account=account)
    assert message.status == Message.Status.SENT
    assert message.body == "שלום [#שם פרטי#], המבצע שלנו מתחיל מחר בבוקר"
    sent = Recipient.objects.filter(message=message, status=Recipient.Status.SENT)
    assert sorted(sent.values_list("point", flat=True)) == ["+972501111111", "+972502222222"]
    assert Recipient.objects.get(message=message, point="+972503333333").skip_reason == "suppressed"

    page.goto(f"{live_server.url}/messages/{message.pk}/")
    expect(page.locator("h1")).to_contain_text("מבצע חורף")
    figures = page.locator("#report-figures")
    expect(figures).to_contain_text("נשלח")
    expect(figures.get_by_role("link", name="הוסר")).to_be_visible()  # skipped: unsubscribed before the send
    page.get_by_role("link", name="נמענים").click()
    expect(page.locator("body")).to_contain_text("+972501111111")
    page.screenshot(path=str(_shot(tmp_path, "report-sms-he.png")), full_page=True)
