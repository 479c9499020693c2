"""CON-4, CON-7: bulk actions on a selection of contacts, and adding a group's members by phone or email."""

import datetime as dt

import pytest
from django.utils import timezone

from automations.models import Event
from contacts import bulk
from contacts.models import BulkJob, Contact, Group, GroupMembership, Suppression
from contacts.tasks import bulk_job
from marketing.core.errors import NotFound, TransientError
from marketing.core.jobs import JobBusy
from marketing.core.models import AuditEntry

from ..factories import AccountFactory


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def _cohens(account, n: int, start: int = 0) -> list[Contact]:
    return [
        _contact(account, first_name="Dana", last_name="Cohen", phone=f"+97250{1000000 + start + i}") for i in range(n)
    ]


def _members(group) -> set[int]:
    return set(GroupMembership.objects.filter(group=group).values_list("contact_id", flat=True))


def _matching(account, query: str) -> bulk.Selection:
    return bulk.selection_pinned(account=account, selection=bulk.Selection(matching=True, query=query))


def test_adding_a_search_to_a_group_counts_who_joined_and_who_was_in_it(account):
    vip = Group.objects.create(account=account, name="VIP")
    cohens = _cohens(account, 3)
    GroupMembership.objects.create(account=account, group=vip, contact=cohens[0])
    other = _contact(account, first_name="Moshe", phone="+972529999999")

    result = bulk.bulk_run(
        account=account,
        actor=account.owner,
        action="add",
        params={"group_id": vip.pk},
        selection=_matching(account, "q=cohen"),
    )

    assert result == {"added": 2, "already": 1}
    assert _members(vip) == {c.pk for c in cohens}
    assert other.pk not in _members(vip)
    assert Event.objects.filter(account=account, kind="group.joined").exists()
    entry = AuditEntry.objects.get(account=account, action="contacts.bulk_add")
    assert entry.data["added"] == 2


def test_all_matching_means_the_contacts_there_were_when_the_person_confirmed(account):
    vip = Group.objects.create(account=account, name="VIP")
    before = _cohens(account, 2)
    selection = _matching(account, "q=cohen")  # pinned now
    later = _cohens(account, 1, start=50)

    bulk.bulk_run(account=account, actor=None, action="add", params={"group_id": vip.pk}, selection=selection)

    assert _members(vip) == {c.pk for c in before}
    assert later[0].pk not in _members(vip)


def test_the_selection_follows_every_filter_of_the_list(account):
    vip = Group.objects.create(account=account, name="VIP")
    inside = _contact(account, [vip], first_name="Dana", phone="+972501111111")
    _contact(account, first_name="Dana", phone="+972502222222")

    contacts = bulk.selection_contacts(account=account, selection=_matching(account, f"q=dana&group={vip.pk}"))

    assert list(contacts.values_list("pk", flat=True)) == [inside.pk]


def test_removing_from_a_group_counts_those_that_were_not_members(account):
    vip = Group.objects.create(account=account, name="VIP")
    a = _contact(account, [vip], phone="+972501111111")
    b = _contact(account, phone="+972502222222")

    result = bulk.bulk_run(
        account=account,
        actor=account.owner,
        action="remove",
        params={"group_id": vip.pk},
        selection=bulk.Selection(ids=(a.pk, b.pk)),
    )

    assert result == {"removed": 1, "not_members": 1}
    assert _members(vip) == set()
    assert Event.objects.filter(account=account, kind="group.left").exists()


def test_unsubscribing_on_both_channels_says_who_had_no_point_there(account):
    both = _contact(account, phone="+972501111111", email="both@example.com")
    phone_only = _contact(account, phone="+972502222222")
    Suppression.objects.create(account=account, channel="sms", point="+972502222222", source="manual")

    result = bulk.bulk_run(
        account=account,
        actor=account.owner,
        action="unsubscribe",
        params={"channel": "both", "reason": ""},
        selection=bulk.Selection(ids=(both.pk, phone_only.pk)),
    )

    assert result == {"sms_added": 1, "sms_already": 1, "email_added": 1, "email_missing": 1}
    assert set(Suppression.objects.filter(account=account).values_list("channel", "point")) == {
        ("sms", "+972501111111"),
        ("sms", "+972502222222"),
        ("email", "both@example.com"),
    }


def test_unsubscribing_from_sms_only_leaves_the_emails_alone(account):
    contact = _contact(account, phone="+972501111111", email="a@example.com")

    bulk.bulk_run(
        account=account,
        actor=None,
        action="unsubscribe",
        params={"channel": "sms", "reason": "asked by phone"},
        selection=bulk.Selection(ids=(contact.pk,)),
    )

    suppression = Suppression.objects.get(account=account)
    assert (suppression.channel, suppression.point, suppression.reason) == ("sms", "+972501111111", "asked by phone")


def test_deleting_deletes_exactly_the_selection_with_an_audit_row_each(account):
    _cohens(account, 2)
    stays = _contact(account, first_name="Moshe", phone="+972529999999")

    result = bulk.bulk_run(
        account=account, actor=account.owner, action="delete", params={}, selection=_matching(account, "q=cohen")
    )

    assert result == {"deleted": 2}
    assert list(Contact.objects.filter(account=account)) == [stays]
    assert AuditEntry.objects.filter(account=account, action="contact.delete").count() == 2
    assert Event.objects.filter(account=account, kind="contact.deleted").exists()


def test_an_id_of_another_accounts_contact_is_not_found_and_nothing_changes(account):
    other = AccountFactory(name="Account B", slug="account-b")
    theirs = _contact(other, phone="+972503333333")
    mine = _contact(account, phone="+972501111111")

    with pytest.raises(NotFound):
        bulk.bulk_run(
            account=account, actor=None, action="delete", params={}, selection=bulk.Selection(ids=(mine.pk, theirs.pk))
        )

    assert Contact.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_a_search_naming_another_accounts_group_is_not_found(account):
    other = AccountFactory(name="Account B", slug="account-b")
    theirs = Group.objects.create(account=other, name="Theirs")
    _contact(account, phone="+972501111111")

    with pytest.raises(NotFound):
        bulk.selection_contacts(account=account, selection=_matching(account, f"group={theirs.pk}"))


def _job(account, action="add", params=None, query="q=cohen") -> BulkJob:
    selection = _matching(account, query)
    total = bulk.selection_contacts(account=account, selection=selection).count()
    return bulk.bulk_job_start(
        account=account, actor=account.owner, action=action, params=params or {}, selection=selection, total=total
    )


def test_the_background_job_goes_a_chunk_at_a_time_and_ends_with_the_counts(account, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)
    vip = Group.objects.create(account=account, name="VIP")
    cohens = _cohens(account, 5)
    job = _job(account, params={"group_id": vip.pk})

    bulk_job.delay(job.pk)  # eager in tests, as a worker would run it

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 5, 5)
    assert job.result == {"added": 5}
    assert job.cursor == min(c.pk for c in cohens)
    assert _members(vip) == {c.pk for c in cohens}
    assert AuditEntry.objects.filter(account=account, action="contacts.bulk_add").count() == 1


def test_a_job_taken_over_after_a_lost_worker_goes_on_from_its_last_chunk(account, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)
    cohens = _cohens(account, 5)
    job = _job(account, action="delete")
    newest = sorted(c.pk for c in cohens)[-2:]
    # A worker deleted the two newest, wrote its cursor, and died (its lease ran out).
    Contact.objects.filter(pk__in=newest).delete()
    BulkJob.objects.filter(pk=job.pk).update(status="running", cursor=min(newest), done=2, result={"deleted": 2})

    bulk.bulk_job_run(job=job)

    job.refresh_from_db()
    assert job.status == "done"
    assert job.result == {"deleted": 5}
    assert not Contact.objects.filter(account=account).exists()


def test_a_job_a_live_worker_holds_is_left_to_it(account):
    vip = Group.objects.create(account=account, name="VIP")
    _cohens(account, 2)
    job = _job(account, params={"group_id": vip.pk})
    held_until = timezone.now() + dt.timedelta(minutes=4)
    BulkJob.objects.filter(pk=job.pk).update(status="running", lease_until=held_until)

    with pytest.raises(JobBusy) as busy:
        bulk.bulk_job_run(job=job)

    job.refresh_from_db()
    assert busy.value.until == held_until
    assert (job.status, job.done, job.lease_until) == ("running", 0, held_until)
    assert _members(vip) == set()


def test_a_passing_fault_gives_the_job_back_and_the_retry_goes_on_from_its_last_chunk(account, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)
    vip = Group.objects.create(account=account, name="VIP")
    cohens = _cohens(account, 5)
    job = _job(account, params={"group_id": vip.pk})
    apply, calls = bulk._apply, []

    def second_chunk_fails(*args):
        calls.append(args)
        if len(calls) == 2:
            raise TransientError("database restarting")
        return apply(*args)

    monkeypatch.setattr(bulk, "_apply", second_chunk_fails)
    with pytest.raises(TransientError):
        bulk.bulk_job_run(job=job)

    job.refresh_from_db()
    assert (job.status, job.done, job.result, job.lease_until) == ("pending", 2, {"added": 2}, None)

    bulk.bulk_job_run(job=job)  # the retried task

    job.refresh_from_db()
    assert (job.status, job.done, job.result) == ("done", 5, {"added": 5})
    assert _members(vip) == {c.pk for c in cohens}


def test_a_job_delivered_twice_runs_once(account):
    vip = Group.objects.create(account=account, name="VIP")
    _cohens(account, 2)
    job = _job(account, params={"group_id": vip.pk})

    bulk_job.delay(job.pk)
    bulk_job.delay(job.pk)

    job.refresh_from_db()
    assert job.result == {"added": 2}
    assert AuditEntry.objects.filter(account=account, action="contacts.bulk_add").count() == 1


def test_a_job_whose_group_was_deleted_meanwhile_fails_and_says_why(account):
    vip = Group.objects.create(account=account, name="VIP")
    _cohens(account, 2)
    job = _job(account, params={"group_id": vip.pk})
    vip.delete()

    bulk_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "The group was deleted meanwhile." in job.error


# --- adding a group's members by phone or email ---------------------------------------------------------


def test_pasted_points_add_their_contacts_and_report_the_unknown_ones(account):
    vip = Group.objects.create(account=account, name="VIP")
    dana = _contact(account, phone="+972501111111")
    noa = _contact(account, email="noa@example.com")
    already = _contact(account, [vip], email="in@example.com")

    result = bulk.group_members_add_points(
        account=account,
        actor=account.owner,
        group=vip,
        values=bulk.points_split("050-111-1111, NOA@example.com\nin@example.com;nobody@example.com\nnot a phone"),
        create_missing=False,
    )

    assert (result["added"], result["already"], result["created"]) == (2, 1, 0)
    assert result["unknown"] == ["nobody@example.com"]
    assert [value for value, _reason in result["invalid"]] == ["not a phone"]
    assert _members(vip) == {dana.pk, noa.pk, already.pk}
    assert Contact.objects.filter(account=account).count() == 3  # nothing created


def test_pasted_unknown_points_become_contacts_only_when_asked(account):
    vip = Group.objects.create(account=account, name="VIP")

    result = bulk.group_members_add_points(
        account=account, actor=account.owner, group=vip, values=["new@example.com", "0521234567"], create_missing=True
    )

    assert (result["added"], result["created"], result["unknown"]) == (2, 2, [])
    created = Contact.objects.filter(account=account)
    assert {(c.email, c.phone) for c in created} == {("new@example.com", ""), ("", "+972521234567")}
    assert _members(vip) == {c.pk for c in created}


def test_pasting_into_another_accounts_group_is_not_found(account):
    other = AccountFactory(name="Account B", slug="account-b")
    theirs = Group.objects.create(account=other, name="Theirs")
    _contact(account, email="a@example.com")

    with pytest.raises(NotFound):
        bulk.group_members_add_points(
            account=account, actor=None, group=theirs, values=["a@example.com"], create_missing=True
        )

    assert not GroupMembership.objects.filter(group=theirs).exists()
