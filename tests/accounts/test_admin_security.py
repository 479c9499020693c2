"""ACC-1 in the back office: a staff user who manages one account cannot reach, pick or take over anything
of another account, nor raise his own powers. Superusers keep every power."""

import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.checks import run_checks
from django.forms import BooleanField, MultiWidget
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.models import GroupResult, TaskResult
from django_otp.plugins.otp_email.models import EmailDevice

from automations.models import Event, EventDelivery
from contacts.models import BulkJob, Contact, ImportJob
from integrations.models import Connection, ExternalRef, SyncCursor, SyncError, SyncRun
from integrations.salesforce.models import ApiUsage, SalesforceConnection, SalesforceSettings
from marketing.accounts.models import Account, Membership, User
from marketing.accounts.roles import Role
from marketing.core.admin_scope import ScopedForeignKeyRawIdWidget, SuperuserOnlyMixin, TenantScopedMixin
from marketing.core.models import AuditEntry
from marketing.tokens.services import token_create

from ..factories import PASSWORD, AccountFactory
from ..tenancy import TenancyCase, tenancy_violations

NEW_PASSWORD = "Tq7-zebra-lantern-91"


# --- who is who -------------------------------------------------------------------------------------------------


@pytest.fixture
def victim(account):
    """The owner of account A: the user an attacker in account B wants to become."""
    owner = account.owner
    owner.username, owner.email = "owner-of-a", "owner@alpha-only.example.test"
    owner.save()
    return owner


@pytest.fixture
def staff(other_account):
    """Staff who manages account B only, with every model permission there is (but not a superuser)."""
    user = other_account.owner
    user.username = "staff-of-b"
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def staff_client(staff, client_for):
    return client_for(staff)


@pytest.fixture
def colleague(other_account, make_member):
    """A plain user of account B only: the staff user manages everything about him."""
    user = make_member(other_account, role=Role.USER).user
    user.username = "colleague-in-b"
    user.save()
    return user


@pytest.fixture
def shared_user(account, other_account, make_member):
    """A user of account A who is also a member of account B."""
    user = make_member(account, role=Role.ACCOUNT_MANAGER).user
    user.username, user.email = "shared-a-and-b", "shared@alpha-only.example.test"
    user.save()
    Membership.objects.create(account=other_account, user=user, role=Role.USER)
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def _change_form_data(response) -> dict:
    """The POST body the admin change form would send back unchanged."""
    data = {}
    for bound in response.context["adminform"].form:
        widget = getattr(bound.field.widget, "widget", bound.field.widget)
        value = bound.value()
        if isinstance(widget, MultiWidget):
            parts = widget.decompress(value) if not isinstance(value, list) else value
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = widget.widgets[index].format_value(part) or ""
        elif isinstance(bound.field, BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(v) for v in value]
        elif not bound.field.disabled:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def _set_password(client, user):
    """The admin's password form, sent for `user` with NEW_PASSWORD."""
    return client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


# --- choices ----------------------------------------------------------------------------------------------------


def test_the_membership_form_offers_only_users_of_the_staff_users_accounts(staff_client, victim, colleague):
    page = staff_client.get("/admin/accounts/membership/add/").content.decode()

    assert "colleague-in-b" in page
    assert "owner-of-a" not in page
    assert "Account A" not in page


def test_the_account_form_offers_only_users_of_the_staff_users_accounts_as_owner(
    staff_client, other_account, victim, colleague
):
    page = staff_client.get(f"/admin/accounts/account/{other_account.pk}/change/").content.decode()

    assert "colleague-in-b" in page
    assert "owner-of-a" not in page


def test_the_user_lookup_finds_no_user_of_another_account(staff_client, victim, colleague):
    response = staff_client.get(
        "/admin/autocomplete/", {"app_label": "accounts", "model_name": "membership", "field_name": "user", "term": ""}
    )

    found = [row["text"] for row in json.loads(response.content)["results"]]
    assert "colleague-in-b" in found
    assert "owner-of-a" not in found


def test_list_filters_list_only_the_staff_users_accounts(staff, staff_client, account, other_account):
    second = AccountFactory(name="Account B2", slug="account-b2")
    Membership.objects.create(account=second, user=staff, role=Role.ACCOUNT_MANAGER)

    page = staff_client.get("/admin/accounts/membership/").content.decode()

    assert "Account B2" in page and "Account B" in page
    assert "Account A" not in page


def test_a_raw_id_field_names_no_row_of_another_account(account, other_account):
    contact_of_a = Contact.objects.create(account=account, email="carol@alpha-only.example.test")
    widget = ScopedForeignKeyRawIdWidget(
        SyncError._meta.get_field("contact").remote_field,
        admin.site,
        queryset=Contact.objects.filter(account=other_account),
    )

    assert widget.label_and_url_for_value(contact_of_a.pk) == ("", "")


# --- taking over a user of another account ----------------------------------------------------------------------


def test_adding_another_accounts_owner_to_his_own_account_is_refused(staff_client, other_account, victim):
    response = staff_client.post(
        "/admin/accounts/membership/add/",
        {"account": other_account.pk, "user": victim.pk, "role": Role.ACCOUNT_MANAGER, "is_active": "on"},
    )

    assert response.status_code == 200 and response.context["adminform"].form.errors.get("user")
    assert not Membership.objects.filter(account=other_account, user=victim).exists()


def test_making_another_accounts_user_owner_of_his_account_is_refused(staff_client, other_account, victim, staff):
    form = staff_client.get(f"/admin/accounts/account/{other_account.pk}/change/")
    data = _change_form_data(form) | {"owner": victim.pk}

    response = staff_client.post(f"/admin/accounts/account/{other_account.pk}/change/", data)

    assert response.status_code == 200 and response.context["adminform"].form.errors.get("owner")
    other_account.refresh_from_db()
    assert other_account.owner == staff


def test_changing_the_password_of_another_accounts_user_is_refused(staff_client, victim):
    response = _set_password(staff_client, victim)

    assert response.status_code in (403, 404)
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD) and not victim.check_password(NEW_PASSWORD)


def test_changing_the_password_of_a_user_who_also_belongs_to_another_account_is_refused(staff_client, shared_user):
    assert staff_client.get(f"/admin/accounts/user/{shared_user.pk}/password/").status_code == 403

    response = _set_password(staff_client, shared_user)

    assert response.status_code == 403
    shared_user.refresh_from_db()
    assert shared_user.check_password(PASSWORD)


def test_changing_the_password_of_a_superuser_in_his_account_is_refused(staff_client, other_account, superuser):
    Membership.objects.create(account=other_account, user=superuser, role=Role.USER)

    response = _set_password(staff_client, superuser)

    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)


def test_staff_still_changes_the_password_of_a_user_only_in_his_account(staff_client, colleague):
    response = _set_password(staff_client, colleague)

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)


def test_editing_the_email_of_a_user_who_also_belongs_to_another_account_is_refused(staff_client, shared_user):
    url = f"/admin/accounts/user/{shared_user.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]

    response = staff_client.post(url, {"username": "shared-a-and-b", "email": "attacker@b.example.test"})

    assert response.status_code == 403
    shared_user.refresh_from_db()
    assert shared_user.email == "shared@alpha-only.example.test"


def test_deleting_a_user_who_also_belongs_to_another_account_is_refused(staff_client, shared_user):
    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [shared_user.pk], "index": "0", "post": "yes"},
    )

    assert response.status_code == 403
    assert User.objects.filter(pk=shared_user.pk).exists()


# --- raising his own powers -------------------------------------------------------------------------------------


def test_ticking_is_superuser_on_himself_is_refused(staff_client, staff):
    url = f"/admin/accounts/user/{staff.pk}/change/"
    data = _change_form_data(staff_client.get(url)) | {
        "is_superuser": "on",
        "groups": [Group.objects.create(name="Everything").pk],
        "first_name": "Still Staff",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302  # his own name he may change
    staff.refresh_from_db()
    assert staff.first_name == "Still Staff"
    assert not staff.is_superuser and not staff.groups.exists()


def test_creating_a_superuser_is_refused(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {"username": "my-new-root", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "is_superuser": "on"},
    )

    assert response.status_code == 403
    assert not User.objects.filter(username="my-new-root").exists()


def test_staff_cannot_give_his_account_credits_or_open_accounts(staff_client, other_account):
    url = f"/admin/accounts/account/{other_account.pk}/change/"
    credits_before = other_account.sms_credits
    data = _change_form_data(staff_client.get(url)) | {"sms_credits": str(credits_before + 1_000_000), "name": "B2"}

    staff_client.post(url, data)
    opened = staff_client.post("/admin/accounts/account/add/", {"name": "Mine", "slug": "mine"})

    other_account.refresh_from_db()
    assert other_account.name == "B2"  # the rest of his account he may edit
    assert other_account.sms_credits == credits_before
    assert opened.status_code == 403
    assert not Account.objects.filter(slug="mine").exists()


def test_staff_can_neither_delete_his_account_nor_its_audit_trail(staff_client, other_account):
    AuditEntry.objects.create(account=other_account, action="contact.delete", target_type="contact", target_id="1")

    account = staff_client.post(f"/admin/accounts/account/{other_account.pk}/delete/", {"post": "yes"})
    audit = staff_client.post(
        "/admin/core/auditentry/",
        {
            "action": "delete_selected",
            "_selected_action": list(AuditEntry.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert account.status_code == 403
    assert Account.objects.filter(pk=other_account.pk).exists()
    assert audit.status_code in (200, 302, 403)
    assert AuditEntry.objects.filter(account=other_account, action="contact.delete").exists()


# --- models of no account ---------------------------------------------------------------------------------------


def test_periodic_tasks_are_hidden_and_cannot_be_scheduled(staff_client):
    schedule = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)

    listing = staff_client.get("/admin/django_celery_beat/periodictask/")
    added = staff_client.post(
        "/admin/django_celery_beat/periodictask/add/",
        {"name": "mine", "task": "contacts.tasks.anything", "interval": schedule.pk, "args": "[]", "kwargs": "{}"},
    )

    assert listing.status_code == 403 and added.status_code == 403
    assert not PeriodicTask.objects.filter(name="mine").exists()
    assert "django_celery_beat" not in staff_client.get("/admin/").content.decode()


def test_task_results_are_hidden(staff_client):
    result = TaskResult.objects.create(task_id="alpha-only-task", status="SUCCESS", result='"secret of A"')

    assert staff_client.get("/admin/django_celery_results/taskresult/").status_code == 403
    assert staff_client.get(f"/admin/django_celery_results/taskresult/{result.pk}/change/").status_code == 403
    assert "django_celery_results" not in staff_client.get("/admin/").content.decode()


def test_otp_devices_are_hidden_and_unchanged(staff_client, victim):
    device = EmailDevice.objects.create(user=victim, name="mail", email="owner@alpha-only.example.test")

    listing = staff_client.get("/admin/otp_email/emaildevice/")
    changed = staff_client.post(
        f"/admin/otp_email/emaildevice/{device.pk}/change/",
        {"user": victim.pk, "name": "mail", "email": "attacker@b.example.test", "confirmed": "on"},
    )

    assert listing.status_code == 403 and changed.status_code == 403
    device.refresh_from_db()
    assert device.email == "owner@alpha-only.example.test"
    assert "otp_email" not in staff_client.get("/admin/").content.decode()


def test_every_registered_admin_is_tenant_scoped_or_superuser_only():
    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, (TenantScopedMixin, SuperuserOnlyMixin))
    ]

    assert unscoped == []
    assert [e.id for e in run_checks() if e.id.startswith("marketing.E1")] == []


# --- the whole back office, walked ------------------------------------------------------------------------------


@pytest.fixture
def rows_of_a(account, victim, make_department, make_member):
    """One row of account A (or of no account) for every registered admin, with the text that identifies it."""
    member = make_member(account, role=Role.USER, department=make_department(account, name="Hidden department of A"))
    member.user.username = "alice-of-a"
    member.user.save()
    connection = SalesforceConnection.objects.create(
        account=account,
        provider="salesforce",
        username="sync@alpha-only.example.test",
        instance_url="https://alpha-only.test",
    )
    contact = Contact.objects.create(account=account, email="carol@alpha-only.example.test")
    run = SyncRun.objects.create(
        account=account, connection=connection, kind=SyncRun.Kind.FULL, stop_reason="Alpha-only"
    )
    interval = IntervalSchedule.objects.create(every=7, period=IntervalSchedule.DAYS)
    rows = [
        account,
        victim,
        member,
        member.user,
        member.department,
        AuditEntry.objects.create(
            account=account, actor=victim, action="alpha-only.audit", target_id="alpha-only-target"
        ),
        token_create(account=account, actor=victim, name="Token of A").token,
        Event.objects.create(account=account, kind="alpha-only.event", payload={"who": "alpha-only"}),
        EventDelivery.objects.create(
            account=account,
            event=Event.objects.get(kind="alpha-only.event"),
            consumer="alpha-only.consumer",
            state=EventDelivery.State.DEAD,
            last_error="alpha-only error",
        ),
        connection,
        Connection.objects.get(pk=connection.pk),  # the same row, in the admin of what every connector shares
        SalesforceSettings.objects.create(account=account, connection=connection, source_label="Alpha-only label"),
        ExternalRef.objects.create(
            account=account, connection=connection, contact=contact, object_type="Lead", external_id="00QA0000000001A"
        ),
        SyncCursor.objects.create(account=account, connection=connection, stream="alpha-only-stream"),
        run,
        SyncError.objects.create(
            account=account,
            connection=connection,
            run=run,
            direction=SyncError.Direction.IN,
            object_type="Lead",
            external_id="00QA0000000002A",
            contact=contact,
            code="ALPHA_ONLY_CODE",
            message="Bad email of A",
        ),
        ApiUsage.objects.create(account=account, connection=connection, hour=timezone.now(), calls=4242),
        ImportJob.objects.create(
            account=account, filename="alpha-only.csv", status=ImportJob.Status.FAILED, error="Alpha-only failure"
        ),
        BulkJob.objects.create(
            account=account, action=BulkJob.Action.DELETE, status=BulkJob.Status.FAILED, group_name="Alpha-only"
        ),
        Group.objects.create(name="Support group of A"),
        EmailDevice.objects.create(user=victim, name="alpha-only-device", email="otp@alpha-only.example.test"),
        PeriodicTask.objects.create(name="alpha-only-periodic", task="contacts.tasks.a_only", interval=interval),
        interval,
        CrontabSchedule.objects.create(minute="17", hour="3"),
        SolarSchedule.objects.create(event="sunrise", latitude=31.7, longitude=35.2),
        ClockedSchedule.objects.create(clocked_time=timezone.now()),
        TaskResult.objects.create(task_id="alpha-only-task-id", status="SUCCESS", result='"alpha-only result"'),
        GroupResult.objects.create(group_id="alpha-only-group-id", result='"alpha-only result"'),
        *_sign_in_records(username="owner-of-a"),
    ]
    secrets = [
        "Account A",
        "account-a",
        "owner-of-a",
        "alice-of-a",
        "alpha-only",
        "Alpha-only",
        "ALPHA_ONLY_CODE",
        "Hidden department of A",
        "Token of A",
        "Bad email of A",
        "00QA000000000",
        "Support group of A",
    ]
    return rows, secrets


def _sign_in_records(*, username: str) -> list:
    seen = {"username": username, "ip_address": "192.0.2.7", "user_agent": "alpha-only-browser", "path_info": "/login/"}
    return [
        AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1),
        AccessFailureLog.objects.create(**seen),
        AccessLog.objects.create(**seen),
    ]


def _admin_url(model, view="changelist", *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _action_names(model_admin, user) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return list(model_admin.get_actions(request))


def test_staff_of_one_account_reach_nothing_of_another_in_the_back_office(
    staff, staff_client, other_account, colleague, rows_of_a, superuser
):
    rows, secrets = rows_of_a
    registry = admin.site._registry
    assert set(registry) <= {type(row) for row in rows}, "every registered model needs a row of account A here"
    own_pages = [
        "/admin/",
        f"/admin/accounts/account/{other_account.pk}/change/",
        f"/admin/accounts/user/{staff.pk}/change/",
        f"/admin/accounts/user/{colleague.pk}/change/",
        f"/admin/accounts/membership/{other_account.owner.memberships.get().pk}/change/",
        "/admin/autocomplete/?app_label=accounts&model_name=membership&field_name=user&term=",
        "/admin/autocomplete/?app_label=accounts&model_name=account&field_name=owner&term=a",
    ]
    object_urls = []
    for row in rows:
        object_urls += [_admin_url(type(row), view, row.pk) for view in ("change", "delete", "history")]
        if isinstance(row, User):
            object_urls.append(f"/admin/accounts/user/{row.pk}/password/")
    case = TenancyCase(
        rows=rows,
        secrets=secrets,
        list_urls=[_admin_url(model) for model in registry]
        + [_admin_url(model, "add") for model in registry]
        + [f"/admin/{app}/" for app in {model._meta.app_label for model in registry}]
        + own_pages,
        object_urls=object_urls,
        methods=("get", "post"),
        payload={"post": "yes", "name": "taken over", "email": "attacker@b.example.test", "is_superuser": "on"},
    )

    problems = tenancy_violations(staff_client, case)
    for model, model_admin in registry.items():
        targets = [row.pk for row in rows if type(row) is model]
        for action in _action_names(model_admin, staff):  # an action he is not offered does nothing at all
            payload = {"action": action, "_selected_action": targets, "index": "0", "post": "yes"}
            problems += tenancy_violations(
                staff_client,
                TenancyCase(
                    rows=rows, secrets=secrets, object_urls=[_admin_url(model)], methods=("post",), payload=payload
                ),
            )

    assert not problems, "Tenancy violated:\n- " + "\n- ".join(problems)
    assert Account.objects.get(pk=rows[0].pk).owner.username == "owner-of-a"


# --- superusers -------------------------------------------------------------------------------------------------


def test_superusers_keep_every_power(superuser, client_for, account, other_account, victim, shared_user):
    client = client_for(superuser)
    TaskResult.objects.create(task_id="alpha-only-task", status="SUCCESS")

    memberships = client.get("/admin/accounts/membership/").content.decode()
    owners = client.get("/admin/accounts/membership/add/").content.decode()
    results = client.get("/admin/django_celery_results/taskresult/")
    beat = client.get("/admin/django_celery_beat/periodictask/add/")
    password = _set_password(client, shared_user)
    url = f"/admin/accounts/user/{victim.pk}/change/"
    promoted = client.post(url, _change_form_data(client.get(url)) | {"is_staff": "on", "is_superuser": "on"})

    assert "Account A" in memberships and "Account B" in memberships
    assert "owner-of-a" in owners
    assert results.status_code == 200 and "alpha-only-task" in results.content.decode()
    assert beat.status_code == 200
    assert password.status_code == 302, password.context["form"].errors
    assert promoted.status_code == 302, promoted.context["adminform"].form.errors
    shared_user.refresh_from_db()
    victim.refresh_from_db()
    assert shared_user.check_password(NEW_PASSWORD)
    assert victim.is_superuser and victim.is_staff
