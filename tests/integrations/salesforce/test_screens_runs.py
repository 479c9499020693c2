"""SF-16, UX-1, UX-2 on the screens: a sync's progress while it goes ("Sync now" and "Full sync"), the runs list
that refreshes itself only while a run is going, a run told in words in both languages, per-record errors and
stop reasons in the reader's language with Salesforce's own words labelled, and whom the connection signs in as."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_noop

from contacts.models import Contact, CustomField
from contacts.upsert import contacts_upsert
from integrations import services, tasks
from integrations.models import SyncError, SyncRun
from integrations.salesforce import push as push_module
from integrations.salesforce.models import SalesforceSettings
from integrations.salesforce.run_texts import COUNTERS
from marketing.core.texts import stored

from ...factories import AccountFactory
from .conftest import emulator_connection
from .conftest import lead as _lead
from .conftest import sync as _sync

PAGE = "/integrations/salesforce/"
PROGRESS = f"{PAGE}runs/progress/"
HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.usefixtures("quick_salesforce")


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def sync_calls(monkeypatch):
    """What "Sync now" queues for the sync engine."""
    calls = []
    monkeypatch.setattr(tasks.connection_sync, "delay", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def _running(account, connection, *, kind=SyncRun.Kind.INCREMENTAL, **details) -> SyncRun:
    run = services.sync_run_start(account=account, connection=connection, kind=kind)
    services.sync_run_progress(
        account=account,
        run=run,
        records_in=details.get("new", 0),
        records_out=0,
        records_failed=0,
        api_calls=4,
        details=details,
    )
    run.refresh_from_db()
    return run


def _hebrew(account):
    account.language = "he"
    account.save(update_fields=["language"])


def _panel(html: str) -> str:
    start = html.index('id="sync-progress"')
    return html[html.rindex("<div", 0, start) :]


# --- the progress of a sync ---


@pytest.mark.parametrize("full", [False, True], ids=["sync now", "full sync"])
def test_sync_now_follows_its_run_until_it_ends(
    owner_client, account, connection, sync_calls, django_capture_on_commit_callbacks, full
):
    with django_capture_on_commit_callbacks(execute=True):
        pressed = owner_client.post(f"{PAGE}sync/", {"full": "1"} if full else {})

    assert sync_calls == [((connection.pk,), {"full": True} if full else {})]
    location = urlparse(pressed["Location"])
    assert location.path == PAGE and "since" in parse_qs(location.query)
    waiting = owner_client.get(pressed["Location"]).content.decode()
    assert "The sync has started; its progress shows below." in waiting
    assert "The sync is about to start…" in _panel(waiting) and 'hx-trigger="every 1s"' in _panel(waiting)
    poll = f"{PROGRESS}?{location.query}"

    run = _running(account, connection, received=40, new=12, stage={"name": "pull", "object": "Lead"})
    going = owner_client.get(poll).content.decode()

    assert going.lstrip().startswith('<div id="sync-progress"') and "<html" not in going
    assert "Syncing now" in going and "Reading Lead records from Salesforce" in going
    assert 'data-figure="received">40<' in going and 'data-figure="records_in">12<' in going
    assert 'data-figure="api_calls">4<' in going
    assert f"{PROGRESS}?run={run.pk}" in going and 'hx-trigger="every 1s"' in going

    services.sync_run_finish(account=account, run=run, records_in=30, api_calls=9, details={"received": 55})
    ended = owner_client.get(f"{PROGRESS}?run={run.pk}").content.decode()

    assert "The sync ended" in ended and "Succeeded" in ended and 'data-figure="records_in">30<' in ended
    assert "hx-get" not in ended and f'href="{PAGE}runs/{run.pk}/"' in ended


def test_the_progress_reads_in_hebrew(owner_client, account, connection):
    _hebrew(account)
    _running(account, connection, received=3, new=3, stage={"name": "pull", "object": "Contact"})

    html = owner_client.get(PAGE).content.decode()

    panel = _panel(html)
    assert "מסנכרנים עכשיו" in panel and "קריאת רשומות מסוג איש קשר מ-Salesforce" in panel
    assert "נקראו מ-Salesforce" in panel and "Reading" not in panel


def test_a_sync_going_on_shows_without_pressing_anything(owner_client, account, connection):
    _running(account, connection, received=7)

    html = owner_client.get(PAGE).content.decode()

    assert "Syncing now" in _panel(html) and "Starting the sync" in _panel(html)


def test_without_a_sync_going_the_panel_is_empty_and_asks_nothing(owner_client, account, connection):
    done = _running(account, connection)
    services.sync_run_finish(account=account, run=done)
    _running(account, connection, kind=SyncRun.Kind.PUSH)  # an opt-out written to Salesforce: not a sync

    panel = _panel(owner_client.get(PAGE).content.decode())

    assert "hx-get" not in panel.split(">", 1)[0] and "Syncing now" not in panel


def test_a_sync_that_never_starts_is_explained(owner_client, account, connection):
    long_ago = int((timezone.now() - timedelta(minutes=11)).timestamp())

    html = owner_client.get(PROGRESS, {"since": long_ago}).content.decode()

    assert "The sync has not started yet" in html and "hx-get" not in html


def test_odd_progress_addresses_are_refused_calmly(owner_client, account, connection, other_account, sf_emulator):
    theirs = _running(other_account, emulator_connection(other_account, sf_emulator))

    answers = [
        owner_client.get(PROGRESS, {"since": value}).status_code
        for value in ("soon", "-5", "9" * 40, str(int(timezone.now().timestamp()) + 10**6))
    ]
    answers += [owner_client.get(PROGRESS, {"run": value}).status_code for value in ("x", "9" * 40)]

    assert answers == [200] * 6
    assert owner_client.get(PROGRESS, {"run": theirs.pk}).status_code == 404
    assert "Syncing now" not in owner_client.get(PAGE).content.decode()  # their sync is not ours


def test_a_member_who_sees_contacts_follows_the_progress(client_for, make_member, account, connection):
    client = client_for(make_member(account).user)
    _running(account, connection, received=2)

    assert "Syncing now" in client.get(PROGRESS).content.decode()


# --- the runs list ---


def test_the_runs_list_refreshes_itself_only_while_a_run_is_going(owner_client, account, connection):
    run = _running(account, connection, stage={"name": "push"})

    going = owner_client.get(f"{PAGE}runs/").content.decode()
    table = owner_client.get(f"{PAGE}runs/", **HTMX).content.decode()

    assert 'hx-trigger="every 2s"' in going and "Writing changes to Salesforce" in going
    assert table.lstrip().startswith('<div class="card" id="run-table-box"') and "<html" not in table
    services.sync_run_finish(account=account, run=run, stop_reason=stored(gettext_noop("Cancelled by a person.")))
    ended = owner_client.get(f"{PAGE}runs/", **HTMX).content.decode()
    assert "hx-get" not in ended and "Cancelled by a person." in ended and "&quot;msg" not in ended


# --- a run in words ---


def test_a_run_tells_every_figure_in_words_never_as_raw_keys(owner_client, account, connection):
    run = _running(account, connection)
    details = {counter.key: n for n, counter in enumerate(COUNTERS, start=1)}
    services.sync_run_finish(account=account, run=run, details={**details, "records_out": 5})

    html = owner_client.get(f"{PAGE}runs/{run.pk}/").content.decode()

    body = html[html.index('id="run-details"') :]
    for counter in COUNTERS:
        assert escape(str(counter.label)) in body and escape(str(counter.help)) in body, counter.key
    assert all(f">{counter.key}<" not in body for counter in COUNTERS)  # keys only as attributes, never as text
    assert "&quot;" not in body and '{"' not in body  # no JSON


def test_a_running_runs_page_refreshes_its_figures_until_it_ends(owner_client, account, connection):
    run = _running(account, connection, received=5, new=5, stage={"name": "deletes"})

    page = owner_client.get(f"{PAGE}runs/{run.pk}/").content.decode()
    body = owner_client.get(f"{PAGE}runs/{run.pk}/", **HTMX).content.decode()

    assert 'id="run-body"' in page and 'hx-trigger="every 2s"' in page
    assert "Looking for records deleted in Salesforce" in body and "<html" not in body
    assert "New contacts" in body and "Nothing has moved yet." not in body
    services.sync_run_finish(account=account, run=run)
    assert "hx-get" not in owner_client.get(f"{PAGE}runs/{run.pk}/", **HTMX).content.decode()


def test_the_refreshed_run_offers_to_cancel_it_only_while_it_is_running(
    owner_client, client_for, make_member, account, connection
):
    run = _running(account, connection)
    cancel = f'action="{PAGE}runs/{run.pk}/cancel/"'

    going = owner_client.get(f"{PAGE}runs/{run.pk}/", **HTMX).content.decode()
    member = client_for(make_member(account).user).get(f"{PAGE}runs/{run.pk}/", **HTMX).content.decode()
    services.sync_run_finish(account=account, run=run)
    ended = owner_client.get(f"{PAGE}runs/{run.pk}/", **HTMX).content.decode()

    assert going.lstrip().startswith('<div id="run-body" hx-get=') and cancel in going and "Cancel run" in going
    assert 'id="run-head"' in member and cancel not in member and "Cancel run" not in member  # may only watch
    assert ended.lstrip().startswith('<div id="run-body">') and cancel not in ended and "Cancel run" not in ended
    assert 'data-state="running"' not in ended  # the title's state follows too


def test_the_linking_rule_and_the_watermark_read_in_hebrew(owner_client, account, connection):
    _hebrew(account)
    run = _running(account, connection)
    services.sync_run_finish(
        account=account,
        run=run,
        details={"linked_existing": 2, "shared_contact": 1},
        watermark={"Lead": "2025-03-04T10:00:00+00:00", "Lead.deleted": "2025-03-04T10:00:00+00:00"},
    )

    html = owner_client.get(f"{PAGE}runs/{run.pk}/").content.decode()

    rule = html[html.index('id="linking-rule"') : html.index("</p>", html.index('id="linking-rule"'))]
    assert "רשומות שפגשו איש קשר קיים" in rule and "Records that met" not in rule
    assert "קושרו לאנשי קשר קיימים" in html and "חולקות איש קשר עם רשומה אחרת" in html
    watermark = html[html.index('id="run-watermark"') :]
    assert "רשומות מסוג ליד" in watermark and "מחיקות של רשומות מסוג ליד" in watermark
    assert "2025-03-04T" not in html


def test_fields_changed_on_both_sides_show_as_a_table_with_field_names(owner_client, account, connection):
    dana = Contact.objects.create(account=account, email="dana@example.com", first_name="Dana")
    run = _running(account, connection)
    conflict = {
        "contact_id": dana.pk,
        "object": "Lead",
        "record": "00Q000000000001AAA",
        "field": "first_name",
        "winner": "salesforce",
        "kept": "Danielle",
        "lost": "Dana",
    }
    services.sync_run_finish(account=account, run=run, details={"conflicts": [conflict], "conflicts_total": 1})

    html = owner_client.get(f"{PAGE}runs/{run.pk}/").content.decode()

    table = html[html.index('id="run-conflicts"') : html.index("</table>", html.index('id="run-conflicts"'))]
    assert "First name" in table and "first_name" not in table
    assert f'href="/contacts/{dana.pk}/"' in table and "/00Q000000000001AAA" in table
    assert "Danielle" in table and "Dana" in table and "Salesforce" in table
    assert "&quot;" not in html[html.index('id="run-details"') : html.index('id="run-conflicts"')]


# --- errors and stop reasons in the reader's language ---


@pytest.fixture
def refused_write(account, connection, sf_emulator, clock, monkeypatch):
    """A push Salesforce refuses (a value too long for its field): the engine stores the error."""
    monkeypatch.setattr(push_module, "LOCK_PAUSE_SECONDS", 0)
    sf_emulator.org.add_field("Lead", "Code__c", "string", length=5)
    CustomField.objects.create(account=account, api_name="code", label="code")
    mappings = [{"remote": "Email", "local": "email"}, {"remote": "Code__c", "local": "custom:code"}]
    SalesforceSettings.objects.filter(connection=connection).update(
        field_map={"Lead": mappings, "Contact": mappings[:1]}
    )
    lead = _lead(sf_emulator, Email="dana@example.com")
    _sync(connection)
    clock.advance(minutes=5)
    dana = Contact.objects.get(account=account, external_refs__external_id=lead)
    contacts_upsert(account=account, rows=[{"id": dana.pk, "custom:code": "much too long"}], source="manual")
    run = _sync(connection)
    return run, SyncError.objects.get(connection=connection, direction="out")


def test_a_stored_sync_error_reads_in_each_language(owner_client, account, refused_write):
    run, error = refused_write
    assert error.code == "STRING_TOO_LONG" and error.message.startswith('{"msg":')

    english = owner_client.get(f"{PAGE}errors/").content.decode()
    _hebrew(account)
    hebrew = owner_client.get(f"{PAGE}errors/").content.decode()
    hebrew_run = owner_client.get(f"{PAGE}runs/{run.pk}/").content.decode()

    said = english[english.index("data-error-message>") :]
    assert said.startswith("data-error-message>Salesforce said: <bdi>") and "(fields: <bdi>Code__c</bdi>)" in said
    assert "A value is too long for Salesforce" in english and "STRING_TOO_LONG" in english
    said = hebrew[hebrew.index("data-error-message>") :]
    assert said.startswith("data-error-message>תשובת Salesforce: <bdi>") and "(שדות: <bdi>Code__c</bdi>)" in said
    assert "ערך ארוך מדי עבור Salesforce" in hebrew and "Salesforce said" not in hebrew
    assert "תשובת Salesforce:" in hebrew_run and "&quot;msg" not in hebrew_run


def test_our_own_error_words_are_translated_and_theirs_kept(owner_client, account, connection):
    services.sync_error_record(
        account=account,
        connection=connection,
        direction=SyncError.Direction.IN,
        object_type="Lead",
        external_id="00Q000000000009AAA",
        code="converted_into_linked_contact",
        message=stored(
            gettext_noop(
                "This lead was converted into the Salesforce contact %(contact)s, which is linked to another contact "
                "here. Merge the two contacts here if they are the same person."
            ),
            contact="003000000000001AAA",
        ),
    )
    _hebrew(account)

    html = owner_client.get(f"{PAGE}errors/").content.decode()

    assert "הליד הפך לרשומה של איש קשר אחר" in html and "<bdi>003000000000001AAA</bdi>" in html
    assert "This lead was converted" not in html and "ליד" in html


def test_connected_as_names_the_salesforce_user_and_leads_to_setup(owner_client, account, sf_emulator):
    emulator_connection(account, sf_emulator)
    owner_client.post(f"{PAGE}test/")

    html = owner_client.get(PAGE).content.decode()

    who = html[html.index('id="connected-as"') : html.index("</dd>", html.index('id="connected-as"'))]
    assert "Integration User" in who and "integration@example.com" in who
    assert f'href="{sf_emulator.base_url}/lightning/setup/SetupOneHome/home"' in html


def test_a_connection_never_tested_says_so_instead_of_an_id(owner_client, account, sf_emulator):
    emulator_connection(account, sf_emulator)

    html = owner_client.get(PAGE).content.decode()

    assert "Not known yet: test the connection to see the Salesforce user." in html
