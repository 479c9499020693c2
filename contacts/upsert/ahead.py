"""Rows read and cleaned ahead of the writer, in a second process (SPEC IMP-4: imports as fast as two cores go).

Reading a file and cleaning its values is pure Python work, and so is matching and writing; in one process
they would take turns on one core. A fork of this process reads the rows that remain and cleans them chunk by
chunk while this process matches and writes the chunks before. The fork never touches the database: a
chunk that needs a database write to be cleaned (a legacy slot used for the first time) comes back raw and is
cleaned here. Rows handed to the engine must therefore be plain data, never a query still to run.
"""

import fcntl
import os
import pickle
import select
import signal
from collections.abc import Iterator
from itertools import islice

from django.utils.translation import gettext_noop

from marketing.core.texts import Text

from .cleaning import Clean

_PIPE_PIECE = 1 << 20
STALL_SECONDS = 600  # no chunk from the reading process for this long: it is taken as stuck


class Prepared:
    """A chunk as read and cleaned, ahead of its write."""

    __slots__ = ("count", "cleaned", "rejected", "rows", "deferred")

    def __init__(self, rows: dict[int, dict], count: int, cleaned: list[Clean], rejected: list, deferred=False):
        self.rows = rows  # index -> the row as given: all, or (from the other process) those matching may refuse
        self.count = count
        self.cleaned = cleaned
        self.rejected = rejected
        self.deferred = deferred  # to be cleaned again by the process that writes


def _packed(chunk: Prepared, refusable) -> tuple:
    cleaned = [
        (c.index, c.values, c.custom)
        if c.contact_id is None and c.id_required and not (c.group_names or c.group_ids_add or c.group_ids_remove)
        else (
            c.index,
            c.values,
            c.custom,
            c.contact_id,
            c.id_required,
            c.group_names,
            c.group_ids_add,
            c.group_ids_remove,
        )
        for c in chunk.cleaned
    ]
    rows = chunk.rows if chunk.deferred else {c.index: chunk.rows[c.index] for c in chunk.cleaned if refusable(c)}
    return (chunk.count, cleaned, chunk.rejected, rows, chunk.deferred)


def _unpacked(item: tuple) -> Prepared:
    count, cleaned, rejected, rows, deferred = item
    return Prepared(rows, count, [Clean(*values) for values in cleaned], rejected, deferred)


_HEADER = 8  # each message: its length, then the pickle


def _send(descriptor: int, item) -> None:
    data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(_HEADER, "big") + data)
    while view:
        view = view[os.write(descriptor, view) :]


def _error(exc: Exception) -> tuple:
    """The error as it can travel: itself when it comes out of a pickle whole, else its message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 — an exception that does not survive a pickle travels as its message
        return ("error", RuntimeError(str(exc)))
    return ("error", exc)


def _read_and_clean(prepare, refusable, catalog, numbered: Iterator, size: int, descriptor: int) -> None:
    catalog.owner = None  # this process never writes: a first-used legacy slot sends its chunk back raw
    try:
        while batch := list(islice(numbered, size)):
            _send(descriptor, _packed(prepare(batch), refusable))
        _send(descriptor, None)
    except Exception as exc:  # noqa: BLE001 — any failure (a file broken half-way) is the writer's to raise
        _send(descriptor, _error(exc))


def _stopped() -> RuntimeError:
    return RuntimeError(Text(gettext_noop("The process reading the rows stopped unexpectedly.")))


def _read_exactly(descriptor: int, size: int, stall_seconds: float) -> bytearray:
    data = bytearray()
    while len(data) < size:
        readable, _w, _x = select.select([descriptor], [], [], stall_seconds)
        if not readable:
            raise _stopped()  # no chunk for that long: the process is stuck, not slow
        piece = os.read(descriptor, min(size - len(data), _PIPE_PIECE))
        if not piece:
            raise _stopped()
        data += piece
    return data


def _widened(descriptor: int) -> None:
    """A pipe that holds a few chunks, so the reading process runs ahead instead of waiting to be read.

    Linux lets anyone grow a pipe to /proc/sys/fs/pipe-max-size (1 MB by default) and a privileged process
    further; the widest accepted is kept.
    """
    for size in (8 << 20, 4 << 20, 2 << 20, 1 << 20):
        try:
            fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, size)
            return
        except (OSError, AttributeError):  # not allowed that wide, or not Linux (the default pipe works too)
            continue


class ReadAhead:
    """`prepare(batch)` over the remaining rows in a forked process, started at once; the chunks arrive in
    order as this is iterated. `close()` (also when iteration ends) stops and reaps the process.

    `refusable(clean)` tells which rows matching may still refuse: only those travel back as given.
    """

    def __init__(self, prepare, refusable, catalog, numbered: Iterator, size: int):
        readable, writable = os.pipe()
        _widened(writable)
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child process (its coverage is not collected)
            try:
                os.close(readable)
                _read_and_clean(prepare, refusable, catalog, numbered, size, writable)
            finally:
                os._exit(0)  # no clean-up of the parent's state: its database connection is the parent's
        os.close(writable)
        self.readable = readable
        self.finished = False

    def __iter__(self) -> Iterator[Prepared]:
        try:
            while True:
                header = _read_exactly(self.readable, _HEADER, STALL_SECONDS)
                item = pickle.loads(_read_exactly(self.readable, int.from_bytes(header, "big"), STALL_SECONDS))
                if item is None:
                    self.finished = True
                    return
                if item[0] == "error":
                    raise item[1]
                yield _unpacked(item)
        finally:
            self.close()

    def close(self) -> None:
        if self.pid is None:
            return
        if not self.finished:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # already reaped elsewhere
        os.close(self.readable)
        self.pid = None
