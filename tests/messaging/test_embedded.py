"""Sending in the embedded run (`make run` with no environment): SQLite, no Redis, the file rate limiter.

The suite runs on PostgreSQL, so the product is driven the way a person starting the demo would: migrate,
seed_demo, then send the demo's SMS draft with `send_message --wait`, each a `manage.py` process of its own
on a fresh SQLite file.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from marketing.accounts.demo import DEMO_PEOPLE, DEMO_UNSUBSCRIBED_PHONE

MANAGE = Path(settings.BASE_DIR) / "manage.py"

_DRAFT = """
import json
from marketing.accounts.models import Account
from marketing.messaging.models import Message
account = Account.objects.get(slug="demo")
draft = Message.objects.get(account=account, channel="sms", status="draft")
print(json.dumps({"id": draft.pk, "credits": account.sms_credits}))
"""

_ROWS = """
import json
from marketing.accounts.models import Account
from marketing.messaging.models import Recipient
rows = Recipient.objects.filter(message_id=message_id).order_by("pk")
print(json.dumps({
    "credits": Account.objects.get(slug="demo").sms_credits,
    "rows": list(rows.values("point", "values", "status", "skip_reason", "segments", "provider_id")),
}))
"""


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The demo's SMS draft sent on a fresh embedded install; what the command printed and the rows it wrote."""
    var = tmp_path_factory.mktemp("embedded")
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        VAR_DIR=str(var),
        SMS_BACKEND="memory",
        SMS_RATE_PER_SECOND="50",  # a limit, so the shared limiter's file store takes part
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    _manage(env, "migrate", "--verbosity", "0")
    _manage(env, "seed_demo")
    draft = _last_json(_manage(env, "shell", "--no-imports", "-c", _DRAFT))
    sent = _last_json(
        _manage(env, "send_message", "--account", "demo", "--message", str(draft["id"]), "--wait", "--json")
    )
    after = _last_json(_manage(env, "shell", "--no-imports", "-c", f"message_id = {draft['id']}\n{_ROWS}"))
    return {"var": var, "draft": draft, "sent": sent, **after}


def _expected_audience():
    """The demo people the draft reaches: one row each with a phone; per phone the first person is sent to."""
    with_phone = [(first, phone) for first, _last, phone, _email, _groups in DEMO_PEOPLE if phone]
    first_per_phone = {}
    for first, phone in with_phone:
        first_per_phone.setdefault(phone, first)
    sent = {phone: first for phone, first in first_per_phone.items() if phone != DEMO_UNSUBSCRIBED_PHONE}
    suppressed = sum(1 for _first, phone in with_phone if phone == DEMO_UNSUBSCRIBED_PHONE)
    return with_phone, sent, suppressed


def test_demo_sms_is_sent_on_sqlite_with_the_audience_rules(embedded):
    with_phone, sent, suppressed = _expected_audience()
    duplicates = len(with_phone) - len(sent) - suppressed

    result = embedded["sent"]

    assert result["id"] == embedded["draft"]["id"]
    assert result["status"] == "sent"
    assert result["counts"]["recipients"] == len(with_phone) == 7
    assert result["counts"]["sent"] == len(sent) == 5
    assert result["counts"]["skipped_by_reason"] == {"suppressed": suppressed, "duplicate": duplicates}
    assert result["counts"]["queued"] == result["counts"]["sending"] == result["counts"]["failed"] == 0
    assert result["counts"]["credits_used"] == len(sent)
    assert embedded["draft"]["credits"] - embedded["credits"] == len(sent)


def test_each_phone_gets_its_first_contacts_name_once(embedded):
    _with_phone, sent, _suppressed = _expected_audience()
    rows = embedded["rows"]

    delivered = {r["point"]: r["values"] for r in rows if r["status"] == "sent"}

    assert delivered == {phone: [first] for phone, first in sent.items()}
    assert all(r["provider_id"] and r["segments"] == 1 for r in rows if r["status"] == "sent")
    skipped = {(r["point"], r["skip_reason"]) for r in rows if r["status"] == "skipped"}
    assert (DEMO_UNSUBSCRIBED_PHONE, "suppressed") in skipped
    assert all(not r["provider_id"] for r in rows if r["status"] == "skipped")


def test_sending_keeps_to_the_rate_in_the_shared_file_without_redis(embedded):
    state = json.loads((embedded["var"] / "ratelimit" / "sms.json").read_text())

    assert state["tat"] > 0  # permits were taken from the file every worker process shares


BODY = "[#first_name#] [#gender#] [#birth_date#] [#note#] [#size#] [#visit#]"


def _kinds_audience(account, other_account):
    from datetime import date

    from contacts.models import Contact, CustomField, Group, GroupMembership, Suppression

    account.language = "he"
    account.sms_credits = 100
    account.save()
    CustomField.objects.create(account=account, api_name="note", label="note", kind="text")
    CustomField.objects.create(account=account, api_name="size", label="size", kind="number")
    CustomField.objects.create(account=account, api_name="visit", label="visit", kind="date")
    group = Group.objects.create(account=account, name="All")
    people = [
        ("+972500000001", {"first_name": "דנה", "gender": "female", "birth_date": date(1980, 2, 29)}),
        ("+972500000002", {"first_name": "Tab", "custom": {"note": "a\\b\tc\nd\r", "size": 42.0}}),
        ("+972500000002", {"first_name": "Twin", "custom": {"note": 17, "visit": "2024-01-31"}}),
        ("+972500000003", {"first_name": "Gone", "custom": {"size": 41.5, "visit": "not a date"}}),
        ("972500000004", {"first_name": "Bad point"}),
    ]
    for phone, values in people:
        contact = Contact.objects.create(account=account, phone=phone, **values)
        GroupMembership.objects.create(account=account, group=group, contact=contact)
    Suppression.objects.create(account=account, channel="sms", point="+972500000003")
    # Another account's contact on the same phone, and its suppression, never enter this account's send.
    Contact.objects.create(account=other_account, phone="+972500000001", first_name="Other")
    Suppression.objects.create(account=other_account, channel="sms", point="+972500000001")
    return group


def _stored(message):
    from marketing.messaging.models import Recipient

    fields = ("account_id", "contact_id", "point", "values", "status", "skip_reason", "segments", "provider_id")
    return list(Recipient.objects.filter(message=message).order_by("point", "contact_id").values_list(*fields))


@pytest.mark.django_db
def test_the_sqlite_writer_stores_the_same_rows_as_copy(account, other_account, monkeypatch):
    from marketing.messaging import pipeline
    from marketing.messaging.services import message_create

    group = _kinds_audience(account, other_account)

    def draft():
        return message_create(
            account=account, membership=None, channel="sms", name="K", body=BODY, group_ids=[group.pk]
        )

    by_copy = pipeline.message_prepare(message=draft())
    monkeypatch.setattr(pipeline, "_audience_rows", pipeline._audience_rows_portable)
    monkeypatch.setattr(pipeline, "_copy", pipeline._bulk_create)
    by_orm = pipeline.message_prepare(message=draft())

    copied, written = _stored(by_copy), _stored(by_orm)
    assert written == copied
    assert [(r[2], r[4], r[5]) for r in written] == [
        ("+972500000001", "queued", ""),
        ("+972500000002", "queued", ""),
        ("+972500000002", "skipped", "duplicate"),
        ("+972500000003", "skipped", "suppressed"),
        ("972500000004", "skipped", "invalid_point"),
    ]
    assert {r[0] for r in written} == {account.pk}
    assert written[0][3][:3] == ["דנה", "נקבה", "29/02/1980"]
    assert written[1][3][3:5] == ["a\\b\tc\nd\r", "42"]
    assert by_orm.credits_reserved == by_copy.credits_reserved > 0
