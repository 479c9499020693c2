"""Screens, the admin and the API docs work under the Content-Security-Policy (SPEC UX-3).

The `browser_page` fixture fails any of these tests on a policy violation reported by chromium.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.salesforce.budget import hour_start
from integrations.salesforce.models import ApiUsage
from marketing.accounts.demo import DEMO_USERNAME, demo_seed
from marketing.accounts.models import Department, User

from ..integrations.test_screens import _connect, _run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, next_path: str):
    _, password = demo_seed()
    page.goto(f"{live_server.url}/login/?next={next_path}")
    page.get_by_label("שם משתמש").fill(DEMO_USERNAME)
    page.get_by_label("סיסמה").fill(password)
    page.get_by_role("button", name="כניסה").click()


def test_deleting_a_department_asks_for_confirmation_first(live_server, browser_page):
    page = browser_page
    _sign_in(page, live_server, "/account/departments/")
    delete = page.locator("tr:has(input[value='Support']) form[data-confirm] button")
    questions = []

    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    delete.click()
    expect(page.locator("input[value='Support']")).to_be_visible()
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    delete.click()

    expect(page.locator("input[value='Support']")).to_have_count(0)
    assert questions == ["למחוק את המחלקה? המשתמשים שלה יישארו בחשבון."] * 2
    assert not Department.objects.filter(name="Support").exists()


def test_the_field_form_suggests_an_api_name_from_the_label(live_server, browser_page):
    page = browser_page
    _sign_in(page, live_server, "/contacts/fields/new/")

    page.locator("#id_label").fill("Favourite colour")

    expect(page.locator("#id_api_name")).to_have_value("favourite_colour")


def test_the_salesforce_form_shows_only_the_inputs_of_the_chosen_sign_in(live_server, browser_page):
    page = browser_page
    _sign_in(page, live_server, "/integrations/salesforce/")
    token = page.locator("#id_security_token")

    page.locator("input[name=auth_flow][value=web_server]").check()
    expect(token).to_be_hidden()
    page.locator("input[name=auth_flow][value=password]").check()

    expect(token).to_be_visible()


def test_the_api_docs_render_under_the_policy(live_server, browser_page):
    page = browser_page

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .title")).to_contain_text("Marketing platform API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_admin_works_under_the_policy(live_server, browser_page):
    User.objects.create_superuser("root", "root@example.com", "a-long-admin-password")
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill("a-long-admin-password")
    page.locator("input[type=submit]").click()
    page.goto(f"{live_server.url}/admin/accounts/user/")

    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{live_server.url}/admin/accounts/user/add/")
    expect(page.locator("#id_username")).to_be_visible()
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/add/")
    expect(page.locator("#id_name")).to_be_visible()
    expect(page.locator(".field-crontab_translation")).to_be_hidden()  # done by its (nonced) inline script


def test_the_salesforce_budget_bars_and_the_runs_chart_draw_under_the_policy(live_server, browser_page):
    account, password = demo_seed()
    connection = _connect(account)
    ApiUsage.objects.create(
        account=account, connection=connection, hour=hour_start(timezone.now()), calls=10, org_used=9000, org_max=15000
    )
    _run(account, connection, records_in=12, records_out=3, records_failed=1, api_calls=7)
    page = browser_page
    _sign_in(page, live_server, "/integrations/salesforce/")

    # The width comes from data-progress through static/js/app.js, not from an inline style attribute.
    expect(page.locator("#api-budget .progress-bar").last).to_have_attribute("style", "width: 60%;")
    page.goto(f"{live_server.url}/integrations/salesforce/runs/")

    expect(page.locator("#runs-chart")).to_be_visible()
    assert page.evaluate("Chart.getChart(document.getElementById('runs-chart')).data.datasets[0].data") == [12]
