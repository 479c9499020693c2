"""API-1, CON-3, CON-4: groups, members, merge and custom fields over REST."""

import pytest

from automations.models import Event
from contacts import services
from contacts.models import Contact, CustomField, Group, GroupMembership
from marketing.core.models import AuditEntry
from marketing.tokens.models import ApiToken

from ..tenancy import TenancyCase, assert_tenant_isolated

URL = "/api/v1/groups/"


def _error(response) -> dict:
    return response.json()["error"]


def _contact(account, phone, groups=()) -> Contact:
    contact = Contact.objects.create(account=account, phone=phone)
    for group in groups:
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    return contact


def _group(account, name) -> Group:
    return services.group_create(account=account, actor=None, name=name)


@pytest.fixture
def api(account, api_for):
    return api_for(account)


def test_list_with_member_counts(account, api):
    vip = _group(account, "VIP")
    _group(account, "Empty")
    _contact(account, "+972501111111", [vip])

    body = api.get(URL).json()

    assert [(g["name"], g["member_count"], g["kind"]) for g in body["results"]] == [
        ("Empty", 0, "regular"),
        ("VIP", 1, "regular"),
    ]


def test_create_retrieve_rename_delete(account, api):
    created = api.post(URL, {"name": " Leads "}, format="json")
    assert created.status_code == 201 and created.json()["name"] == "Leads"
    pk = created.json()["id"]

    assert api.get(f"{URL}{pk}/").json()["member_count"] == 0
    renamed = api.patch(f"{URL}{pk}/", {"name": "Hot leads"}, format="json")
    assert renamed.status_code == 200 and Group.objects.get(pk=pk).name == "Hot leads"
    member = _contact(account, "+972501111111", [Group.objects.get(pk=pk)])
    assert api.delete(f"{URL}{pk}/").status_code == 204
    assert not Group.objects.filter(pk=pk).exists() and Contact.objects.filter(pk=member.pk).exists()


def test_group_names_stay_unique(account, api):
    _group(account, "VIP")
    other = _group(account, "Other")

    created = api.post(URL, {"name": "VIP"}, format="json")
    renamed = api.patch(f"{URL}{other.pk}/", {"name": "VIP"}, format="json")
    blank = api.post(URL, {"name": ""}, format="json")

    assert created.status_code == 409 and "already exists" in _error(created)["message"]
    assert renamed.status_code == 409 and Group.objects.get(pk=other.pk).name == "Other"
    assert blank.status_code == 400 and "name" in _error(blank)["details"]


def test_members_are_listed_with_pagination(account, api):
    group = _group(account, "VIP")
    members = [_contact(account, f"+97250111111{i}", [group]) for i in range(3)]
    _contact(account, "+972502222222")

    page = api.get(f"{URL}{group.pk}/members/", {"page_size": 2}).json()
    everyone = api.get(f"{URL}{group.pk}/members/", {"page_size": 10}).json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert {c["id"] for c in everyone["results"]} == {m.pk for m in members}


def test_add_members_reports_added_already_and_not_found(account, other_account, api):
    group = _group(account, "VIP")
    already = _contact(account, "+972501111111", [group])
    fresh = _contact(account, "+972502222222")
    theirs = _contact(other_account, "+972503333333")

    response = api.post(
        f"{URL}{group.pk}/members/", {"contact_ids": [already.pk, fresh.pk, theirs.pk, 999999]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"added": 1, "already": 1, "not_found": [theirs.pk, 999999]}
    assert set(group.memberships.values_list("contact_id", flat=True)) == {already.pk, fresh.pk}
    assert not GroupMembership.objects.filter(contact=theirs).exists()
    joined = Event.objects.get(account=account, kind="group.joined")
    assert joined.payload["group_id"] == group.pk and joined.payload["contact_ids"] == [fresh.pk]


def test_remove_members(account, api):
    group = _group(account, "VIP")
    a, b = _contact(account, "+972501111111", [group]), _contact(account, "+972502222222", [group])
    outsider = _contact(account, "+972503333333")

    response = api.post(f"{URL}{group.pk}/members/remove/", {"contact_ids": [a.pk, outsider.pk]}, format="json")

    assert response.json() == {"removed": 1, "not_members": 1}
    assert list(group.memberships.values_list("contact_id", flat=True)) == [b.pk]
    assert Contact.objects.filter(pk=a.pk).exists()


def test_member_ids_are_validated(account, api):
    group = _group(account, "VIP")

    for body in ({"contact_ids": []}, {"contact_ids": ["x"]}, {"contact_ids": [0]}, {}):
        response = api.post(f"{URL}{group.pk}/members/", body, format="json")
        assert response.status_code == 400 and "contact_ids" in _error(response)["details"]


def test_merge_moves_the_members_and_deletes_the_source(account, api):
    source, target = _group(account, "A"), _group(account, "B")
    shared = _contact(account, "+972501111111", [source, target])
    only_source = _contact(account, "+972502222222", [source])

    response = api.post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json")

    assert response.status_code == 200 and response.json()["id"] == target.pk
    assert response.json()["member_count"] == 2
    assert set(target.memberships.values_list("contact_id", flat=True)) == {shared.pk, only_source.pk}
    assert not Group.objects.filter(pk=source.pk).exists()


def test_merge_into_itself_or_a_missing_group_is_refused(account, api):
    group = _group(account, "A")

    itself = api.post(f"{URL}{group.pk}/merge/", {"into": group.pk}, format="json")
    missing = api.post(f"{URL}{group.pk}/merge/", {"into": 999999}, format="json")

    assert itself.status_code == 400 and missing.status_code == 400 and "into" in _error(missing)["details"]
    assert Group.objects.filter(pk=group.pk).exists()


def test_another_accounts_groups_are_never_shown_or_changed(account, other_account, api):
    theirs = _group(other_account, "Secret group")
    their_member = _contact(other_account, "+972507777777", [theirs])
    mine = _group(account, "Mine")
    my_contact = _contact(account, "+972501111111", [mine])

    assert_tenant_isolated(
        api,
        TenancyCase(
            rows=[theirs, their_member],
            secrets=["Secret group", "+972507777777"],
            list_urls=[URL, "/api/v1/contacts/", f"/api/v1/contacts/?group={theirs.pk}"],
            object_urls=[
                f"{URL}{theirs.pk}/",
                f"{URL}{theirs.pk}/members/",
                f"{URL}{theirs.pk}/members/remove/",
                f"{URL}{theirs.pk}/merge/",
            ],
            payload={"name": "stolen", "contact_ids": [my_contact.pk, their_member.pk], "into": mine.pk},
            not_found=True,
        ),
    )
    merged = api.post(f"{URL}{mine.pk}/merge/", {"into": theirs.pk}, format="json")
    assert merged.status_code == 400 and Group.objects.filter(pk=mine.pk).exists()
    added = api.post(f"{URL}{mine.pk}/members/", {"contact_ids": [their_member.pk]}, format="json")
    assert added.json()["not_found"] == [their_member.pk]
    assert list(theirs.memberships.values_list("contact_id", flat=True)) == [their_member.pk]
    assert not GroupMembership.objects.filter(group=mine, contact=their_member).exists()


# --- custom fields ------------------------------------------------------------------------------------


def test_custom_fields_list_retrieve_and_create(account, api):
    response = api.post(
        "/api/v1/custom-fields/",
        {"label": "מידת נעליים", "api_name": "shoe_size", "kind": "choice", "choices": ["38", "39", "38"]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["api_name"], body["kind"], body["choices"], body["is_legacy_slot"]) == (
        "shoe_size",
        "choice",
        ["38", "39"],
        False,
    )
    assert api.get(f"/api/v1/custom-fields/{body['id']}/").json()["label"] == "מידת נעליים"
    assert [f["api_name"] for f in api.get("/api/v1/custom-fields/").json()["results"]] == ["shoe_size"]


@pytest.mark.parametrize(
    "payload",
    [
        {"label": "Size", "api_name": "1bad", "kind": "text"},
        {"label": "Size", "api_name": "Text1", "kind": "text"},
        {"label": "Size", "api_name": "size", "kind": "choice", "choices": []},
        {"label": "Size", "api_name": "size", "kind": "colour"},
    ],
)
def test_custom_field_creation_is_validated(api, payload):
    response = api.post("/api/v1/custom-fields/", payload, format="json")

    assert response.status_code == 400 and _error(response)["message"]


def test_another_accounts_custom_fields_are_never_shown(account, other_account, api):
    theirs = CustomField.objects.create(account=other_account, api_name="secret_field", label="Secret label")

    assert_tenant_isolated(
        api,
        TenancyCase(
            rows=[theirs],
            secrets=["secret_field", "Secret label"],
            list_urls=["/api/v1/custom-fields/"],
            object_urls=[f"/api/v1/custom-fields/{theirs.pk}/"],
            payload={"label": "stolen"},
            not_found=True,
        ),
    )
    same_name = api.post(
        "/api/v1/custom-fields/", {"label": "Secret label", "api_name": "secret_field", "kind": "text"}, format="json"
    )
    assert same_name.status_code == 201


# --- the audit trail names the token ------------------------------------------------------------------


def test_a_group_made_and_filled_through_the_api_is_audited_as_the_token(account, api_for):
    api = api_for(account, name="Zapier")
    token = ApiToken.objects.get(account=account, name="Zapier")
    contact = _contact(account, "+972501111111")

    created = api.post(URL, {"name": "From Zapier"}, format="json").json()
    added = api.post(f"{URL}{created['id']}/members/", {"contact_ids": [contact.pk]}, format="json").json()

    assert added == {"added": 1, "already": 0, "not_found": []}
    entries = AuditEntry.objects.filter(account=account, target_id=str(created["id"])).order_by("id")
    assert [(e.action, e.token, e.actor) for e in entries] == [
        ("group.create", token, None),
        ("group.members_add", token, None),
    ]
    assert entries[1].data == {"count": 1}
    assert entries[0].token_label == str(token) and entries[0].done_by.startswith("Zapier (")
