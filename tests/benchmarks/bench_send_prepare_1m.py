"""`send_prepare_1m`: one message to a million contacts through the send pipeline's first half, against COPY.

The audience is one group of BENCH_PREPARE_CONTACTS contacts (COPY-built): 5% of their points unsubscribed,
10% sharing a point with another contact, Hebrew and English names, a birth date and a custom field. The
message reads five placeholders. `message_prepare` walks audience → suppression → duplicates →
personalization → recipient rows; the baseline COPYs the same rows into a bare table (no index, no trigger).
BENCH_PREPARE_CHANNEL is sms (default: segments and credits too) or email.
"""

import io
import os
import random
import resource
import time

from django.db import connection
from django.db.models import Count

from .cleanup import account_drop

NAME = "send_prepare_1m"
CONTACTS = int(os.environ.get("BENCH_PREPARE_CONTACTS", "1000000"))
CHANNEL = os.environ.get("BENCH_PREPARE_CHANNEL", "sms")
SLUG = "bench-send-prepare"

FIRST = ["דנה", "יוסי", "נועה", "אבי", "מיכל", "Dana", "John", "Sarah", "David", "Maya", "רונית", "Omer"]
LAST = ["לוי", "כהן", "מזרחי", "פרץ", "Levi", "Smith", "Cohen", "Brown", "ביטון", "Friedman"]
CITIES = ["תל אביב", "חיפה", "ירושלים", "Eilat", "Haifa", "באר שבע"]
SMS_BODY = "[#First name#] [#Last name#], your [#city#] store has a gift for you (born [#Birth date#]): [#email#]"
EMAIL_BODY = (
    "<p>Hello [#First name#] [#Last name#],</p><p>Your <b>[#city#]</b> store has a gift for you, "
    "born [#Birth date#].</p><p>Sent to [#phone#].</p>"
)


def _copy(cursor, sql: str, lines) -> None:
    with cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for n, line in enumerate(lines, 1):
            buffer.write(line)
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def audience_copy(account, group, count: int, *, channel: str, duplicates=0.10, suppressed=0.05, seed=7) -> None:
    """`count` contacts in `group` by COPY: a `duplicates` share reuses an earlier contact's points, a
    `suppressed` share of the points is unsubscribed on `channel`."""
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        points = []
        contacts = []
        for i in range(count):
            if i and rng.random() < duplicates:
                phone, email = points[rng.randrange(len(points))]
            else:
                phone, email = f"+9725{i % 9}{i:07d}", f"user{i}@example{i % 89}.co.il"
                points.append((phone, email))
            birth = f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            contacts.append(
                f"{account.pk}\t{rng.choice(FIRST)}\t{rng.choice(LAST)}\t{email}\t{phone}\t\t{birth}"
                f'\t\\N\t\\N\t\t{{"city": "{rng.choice(CITIES)}"}}\tbench\tnow\tnow\n'
            )
        _copy(
            cursor,
            "COPY contacts_contact (account_id, first_name, last_name, email, phone, gender, birth_date, "
            "additional_date, registration_date, external_ref, custom, source, created_at, updated_at) FROM STDIN",
            contacts,
        )
        del contacts
        cursor.execute(
            "INSERT INTO contacts_groupmembership (account_id, group_id, contact_id, joined_at, source) "
            "SELECT account_id, %s, id, now(), 'bench' FROM contacts_contact WHERE account_id = %s",
            [group.pk, account.pk],
        )
        unsubscribed = rng.sample(points, int(len(points) * suppressed))
        point = 0 if channel == "sms" else 1
        _copy(
            cursor,
            "COPY contacts_suppression (account_id, channel, point, reason, source, created_at) FROM STDIN",
            (f"{account.pk}\t{channel}\t{p[point]}\tbench\tbench\tnow\n" for p in unsubscribed),
        )
        for table in ("contacts_contact", "contacts_groupmembership", "contacts_suppression"):
            cursor.execute(f"ANALYZE {table}")


def bench_account(slug: str, *, sms_credits: int = 0, language: str = "he"):
    """A fresh account (any left by an earlier run removed first) with the custom field "city"."""
    from contacts.models import CustomField
    from marketing.accounts.models import Account, User
    from marketing.accounts.services import account_create

    account_remove(Account.objects.filter(slug=slug).first())
    owner, _ = User.objects.get_or_create(username=f"{slug}-owner")
    account = account_create(name=slug, slug=slug, owner=owner)
    Account.objects.filter(pk=account.pk).update(sms_credits=sms_credits, language=language)
    account.refresh_from_db()
    CustomField.objects.create(account=account, api_name="city", label="city", kind="text")
    return account


def _setup():
    from contacts.models import Group
    from marketing.messaging.services import message_create

    account = bench_account(SLUG, sms_credits=10 * CONTACTS)
    group = Group.objects.create(account=account, name="Everyone")
    audience_copy(account, group, CONTACTS, channel=CHANNEL)
    message = message_create(
        account=account,
        membership=None,
        channel=CHANNEL,
        name="Bench",
        sender="Shop" if CHANNEL == "sms" else "shop@example.com",
        subject="[#First name#], a gift" if CHANNEL == "email" else "",
        body=SMS_BODY if CHANNEL == "sms" else EMAIL_BODY,
        group_ids=[group.pk],
    )
    return account, message


def account_remove(account) -> None:
    """The account and everything it holds, its send history included (kept from deletion in the app)."""
    if account is None:
        return
    import pgtrigger

    with (
        pgtrigger.ignore("messaging.Recipient:recipient_history_kept", "messaging.Message:message_history_kept"),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM messaging_recipient WHERE account_id = %s", [account.pk])
        cursor.execute("DELETE FROM messaging_message WHERE account_id = %s", [account.pk])
    account_drop(account)


_COLUMNS = (
    'account_id, message_id, contact_id, point, "values", status, skip_reason, segments, provider_id, error_code, '
    "created_at"
)


def _copy_baseline(message) -> float:
    """Seconds to COPY the message's recipient rows (already rendered, as text) into a bare table."""
    with connection.cursor() as cursor:
        buffer = io.BytesIO()
        with cursor.copy(
            f"COPY (SELECT {_COLUMNS} FROM messaging_recipient WHERE message_id = %s) TO STDOUT", [message.pk]
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        data = buffer.getvalue()
        cursor.execute("DROP TABLE IF EXISTS bench_recipient_copy")
        cursor.execute(
            "CREATE TABLE bench_recipient_copy (LIKE messaging_recipient INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        started = time.perf_counter()
        with cursor.copy(f"COPY bench_recipient_copy ({_COLUMNS}) FROM STDIN") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_recipient_copy")
    return seconds


def run() -> dict:
    from marketing.messaging.models import Recipient
    from marketing.messaging.pipeline import message_prepare

    build_started = time.perf_counter()
    account, message = _setup()
    build_seconds = time.perf_counter() - build_started
    started = time.perf_counter()
    message = message_prepare(message=message)
    seconds = time.perf_counter() - started
    rows = Recipient.objects.filter(message=message).count()
    counts = {
        row["skip_reason"] or row["status"]: row["n"]
        for row in Recipient.objects.filter(message=message).values("status", "skip_reason").annotate(n=Count("pk"))
    }
    copy_seconds = _copy_baseline(message)
    account_remove(account)
    rate = rows / seconds
    copy_rate = rows / copy_seconds
    return {
        "database": connection.vendor,
        "channel": CHANNEL,
        "contacts": CONTACTS,
        "recipient_rows": rows,
        "outcomes": counts,
        "audience_build_seconds": round(build_seconds, 1),
        "prepare_seconds": round(seconds, 2),
        "recipients_per_second": round(rate),
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_second": round(copy_rate),
        "prepare_vs_copy": round(rate / copy_rate, 3),
        "goal": "prepare_seconds <= 20 for 1,000,000 (>= 50,000 recipients/s)",
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
