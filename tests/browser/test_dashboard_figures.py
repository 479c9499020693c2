"""The dashboard's real figures in Hebrew and in English, one language at a time, dates day before month, and a
phone number and a range that read left to right inside right-to-left screens (SPEC UX-1…3)."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Channel, Contact, Group, GroupMembership, ImportJob, Suppression
from integrations.models import Connection, SyncRun
from marketing.accounts.demo import DEMO_USERNAME, demo_seed

from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JERUSALEM = zoneinfo.ZoneInfo("Asia/Jerusalem")
IMPORTED_AT = dt.datetime(2025, 3, 25, 10, 0, tzinfo=dt.UTC)  # 25/03/2025 12:00 in Jerusalem: day 25 cannot be a month
PHONE = "+972501234567"


def _seed(account) -> Connection:
    """3 contacts (1 new this week), 1 group, 2 unsubscribes, 1 import, Salesforce syncing every hour."""
    now = timezone.now()
    dana = Contact.objects.create(account=account, first_name="Dana", phone=PHONE, created_at=now)
    Contact.objects.create(account=account, phone="+972501234568", created_at=now - dt.timedelta(days=10))
    Contact.objects.create(account=account, email="ruth@example.com", created_at=now - dt.timedelta(days=30))
    group = Group.objects.create(account=account, name="VIP")
    GroupMembership.objects.create(account=account, group=group, contact=dana)
    Suppression.objects.create(account=account, channel=Channel.EMAIL, point="ruth@example.com", source="manual")
    Suppression.objects.create(account=account, channel=Channel.SMS, point="+972501234568", source="manual")
    job = ImportJob.objects.create(
        account=account, filename="march.csv", status=ImportJob.Status.DONE, rows_read=3, rows_new=3
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=IMPORTED_AT)
    connection = Connection.objects.create(
        account=account, provider="salesforce", schedule_minutes=60, last_sync_at=now - dt.timedelta(minutes=1)
    )
    SyncRun.objects.create(
        account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL, state=SyncRun.State.SUCCEEDED
    )
    return connection


def _sign_in(page, url: str, password: str, next_path: str = "/") -> None:
    page.goto(f"{url}/login/?next={next_path}")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()


def _chart(page) -> dict:
    page.wait_for_function("() => window.Chart && Chart.getChart('contacts-chart')")
    return page.evaluate(
        """() => {
          const chart = Chart.getChart('contacts-chart');
          const x = chart.scales.x;
          return {labels: chart.data.labels, reverse: !!x.options.reverse,
                  oldest: x.getPixelForValue(0), newest: x.getPixelForValue(chart.data.labels.length - 1)};
        }"""
    )


def _figures_read(page, *, next_run: str) -> None:
    expect(page.locator("#stat-contacts")).to_have_text("3")
    expect(page.locator("#note-contacts bdi")).to_have_text("1")
    expect(page.locator("#stat-groups")).to_have_text("1")
    expect(page.locator("#stat-unsubscribes")).to_have_text("2")
    expect(page.locator("#stat-sms-credits")).to_have_text("1,000")
    expect(page.locator("#salesforce-state")).to_have_attribute("data-state", "active")
    expect(page.locator("#salesforce-next-run")).to_have_text(next_run)
    expect(page.locator("#recent-imports tbody tr")).to_have_count(1)
    expect(page.locator("#recent-imports tbody td").nth(1)).to_have_text("25/03/2025 12:00")


def test_the_dashboard_figures_in_hebrew_then_in_english(live_server, browser_page, tmp_path):
    account, password = demo_seed()
    connection = _seed(account)
    next_run = timezone.localtime(connection.last_sync_at + dt.timedelta(minutes=60), JERUSALEM)
    page = browser_page

    _sign_in(page, live_server.url, password)

    expect(page.locator("html")).to_have_attribute("lang", "he")
    _figures_read(page, next_run=next_run.strftime("%d/%m/%Y %H:%M"))
    expect(page.locator("#salesforce-state")).to_have_text("פעיל")
    expect(page.locator("#recent-imports tbody td").nth(2)).to_have_text("הסתיים")
    text = page.locator("main").inner_text()
    for data in ("Demo Ltd", "Dana", "march.csv"):
        text = text.replace(data, "")
    assert set(re.findall(r"[A-Za-z]+", text)) <= {"Salesforce", "SMS"}, "English words on the Hebrew dashboard"
    chart = _chart(page)
    assert chart["reverse"] and chart["oldest"] > chart["newest"]  # time runs from the right, as the page reads
    assert all(re.fullmatch(r"\d{1,2} ב\w+", label) for label in chart["labels"]), chart["labels"]
    assert chart["labels"][-1].startswith(f"{timezone.localtime(timezone=JERUSALEM).day} ")
    page.screenshot(path=str(_shot(tmp_path, "dashboard-figures-he.png")), full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    _figures_read(page, next_run=next_run.strftime("%d/%m/%Y %H:%M"))
    expect(page.locator("#salesforce-state")).to_have_text("Active")
    expect(page.locator("#recent-imports tbody td").nth(2)).to_have_text("Done")
    assert not re.search(r"[\u0590-\u05ff]", page.locator("main").inner_text()), "Hebrew on the English dashboard"
    chart = _chart(page)
    assert not chart["reverse"] and chart["oldest"] < chart["newest"]
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]+", label) for label in chart["labels"]), chart["labels"]
    page.screenshot(path=str(_shot(tmp_path, "dashboard-figures-en.png")), full_page=True)


def _left_edges(locator) -> tuple[float, float]:
    """Where the first and the last character of the element's text are drawn, from the left of the screen."""
    return tuple(
        locator.evaluate(
            """(el) => {
              const node = el.firstChild;
              const at = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                  return r.getBoundingClientRect().left; };
              return [at(0), at(node.length - 1)];
            }"""
        )
    )


def test_a_phone_and_a_range_read_left_to_right_on_a_hebrew_screen(live_server, browser_page):
    account, password = demo_seed()
    _seed(account)
    page = browser_page

    _sign_in(page, live_server.url, password, next_path="/contacts/")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    phone = page.locator("#contact-table bdi", has_text=PHONE)
    expect(phone).to_have_text(PHONE)
    assert phone.evaluate("(el) => getComputedStyle(el).direction") == "ltr"
    assert phone.evaluate("(el) => getComputedStyle(el.parentElement).direction") == "rtl"
    plus, last_digit = _left_edges(phone)
    assert plus < last_digit  # "+972…7" from left to right, never "…972+"

    expect(page.locator("#page-range")).to_have_text("1–3 מתוך 3")
    first, last = _left_edges(page.locator("#page-range bdi").first)
    assert first < last  # "1–3", never "3–1"
