"""Large inputs (IMP-4, IMP-7): read and cleaned ahead in a second process, matched and written chunk by chunk."""

import datetime as dt
import gc
import io
import os
import time

import pytest

from automations.models import Event
from contacts.importers import ImportFileError, read_table
from contacts.imports import import_table
from contacts.models import Contact, CustomField, Group, GroupMembership
from contacts.services import Policy, contacts_upsert
from contacts.upsert import FieldCatalog, RowRejected, ahead, clean_row
from contacts.upsert.cleaning import clean_rows
from contacts.upsert.engine import CHUNK_SIZE
from marketing.core.texts import rendered


def upsert(account, rows, **kwargs):
    kwargs.setdefault("source", "test")
    return contacts_upsert(account=account, rows=rows, keep_outcomes=True, **kwargs)


def test_rows_repeated_across_chunks_update_the_contact_the_first_one_created(account):
    rows = [{"email": f"p{i}@example.com", "first_name": f"first {i}"} for i in range(150)]
    rows += [{"email": f"p{i}@example.com", "phone": f"050{i:07d}", "first_name": f"again {i}"} for i in range(150)]
    rows += [{"email": "not an email"}, {"phone": "12-34"}]

    result = upsert(account, rows, chunk_size=40)

    assert result.as_dict() == {"read": 302, "new": 150, "updated": 150, "unchanged": 0, "rejected": 2}
    assert Contact.objects.filter(account=account).count() == 150
    contact = Contact.objects.get(account=account, email="p7@example.com")
    assert (contact.first_name, contact.phone) == ("again 7", "+972500000007")
    assert [o.index for o in result.outcomes] == list(range(1, 303))


def test_a_contact_another_writer_adds_between_two_chunks_is_matched_not_duplicated(account):
    rows = [{"email": f"p{i}@example.com", "first_name": "from the file"} for i in range(120)]
    written = []

    def another_writer(result):
        if not written:  # after the first chunk: p100 arrives from elsewhere (an API call, a CRM sync)
            written.append(upsert(account, [{"email": "p100@example.com", "last_name": "from the API"}]))

    result = upsert(account, rows, chunk_size=40, on_progress=another_writer)

    assert result.as_dict() == {"read": 120, "new": 119, "updated": 1, "unchanged": 0, "rejected": 0}
    contact = Contact.objects.get(account=account, email="p100@example.com")
    assert (contact.first_name, contact.last_name) == ("from the file", "from the API")
    assert Contact.objects.filter(account=account).count() == 120


def test_a_legacy_slot_first_used_in_a_later_chunk_is_created_and_filled(account):
    rows = [{"phone": f"050{i:07d}"} for i in range(50)]
    rows += [{"phone": f"052{i:07d}", "Text7": f"note {i}"} for i in range(50)]
    rows = [{("custom:Text7" if key == "Text7" else key): value for key, value in row.items()} for row in rows]

    result = upsert(account, rows, chunk_size=30)

    assert result.new == 100 and result.rejected == 0
    assert CustomField.objects.get(account=account, api_name="Text7").is_legacy_slot
    assert Contact.objects.get(account=account, phone="+972520000042").custom == {"Text7": "note 42"}


def _csv(lines: list[str]) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def test_rejected_rows_of_later_chunks_keep_every_cell_in_the_rejected_file(account):
    size = CHUNK_SIZE + 100  # the last rows come from the process reading ahead
    lines = ["phone,email,note"] + [f"050{i:07d},p{i}@example.com,n{i}" for i in range(size)]
    lines += ["12-34,bad@,kept note", "0500000007,p7@example.com,", ",,only a note"]
    table = read_table(_csv(lines), filename="big.csv")

    outcome = import_table(account=account, table=table, mapping=["phone", "email", None], policy=Policy())

    expected = {"read": size + 3, "new": size, "updated": 0, "unchanged": 1, "rejected": 2}
    assert outcome.result.as_dict() == expected
    rejected = outcome.rejected_csv.decode().splitlines()
    assert rejected[1].startswith(f"{size + 1},12-34,bad@,kept note,")
    assert rejected[2].startswith(f"{size + 3},,,only a note,") and "phone or an email" in rejected[2]


def test_a_file_broken_in_a_later_chunk_keeps_the_chunks_before_it_and_says_where(account):
    lines = ["phone"] + [f"050{i:07d}" for i in range(CHUNK_SIZE + 1)] + ['"' + "x" * 200_000 + '"']
    table = read_table(_csv(lines), filename="broken.csv")

    with pytest.raises(ImportFileError, match=f"Line {CHUNK_SIZE + 3}"):
        import_table(account=account, table=table, mapping=["phone"], policy=Policy())

    assert Contact.objects.filter(account=account).count() == CHUNK_SIZE


def test_a_chunk_cleans_each_row_as_the_single_row_rules_do(account):
    CustomField.objects.create(account=account, api_name="size", label="size", kind="number")
    catalog = FieldCatalog(account)
    rows = [
        {"email": "A@Example.com", "custom:size": 1},
        {"email": "b@example.com", "custom:size": True},
        {"email": "c@example.com", "custom:size": "1,000"},
        {"phone": "050-1234567", "full_name": "Dana  Bar Or", "gender": "F"},
        {"email": "bad@", "phone": "12-34"},
        {"phone": "0521234567", "birth_date": "31/02/1990"},
        {"email": "d@example.com", "custom:unknown": "x"},
        {"email": "e@example.com", "id": "abc"},
    ]
    numbered = list(enumerate(rows, start=1))

    cleaned, rejected = clean_rows(numbered, region="IL", catalog=catalog)

    one_by_one = {}
    for index, row in numbered:
        try:
            one_by_one[index] = clean_row(index, row, region="IL", catalog=catalog)
        except RowRejected as exc:
            one_by_one[index] = exc.reason
    assert {c.index: c for c in cleaned} | {i: reason for i, _row, reason in rejected} == one_by_one
    assert [c.custom for c in cleaned[:2]] == [{"size": 1}, {"size": 1000}]  # True is not the number 1
    assert [i for i, _row, _reason in rejected] == [2, 5, 6, 7, 8]
    assert "valid email" in rendered(dict((i, r) for i, _row, r in rejected)[5])  # the first field refused is named


def test_a_run_that_fails_half_way_stops_reading_ahead_and_keeps_what_it_wrote(account):
    rows = [{"phone": f"050{i:07d}"} for i in range(200)]

    def fail_after_the_first_chunk(result):
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        upsert(account, rows, chunk_size=50, on_progress=fail_after_the_first_chunk)

    assert Contact.objects.filter(account=account).count() == 50
    assert gc.isenabled()
    with pytest.raises(ChildProcessError):  # the reading process is gone, not left waiting on its pipe
        os.waitpid(-1, os.WNOHANG)


def test_a_contact_made_and_told_to_leave_a_group_in_one_chunk_stays_where_the_rows_put_it(account):
    group = Group.objects.create(account=account, name="G")
    rows = [
        {"email": "a@example.com", "group_ids_add": [group.pk]},
        {"email": "a@example.com", "group_ids_remove": [group.pk]},
    ]

    upsert(account, rows)

    contact = Contact.objects.get(account=account, email="a@example.com")
    assert GroupMembership.objects.filter(group=group, contact=contact).exists()  # nothing to leave before it joined
    assert not Event.objects.filter(account=account, kind="group.left").exists()


def test_the_updated_event_names_the_fields_changed_on_contacts_that_existed_before(account):
    existing = Contact.objects.create(account=account, email="y@example.com")
    rows = [{"email": "x@example.com"}, {"email": "y@example.com", "first_name": "Y"}]
    rows += [{"email": "x@example.com", "last_name": "made and changed in one chunk"}]

    upsert(account, rows)

    updated = Event.objects.get(account=account, kind="contact.updated").payload
    assert updated["contact_ids"] == [existing.pk]
    assert updated["fields"] == ["first_name", "updated_at"]


def test_equal_values_that_clean_differently_are_cleaned_each_on_its_own(account):
    utc = dt.datetime(2000, 1, 1, 23, 0, tzinfo=dt.UTC)
    same_instant = utc.astimezone(dt.timezone(dt.timedelta(hours=2)))  # 2 January there
    rows = [{"email": "a@example.com", "birth_date": utc}, {"email": "b@example.com", "birth_date": same_instant}]

    cleaned, _rejected = clean_rows(list(enumerate(rows, 1)), region="IL", catalog=FieldCatalog(account))

    assert [c.values["birth_date"] for c in cleaned] == [dt.date(2000, 1, 1), dt.date(2000, 1, 2)]


def test_a_refused_row_creates_no_legacy_slot(account):
    with pytest.raises(RowRejected):
        clean_row(1, {"email": "bad@", "custom:Text5": "x"}, region="IL", catalog=FieldCatalog(account))

    assert not CustomField.objects.filter(account=account, api_name="Text5").exists()


def test_a_legacy_slot_first_used_in_the_first_chunk_is_known_to_the_process_reading_ahead(account, monkeypatch):
    deferred = []
    unpacked = ahead._unpacked
    monkeypatch.setattr(ahead, "_unpacked", lambda item: deferred.append(item[4]) or unpacked(item))
    rows = [{"phone": f"050{i:07d}", "custom:Text7": f"note {i}"} for i in range(100)]

    result = upsert(account, rows, chunk_size=20)

    assert result.new == 100
    assert deferred == [False, False, False, False]  # every later chunk cleaned ahead, none sent back raw
    assert Contact.objects.get(account=account, phone="+972500000099").custom == {"Text7": "note 99"}


def test_a_reading_process_that_stops_answering_fails_the_run_instead_of_hanging_it(account, monkeypatch):
    monkeypatch.setattr(ahead, "STALL_SECONDS", 0.5)

    def rows():
        for i in range(100):
            if i == 60:
                time.sleep(30)  # stuck after the first chunks
            yield {"phone": f"050{i:07d}"}

    with pytest.raises(RuntimeError, match="stopped unexpectedly"):
        upsert(account, rows(), chunk_size=20)

    assert Contact.objects.filter(account=account).count() == 60
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
