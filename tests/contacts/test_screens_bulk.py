"""CON-4, CON-7 through the screens: choose contacts on the list, confirm with the count, see what happened;
add a group's members from its own screen."""

import datetime as dt

import pytest

from contacts import bulk
from contacts.models import BulkJob, Contact, Group, GroupMembership, Suppression
from integrations.models import Connection, ExternalRef
from marketing.accounts.roles import Role

from ..factories import AccountFactory
from ..tenancy import TenancyCase, assert_tenant_isolated


@pytest.fixture
def account(db):
    return AccountFactory(name="Account A", slug="account-a", language="en")


def _contact(account, groups=(), **fields) -> Contact:
    contact = Contact.objects.create(account=account, **fields)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def _cohens(account, n: int) -> list[Contact]:
    return [_contact(account, first_name="Dana", last_name="Cohen", phone=f"+97250{1000000 + i}") for i in range(n)]


def _members(group) -> set[int]:
    return set(GroupMembership.objects.filter(group=group).values_list("contact_id", flat=True))


def _text(response) -> str:
    return response.content.decode()


def test_the_list_offers_a_checkbox_per_row_and_select_all_matching(owner_client, account):
    _cohens(account, 3)

    page = _text(owner_client.get("/contacts/?q=cohen"))

    assert page.count('name="contact"') == 3
    assert 'id="bulk-page"' in page
    assert 'name="query" value="q=cohen"' in page
    assert "Select all" in page and "3</bdi> contacts matching this search" in page


def test_a_viewer_sees_no_bulk_actions(account, make_member, client_for):
    _cohens(account, 1)
    viewer = make_member(account, role=Role.SAVED_MESSAGES_ONLY)

    page = _text(client_for(viewer.user).get("/contacts/"))

    assert 'id="bulk-form"' not in page
    assert client_for(viewer.user).post("/contacts/bulk/", {"action": "delete", "all": "1"}).status_code == 403


def test_adding_ticked_contacts_to_a_group_asks_with_the_count_then_says_what_happened(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")
    a, b, c = _cohens(account, 3)
    GroupMembership.objects.create(account=account, group=vip, contact=c)
    ticked = {"contact": [a.pk, b.pk, c.pk], "query": "q=cohen"}

    choose = owner_client.post("/contacts/bulk/", {**ticked, "action": "add"})
    assert 'Add <bdi dir="ltr">3</bdi> contacts to a group' in _text(choose)
    review = owner_client.post("/contacts/bulk/", {**ticked, "action": "add", "group": vip.pk, "step": "review"})
    assert 'Add <bdi dir="ltr">3</bdi> contacts to the group “VIP”?' in _text(review)
    assert _members(vip) == {c.pk}  # asking changes nothing

    done = owner_client.post(
        "/contacts/bulk/", {**ticked, "action": "add", "group": vip.pk, "step": "run"}, follow=True
    )

    assert done.redirect_chain[-1][0] == "/contacts/?q=cohen"
    assert '2</bdi> contacts added to “VIP”; <bdi dir="ltr">1</bdi> was already a member.' in _text(done)
    assert _members(vip) == {a.pk, b.pk, c.pk}


def test_select_all_matching_reaches_every_page_of_the_search(owner_client, account):
    cohens = _cohens(account, 60)  # more than a page
    _contact(account, first_name="Moshe", phone="+972529999999")
    everyone = {"all": "1", "query": "q=cohen", "action": "add"}

    review = owner_client.post("/contacts/bulk/", {**everyone, "new_group": "Cohens", "step": "review"})
    assert 'Add <bdi dir="ltr">60</bdi> contacts to a new group named “Cohens”?' in _text(review)
    assert not Group.objects.filter(account=account, name="Cohens").exists()

    owner_client.post("/contacts/bulk/", {**everyone, "new_group": "Cohens", "step": "run"})

    group = Group.objects.get(account=account, name="Cohens")
    assert _members(group) == {c.pk for c in cohens}


def test_choosing_no_group_is_refused_next_to_the_field(owner_client, account):
    a = _contact(account, phone="+972501111111")

    response = owner_client.post("/contacts/bulk/", {"contact": a.pk, "action": "add", "step": "run"})

    assert response.status_code == 400
    assert "Choose a group, or type the name of a new one." in _text(response)
    assert not GroupMembership.objects.exists()


def test_nothing_chosen_goes_back_to_the_list_and_says_so(owner_client, account):
    response = owner_client.post("/contacts/bulk/", {"action": "delete", "query": "q=x"}, follow=True)

    assert response.redirect_chain[-1][0] == "/contacts/?q=x"
    assert "Choose contacts first" in _text(response)


def test_the_delete_confirmation_says_how_many_are_synced_with_salesforce(owner_client, account):
    synced = _cohens(account, 3)
    local = _contact(account, first_name="Dana", last_name="Cohen", email="local@example.com")
    connection = Connection.objects.create(account=account, provider="salesforce")
    for i, contact in enumerate(synced[:2]):
        ExternalRef.objects.create(
            account=account, connection=connection, contact=contact, object_type="Lead", external_id=f"00Q{i:015d}"
        )
    # A record deleted there no longer counts.
    ExternalRef.objects.create(
        account=account,
        connection=connection,
        contact=synced[2],
        object_type="Lead",
        external_id="00Q999999999999999",
        deleted_at="2024-01-01T00:00Z",
    )

    review = owner_client.post("/contacts/bulk/", {"all": "1", "query": "q=cohen", "action": "delete", "step": ""})

    page = _text(review)
    assert 'Delete <bdi dir="ltr">4</bdi> contacts?' in page
    assert '<bdi dir="ltr">2</bdi> of these contacts are synced with Salesforce' in page
    assert Contact.objects.filter(pk=local.pk).exists()


def test_deleting_after_the_confirmation(owner_client, account):
    gone = _cohens(account, 2)
    stays = _contact(account, first_name="Moshe", phone="+972529999999")

    response = owner_client.post(
        "/contacts/bulk/", {"contact": [c.pk for c in gone], "action": "delete", "step": "run"}, follow=True
    )

    assert "2</bdi> contacts deleted; their send history is kept." in _text(response)
    assert list(Contact.objects.filter(account=account)) == [stays]


def test_unsubscribe_asks_for_the_channel_then_unsubscribes_there(owner_client, account):
    a = _contact(account, phone="+972501111111", email="a@example.com")

    refused = owner_client.post("/contacts/bulk/", {"contact": a.pk, "action": "unsubscribe", "step": "review"})
    assert refused.status_code == 400 and "Choose SMS, email or both." in _text(refused)
    review = owner_client.post(
        "/contacts/bulk/", {"contact": a.pk, "action": "unsubscribe", "channel": "email", "step": "review"}
    )
    assert 'Unsubscribe <bdi dir="ltr">1</bdi> contact from email?' in _text(review)

    done = owner_client.post(
        "/contacts/bulk/", {"contact": a.pk, "action": "unsubscribe", "channel": "email", "step": "run"}, follow=True
    )

    assert "1</bdi> email address unsubscribed from email." in _text(done)
    assert list(Suppression.objects.filter(account=account).values_list("channel", "point")) == [
        ("email", "a@example.com")
    ]


def test_export_downloads_exactly_the_selection(owner_client, account):
    cohens = _cohens(account, 2)
    _contact(account, first_name="Moshe", phone="+972529999999")

    response = owner_client.post("/contacts/bulk/", {"all": "1", "query": "q=cohen", "action": "export", "step": "run"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert len(body.strip().splitlines()) == 3  # the header and two contacts
    assert all(c.phone in body for c in cohens) and "Moshe" not in body


def test_a_large_selection_runs_in_the_background_with_a_progress_screen(
    owner_client, account, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 3)
    vip = Group.objects.create(account=account, name="VIP")
    cohens = _cohens(account, 5)

    with django_capture_on_commit_callbacks(execute=True):  # the task is queued after commit, run eagerly
        response = owner_client.post(
            "/contacts/bulk/", {"all": "1", "query": "q=cohen", "action": "add", "group": vip.pk, "step": "run"}
        )

    job = BulkJob.objects.get(account=account)
    assert response.status_code == 302 and response["Location"] == f"/contacts/bulk/{job.pk}/"
    status = owner_client.get(f"/contacts/bulk/{job.pk}/")
    assert "5</bdi> contacts added to “VIP”." in _text(status)
    assert _members(vip) == {c.pk for c in cohens}
    partial = owner_client.get(f"/contacts/bulk/{job.pk}/", headers={"HX-Request": "true"})
    assert 'id="bulk-progress"' in _text(partial) and "<html" not in _text(partial)
    assert "hx-trigger" not in _text(partial)  # done: no more polling


def test_a_running_job_shows_its_progress_and_keeps_polling(owner_client, account):
    job = BulkJob.objects.create(account=account, action="delete", status="running", total=2000, done=500)

    partial = _text(owner_client.get(f"/contacts/bulk/{job.pk}/", headers={"HX-Request": "true"}))

    assert 'hx-trigger="every 1s"' in partial
    assert 'data-progress="25"' in partial
    assert '500</bdi> of <bdi dir="ltr">2,000</bdi> contacts' in partial


def test_counts_are_isolated_left_to_right_in_hebrew(client_for, account):
    account.language = "he"
    account.save()
    vip = Group.objects.create(account=account, name="VIP")
    a = _contact(account, phone="+972501111111")

    review = client_for(account.owner).post(
        "/contacts/bulk/", {"contact": a.pk, "action": "add", "group": vip.pk, "step": "review"}
    )

    assert 'dir="rtl"' in _text(review)
    assert '<bdi dir="ltr">1</bdi>' in _text(review)


# --- the history of bulk actions -----------------------------------------------------------------------


def _done_job(account, **fields) -> BulkJob:
    values = {"action": "add", "status": "done", "total": 1200, "done": 1200, "created_by": account.owner, **fields}
    return BulkJob.objects.create(account=account, **values)


def test_the_history_lists_each_bulk_action_newest_first_and_opens_its_status(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")
    added = _done_job(account, group=vip, group_name="VIP")
    BulkJob.objects.filter(pk=added.pk).update(created_at=dt.datetime(2024, 3, 5, 22, 30, tzinfo=dt.UTC))
    failed = _done_job(account, action="delete", status="failed", done=300, created_by=None)

    page = _text(owner_client.get("/contacts/bulk/history/"))

    assert page.index(f'id="bulk-job-{failed.pk}"') < page.index(f'id="bulk-job-{added.pk}"')
    added_row = page[page.index(f'id="bulk-job-{added.pk}"') :].split("</tr>")[0]
    assert "06/03/2024 00:30" in added_row  # 22:30 UTC is past midnight in the account's Jerusalem
    assert account.owner.username in added_row
    assert f'<a href="/contacts/bulk/{added.pk}/">Add to a group</a>' in added_row
    assert "<td>VIP</td>" in added_row
    assert '1,200</bdi> of <bdi dir="ltr">1,200</bdi> contacts' in added_row and "Done" in added_row
    failed_row = page[page.index(f'id="bulk-job-{failed.pk}"') :].split("</tr>")[0]
    assert "Delete" in failed_row and "Failed" in failed_row
    assert '300</bdi> of <bdi dir="ltr">1,200</bdi> contacts' in failed_row
    assert 'aria-current="page" href="/contacts/bulk/history/"' in page  # its tab in the contacts menu


def test_the_history_is_in_hebrew_with_its_numbers_left_to_right(client_for, account):
    account.language = "he"
    account.save()
    job = _done_job(account, action="unsubscribe", status="running", done=250)

    page = _text(client_for(account.owner).get("/contacts/bulk/history/"))

    assert 'dir="rtl"' in page
    assert "פעולות קבוצתיות</h1>" in page
    assert f'<a href="/contacts/bulk/{job.pk}/">הסרה</a>' in page
    assert '<bdi dir="ltr">250</bdi> מתוך <bdi dir="ltr">1,200</bdi> אנשי קשר' in page
    assert "בתהליך" in page


def test_the_history_pages_like_the_other_lists(owner_client, account):
    BulkJob.objects.bulk_create([BulkJob(account=account, action="delete", total=1) for _ in range(51)])

    first = _text(owner_client.get("/contacts/bulk/history/"))
    second = _text(owner_client.get("/contacts/bulk/history/?page=2"))

    assert first.count('id="bulk-job-') == 50 and second.count('id="bulk-job-') == 1
    assert 'href="?page=2"' in first


def test_an_empty_history_says_so(owner_client, account):
    assert "No bulk actions yet." in _text(owner_client.get("/contacts/bulk/history/"))


def test_the_history_shows_none_of_another_accounts_actions(owner_client, account, theirs):
    mine = _done_job(account, group_name="Mine")

    page = _text(owner_client.get("/contacts/bulk/history/"))

    assert f'id="bulk-job-{mine.pk}"' in page
    assert f'id="bulk-job-{theirs["job"].pk}"' not in page and "Their group" not in page
    assert owner_client.get(f"/contacts/bulk/{theirs['job'].pk}/").status_code == 404


def test_a_viewer_has_no_history_of_bulk_actions(account, make_member, client_for):
    viewer = client_for(make_member(account, role=Role.SAVED_MESSAGES_ONLY).user)

    assert "/contacts/bulk/history/" not in _text(viewer.get("/contacts/"))
    assert viewer.get("/contacts/bulk/history/").status_code == 403


# --- tenancy -------------------------------------------------------------------------------------------


@pytest.fixture
def theirs(db):
    other = AccountFactory(name="Account B", slug="account-b")
    group = Group.objects.create(account=other, name="Their group")
    contact = _contact(other, [group], first_name="Their", phone="+972503333333")
    job = BulkJob.objects.create(
        account=other, action="add", group=group, group_name=group.name, status="done", total=1, done=1
    )
    return {"group": group, "contact": contact, "job": job}


def test_another_accounts_contact_id_answers_404_and_nothing_changes(owner_client, account, theirs):
    mine = _contact(account, phone="+972501111111")

    response = owner_client.post(
        "/contacts/bulk/", {"contact": [mine.pk, theirs["contact"].pk], "action": "delete", "step": "run"}
    )

    assert response.status_code == 404
    assert Contact.objects.filter(pk__in=[mine.pk, theirs["contact"].pk]).count() == 2


def test_another_accounts_group_id_answers_404_and_nothing_changes(owner_client, account, theirs):
    mine = _contact(account, phone="+972501111111")
    group = theirs["group"]

    for step in ("review", "run"):
        response = owner_client.post(
            "/contacts/bulk/", {"contact": mine.pk, "action": "add", "group": group.pk, "step": step}
        )
        assert response.status_code == 404
    in_query = owner_client.post(
        "/contacts/bulk/", {"all": "1", "query": f"group={group.pk}", "action": "delete", "step": "run"}
    )
    assert in_query.status_code == 404
    assert _members(group) == {theirs["contact"].pk}
    assert Contact.objects.filter(pk=mine.pk).exists()


def test_another_accounts_job_and_group_screens_answer_404(owner_client, account, theirs):
    group = theirs["group"]

    assert owner_client.get(f"/contacts/bulk/{theirs['job'].pk}/").status_code == 404
    pasted = owner_client.post(f"/contacts/groups/{group.pk}/add/", {"points": "+972501111111"})
    assert pasted.status_code == 404
    assert _members(group) == {theirs["contact"].pk}


def test_adding_another_accounts_contact_to_my_group_answers_404(owner_client, account, theirs):
    vip = Group.objects.create(account=account, name="VIP")
    mine = _contact(account, phone="+972501111111")

    response = owner_client.post(f"/contacts/groups/{vip.pk}/add/", {"contact": [mine.pk, theirs["contact"].pk]})

    assert response.status_code == 404
    assert _members(vip) == set()


# --- the group screen ----------------------------------------------------------------------------------


def test_the_group_screen_finds_contacts_to_add_and_adds_the_chosen(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")
    dana = _contact(account, first_name="Dana", phone="+972501111111")
    member = _contact(account, [vip], first_name="Danit", phone="+972502222222")

    page = _text(owner_client.get(f"/contacts/groups/{vip.pk}/?find=dan"))
    assert f'id="candidate-{dana.pk}"' in page
    assert "Already a member" in page

    done = owner_client.post(f"/contacts/groups/{vip.pk}/add/", {"contact": dana.pk}, follow=True)

    assert "1</bdi> contact added to “VIP”." in _text(done)
    assert _members(vip) == {dana.pk, member.pk}


def test_pasted_unknown_points_are_listed_and_not_created(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")
    dana = _contact(account, phone="+972501111111")

    done = owner_client.post(
        f"/contacts/groups/{vip.pk}/add/", {"points": "0501111111, stranger@example.com"}, follow=True
    )

    page = _text(done)
    assert "1</bdi> contact added to “VIP”." in page
    assert "belongs to no contact, and nothing was created for it" in page
    assert '<bdi dir="ltr">stranger@example.com</bdi>' in page
    assert _members(vip) == {dana.pk}
    assert not Contact.objects.filter(email="stranger@example.com").exists()


def test_pasted_unknown_points_are_created_when_ticked(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")

    done = owner_client.post(
        f"/contacts/groups/{vip.pk}/add/", {"points": "stranger@example.com", "create_missing": "on"}, follow=True
    )

    stranger = Contact.objects.get(account=account, email="stranger@example.com")
    assert _members(vip) == {stranger.pk}
    assert "is a new contact, created for a phone or email no contact had." in _text(done)


def test_an_empty_paste_is_refused_next_to_the_field(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")

    response = owner_client.post(f"/contacts/groups/{vip.pk}/add/", {"points": " \n, "})

    assert response.status_code == 400
    assert "Paste at least one phone or email, or choose contacts from the search." in _text(response)


def test_the_bulk_screens_show_and_change_nothing_of_another_account(account, theirs, client_for):
    mine = _contact(account, phone="+972501111111")
    case = TenancyCase(
        rows=[
            theirs["contact"],
            theirs["group"],
            theirs["job"],
            *GroupMembership.objects.filter(group=theirs["group"]),
        ],
        secrets=["Their group", "+972503333333"],
        list_urls=["/contacts/", "/contacts/groups/?find=Their", "/contacts/bulk/history/"],
        object_urls=[f"/contacts/bulk/{theirs['job'].pk}/", f"/contacts/groups/{theirs['group'].pk}/add/"],
        payload={"contact": mine.pk, "points": "+972501111111"},
        not_found=True,
    )
    assert_tenant_isolated(client_for(account.owner), case)


def test_hostile_input_is_refused_with_a_4xx(owner_client, account):
    a = _contact(account, phone="+972501111111")

    bogus = owner_client.post("/contacts/bulk/", {"contact": a.pk, "action": "drop-table", "step": "run"})
    garbage_ids = owner_client.post("/contacts/bulk/", {"contact": ["x", "-1", "9" * 30], "action": "delete"})
    bad_upto = owner_client.post(
        "/contacts/bulk/", {"all": "1", "upto": "1e9", "query": "created_from=notadate", "action": "export"}
    )

    assert bogus.status_code == 400
    assert garbage_ids.status_code == 302
    assert bad_upto.status_code == 400
    assert Contact.objects.filter(pk=a.pk).exists()


def test_ids_past_a_thousand_travel_whole_through_every_step(owner_client, account):
    vip = Group.objects.create(account=account, name="VIP")
    big = _contact(account, pk=1234567, first_name="Dana", phone="+972501111111")
    _contact(account, [vip], pk=7654321, first_name="Danit", phone="+972502222222")

    listed = _text(owner_client.get("/contacts/"))
    asked = _text(owner_client.post("/contacts/bulk/", {"contact": big.pk, "action": "add"}))
    found = _text(owner_client.get(f"/contacts/groups/{vip.pk}/?find=dan"))
    members = _text(owner_client.get(f"/contacts/groups/{vip.pk}/"))
    everyone = _text(owner_client.post("/contacts/bulk/", {"all": "1", "action": "delete"}))

    assert 'value="1234567" form="bulk-form"' in listed and 'data-count="2"' in listed
    assert '<input type="hidden" name="contact" value="1234567">' in asked
    assert 'value="1234567" id="candidate-1234567"' in found
    assert 'value="7654321" id="member-7654321"' in members
    assert 'name="upto" value="7654321"' in everyone
