"""The dashboard (SPEC UX-1…3): the account's own figures, each card opening its screen, the Salesforce connection
with its last and next run, the recent imports, dates day before month in the account's time zone."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Channel, Contact, Group, ImportJob, Suppression
from integrations.models import Connection, SyncRun
from marketing.accounts.dashboard.selectors import dashboard_figures
from marketing.accounts.roles import Role

JERUSALEM = zoneinfo.ZoneInfo("Asia/Jerusalem")
NOW = dt.datetime(2025, 3, 25, 10, 0, tzinfo=dt.UTC)  # 12:00 in Jerusalem


def _contact(account, phone: str, *, days_ago: int = 0) -> Contact:
    return Contact.objects.create(account=account, phone=phone, created_at=timezone.now() - dt.timedelta(days=days_ago))


def _seed(account) -> None:
    """3 contacts (1 new this week), 1 group, 2 unsubscribes (an email and a phone)."""
    _contact(account, "+972501234567")
    _contact(account, "+972501234568", days_ago=10)
    _contact(account, "+972501234569", days_ago=30)
    Group.objects.create(account=account, name="VIP")
    Suppression.objects.create(account=account, channel=Channel.EMAIL, point="dana@example.com", source="manual")
    Suppression.objects.create(account=account, channel=Channel.SMS, point="+972501234567", source="manual")


def _figure(page: str, key: str) -> str:
    match = re.search(rf'id="stat-{key}"><bdi dir="ltr">([^<]*)</bdi>', page)
    assert match, f"no figure {key}"
    return match.group(1)


def _salesforce(account, **fields) -> Connection:
    return Connection.objects.create(account=account, provider="salesforce", **fields)


def test_the_dashboard_shows_the_accounts_figures_and_each_card_opens_its_screen(account, owner_client):
    _seed(account)
    account.sms_credits = 1250
    account.save()

    page = owner_client.get("/").content.decode()

    assert _figure(page, "contacts") == "3"
    assert 'id="note-contacts">חדשים ב־7 הימים האחרונים: <bdi dir="ltr">1</bdi>' in page
    assert _figure(page, "groups") == "1"
    assert _figure(page, "unsubscribes") == "2"
    assert 'אימייל: <bdi dir="ltr">1</bdi> · SMS: <bdi dir="ltr">1</bdi>' in page
    assert _figure(page, "sms-credits") == "1,250"
    for url in ("/contacts/", "/contacts/groups/", "/contacts/unsubscribes/", "/contacts/import/history/"):
        assert f'href="{url}"' in page
    main = page.split('id="main"', 1)[1]
    assert "Coming soon" not in main and "בקרוב" not in main


def test_features_not_built_are_not_cards(account, owner_client):
    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = owner_client.get("/").content.decode()

    for word in ("Coming soon", "Automations", "Landing pages", "What you can do here"):
        assert word not in page.split('id="main"', 1)[1]


def test_another_accounts_rows_are_never_counted_or_shown(account, other_account, owner_client):
    _seed(other_account)
    ImportJob.objects.create(account=other_account, filename="their-list.csv")
    _salesforce(other_account, last_sync_at=timezone.now())

    page = owner_client.get("/").content.decode()

    assert _figure(page, "contacts") == "0"
    assert _figure(page, "groups") == "0"
    assert _figure(page, "unsubscribes") == "0"
    assert "their-list.csv" not in page
    assert 'data-state="disconnected"' in page


def test_the_figures_take_the_same_few_queries_however_much_the_account_holds(account):
    def queries() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            dashboard_figures(account=account)
        return len(captured)

    connection = _salesforce(account, last_sync_at=timezone.now())
    few = queries()
    _seed(account)
    for n in range(8):
        ImportJob.objects.create(account=account, filename=f"list-{n}.csv")
        SyncRun.objects.create(account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL)

    assert queries() == few <= 6


def test_the_chart_counts_new_contacts_a_day_in_the_accounts_time_zone(account):
    with_day = dt.datetime(2025, 3, 24, 22, 30, tzinfo=dt.UTC)  # 00:30 on the 25th in Jerusalem
    Contact.objects.create(account=account, phone="+972501234567", created_at=with_day)
    Contact.objects.create(account=account, phone="+972501234568", created_at=with_day - dt.timedelta(hours=1))

    days = dashboard_figures(account=account, now=NOW).contacts.days

    assert len(days) == 14 and days[0][0] == dt.date(2025, 3, 12) and days[-1] == (dt.date(2025, 3, 25), 1)
    assert days[-2] == (dt.date(2025, 3, 24), 1)


def test_chart_labels_and_dates_read_day_before_month_in_english_for_an_israeli_account(account, owner_client):
    account.language = "en"
    account.save()
    job = ImportJob.objects.create(account=account, filename="march.csv", status=ImportJob.Status.DONE, rows_new=1234)
    ImportJob.objects.filter(pk=job.pk).update(created_at=NOW)

    page = owner_client.get("/").content.decode()

    assert '<bdi dir="ltr">25/03/2025 12:00</bdi>' in page
    labels = re.search(r'"labels": \[([^\]]*)\]', page).group(1)
    assert re.fullmatch(r'"\d{1,2} [A-Z][a-z]+"(, "\d{1,2} [A-Z][a-z]+"){13}', labels), labels
    assert f'"{timezone.localtime(timezone=JERUSALEM).day} ' in labels


def test_recent_imports_are_the_last_five_each_linking_to_its_status(account, owner_client):
    jobs = [ImportJob.objects.create(account=account, filename=f"list-{n}.csv", rows_new=n) for n in range(6)]
    for n, job in enumerate(jobs):
        ImportJob.objects.filter(pk=job.pk).update(created_at=NOW + dt.timedelta(minutes=n))
    ImportJob.objects.filter(pk=jobs[5].pk).update(status=ImportJob.Status.DONE, rows_new=1500, rows_rejected=2)

    page = owner_client.get("/").content.decode()

    shown = re.findall(r'data-import="(\d+)"', page)
    assert shown == [str(job.pk) for job in reversed(jobs[1:])]
    assert f'href="/contacts/import/{jobs[5].pk}/"><bdi dir="ltr">list-5.csv</bdi>' in page
    assert '<bdi dir="ltr">1,500</bdi>' in page and "הסתיים" in page


def test_salesforce_not_connected_offers_to_connect(account, owner_client):
    page = owner_client.get("/").content.decode()

    assert 'id="salesforce-state" data-state="disconnected">לא מחובר.' in page
    assert 'href="/integrations/salesforce/" id="salesforce-connect"' in page


def test_salesforce_connected_shows_its_state_last_and_next_run(account, owner_client):
    last_sync = timezone.now()
    connection = _salesforce(account, schedule_minutes=15, last_sync_at=last_sync)
    run = SyncRun.objects.create(
        account=account, connection=connection, kind=SyncRun.Kind.INCREMENTAL, state=SyncRun.State.SUCCEEDED
    )
    SyncRun.objects.filter(pk=run.pk).update(started_at=NOW)
    next_run = timezone.localtime(last_sync + dt.timedelta(minutes=15), JERUSALEM).strftime("%d/%m/%Y %H:%M")

    page = owner_client.get("/").content.decode()

    assert 'data-state="active"' in page and "פעיל" in page
    assert f'href="/integrations/salesforce/runs/{run.pk}/"><bdi dir="ltr">25/03/2025 12:00</bdi>' in page
    assert "הצליח" in page
    assert f'id="salesforce-next-run"><bdi dir="ltr">{next_run}</bdi>' in page


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"last_sync_at": None}, "תוך דקה"),
        ({"state": Connection.State.PAUSED}, "כשהסנכרון יחודש"),
        ({"state": Connection.State.ERROR, "status_message": "Bad password"}, "אין, עד שהחיבור יתוקן"),
    ],
)
def test_the_next_run_says_when_the_schedule_will_not_start_one_at_a_time(account, owner_client, fields, expected):
    _salesforce(account, **fields)

    page = owner_client.get("/").content.decode()

    assert re.search(r'id="salesforce-next-run">([^<]*)<', page).group(1) == expected


def test_a_paused_connection_runs_next_when_its_pause_ends(account):
    until = timezone.now() + dt.timedelta(hours=2)
    _salesforce(account, state=Connection.State.PAUSED, paused_until=until, last_sync_at=timezone.now())

    figures = dashboard_figures(account=account).salesforce

    assert figures.next_run_at == until and not figures.next_run_due


def test_a_reports_only_member_sees_no_contact_figures(account, make_member, client_for):
    _seed(account)
    member = make_member(account, role=Role.REPORTS_ONLY)

    page = client_for(member.user).get("/").content.decode()

    assert 'id="stat-sms-credits"' in page
    assert 'id="stat-contacts"' not in page and 'id="card-salesforce"' not in page and "contacts-chart" not in page
