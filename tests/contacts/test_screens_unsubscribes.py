"""UNS-2, UNS-4: the unsubscribe screen — search, filters, history, explicit re-subscribe, import, removes.csv."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from contacts.models import Suppression, SuppressionEvent
from contacts.services import suppressions_add
from marketing.accounts.roles import Role
from marketing.core.models import AuditEntry

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _points(response) -> list[str]:
    return [s.point for s in response.context["page"]]


def _unsubscribe(account, point, *, days_ago=0, reason="asked", source="manual"):
    before = set(Suppression.objects.filter(account=account).values_list("pk", flat=True))
    suppressions_add(account=account, points=[point], reason=reason, source=source)
    when = timezone.now() - dt.timedelta(days=days_ago)
    Suppression.objects.filter(account=account).exclude(pk__in=before).update(created_at=when)


@pytest.fixture
def unsubscribed(account):
    _unsubscribe(account, "dana@example.com", days_ago=30, reason="too many emails", source="email_link")
    _unsubscribe(account, "050-1234567", days_ago=10, reason="STOP", source="sms_reply")
    _unsubscribe(account, "ruth@example.org", days_ago=1)


def _csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_screen_lists_point_channel_date_reason_and_source(owner_client, unsubscribed):
    response = owner_client.get("/contacts/unsubscribes/")

    page = response.content.decode()
    assert _points(response) == ["ruth@example.org", "+972501234567", "dana@example.com"]
    assert '<td dir="ltr" class="text-start text-nowrap">+972501234567</td>' in page
    assert "too many emails" in page and "Unsubscribe link" in page and "SMS reply" in page


def test_dates_are_shown_in_the_accounts_time_zone(owner_client, account):
    _unsubscribe(account, "late@example.com")
    Suppression.objects.filter(account=account).update(created_at=dt.datetime(2024, 3, 5, 22, 30, tzinfo=dt.UTC))

    page = owner_client.get("/contacts/unsubscribes/").content.decode()

    assert "06/03/2024 00:30" in page  # 22:30 UTC is past midnight in Jerusalem


@pytest.mark.parametrize(
    ("query", "found"),
    [("050 123 4567", ["+972501234567"]), ("DANA@", ["dana@example.com"]), ("example", None)],
)
def test_search_a_point(owner_client, unsubscribed, query, found):
    response = owner_client.get("/contacts/unsubscribes/", {"q": query})

    assert _points(response) == (found or ["ruth@example.org", "dana@example.com"])


def test_filter_by_channel(owner_client, unsubscribed):
    assert _points(owner_client.get("/contacts/unsubscribes/", {"channel": "sms"})) == ["+972501234567"]


def test_filter_by_date_range(owner_client, unsubscribed):
    since = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    until = (timezone.localdate() - dt.timedelta(days=5)).isoformat()

    response = owner_client.get("/contacts/unsubscribes/", {"date_from": since, "date_to": until})

    assert _points(response) == ["+972501234567"]


def test_import_by_paste_shows_added_already_and_rejected_with_reasons(owner_client, account, unsubscribed):
    response = owner_client.post(
        "/contacts/unsubscribes/import/",
        {"points": "052-7654321\nDana@Example.com\n\nnot a phone\nnew@example.com\n", "reason": "list from the shop"},
    )

    page = response.content.decode()
    assert response.context["result"]["added"] == 2 and response.context["result"]["already"] == 1
    assert '<div class="display-6" id="count-added">2</div>' in page
    assert '<div class="display-6" id="count-already">1</div>' in page
    assert "not a phone" in page and "is not a valid email address: it has no @ sign." in page
    added = Suppression.objects.get(account=account, point="+972527654321")
    assert (added.channel, added.reason, added.source) == ("sms", "list from the shop", "manual")


def test_import_by_csv_file_takes_every_value_of_the_first_column(owner_client, account):
    text = "Phone or email,Name\n0527654321,Dana\nnew@example.com,Ruth\n12,Bad\n"
    upload = SimpleUploadedFile("removes.csv", text.encode("utf-8"), content_type="text/csv")

    response = owner_client.post("/contacts/unsubscribes/import/", {"file": upload, "reason": "old system"})

    assert response.context["result"]["added"] == 2 and len(response.context["result"]["rejected"]) == 1
    assert set(Suppression.objects.filter(account=account).values_list("point", "source")) == {
        ("+972527654321", "import"),
        ("new@example.com", "import"),
    }


def test_import_by_xlsx_file(owner_client, account):
    workbook = Workbook()
    workbook.active.append(["0527654321"])
    workbook.active.append(["new@example.com"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("removes.xlsx", buffer.getvalue())

    response = owner_client.post("/contacts/unsubscribes/import/", {"file": upload, "reason": "old system"})

    assert response.context["result"]["added"] == 2


def test_import_needs_points_and_a_reason(owner_client, account):
    empty = owner_client.post("/contacts/unsubscribes/import/", {"points": "", "reason": "x"})
    no_reason = owner_client.post("/contacts/unsubscribes/import/", {"points": "0527654321", "reason": ""})

    assert empty.status_code == 400 and "Paste at least one phone or email" in empty.content.decode()
    assert no_reason.status_code == 400 and "This field is required." in no_reason.content.decode()
    assert not Suppression.objects.exists()


def test_an_unreadable_file_says_why(owner_client, account):
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n0000")

    response = owner_client.post("/contacts/unsubscribes/import/", {"file": upload, "reason": "x"})

    assert response.status_code == 400 and "cannot be read" in response.content.decode()
    assert not Suppression.objects.exists()


def test_resubscribe_requires_a_reason(owner_client, account, unsubscribed):
    suppression = Suppression.objects.get(account=account, point="dana@example.com")

    response = owner_client.post(f"/contacts/unsubscribes/{suppression.pk}/resubscribe/", {"reason": "  "}, follow=True)

    assert "Say why this contact point may receive messages again." in response.content.decode()
    assert Suppression.objects.filter(pk=suppression.pk).exists()


def test_resubscribe_with_a_reason_lifts_it_and_records_history(owner_client, account, unsubscribed):
    suppression = Suppression.objects.get(account=account, point="dana@example.com")
    listing = owner_client.get("/contacts/unsubscribes/").content.decode()

    response = owner_client.post(
        f"/contacts/unsubscribes/{suppression.pk}/resubscribe/", {"reason": "signed up again"}, follow=True
    )

    assert "data-confirm=" in listing and f'action="/contacts/unsubscribes/{suppression.pk}/resubscribe/"' in listing
    assert not Suppression.objects.filter(pk=suppression.pk).exists()
    history = list(
        SuppressionEvent.objects.filter(account=account, point="dana@example.com")
        .order_by("id")
        .values_list("action", "reason", "actor")
    )
    assert history == [("suppressed", "too many emails", None), ("resubscribed", "signed up again", account.owner.pk)]
    assert AuditEntry.objects.filter(account=account, action="suppression.resubscribe").exists()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/contacts/unsubscribes/history/?point=dana%40example.com"
    assert "Re-subscribed" in page and "signed up again" in page and "too many emails" in page


def test_history_of_a_point_shows_every_event(owner_client, account, unsubscribed):
    response = owner_client.get("/contacts/unsubscribes/history/", {"point": "+972501234567"})

    events = response.context["events"]
    assert [(e.action, e.reason, e.source_label) for e in events] == [("suppressed", "STOP", "SMS reply")]
    assert [s.channel for s in response.context["current"]] == ["sms"]


def test_removes_csv_has_point_channel_date_reason_of_the_filtered_list(owner_client, account, unsubscribed):
    response = owner_client.get("/contacts/unsubscribes/removes.csv", {"channel": "email"})

    rows = _csv(response)
    assert 'filename="removes.csv"' in response["Content-Disposition"]
    assert rows[0] == ["point", "channel", "date", "reason"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("ruth@example.org", "email", "asked"),
        ("dana@example.com", "email", "too many emails"),
    ]
    created = Suppression.objects.get(point="dana@example.com").created_at
    local = timezone.localtime(created, zoneinfo.ZoneInfo(account.time_zone))
    assert rows[2][2] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_removes_xlsx(owner_client, account, unsubscribed):
    response = owner_client.get("/contacts/unsubscribes/removes.xlsx", {"q": "dana"})

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("point", "channel", "date", "reason")
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("dana@example.com", "email", "too many emails")]
    assert isinstance(rows[1][2], dt.datetime)


def test_viewers_can_look_but_not_import_or_resubscribe(account, make_member, client_for, unsubscribed):
    suppression = Suppression.objects.get(account=account, point="dana@example.com")
    client = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    listing = client.get("/contacts/unsubscribes/")

    assert listing.status_code == 200 and "Import unsubscribes" not in listing.content.decode()
    assert client.post("/contacts/unsubscribes/import/", {"points": "0527654321", "reason": "x"}).status_code == 403
    assert client.post(f"/contacts/unsubscribes/{suppression.pk}/resubscribe/", {"reason": "x"}).status_code == 403
    assert Suppression.objects.filter(account=account).count() == 3
