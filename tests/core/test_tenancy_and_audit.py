"""ACC-1: one tenancy helper, another account's row is "not found" (404), never "forbidden" (403); the audit
trail names who acted, a person or an API token."""

import pytest
from django.contrib.auth.models import Permission

from contacts.models import Contact, Group
from marketing.accounts import services as account_services
from marketing.accounts.models import Membership
from marketing.core.errors import NotFound
from marketing.core.models import AuditEntry
from marketing.core.services import audit_entry, audit_record
from marketing.core.tenancy import ensure_owned
from marketing.tokens import services as token_services


def test_ensure_owned_passes_the_accounts_rows_and_skips_none(account):
    group = Group.objects.create(account=account, name="Mine")
    contact = Contact.objects.create(account=account, phone="+972501111111")

    ensure_owned(account, group, None, contact)


def test_ensure_owned_answers_another_accounts_row_as_not_found(account, other_account):
    mine = Group.objects.create(account=account, name="Mine")
    theirs = Group.objects.create(account=other_account, name="Theirs")

    with pytest.raises(NotFound) as refused:
        ensure_owned(account, mine, theirs)
    with pytest.raises(NotFound, match="Group not found."):
        ensure_owned(account, theirs, message="Group not found.")

    assert (refused.value.status, refused.value.code, refused.value.message) == (404, "not_found", "Not found.")


def test_services_answer_another_accounts_token_and_department_as_not_found(
    account, other_account, make_department, make_member
):
    token = token_services.token_create(account=other_account, actor=other_account.owner, name="Theirs").token
    department = make_department(other_account, name="Their department")
    their_member = make_member(other_account)
    manager = Membership.objects.get(account=account, user=account.owner)

    refusals = [
        lambda: token_services.token_set_active(account=account, actor=account.owner, token=token, active=False),
        lambda: token_services.token_delete(account=account, actor=account.owner, token=token),
        lambda: account_services.department_rename(account=account, actor=manager, department=department, name="x"),
        lambda: account_services.department_delete(account=account, actor=manager, department=department),
        lambda: account_services.membership_set_active(
            account=account, actor=manager, membership=their_member, active=False
        ),
    ]
    for refusal in refusals:
        with pytest.raises(NotFound) as refused:
            refusal()
        assert refused.value.status == 404

    token.refresh_from_db()
    department.refresh_from_db()
    their_member.refresh_from_db()
    assert token.is_active and department.name == "Their department" and their_member.is_active


def test_an_audit_row_names_the_person_or_the_token(account):
    token = token_services.token_create(account=account, actor=account.owner, name="Zapier").token

    by_person = audit_record(account=account, actor=account.owner, action="test.person")
    by_token = audit_record(account=account, actor=token, action="test.token")
    by_system = audit_record(account=account, actor=None, action="test.system")

    assert (by_person.actor, by_person.token, by_person.done_by) == (account.owner, None, str(account.owner))
    assert (by_token.actor, by_token.token, by_token.token_label) == (None, token, str(token))
    assert "Zapier" in by_token.done_by and by_token.done_by == f"Zapier ({token.masked})"
    assert (by_system.actor, by_system.token, by_system.done_by) == (None, None, "")


def test_the_token_name_outlives_the_token(account):
    token = token_services.token_create(account=account, actor=account.owner, name="Old Zapier").token
    AuditEntry.objects.bulk_create([audit_entry(account=account, actor=token, action="test.bulk")])

    token_services.token_delete(account=account, actor=account.owner, token=token)

    entry = AuditEntry.objects.get(account=account, action="test.bulk")
    assert entry.token is None and entry.done_by.startswith("Old Zapier (")


def test_the_audit_screen_shows_the_tokens_name(account, client_for):
    token = token_services.token_create(account=account, actor=account.owner, name="Website form").token
    audit_record(account=account, actor=token, action="group.create")
    staff = account.owner
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="core"))

    page = client_for(staff).get("/admin/core/auditentry/").content.decode()

    assert "Website form" in page and token.masked in page
