"""SF-1, SF-17, SF-18 through the connection screen, against the emulator over real HTTPS:
the browser sign-in with PKCE end to end, the other sign-in methods, and a clear message for every refusal."""

import json
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from django.db import connection as db

from integrations import services, tasks
from integrations.models import Connection
from integrations.salesforce import services as salesforce_services
from integrations.salesforce.models import SalesforceConnection, SalesforceSettings
from marketing.accounts.roles import Role
from marketing.core.fields import decrypt_text

from ...factories import AccountFactory
from .conftest import CLIENT, emulator_connection

PAGE = "/integrations/salesforce/"
CALLBACK = "http://testserver/integrations/salesforce/callback/"


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


@pytest.fixture
def sync_calls(monkeypatch):
    """What would be queued for the sync engine (the engine is tested on its own)."""
    calls = []
    monkeypatch.setattr(tasks.connection_sync, "delay", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def _form(sf, **values) -> dict:
    return {
        "environment": "custom",
        "login_url": sf.base_url,
        "auth_flow": "web_server",
        "ca_bundle": sf.ca_path,
        **CLIENT,
        **values,
    }


def _start(client, sf, **values):
    """Save the connect form; the answer sends the browser to Salesforce."""
    response = client.post(f"{PAGE}connect/", _form(sf, **values))
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _approve(sf, authorize_url: str) -> str:
    """What the person's browser does at Salesforce: the emulator approves at once and redirects back."""
    answer = requests.get(authorize_url, allow_redirects=False, verify=sf.ca_path, timeout=10)
    assert answer.status_code == 302
    return answer.headers["Location"]


def _back(client, location: str, **kwargs):
    parsed = urlparse(location)
    return client.get(parsed.path, parse_qs(parsed.query), **kwargs)


def test_the_browser_sign_in_connects_tests_sets_up_and_starts_the_first_sync(
    owner_client, account, sf_emulator, sync_calls, django_capture_on_commit_callbacks
):
    authorize = _start(owner_client, sf_emulator)

    sent = urlparse(authorize)
    query = parse_qs(sent.query)
    assert f"{sent.scheme}://{sent.netloc}" == sf_emulator.base_url
    assert sent.path == "/services/oauth2/authorize"
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == [CLIENT["client_id"]] and query["redirect_uri"] == [CALLBACK]
    assert len(query["state"][0]) >= 32

    back = _approve(sf_emulator, authorize)
    assert back.startswith(CALLBACK)
    with django_capture_on_commit_callbacks(execute=True):
        response = _back(owner_client, back)
    page = owner_client.get(response["Location"])

    assert response.status_code == 302 and response["Location"] == PAGE
    connection = SalesforceConnection.objects.get(account=account)
    assert connection.state == Connection.State.ACTIVE
    assert connection.access_token and connection.refresh_token
    assert connection.instance_url == sf_emulator.base_url and connection.external_user_id
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection WHERE id = %s", [connection.pk])
        (stored,) = cursor.fetchone()
    assert connection.refresh_token not in stored and CLIENT["client_secret"] not in stored
    assert json.loads(decrypt_text(stored))["refresh_token"] == connection.refresh_token
    settings = SalesforceSettings.objects.get(connection=connection)
    assert settings.pull_leads and settings.pull_contacts
    assert {"remote": "Email", "local": "email", "translate": {}} in settings.field_map["Lead"]
    assert sync_calls == [((connection.pk,), {})]
    html = page.content.decode()
    assert "The first sync has started" in html
    assert "integration@example.com" in html  # connected as


def test_a_callback_with_another_state_is_refused(owner_client, account, sf_emulator, sync_calls):
    back = _approve(sf_emulator, _start(owner_client, sf_emulator))
    forged = back.replace("state=", "state=forged")

    response = _back(owner_client, forged, follow=True)

    assert "the state differs" in response.content.decode()
    connection = SalesforceConnection.objects.get(account=account)
    assert not connection.access_token and not connection.refresh_token
    assert sync_calls == []
    # the sign-in is single use: even the real answer is refused afterwards
    again = _back(owner_client, back, follow=True)
    assert "the state differs" in again.content.decode()


def test_a_callback_without_a_sign_in_started_here_is_refused(owner_client, account, sf_emulator):
    salesforce_services.salesforce_connection_save(account=account, login_url=sf_emulator.base_url, **CLIENT)

    response = owner_client.get(f"{PAGE}callback/", {"code": "x", "state": "y"}, follow=True)

    assert "the state differs" in response.content.decode()


def test_declined_consent_is_explained(owner_client, account, sf_emulator, sync_calls):
    authorize = _start(owner_client, sf_emulator)
    state = parse_qs(urlparse(authorize).query)["state"][0]
    query = urlencode({"error": "access_denied", "error_description": "end-user denied authorization", "state": state})

    response = owner_client.get(f"{PAGE}callback/?{query}", follow=True)

    assert "access_denied" in response.content.decode()
    assert "Access was not allowed in Salesforce" in response.content.decode()
    assert not SalesforceConnection.objects.get(account=account).refresh_token
    assert sync_calls == []


def test_a_wrong_client_secret_is_explained_when_the_code_is_exchanged(owner_client, account, sf_emulator, sync_calls):
    back = _approve(sf_emulator, _start(owner_client, sf_emulator, client_secret="wrong"))

    response = _back(owner_client, back, follow=True)

    assert "Salesforce refused the client id and secret" in response.content.decode()
    assert sync_calls == []


def test_an_org_without_api_access_is_explained(owner_client, account, sf_emulator, sync_calls):
    back = _approve(sf_emulator, _start(owner_client, sf_emulator))
    sf_emulator.faults.set(api_disabled=True)

    response = _back(owner_client, back, follow=True)

    assert "API_DISABLED_FOR_ORG" in response.content.decode()
    connection = SalesforceConnection.objects.get(account=account)
    assert connection.state == Connection.State.ERROR
    assert sync_calls == []


def test_client_credentials_connect_at_once(
    owner_client, account, sf_emulator, sync_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{PAGE}connect/", _form(sf_emulator, auth_flow="client_credentials"))

    assert response.status_code == 302 and response["Location"] == PAGE
    connection = SalesforceConnection.objects.get(account=account)
    assert connection.state == Connection.State.ACTIVE and connection.access_token
    assert SalesforceSettings.objects.filter(connection=connection).exists()
    assert sync_calls == [((connection.pk,), {})]


def test_legacy_password_sign_in_with_a_wrong_password_is_explained(owner_client, account, sf_emulator, sync_calls):
    data = _form(sf_emulator, auth_flow="password", username="integration@example.com", password="wrong")

    response = owner_client.post(f"{PAGE}connect/", data, follow=True)

    assert "Salesforce refused the username, password or security token" in response.content.decode()
    assert SalesforceConnection.objects.get(account=account).state == Connection.State.ERROR
    assert sync_calls == []


def test_a_refused_sign_in_reads_in_hebrew_for_a_hebrew_reader_after_an_english_user_tried(
    owner_client, account, sf_emulator, make_member, client_for, settings, sync_calls
):
    data = _form(sf_emulator, auth_flow="password", username="integration@example.com", password="wrong")
    owner_client.post(f"{PAGE}connect/", data)
    hebrew = client_for(make_member(account, role=Role.ACCOUNT_MANAGER).user)
    hebrew.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"

    english_page = owner_client.get(PAGE).content.decode()
    hebrew_page = hebrew.get(PAGE).content.decode()

    english = english_page[english_page.index('id="connection-error"') :]
    hebrew_error = hebrew_page[hebrew_page.index('id="connection-error"') :]
    assert "Salesforce refused the username, password or security token" in english[: english.index("</div>")]
    hebrew_error = hebrew_error[: hebrew_error.index("</div>")]
    assert "Salesforce refused" not in hebrew_error and "Salesforce דחה" in hebrew_error


def test_a_missing_secret_is_shown_on_the_form(owner_client, account, sf_emulator):
    response = owner_client.post(f"{PAGE}connect/", _form(sf_emulator, client_secret=""))

    assert response.status_code == 200
    assert "Fill in the client secret." in response.content.decode()
    assert not Connection.objects.filter(account=account).exists()


@pytest.fixture
def connected(account, sf_emulator):
    connection = emulator_connection(account, sf_emulator)
    assert services.connection_test(account=account, connection=connection).ok
    return connection


def test_the_page_shows_status_and_budget(owner_client, connected, sf_emulator):
    html = owner_client.get(PAGE).content.decode()

    assert sf_emulator.base_url in html
    assert 'id="api-budget"' in html and "This hour:" in html and "Organization today:" in html
    for action in ("test/", "sync/", "pause/", "disconnect/"):
        assert f'action="{PAGE}{action}"' in html


def test_test_connection_reports_the_user(owner_client, connected):
    response = owner_client.post(f"{PAGE}test/", follow=True)

    html = response.content.decode()
    assert "Connected to Salesforce as integration@example.com." in html


def test_sync_now_queues_a_run_after_commit(owner_client, connected, sync_calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{PAGE}sync/")
        owner_client.post(f"{PAGE}sync/", {"full": "1"})

    assert sync_calls == [((connected.pk,), {}), ((connected.pk,), {"full": True})]


def test_pause_and_resume(owner_client, connected, sync_calls, django_capture_on_commit_callbacks):
    owner_client.post(f"{PAGE}pause/", {"hours": "24"})
    connected.refresh_from_db()
    assert connected.state == Connection.State.PAUSED and connected.paused_until
    with django_capture_on_commit_callbacks(execute=True):
        refused = owner_client.post(f"{PAGE}sync/", follow=True)
    assert "Syncing is paused" in refused.content.decode() and sync_calls == []

    owner_client.post(f"{PAGE}resume/")

    connected.refresh_from_db()
    assert connected.state == Connection.State.ACTIVE and connected.paused_until is None


def test_disconnect_revokes_and_forgets_the_tokens(owner_client, connected, sf_emulator):
    response = owner_client.post(f"{PAGE}disconnect/", follow=True)

    connected.refresh_from_db()
    assert connected.state == Connection.State.DISCONNECTED and not connected.access_token
    html = response.content.decode()
    assert "Salesforce is disconnected" in html
    assert 'id="connect-form"' in html  # connect again from the same page


def test_a_member_without_the_role_cannot_connect_or_change(client_for, make_member, account, connected, sf_emulator):
    member = make_member(account, role=Role.USER)
    client = client_for(member.user)

    assert client.get(PAGE).status_code == 200
    for url in ("connect/", "authorize/", "test/", "sync/", "pause/", "resume/", "disconnect/"):
        assert client.post(f"{PAGE}{url}", _form(sf_emulator)).status_code == 403, url
    assert client.get(f"{PAGE}callback/", {"state": "x", "code": "y"}).status_code == 403
    connected.refresh_from_db()
    assert connected.state == Connection.State.ACTIVE
    html = client.get(PAGE).content.decode()
    assert 'id="connection-actions"' not in html and 'id="connect-form"' not in html
