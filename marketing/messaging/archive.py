"""Send history moves into the archive once a message is old (SPEC MSG-6).

    messages_archive()              # the daily task: every message finished over MESSAGING_ARCHIVE_AFTER_DAYS ago
    message_archive(message=m)      # one finished message, whatever its age

The recipient rows move in chunks: each chunk is one statement (`DELETE … RETURNING` feeding an `INSERT`) in its
own transaction, so a row is always in exactly one of the two tables, however a run stops, and a row is moved
in the version its last writer committed. A million-row message is two hundred short transactions, not one
that holds a million row locks (a late click or unsubscribe on one of its rows waits a chunk, not the whole
move) and the vacuum horizon for minutes. The chunk that finds nothing left marks the message archived in the
same transaction: a message of up to one chunk moves and is marked in a single transaction.

Safe to run twice at once (rows are claimed with SKIP LOCKED; the run that finishes marks the message) and to
run again after a crash (what was moved stays moved; the rest moves next time). Until a message is marked,
its rows may sit in both tables: `selectors.message_counts` adds both up for such a message.
"""

from datetime import datetime, timedelta

import pgtrigger
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ArchivedRecipient, Message, Recipient
from .services import MessageStateError

FINISHED = (Message.Status.SENT, Message.Status.CANCELLED, Message.Status.FAILED)
BATCH = 5000

_COLUMNS = ", ".join(f'"{f.column}"' for f in ArchivedRecipient._meta.concrete_fields)
# No ORDER BY: the (message, status) index hands out the message's rows without sorting all of them per chunk.
_MOVE = (
    f"WITH moved AS ("
    f" DELETE FROM {Recipient._meta.db_table} WHERE id IN ("
    f"  SELECT id FROM {Recipient._meta.db_table} WHERE message_id = %s LIMIT %s FOR UPDATE SKIP LOCKED"
    f" ) RETURNING {_COLUMNS}"
    f") INSERT INTO {ArchivedRecipient._meta.db_table} ({_COLUMNS}) SELECT {_COLUMNS} FROM moved"
)


def messages_archive_due(*, now: datetime | None = None) -> QuerySet[Message]:
    """Finished messages past the archive age and not archived yet, oldest first. A message that never
    recorded when it finished counts from when it started, or else from when it was written."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MESSAGING_ARCHIVE_AFTER_DAYS)
    return (
        Message.objects.filter(status__in=FINISHED, archived_at__isnull=True)
        .alias(ended=Coalesce("finished_at", "started_at", "created_at"))
        .filter(ended__lt=cutoff)
        .order_by("ended", "pk")
    )


def messages_archive(*, now: datetime | None = None, batch: int = BATCH) -> list[int]:
    """Archive every message due; the ids archived by this run."""
    now = now or timezone.now()
    due = list(messages_archive_due(now=now).values_list("pk", flat=True))
    return [pk for pk in due if _archive(pk, now=now, batch=batch)]


def message_archive(*, message: Message, now: datetime | None = None, batch: int = BATCH) -> bool:
    """Move a finished message's recipient rows into the archive and mark it archived.

    False when some of its rows are held by another transaction just now (another archive run, which then
    marks the message, or a late write, after which the next run finishes the move).
    """
    if message.status not in FINISHED:
        raise MessageStateError(_("Only a finished message can be archived."))
    done = _archive(message.pk, now=now or timezone.now(), batch=batch)
    message.refresh_from_db(fields=["archived_at"])
    return done


def _archive(message_id: int, *, now: datetime, batch: int) -> bool:
    while True:
        moved, done = _move_chunk(message_id, now=now, batch=batch)
        if done:
            return True
        if not moved:
            return False


def _move_chunk(message_id: int, *, now: datetime, batch: int) -> tuple[int, bool]:
    """Move up to `batch` rows; when none is left behind, mark the message archived. (moved, archived)."""
    with transaction.atomic():
        # The one place a live row may be deleted: it is inserted into the archive by the same statement.
        with pgtrigger.ignore("messaging.Recipient:recipient_history_kept"), connection.cursor() as cursor:
            cursor.execute(_MOVE, [message_id, batch])
            moved = cursor.rowcount
        if moved == batch:
            return moved, False
        if Recipient.objects.filter(message_id=message_id).exists():
            return moved, False  # rows another transaction holds: it, or the next run, moves them
        Message.objects.filter(pk=message_id, archived_at__isnull=True).update(archived_at=now)
        return moved, True
