"""UX-2, SF-16 in the browser, in Hebrew and in English: a manager presses "Sync now", watches the run's figures
while it goes, sees it end, and reads what the finished run did.

The sync runs in a thread of its own, as a worker would run it, against the Salesforce emulator. It is held
after its first page until the figures have been seen, so nothing here depends on timing.
"""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from integrations import tasks
from integrations.salesforce import pull
from integrations.salesforce.emulator import EmulatorServer

from ..factories import AccountFactory
from .test_dashboard import _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "he": {
        "sync now": "סנכרון עכשיו",
        "reading leads": "קריאת רשומות מסוג ליד מ-Salesforce",
        "new contacts": "אנשי קשר חדשים",
    },
    "en": {
        "sync now": "Sync now",
        "reading leads": "Reading Lead records from Salesforce",
        "new contacts": "New contacts",
    },
}


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(port=0) as server:
        yield server


@pytest.fixture
def worker(monkeypatch):
    """ "Sync now" queues the sync; here a thread runs it as a worker would. The run is held after its first
    page (its figures saved) until `worker.release` is set."""
    release, threads = threading.Event(), []
    real = pull.run_progress_save

    def held_after_the_first_page(engine):
        saved = real(engine)
        if engine.counts["received"] and not getattr(engine, "_was_held", False):
            engine._was_held = True
            release.wait(timeout=60)
        return saved

    def run_in_a_thread(connection_id, full=False):
        def work():
            try:
                tasks.connection_sync(connection_id, full=full)
            finally:
                connections.close_all()

        thread = threading.Thread(target=work, daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(pull, "run_progress_save", held_after_the_first_page)
    monkeypatch.setattr(tasks.connection_sync, "delay", run_in_a_thread)
    yield release
    release.set()
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.parametrize("language", ["he", "en"])
def test_sync_now_shows_its_progress_then_the_finished_run(
    live_server, browser_page, emulator, worker, tmp_path, language
):
    emulator.reset()
    words = WORDS[language]
    account = AccountFactory(language=language)
    call_command(
        "salesforce_connect",
        account=account.slug,
        login_url=emulator.base_url,
        client_id="emulator-client-id",
        client_secret="emulator-client-secret",
        ca_bundle=emulator.ca_path,
        stdout=io.StringIO(),
    )
    for n in range(3):
        emulator.org.create("Lead", {"LastName": f"Levi {n}", "Company": "Acme", "Email": f"lead{n}@example.com"})
    client = Client()
    client.force_login(account.owner)
    page = browser_page
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/integrations/salesforce/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_role("button", name=words["sync now"]).click()  # its icon is part of the name: not exact

    expect(page.locator("#sync-progress-stage")).to_have_text(words["reading leads"])
    expect(page.locator('#sync-progress [data-figure="received"]')).to_have_text("3")
    expect(page.locator('#sync-progress [data-figure="records_in"]')).to_have_text("3")
    expect(page.locator("#sync-progress-card")).to_have_attribute("data-state", "running")
    page.screenshot(path=str(_shot(tmp_path, f"salesforce-sync-progress-{language}.png")), full_page=True)

    worker.set()

    expect(page.locator("#sync-progress-card")).to_have_attribute("data-state", "succeeded")
    expect(page.locator('#sync-progress [data-figure="records_in"]')).to_have_text("3")
    page.locator("#sync-progress-link").click()
    expect(page.locator('#run-figures-in [data-key="new"]')).to_contain_text(words["new contacts"])
    expect(page.locator('#run-figures-in [data-key="new"] dd')).to_have_text("3")
    expect(page.locator('#run-summary [data-figure="records_in"]')).to_have_text("3")
    page.screenshot(path=str(_shot(tmp_path, f"salesforce-sync-run-{language}.png")), full_page=True)
