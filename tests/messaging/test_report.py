"""A message's report and its recipients (SPEC MSG-1, MSG-6, MSG-8), read after a real send through the pipeline."""

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from contacts.models import Contact, Group, GroupMembership, Suppression
from contacts.services import contact_delete
from marketing.accounts.roles import Role
from marketing.core.paging import paginate
from marketing.messaging.archive import message_archive
from marketing.messaging.backends import sms as sms_backends
from marketing.messaging.models import Message, Recipient
from marketing.messaging.selectors import message_timeline
from marketing.messaging.services import message_create, message_send
from marketing.messaging.views import report as report_views
from tests.factories import AccountFactory

Status, Skip = Recipient.Status, Recipient.Skip


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en", sms_credits=100)


@pytest.fixture
def group(account):
    return Group.objects.create(account=account, name="Customers")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send now, running the send task the commit queues (as a worker would)."""

    def run(account, message):
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(account=account, message=message)
        message.refresh_from_db()
        return message

    return run


def add(account, group, **values) -> Contact:
    contact = Contact.objects.create(account=account, **values)
    GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def sms(account, group, body="Hello [#first_name#]", name="Spring sale") -> Message:
    return message_create(account=account, membership=None, channel="sms", name=name, body=body, group_ids=[group.pk])


@pytest.fixture
def sent(account, group, send):
    """An SMS sent to 3 phones, with one suppressed, one duplicate and one invalid phone skipped."""
    add(account, group, first_name="Dana", phone="+972501111111")
    add(account, group, first_name="Avi", phone="+972502222222")
    add(account, group, first_name="Avi twin", phone="+972502222222")  # the same phone: a duplicate
    add(account, group, first_name="Noa", phone="+972503333333")
    add(account, group, first_name="Gil", phone="+972504444444")
    add(account, group, first_name="Bad", phone="0500")  # not a phone that can be sent to
    Suppression.objects.create(account=account, channel="sms", point="+972504444444")
    message = send(account, sms(account, group))
    assert message.status == Message.Status.SENT
    return message


def count(html: str, key: str) -> str:
    match = re.search(rf'data-count="{key}">(?:<bdi dir="ltr">)?([^<]*)<', html)
    assert match, key
    return match.group(1)


def skipped(html: str, reason: str) -> str:
    match = re.search(rf'data-skipped="{reason}">(?:<bdi dir="ltr">)?([^<]*)<', html)
    assert match, reason
    return match.group(1)


def chart_of(html: str) -> dict:
    match = re.search(r'<script id="message-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


# --- the report ------------------------------------------------------------------------------------------------


def test_the_report_counts_what_the_send_did(owner_client, sent):
    response = owner_client.get(f"/messages/{sent.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert len(sms_backends.outbox) == 3
    assert count(html, "recipients") == "6"
    assert count(html, "sent") == "3"
    assert count(html, "failed") == "0"
    assert count(html, "skipped") == "3"
    assert count(html, "segments") == "3"
    assert count(html, "credits") == "3"  # one segment each
    assert skipped(html, Skip.SUPPRESSED) == "1"
    assert skipped(html, Skip.DUPLICATE) == "1"
    assert skipped(html, Skip.INVALID_POINT) == "1"
    assert skipped(html, Skip.OUT_OF_CREDITS) == "0"
    assert 'id="message-status" data-status="sent">Sent<' in html
    assert "Spring sale" in html and "Hello [#first_name#]" in html and "Customers" in html
    assert "hx-trigger" not in html  # nothing left to ask for


def test_out_of_credits_and_delivery_reports_show(owner_client, account, group, send):
    account.sms_credits = 2
    account.save()
    for n in range(4):
        add(account, group, first_name=f"P{n}", phone=f"+97250000000{n}")
    message = send(account, sms(account, group))
    first = Recipient.objects.filter(message=message, status=Status.SENT).order_by("pk").first()
    Recipient.objects.filter(pk=first.pk).update(status=Status.DELIVERED, delivered_at=timezone.now())

    html = owner_client.get(f"/messages/{message.pk}/").content.decode()

    assert count(html, "sent") == "2"
    assert count(html, "delivered") == "1"
    assert skipped(html, Skip.OUT_OF_CREDITS) == "2"
    assert 'id="message-stop-reason"' in html and "ran out of SMS credits" in html


def test_the_chart_counts_each_minute_on_the_accounts_clock(owner_client, account, group, send):
    add(account, group, first_name="Dana", phone="+972501111111")
    add(account, group, first_name="Avi", phone="+972502222222")
    add(account, group, first_name="Noa", phone="+972503333333")
    # 10:15 UTC is 12:15 in Jerusalem in winter
    with time_machine.travel("2026-01-10 10:15:20+00:00", tick=False):
        message = send(account, sms(account, group))
    later = datetime(2026, 1, 10, 10, 17, 5, tzinfo=UTC)
    rows = list(Recipient.objects.filter(message=message).order_by("pk"))
    Recipient.objects.filter(pk=rows[0].pk).update(status=Status.DELIVERED, delivered_at=later)
    Recipient.objects.filter(pk=rows[1].pk).update(status=Status.FAILED, failed_at=later, error_code="30003")

    chart = chart_of(owner_client.get(f"/messages/{message.pk}/").content.decode())

    assert chart["unit"] == "minute"
    assert chart["labels"] == ["12:15", "12:16", "12:17"]  # the quiet minute between is there, as zero
    assert chart["series"]["sent"]["data"] == [3, 0, 0]
    assert chart["series"]["delivered"]["data"] == [0, 0, 1]
    assert chart["series"]["failed"]["data"] == [0, 0, 1]


def test_while_sending_the_figures_ask_for_themselves_and_the_actions_show(owner_client, account, group):
    add(account, group, first_name="Dana", phone="+972501111111")
    message = sms(account, group)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, started_at=timezone.now())

    page = owner_client.get(f"/messages/{message.pk}/").content.decode()
    partial = owner_client.get(f"/messages/{message.pk}/", headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="every 3s"' in page
    assert f'action="/messages/{message.pk}/pause/"' in page
    assert f'action="/messages/{message.pk}/cancel/"' in page
    assert "<html" not in partial and 'id="report-figures"' in partial and 'id="message-chart-data"' in partial


def test_the_report_reads_in_hebrew_with_numbers_left_to_right(owner_client, sent):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"

    html = owner_client.get(f"/messages/{sent.pk}/").content.decode()

    assert 'dir="rtl"' in html
    assert 'data-count="recipients"><bdi dir="ltr">6</bdi>' in html
    assert "נשלח" in html  # the status, translated


def test_an_email_report_shows_opens_and_a_sandboxed_preview(owner_client, account, group, send, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add(account, group, first_name="Dana", email="dana@example.com")
    message = message_create(
        account=account,
        membership=None,
        channel="email",
        name="Newsletter",
        sender="news@example.com",
        subject="Hi [#first_name#]",
        body="<p style='color:red'>Hello</p><script>alert(1)</script>",
        group_ids=[group.pk],
    )
    message = send(account, message)
    Recipient.objects.filter(message=message).update(opened_at=timezone.now())

    html = owner_client.get(f"/messages/{message.pk}/").content.decode()
    preview = owner_client.get(f"/messages/{message.pk}/preview/")

    assert count(html, "opened") == "1" and count(html, "clicked") == "0"
    assert 'sandbox=""' in html and f'src="/messages/{message.pk}/preview/"' in html
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Hello" in body and "<script" not in body
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    assert "script-src 'none'" in preview["Content-Security-Policy"]


# --- the recipients ----------------------------------------------------------------------------------------------


def rows_of(html: str) -> list[tuple[str, str]]:
    row = r'<tr data-recipient="\d+" data-status="(\w+)">\s*<td[^>]*><bdi dir="ltr">([^<]*)</bdi></td>'
    return re.findall(row, html)


def test_the_recipients_filter_by_status_and_reason_and_search_a_phone(owner_client, sent):
    url = f"/messages/{sent.pk}/recipients/"

    everyone = rows_of(owner_client.get(url).content.decode())
    sent_only = rows_of(owner_client.get(url, {"status": "sent"}).content.decode())
    suppressed = rows_of(owner_client.get(url, {"reason": "suppressed"}).content.decode())
    local_form = rows_of(owner_client.get(url, {"q": "050-111-1111"}).content.decode())
    part = rows_of(owner_client.get(url, {"q": "2222222"}).content.decode())

    assert len(everyone) == 6
    assert sorted(p for _s, p in sent_only) == ["+972501111111", "+972502222222", "+972503333333"]
    assert suppressed == [("skipped", "+972504444444")]
    assert local_form == [("sent", "+972501111111")]
    assert sorted(part) == [("sent", "+972502222222"), ("skipped", "+972502222222")]


def test_a_deleted_contact_is_shown_as_such(owner_client, account, sent):
    gone = Contact.objects.get(account=account, phone="+972501111111")
    contact_delete(account=account, actor=None, contact=gone)

    html = owner_client.get(f"/messages/{sent.pk}/recipients/", {"q": "+972501111111"}).content.decode()
    others = owner_client.get(f"/messages/{sent.pk}/recipients/", {"q": "+972503333333"}).content.decode()

    assert 'data-contact="deleted">Deleted contact<' in html
    kept = Contact.objects.get(account=account, phone="+972503333333")
    assert f'href="/contacts/{kept.pk}/"' in others


def test_a_bad_filter_is_refused_with_a_400_not_a_500(owner_client, sent):
    response = owner_client.get(f"/messages/{sent.pk}/recipients/", {"status": "<script>", "page": "x"})
    export = owner_client.get(f"/messages/{sent.pk}/recipients/export.csv", {"reason": "nope"})
    unknown_format = owner_client.get(f"/messages/{sent.pk}/recipients/export.pdf")

    assert response.status_code == 400 and "<script>" not in response.content.decode()
    assert export.status_code == 400
    assert unknown_format.status_code == 404


def test_the_export_streams_every_row_of_the_filter_with_a_header(owner_client, account, group, send, monkeypatch):
    monkeypatch.setattr(report_views, "paginate", lambda request, items: paginate(request, items, per_page=2))
    for n in range(7):
        add(account, group, first_name=f"P{n}", phone=f"+97250000000{n}")
    Suppression.objects.create(account=account, channel="sms", point="+972500000006")
    message = send(account, sms(account, group))

    page = owner_client.get(f"/messages/{message.pk}/recipients/", {"status": "sent"}).content.decode()
    response = owner_client.get(f"/messages/{message.pk}/recipients/export.csv", {"status": "sent"})

    assert len(rows_of(page)) == 2  # a page of the screen; the export has every row of the filter
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["Phone", "Status", "Skipped because"]
    assert [r[0] for r in rows[1:]] == [f"+97250000000{n}" for n in range(6)]
    assert {r[1] for r in rows[1:]} == {"Sent"}


def test_the_export_speaks_hebrew_and_marks_deleted_contacts(owner_client, account, sent):
    contact_delete(account=account, actor=None, contact=Contact.objects.get(account=account, phone="+972501111111"))
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"

    response = owner_client.get(f"/messages/{sent.pk}/recipients/export.csv", {"reason": "suppressed"})
    xlsx = owner_client.get(f"/messages/{sent.pk}/recipients/export.xlsx", {"q": "+972501111111"})

    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "טלפון"
    assert len(rows) == 2 and rows[1][0] == "+972504444444" and rows[1][1] == "דולג"
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = list(sheet.values)
    assert sheet.sheet_view.rightToLeft
    assert len(values) == 2 and values[1][0] == "+972501111111" and values[1][-1] == "איש קשר שנמחק"


# --- who may see it ------------------------------------------------------------------------------------------------


def test_another_accounts_user_gets_404_on_every_url(client_for, other_account, sent):
    client = client_for(other_account.owner)
    urls = [
        f"/messages/{sent.pk}/",
        f"/messages/{sent.pk}/preview/",
        f"/messages/{sent.pk}/recipients/",
        f"/messages/{sent.pk}/recipients/export.csv",
        f"/messages/{sent.pk}/recipients/export.xlsx",
    ]

    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/messages/{sent.pk}/", headers={"HX-Request": "true"}).status_code == 404


def test_a_reports_only_member_reads_the_report_without_actions_or_contact_links(
    make_member, client_for, account, sent
):
    member = make_member(account, role=Role.REPORTS_ONLY)
    client = client_for(member.user)

    report = client.get(f"/messages/{sent.pk}/")
    recipients = client.get(f"/messages/{sent.pk}/recipients/").content.decode()

    assert report.status_code == 200
    assert "/contacts/" not in recipients


def test_an_archived_message_keeps_its_report_recipients_and_export(owner_client, sent):
    url = f"/messages/{sent.pk}/"
    before = owner_client.get(url).content.decode()
    before_chart = chart_of(before)

    assert message_archive(message=sent)
    assert not Recipient.objects.filter(message=sent).exists()

    after = owner_client.get(url).content.decode()
    listed = rows_of(owner_client.get(f"{url}recipients/", {"reason": "duplicate"}).content.decode())
    export = owner_client.get(f"{url}recipients/export.csv")
    assert [count(after, k) for k in ("recipients", "sent", "skipped")] == ["6", "3", "3"]
    assert skipped(after, Skip.SUPPRESSED) == "1"
    assert chart_of(after) == before_chart
    assert listed == [("skipped", "+972502222222")]
    assert len(b"".join(export.streaming_content).decode("utf-8").strip().splitlines()) == 7


def test_hostile_addresses_and_searches_get_a_4xx(owner_client, sent):
    huge = "9" * 30

    assert owner_client.get(f"/messages/{huge}/").status_code == 404
    assert owner_client.get(f"/messages/{huge}/recipients/export.csv").status_code == 404
    assert owner_client.get(f"/messages/{sent.pk}/recipients/", {"q": "x" * 5000}).status_code == 400
    assert owner_client.get(f"/messages/{sent.pk}/recipients/", {"page": huge}).status_code == 200
    assert owner_client.get(f"/messages/{sent.pk}/preview/").status_code == 404  # an SMS has no HTML to show


def test_the_chart_is_one_grouped_query_however_many_recipients(account, sent, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        timeline = message_timeline(account=account, message=sent, unit="hour", time_zone=account.time_zone)

    assert [row[1:] for row in timeline] == [(3, 0, 0)]
    assert "GROUP BY" in captured.captured_queries[0]["sql"] and "AT TIME ZONE" in captured.captured_queries[0]["sql"]
