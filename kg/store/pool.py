"""Query helpers shared by every process over one store.

A helper process started by one of the server's workers waits for the next query of any of
them, so that queries asked one after another are evaluated by one helper, whose caches hold
what the last query read. Two workers taking turns, each with helpers of its own, made a 4-way
join asked ten times in a row 1.20-1.35x as slow as Oxigraph's server; with the helpers
shared, 0.02-0.13x less in the same runs (bench/endpoint.py).

Each helper has a lock file in ``policykg.helpers/`` beside the store, holding its process
id. A process takes a waiting helper by locking its file (``flock``: the kernel releases it if
the process dies), the first by name that it can, and gives it back by unlocking it; a helper
it ends, it ends under its lock, and removes the file first. A helper listens on a socket of
Linux's abstract namespace (nothing left behind when it ends), and whoever connects must prove
it holds the store's key (``policykg.helpers/key``, readable by the store's owner only). A
helper whose starting process has gone ends once no process holds it.
"""

from __future__ import annotations

import fcntl
import os
import queue
import secrets
import select
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import NamedTuple

from kg.store import StoreError
from kg.store.sysfiles import read_small

HELPERS_DIR = "policykg.helpers"
_KEY_FILE = "key"
_LOCK = ".lock"
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
READ_AHEAD = 1024 * 1024  # bytes a helper may write before its reader takes them
START_WAIT = 60  # seconds a helper may take to start


class Usage(NamedTuple):
    cpu_seconds: float
    memory: int  # resident, in bytes


class Helper:
    """A helper process as one process over the store holds it: its lock, its connection."""

    def __init__(self, name: str, pid: int, lock: int, process=None) -> None:
        self.name, self.pid, self.lock = name, pid, lock  # the lock file's descriptor
        self.process = process  # the multiprocessing.Process, in the process that started it
        self.connection: Connection | None = None
        self.taken = False  # by a thread of this process
        self.niceness = 0
        self.resting = Usage(0.0, 0)  # its usage when taken: the query's start

    def connect(self, key: bytes) -> bool:
        """Whether the helper is connected to (False: it has ended)."""
        if self.connection is None:
            try:
                self._use(Client(_address(self.name), "AF_UNIX", authkey=key))
            except OSError:
                return False
        return True

    def _use(self, connection: Connection) -> None:
        self.connection = connection
        self._written = select.poll()  # made once: a look while a query evaluates is a call
        self._written.register(connection.fileno(), select.POLLIN)

    def ready(self, timeout: float) -> bool:
        """Whether the helper has written (or ended), waiting up to ``timeout`` seconds."""
        return bool(self._written.poll(timeout * 1000))

    def usage(self) -> Usage:
        """Processor time the helper has used, and its memory (nothing once it has ended)."""
        return self.look() or Usage(0.0, 0)

    def look(self) -> Usage | None:
        """The helper's usage, from Linux's /proc; None if it has ended."""
        try:
            stat = read_small(f"/proc/{self.pid}/stat")
        except OSError:
            return None
        fields = stat.rsplit(b")", 1)[1].split()  # state; utime, stime; rss in pages
        if fields[0] in (b"Z", b"X"):  # ended, its starter not yet told
            return None
        return Usage((int(fields[11]) + int(fields[12])) / _TICKS, int(fields[21]) * _PAGE)

    def renice(self, niceness: int) -> None:
        """Lowers the helper's priority to ``niceness`` (never raises it: that needs
        privileges). The query evaluates on the helper's main thread, which this renices."""
        niceness = min(niceness, 19)
        if niceness > self.niceness:
            with suppress(ProcessLookupError):  # it died: its connection tells the caller
                os.setpriority(os.PRIO_PROCESS, self.pid, niceness)
            self.niceness = niceness

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        os.close(self.lock)


class HelperPool:
    """The helpers over the store at ``path``, as this process finds, starts and holds them;
    ``target(name, directory, key, connection, parent)`` is a helper's life."""

    def __init__(self, path: Path, target: Callable) -> None:
        self.directory, self.target = path / HELPERS_DIR, target
        self.directory.mkdir(mode=0o700, exist_ok=True)
        self.key = _key(self.directory)
        self._known: dict[str, Helper] = {}  # by name, with its lock file open
        self._listed: tuple[int, list[str]] = (-1, [])  # the directory's time, its helpers
        self._lock = threading.Lock()

    def take(self) -> Helper | None:
        """A waiting helper, now held by the caller, its usage now the query's start; None
        if none waits."""
        for name in self._names():
            helper = self._hold(name)
            if helper is None:
                continue
            resting = helper.look()  # None: it ended, its file left (its starter's exit ended it)
            if resting is None or not helper.connect(self.key):
                self.end(helper)
                continue
            helper.resting = resting
            return helper
        return None

    def _names(self) -> list[str]:
        """The helpers listed, in the order every process takes them: listed again when the
        directory has changed (its time costs a quarter of a listing). A listing a change
        in the same clock tick left stale misses a new helper until the next change, which
        the next helper started makes; one gone is passed over as it is held."""
        changed = os.stat(self.directory).st_mtime_ns
        if changed != self._listed[0]:
            names = sorted(
                name[: -len(_LOCK)] for name in os.listdir(self.directory) if name.endswith(_LOCK)
            )
            with self._lock:
                for gone in self._known.keys() - set(names):
                    if not self._known[gone].taken:
                        self._known.pop(gone).close()
            self._listed = (changed, names)
        return self._listed[1]

    def _hold(self, name: str) -> Helper | None:
        """The helper ``name``, if no one holds it (now held), else None."""
        with self._lock:
            helper = self._known.get(name) or self._open(name)
            if helper is None or helper.taken or not _try_lock(helper.lock):
                return None
            if os.fstat(helper.lock).st_nlink == 0:  # ended by its last holder
                self._known.pop(name).close()
                return None
            helper.taken = True
            return helper

    def _open(self, name: str) -> Helper | None:
        try:
            lock = os.open(self.directory / f"{name}{_LOCK}", os.O_RDWR)
        except FileNotFoundError:
            return None
        pid = os.pread(lock, 32, 0)
        if not pid.isdigit():  # emptied by a helper ending as its starter had gone
            os.close(lock)
            return None
        self._known[name] = helper = Helper(name, int(pid), lock)
        return helper

    def start(self, spawn) -> Helper:
        """A new helper, started by ``spawn`` (a multiprocessing context), held by the
        caller. It is listed for the other processes only once it is held."""
        name = secrets.token_hex(8)
        connection, theirs = spawn.Pipe()
        _widen(theirs)
        process = spawn.Process(
            target=self.target,
            args=(name, str(self.directory), self.key, theirs, os.getpid()),
            daemon=True,
        )
        process.start()
        theirs.close()
        helper = Helper(name, process.pid, self._new_lock(name, process.pid), process)
        helper.taken = True
        helper._use(connection)
        # ready: what it took to start is not counted against its first query's memory
        if not helper.ready(START_WAIT) or connection.recv() != ("ready", None):
            self.end(helper)
            raise StoreError("a query helper process did not start")
        helper.resting = helper.usage()
        with self._lock:
            self._known[name] = helper
        return helper

    def _new_lock(self, name: str, pid: int) -> int:
        """The helper's lock file, locked, with its pid: written under another name first,
        so that no other process finds it before it is held."""
        partial = self.directory / f"{name}.new"
        lock = os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.write(lock, str(pid).encode())
        os.rename(partial, self.directory / f"{name}{_LOCK}")
        return lock

    def give_back(self, helper: Helper) -> None:
        with self._lock:
            helper.taken = False
            fcntl.flock(helper.lock, fcntl.LOCK_UN)

    def end(self, helper: Helper) -> None:
        """Kills a held helper; its file goes before its lock is released."""
        with suppress(ProcessLookupError):
            os.kill(helper.pid, signal.SIGKILL)  # sure; its starter reaps it
        with suppress(FileNotFoundError):
            os.unlink(self.directory / f"{helper.name}{_LOCK}")
        with self._lock:
            self._known.pop(helper.name, None)
            helper.close()

    def others_waiting(self, helper: Helper, keep: int) -> bool:
        """Whether ``keep`` other helpers wait (looked at by taking each lock for a moment,
        only when more than ``keep`` helpers are listed)."""
        names = self._names()
        if len(names) <= keep:  # as last listed: a helper started since is not yet waiting
            return False
        waiting = 0
        for name in names:
            if name != helper.name and (other := self._hold(name)) is not None:
                self.give_back(other)
                waiting += 1
        return waiting >= keep

    def close(self) -> None:
        """Ends the waiting helpers this process started; lets go of the others."""
        with self._lock:
            known, self._known = list(self._known.values()), {}
        for helper in known:
            if helper.process is not None and not helper.taken and _try_lock(helper.lock):
                self.end(helper)
            else:
                helper.close()


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _key(directory: Path) -> bytes:
    """The store's key for its helpers' connections, made by the first process to need it."""
    path = directory / _KEY_FILE
    if not path.exists():
        partial = directory / f"{_KEY_FILE}.{secrets.token_hex(8)}"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(descriptor, secrets.token_bytes(32))
        os.close(descriptor)
        with suppress(FileExistsError):  # whole when it appears; the first made wins
            os.link(partial, path)
        os.unlink(partial)
    return path.read_bytes()


def _address(name: str) -> str:
    return f"\0policykg-helper-{name}"


def _widen(connection: Connection) -> None:
    """Lets a helper write up to READ_AHEAD bytes before its reader takes them: it evaluates
    on while the reader sends the chunks before on to the client."""
    with socket.fromfd(connection.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as end:
        end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, READ_AHEAD)


# --- in the helper ---------------------------------------------------------------------------


def requests(
    name: str, directory: str, key: bytes, pipe: Connection, parent: int
) -> Iterator[tuple[Connection, object]]:
    """A helper's requests, each with the connection to answer on: from the process that
    started it (``pipe``) and from any other that connects. Ends the helper once its starter
    has gone and no process holds it."""
    listener = Listener(_address(name), "AF_UNIX", authkey=key)
    woken, wake = os.pipe()  # a connection accepted wakes the wait for requests
    accepted: queue.SimpleQueue[Connection] = queue.SimpleQueue()
    threading.Thread(target=_accept, args=(listener, accepted, wake), daemon=True).start()
    threading.Thread(target=_leave_with, args=(parent, Path(directory), name), daemon=True).start()
    clients = {pipe.fileno(): pipe}
    asking = select.poll()  # kept: a wait for the next request is one call
    for descriptor in (woken, pipe.fileno()):
        asking.register(descriptor, select.POLLIN)
    pipe.send(("ready", None))
    while True:
        for descriptor, _ in asking.poll():
            if descriptor == woken:
                os.read(woken, 512)
                while not accepted.empty():
                    connection = accepted.get()
                    clients[connection.fileno()] = connection
                    asking.register(connection.fileno(), select.POLLIN)
                continue
            connection = clients[descriptor]
            try:
                request = connection.recv()
            except (EOFError, OSError):  # that process has gone
                asking.unregister(descriptor)
                del clients[descriptor]
                connection.close()
                continue
            yield connection, request


def _accept(listener: Listener, accepted: queue.SimpleQueue, wake: int) -> None:
    while True:
        with suppress(OSError, EOFError, AuthenticationError):  # one without the key: the next
            connection = listener.accept()
            _widen(connection)
            accepted.put(connection)
            os.write(wake, b".")


def _leave_with(parent: int, directory: Path, name: str) -> None:
    """A helper whose starter died (killed, say) must not evaluate on forever: it ends once
    no process holds it, its file emptied first (a process that opened it finds no pid)."""
    while os.getppid() == parent:
        time.sleep(1)
    path = directory / f"{name}{_LOCK}"
    with suppress(FileNotFoundError):
        lock = os.open(path, os.O_RDWR)
        while not _try_lock(lock):
            time.sleep(1)
        os.truncate(lock, 0)
        with suppress(FileNotFoundError):
            os.unlink(path)
    os._exit(0)
