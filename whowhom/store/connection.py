"""Opening the DuckDB file: short-lived connections, retries on the file lock, clear errors.

DuckDB lets one process hold a database file read-write, and then no other process can open it,
not even read-only; several processes can hold it read-only together. The store therefore never
keeps a connection open between operations:

* a writer opens the file read-write for one batch transaction and closes it again, releasing
  the lock, so a reader in another process (the dashboard) gets in between batches;
* a reader opens the file read-only for one query and closes it;
* both retry with a short, growing, jittered back-off while the other side holds the lock, and
  give up with `StoreLocked` after a timeout.

Inside one process DuckDB refuses to open the same file read-only and read-write at the same
time, so connections to one path are coordinated here: read-only connections share, a
read-write connection waits for them to close and new readers wait for it (writers first).

Separately, a whole writing session (`whowhom ingest`, `recode`, `dedupe`) takes an advisory
lock on `<db>.lock`, so that a second writer fails at once with `StoreBusy` instead of
interleaving its batches.
"""
from __future__ import annotations

import errno
import fcntl
import os
import random
import re
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import duckdb

from whowhom.store.errors import (
    StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreLocked, StoreVersionError,
)

_LOCK_MARKERS = ("could not set lock", "conflicting lock")
_FULL_MARKERS = ("no space left", "file too large", "disk quota", "not enough space")
_CORRUPT_MARKERS = ("not a valid duckdb database", "corrupt", "checksum", "invalid magic",
                    "the file is not a valid", "unsupported header")


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.Error) and any(m in str(exc).lower() for m in _LOCK_MARKERS)


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return any(m in text for m in _FULL_MARKERS)


def _holder(message: str) -> str:
    m = re.search(r"held in (.+?) \(PID (\d+)\)", message)
    if m:
        return f"process {m.group(2)} ({os.path.basename(m.group(1))})"
    return "another process"


def translate(exc: BaseException, path: str, action: str = "open") -> StoreError:
    """Turn a DuckDB or OS error into a StoreError whose message says what to do."""
    if isinstance(exc, StoreError):
        return exc
    text = str(exc)
    low = text.lower()
    if is_lock_error(exc):
        return StoreLocked(
            f"{path}: the database is locked by {_holder(text)}; DuckDB allows one writing "
            f"process at a time. Wait for it to finish (or stop it) and try again.", path)
    if is_disk_full(exc):
        return StoreFull(
            f"{path}: the disk is full (or a file-size limit was reached) while trying to "
            f"{action}; the store is consistent (a batch is stored whole or not at all). Free "
            f"some space and run the same command again: it resumes where it stopped.", path)
    if "version number" in low or "storage version" in low or "newer version" in low:
        return StoreVersionError(
            f"{path}: the file was written by a newer DuckDB than the one installed "
            f"(duckdb {duckdb.__version__}); upgrade duckdb/whowhom (pip install -U whowhom). "
            f"Detail: {text.splitlines()[0]}", path)
    if any(m in low for m in _CORRUPT_MARKERS):
        return StoreCorrupt(
            f"{path}: not a whowhom event store (not a valid DuckDB database file, or a damaged "
            f"one). Point --db at a store, or at a new file name to create one.", path)
    return StoreError(f"{path}: cannot {action}: {text.splitlines()[0] if text else type(exc).__name__}",
                      path)


_CONFIG: dict[str, str] = {}


def connect(path: str, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open `path`, retrying while another process holds the lock, for up to `timeout` s."""
    deadline = time.monotonic() + max(0.0, timeout)
    delay = 0.005
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=_CONFIG)
        except duckdb.Error as exc:
            if is_lock_error(exc) and time.monotonic() < deadline:
                time.sleep(min(delay * (0.5 + random.random()), max(0.0, deadline - time.monotonic())))
                delay = min(delay * 1.7, 0.1)
                continue
            if is_lock_error(exc):
                raise StoreLocked(
                    f"{path}: still locked by {_holder(str(exc))} after {timeout:g} s; DuckDB "
                    f"allows one writing process at a time. Wait for it to finish (or stop it) "
                    f"and try again.", path) from None
            raise translate(exc, path) from None


class _PathState:
    """Per-process bookkeeping of the connections open on one database file."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.readers = 0
        self.writer = False
        self.writers_waiting = 0


_STATES: dict[str, _PathState] = {}
_STATES_LOCK = threading.Lock()


def _state(path: str) -> _PathState:
    key = os.path.realpath(path)
    with _STATES_LOCK:
        st = _STATES.get(key)
        if st is None:
            st = _STATES[key] = _PathState()
        return st


@contextmanager
def read_connection(path: str, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one request; closed (and the lock released) on exit."""
    st = _state(path)
    with st.cond:
        if not st.cond.wait_for(lambda: not st.writer and not st.writers_waiting, timeout):
            raise StoreLocked(f"{path}: a write in this process did not finish within {timeout:g} s.",
                              path)
        st.readers += 1
    try:
        con = connect(path, read_only=True, timeout=timeout)
        try:
            yield con
        finally:
            con.close()
    finally:
        with st.cond:
            st.readers -= 1
            st.cond.notify_all()


@contextmanager
def write_connection(path: str, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection for one transaction; closed (lock released) on exit."""
    st = _state(path)
    with st.cond:
        st.writers_waiting += 1
        try:
            if not st.cond.wait_for(lambda: not st.writer and st.readers == 0, timeout):
                raise StoreLocked(f"{path}: readers in this process did not finish within "
                                  f"{timeout:g} s.", path)
        finally:
            st.writers_waiting -= 1
        st.writer = True
    try:
        con = connect(path, read_only=False, timeout=timeout)
        try:
            # Writes never rely on the physical order of rows (every query orders explicitly),
            # and a bulk INSERT that need not keep it is written as whole row groups: with the
            # order kept, DuckDB re-compresses each batch's partial row groups at checkpoint
            # (~1 s per million mention rows).
            con.execute("SET preserve_insertion_order = false")
            yield con
        finally:
            try:
                con.close()
            except duckdb.Error as exc:  # the checkpoint on close can hit a full disk
                raise translate(exc, path, "write") from None
    finally:
        with st.cond:
            st.writer = False
            st.cond.notify_all()


# --- the writing-session lock -------------------------------------------------------------

_SESSIONS: dict[str, tuple[int, int, int]] = {}  # realpath -> (thread id, depth, fd)
_SESSIONS_LOCK = threading.Lock()


def lock_path(path: str) -> str:
    return path + ".lock"


@contextmanager
def writer_session(path: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the advisory `<db>.lock` for a whole writing session (re-entrant per thread).

    A second writer (another process, or another thread of this one) gets `StoreBusy` at once,
    or after `wait` seconds of polling.
    """
    key = os.path.realpath(path)
    me = threading.get_ident()
    with _SESSIONS_LOCK:
        held = _SESSIONS.get(key)
        if held and held[0] == me:
            _SESSIONS[key] = (me, held[1] + 1, held[2])
            reentrant = True
        else:
            reentrant = False
    if reentrant:
        try:
            yield
        finally:
            with _SESSIONS_LOCK:
                tid, depth, fd = _SESSIONS[key]
                _SESSIONS[key] = (tid, depth - 1, fd)
        return

    lp = lock_path(path)
    try:
        fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if is_disk_full(exc):
            raise translate(exc, path, "create the lock file") from None
        raise StoreError(f"{lp}: cannot create the writer lock file: {exc.strerror}. Check that "
                         f"the folder is writable.", path) from None
    deadline = time.monotonic() + wait
    while True:
        with _SESSIONS_LOCK:
            taken_here = key in _SESSIONS
        if not taken_here:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
        if time.monotonic() >= deadline:
            holder = ""
            try:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            except OSError:
                pass
            os.close(fd)
            who = f" ({holder})" if holder else ""
            raise StoreBusy(
                f"{path}: another whowhom process is already writing to this store{who}. Wait "
                f"for it to finish, or stop it; readers (query, export, the dashboard) can keep "
                f"working meanwhile.", path)
        time.sleep(0.05)
    try:
        info = f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
    except OSError:
        pass
    with _SESSIONS_LOCK:
        _SESSIONS[key] = (me, 1, fd)
    try:
        yield
    finally:
        with _SESSIONS_LOCK:
            _SESSIONS.pop(key, None)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables) -> Iterator[None]:
    """Arrow tables visible to SQL under these names for the length of the block."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


@contextmanager
def temp_tables(con: duckdb.DuckDBPyConnection, *names: str) -> Iterator[None]:
    """Temporary tables the block creates, dropped after it; quietly if the transaction has
    already failed (its rollback drops them), so that the error that made it fail is the one
    reported."""
    try:
        yield
    finally:
        for name in names:
            try:
                con.execute(f"DROP TABLE IF EXISTS {name}")
            except duckdb.Error:
                pass
