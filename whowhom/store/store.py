"""`Store`: whowhom's event store, one DuckDB file.

Tables (see docs/store.md): `documents` (one row per stored article), `mentions` (one row per
coded sentence-level event — the full record with its evidence — pointing at the deduplicated
event it reports), `events` (deduplicated real-world events with GDELT-style counts), `actors`
(per actor code: names and counts) and `meta` (schema version, the whowhom that wrote it, the
deduplication window).

Writing: `add()` takes `(Document, [Event])` pairs (what `Coder.code_many` yields), skips
documents whose content hash is already stored, and writes each batch of documents in one
transaction: documents, their mentions, the re-clustered events of every affected
(source, target, code) key and the affected actors. A batch is all or nothing, so an ingest
killed at any point and run again ends with exactly the rows of a clean run.

Reading: every query method opens the file read-only for the query and closes it; writers hold
it only for one batch. See `whowhom.store.connection` for how the two processes share the file.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import urlparse

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from whowhom.records import CODER_VERSION, FLAT_COLUMNS, Document, Event, flatten
from whowhom.store import writer
from whowhom.store.connection import (
    read_connection, registered, translate, write_connection, writer_session,
)
from whowhom.store.queries import QueryMixin, _jsonable
from whowhom.store.errors import (
    NotAStore, StoreCorrupt, StoreError, StoreNotFound, StoreReadOnly, StoreVersionError,
)
from whowhom.store.schema import (
    APP_NAME, DDL, DOCUMENT_INPUT_SCHEMA, MENTION_INPUT_SCHEMA, MIGRATIONS, SCHEMA_VERSION,
    TABLES,
)

DEFAULT_WINDOW_DAYS = 1


def whowhom_version() -> str:
    try:
        from importlib.metadata import version
        return version("whowhom")
    except Exception:
        pass
    try:
        import whowhom  # noqa: PLC0415
        v = getattr(whowhom, "__version__", None)
        if v:
            return str(v)
    except Exception:
        pass
    return "0.1.0"


@dataclass
class IngestStats:
    """What one `add()` / `recode()` call did."""

    documents_seen: int = 0
    documents_added: int = 0
    documents_skipped: int = 0  # same content already stored (or twice in the input)
    documents_renamed: int = 0  # id already used by other content: stored as "<id>~<hash8>"
    documents_recoded: int = 0
    mentions_added: int = 0
    mentions_removed: int = 0
    events_before: int = 0
    events_after: int = 0
    batches: int = 0
    seconds: float = 0.0
    read_errors: int = 0  # filled in by the CLI
    errors: list[str] = field(default_factory=list)

    @property
    def events_added(self) -> int:
        """Net change in the number of deduplicated events."""
        return self.events_after - self.events_before

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["events_added"] = self.events_added
        return d

    def summary(self) -> str:
        parts = [f"{self.documents_added} documents added"]
        if self.documents_recoded:
            parts = [f"{self.documents_recoded} documents re-coded"]
        if self.documents_skipped:
            parts.append(f"{self.documents_skipped} already stored (skipped)")
        if self.documents_renamed:
            parts.append(f"{self.documents_renamed} renamed (id already used)")
        if self.read_errors:
            parts.append(f"{self.read_errors} unreadable")
        parts.append(f"{self.mentions_added} mentions")
        if self.mentions_removed:
            parts.append(f"{self.mentions_removed} old mentions replaced")
        parts.append(f"events {self.events_before} -> {self.events_after}")
        return ", ".join(parts) + f" ({self.seconds:.1f} s)"


def _outlet(doc: Document) -> str | None:
    if doc.outlet:
        return doc.outlet
    if doc.url:
        try:
            host = urlparse(doc.url).hostname
        except ValueError:
            host = None
        if host:
            return host[4:] if host.startswith("www.") else host
    return None


class HashSet:
    """A set of sha1 hex digests kept as 16-byte prefixes (128 bits: no accidental clash)."""

    def __init__(self) -> None:
        self._set: set[bytes] = set()

    @staticmethod
    def _key(h: str) -> bytes | None:
        try:
            return bytes.fromhex(h[:32])
        except (TypeError, ValueError):
            return None

    def update(self, hashes: Iterable[str]) -> None:
        for h in hashes:
            k = self._key(h)
            if k is not None:
                self._set.add(k)

    def add(self, h: str) -> None:
        self.update([h])

    def __contains__(self, h: object) -> bool:
        return isinstance(h, str) and self._key(h) in self._set

    def __len__(self) -> int:
        return len(self._set)


class Store(QueryMixin):
    """whowhom's event store: one DuckDB file with documents, mentions, events and actors.

    >>> with Store("news.duckdb") as store:
    ...     stats = store.add(coder.code_many(docs))
    ...     store.dyads(source="CHN", target="AFG", by="month")

    `read_only=True` never writes (and fails with `StoreNotFound` if the file is missing).
    `timeout` is how long an operation waits for another process to release the file lock.
    `dedup_window_days` sets the deduplication window of a *new* store (default 1 day); an
    existing store keeps the one it was built with — change it with `dedupe(window_days=...)`.
    """

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False, *,
                 timeout: float = 30.0, dedup_window_days: int | None = None,
                 batch_size: int = 256, flush_seconds: float = 10.0, writer_wait: float = 0.0):
        self.path = os.fspath(path)
        self.read_only = read_only
        self.timeout = timeout
        self.batch_size = max(1, int(batch_size))
        self.flush_seconds = flush_seconds
        self.writer_wait = writer_wait
        self._meta: dict[str, str] = {}
        self._open(dedup_window_days)

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between operations; kept for the context-manager protocol."""

    def __repr__(self) -> str:
        return f"Store({self.path!r}, read_only={self.read_only})"

    def _open(self, window: int | None) -> None:
        path = self.path
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.exists(path):
            if self.read_only:
                raise StoreNotFound(f"{path}: no such event store. Create it with "
                                    f"`whowhom ingest FILES --db {path}`.", path)
            if not os.path.isdir(folder):
                raise StoreError(f"{path}: the folder {folder} does not exist.", path)
            with writer_session(path, self.writer_wait):
                if not os.path.exists(path):
                    self._create(window)
                    return
        elif os.path.isdir(path):
            raise StoreCorrupt(f"{path}: is a folder, not an event store file.", path)
        elif os.path.getsize(path) == 0 and not self.read_only:
            # An empty placeholder (e.g. from mktemp): nothing to lose, make it a store.
            with writer_session(path, self.writer_wait):
                if os.path.exists(path) and os.path.getsize(path) == 0:
                    os.remove(path)
                    self._create(window)
                    return
        self._validate(window)

    def _create(self, window: int | None) -> None:
        w = DEFAULT_WINDOW_DAYS if window is None else int(window)
        if w < 0:
            raise ValueError("dedup_window_days must be >= 0")
        try:
            with write_connection(self.path, self.timeout) as con:
                con.begin()
                for stmt in DDL:
                    con.execute(stmt)
                meta = {
                    "app": APP_NAME, "schema_version": str(SCHEMA_VERSION),
                    "created_by": whowhom_version(), "written_by": whowhom_version(),
                    "created_at": _dt.datetime.now().isoformat(timespec="seconds"),
                    "dedup_window_days": str(w),
                }
                with registered(con, _meta_in=pa.table({"key": list(meta), "value": list(meta.values())})):
                    con.execute("INSERT INTO meta SELECT key, value FROM _meta_in")
                con.commit()
        except StoreError:
            self._remove_partial()
            raise
        except (duckdb.Error, OSError) as exc:
            self._remove_partial()
            raise translate(exc, self.path, "create the store") from None
        self._meta = meta

    def _remove_partial(self) -> None:
        for p in (self.path, self.path + ".wal"):
            try:
                os.remove(p)
            except OSError:
                pass

    def _validate(self, window: int | None) -> None:
        with self._read() as con:
            tables = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()}
            if "meta" not in tables:
                if not tables and not self.read_only:
                    empty = True
                else:
                    raise NotAStore(
                        f"{self.path}: a DuckDB database, but not a whowhom event store (it has "
                        f"no `meta` table). Use another --db file; whowhom will not write into "
                        f"a database it did not create.", self.path)
            else:
                empty = False
                try:
                    self._meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
                except duckdb.Error:
                    raise NotAStore(f"{self.path}: the `meta` table is not whowhom's.", self.path) from None
        if empty:
            with writer_session(self.path, self.writer_wait):
                self._create(window)
            return
        if self._meta.get("app") != APP_NAME:
            raise NotAStore(f"{self.path}: a DuckDB database with a `meta` table, but not a whowhom "
                            f"event store. Use another --db file.", self.path)
        try:
            version = int(self._meta.get("schema_version", "0"))
        except ValueError:
            raise StoreCorrupt(f"{self.path}: unreadable schema version "
                               f"{self._meta.get('schema_version')!r}.", self.path) from None
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path}: written by a newer whowhom ({self._meta.get('written_by', '?')}, "
                f"store schema {version}); this whowhom {whowhom_version()} reads schema "
                f"{SCHEMA_VERSION} at most. Upgrade whowhom (pip install -U whowhom); the file was "
                f"not changed.", self.path)
        missing = [t for t in TABLES if t not in tables]
        if missing and version == SCHEMA_VERSION:
            raise StoreCorrupt(f"{self.path}: damaged whowhom store, missing tables: "
                               f"{', '.join(missing)}.", self.path)
        if version < SCHEMA_VERSION:
            if self.read_only:
                raise StoreVersionError(
                    f"{self.path}: store schema {version} is older than this whowhom's "
                    f"({SCHEMA_VERSION}); open it once without read_only (e.g. run `whowhom "
                    f"ingest` or `recode`) to upgrade it.", self.path)
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        with writer_session(self.path, self.writer_wait), self._write() as con:
            while version < SCHEMA_VERSION:
                steps = MIGRATIONS.get(version)
                if steps is None:
                    raise StoreVersionError(f"{self.path}: no upgrade path from store schema "
                                            f"{version}.", self.path)
                for stmt in steps:
                    con.execute(stmt)
                version += 1
            self._set_meta(con, {"schema_version": str(SCHEMA_VERSION),
                                 "written_by": whowhom_version()})

    @staticmethod
    def _set_meta(con: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
        for k, v in values.items():
            con.execute("DELETE FROM meta WHERE key = ?", [k])
            con.execute("INSERT INTO meta VALUES (?, ?)", [k, v])

    @property
    def dedup_window_days(self) -> int:
        return int(self._meta.get("dedup_window_days", DEFAULT_WINDOW_DAYS))

    @property
    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    # --- connections ----------------------------------------------------------------------

    @contextmanager
    def reader(self, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only DuckDB connection for one request, closed on exit.

        Retries with back-off while a writer (e.g. `whowhom ingest` in another process) holds
        the file for a batch; raises `StoreLocked` after `timeout` seconds (default: the
        store's). Use it for custom SQL: `with store.reader() as con: con.sql(...)`.
        """
        with self._read(timeout) as con:
            yield con

    @contextmanager
    def _read(self, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        with read_connection(self.path, self.timeout if timeout is None else timeout) as con:
            try:
                yield con
            except duckdb.Error as exc:
                raise translate(exc, self.path, "read") from None

    @contextmanager
    def _write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: committed on success, rolled back on any error."""
        if self.read_only:
            raise StoreReadOnly(f"{self.path}: opened read-only; open it with read_only=False "
                                f"to write.", self.path)
        with write_connection(self.path, self.timeout) as con:
            con.begin()
            try:
                yield con
                con.commit()
            except BaseException as exc:
                try:
                    con.rollback()
                except duckdb.Error:
                    pass
                if isinstance(exc, (duckdb.Error, OSError)):
                    raise translate(exc, self.path, "write") from None
                raise

    def _rows(self, sql: str, params: Sequence[Any] = (), arrow: bool = False) -> Any:
        with self._read() as con:
            tbl = con.sql(sql, params=list(params)).to_arrow_table() if params else \
                con.sql(sql).to_arrow_table()
        return tbl if arrow else _jsonable(tbl.to_pylist())

    # --- writing --------------------------------------------------------------------------

    def has_document(self, content_hash: str) -> bool:
        """True if a document with this content hash (sha1 of its text) is stored."""
        with self._read() as con:
            return con.execute("SELECT count(*) FROM documents WHERE content_hash = ?",
                               [content_hash]).fetchone()[0] > 0

    def known_hashes(self, hashes: Iterable[str]) -> set[str]:
        """The subset of `hashes` already stored (one query)."""
        hs = list(dict.fromkeys(hashes))
        if not hs:
            return set()
        with self._read() as con:
            with registered(con, _h=pa.table({"h": pa.array(hs, pa.string())})):
                rows = con.execute("SELECT DISTINCT content_hash FROM documents "
                                   "WHERE content_hash IN (SELECT h FROM _h)").fetchall()
        return {r[0] for r in rows}

    def stored_hashes(self) -> HashSet:
        """All stored content hashes as a compact set (`hash in result`), loaded in one query.

        For skipping stored documents before coding in a pipeline that needs a per-document
        answer (`whowhom ingest --workers N`); about 80 bytes per stored document.
        """
        with self._read() as con:
            reader = con.sql("SELECT content_hash FROM documents").to_arrow_reader(200_000)
            hs = HashSet()
            for batch in reader:
                hs.update(batch.column(0).to_pylist())
        return hs

    def skip_stored(self, docs: Iterable[Any], chunk: int = 512,
                    on_skip: Callable[[Document], None] | None = None) -> Iterator[Any]:
        """Yield the items of `docs` (Documents; anything else passes through) not yet stored.

        Use it before coding, so a re-run does not spend time re-coding stored documents.
        """
        buf: list[Any] = []

        def flush() -> Iterator[Any]:
            known = self.known_hashes(d.content_hash for d in buf if isinstance(d, Document))
            for d in buf:
                if isinstance(d, Document) and d.content_hash in known:
                    if on_skip:
                        on_skip(d)
                    continue
                yield d
            buf.clear()

        for d in docs:
            buf.append(d)
            if len(buf) >= chunk:
                yield from flush()
        if buf:
            yield from flush()

    def add(self, pairs: Iterable[tuple[Document, Sequence[Event | dict[str, Any]]]], *,
            batch_size: int | None = None, coder_version: str | None = None,
            progress: bool | None = None, total: int | None = None) -> IngestStats:
        """Store coded documents: `pairs` of (Document, its events), e.g. `coder.code_many(docs)`.

        Documents whose content hash is already stored are skipped. Every `batch_size`
        documents (or `flush_seconds`, whichever comes first) are written in one transaction
        together with the deduplicated events they touch; the file is locked only for that
        transaction. Raises `StoreBusy` if another whowhom process is writing.
        """
        stats = IngestStats()
        t0 = time.monotonic()
        size = max(1, batch_size or self.batch_size)
        bar = _progress(progress, total, "documents")
        with writer_session(self.path, self.writer_wait):
            stats.events_before = self._count("events")
            docs: list[Document] = []
            events: list[Sequence[Event | dict[str, Any]]] = []
            last_flush = time.monotonic()
            try:
                for doc, evs in pairs:
                    docs.append(doc)
                    events.append(evs)
                    stats.documents_seen += 1
                    if bar is not None:
                        bar.update(1)
                    if len(docs) >= size or time.monotonic() - last_flush >= self.flush_seconds:
                        self._add_objects(docs, events, coder_version, stats)
                        docs, events = [], []
                        last_flush = time.monotonic()
                        if bar is not None:
                            bar.set_postfix(added=stats.documents_added,
                                            mentions=stats.mentions_added, refresh=False)
                if docs:
                    self._add_objects(docs, events, coder_version, stats)
            finally:
                if bar is not None:
                    bar.close()
            stats.events_after = self._count("events")
        stats.seconds = time.monotonic() - t0
        return stats

    def _add_objects(self, docs: list[Document], events: list[Sequence[Event | dict[str, Any]]],
                     coder_version: str | None, stats: IngestStats) -> None:
        mt, cvs = _mention_table(events, coder_version)
        doc_rows = []
        for i, (doc, cv) in enumerate(zip(docs, cvs)):
            doc_rows.append({
                "id": doc.id, "url": doc.url, "title": doc.title, "pub_date": doc.date,
                "outlet": _outlet(doc), "source": doc.source, "content_hash": doc.content_hash,
                "coder_version": cv or CODER_VERSION, "text": doc.text, "_ord": i,
            })
        dschema = DOCUMENT_INPUT_SCHEMA.append(pa.field("_ord", pa.int64()))
        dt = pa.Table.from_pylist(doc_rows, schema=dschema)
        self._write_batch(dt, mt, stats)

    def add_arrow(self, documents: pa.Table, mentions: pa.Table, *,
                  batch_documents: int = 200_000) -> IngestStats:
        """Bulk insert: `documents` (columns of DOCUMENT_INPUT_SCHEMA: id, url, title, pub_date,
        outlet, source, content_hash, coder_version, text) and `mentions` (the flat event record
        — FLAT_COLUMNS, `event_id` or `mention_id` for the mention id — whose `doc_id` names a
        row of `documents`).

        Same semantics as `add()` (stored content skipped, cross-article dedup), written in
        transactions of `batch_documents` documents. Used by `--from-parquet` and the benchmark.
        """
        ids = documents.column("id")
        uniq = pc.unique(ids)
        first_row = pc.index_in(uniq, value_set=ids)  # first row holding each id
        pos = pc.index_in(mentions.column("doc_id"), value_set=uniq)
        doc_of = pc.fill_null(pc.take(first_row, pos), -1).cast(pa.int64())
        return self._add_tables(documents, mentions, doc_of, batch_documents)

    def _add_tables(self, documents: pa.Table, mentions: pa.Table, doc_of: pa.Array,
                    batch_documents: int, stats: IngestStats | None = None) -> IngestStats:
        """`doc_of[i]` = row of `documents` that mention i belongs to (-1: none)."""
        stats = stats or IngestStats()
        t0 = time.monotonic()
        documents = _conform(documents, DOCUMENT_INPUT_SCHEMA)
        mentions = _conform(_mention_names(mentions), MENTION_INPUT_SCHEMA)
        n = documents.num_rows
        with writer_session(self.path, self.writer_wait):
            if not stats.batches:
                stats.events_before = self._count("events")
            mentions = mentions.append_column("_doc", doc_of)
            documents = documents.append_column("_ord", pa.array(np.arange(n), pa.int64()))
            d = doc_of.to_numpy(zero_copy_only=False) if isinstance(doc_of, pa.Array) \
                else np.asarray(doc_of)
            grouped = d.size < 2 or bool((d[1:] >= d[:-1]).all())  # mentions in document order
            for start in range(0, n, max(1, batch_documents)):
                dt = documents.slice(start, batch_documents)
                end = start + dt.num_rows
                if grouped:  # a zero-copy slice
                    lo, hi = np.searchsorted(d, [start, end], side="left")
                    part = mentions.slice(int(lo), int(hi - lo))
                elif start == 0 and end == n and (d >= 0).all():
                    part = mentions
                else:
                    part = mentions.filter(pa.array((d >= start) & (d < end)))
                stats.documents_seen += dt.num_rows
                self._write_batch(dt, part, stats)
            stats.events_after = self._count("events")
        stats.seconds += time.monotonic() - t0
        return stats

    def add_shards(self, paths: Sequence[str], *, progress: bool | None = None,
                   batch_documents: int = 250_000, batch_events: int = 1_000_000) -> IngestStats:
        """Load coded documents from Parquet without re-coding them.

        A path is either a shard folder written by `whowhom code -o FOLDER/` (`documents/` and
        `events/` part files; see `whowhom.parallel.shards`), or a Parquet file of flat events
        (`whowhom code -o events.parquet`): its documents are then unknown, so a text-less stub
        document is stored per `doc_id` (its content hash derived from the id, so loading the
        same file twice adds nothing; such documents cannot be re-coded).

        Part files are gathered into transactions of up to about `batch_documents` documents
        or `batch_events` events, whichever comes first: a bulk load goes fastest in big
        transactions (and memory holds one). Readers in other processes wait for one
        transaction at a time.
        """
        import pyarrow.parquet as pq
        stats = IngestStats()
        with writer_session(self.path, self.writer_wait):
            stats.events_before = self._count("events")
            for path in paths:
                if os.path.isdir(path):
                    self._add_shard_folder(path, progress, batch_documents, batch_events, stats)
                else:
                    pf = pq.ParquetFile(path)
                    carry = None
                    for batch in pf.iter_batches(batch_size=max(1, batch_events)):
                        t = pa.Table.from_batches([batch])
                        if carry is not None:
                            t = pa.concat_tables([carry, t.cast(carry.schema)])
                        # hold back the last document: its events may continue in the next batch
                        ids = t.column("doc_id")
                        last = ids[len(ids) - 1]
                        tail = pc.equal(ids, last)
                        carry = t.filter(tail)
                        head = t.filter(pc.invert(tail))
                        if head.num_rows:
                            self._add_stub_tables(head, max(batch_documents, head.num_rows), stats)
                    if carry is not None and carry.num_rows:
                        self._add_stub_tables(carry, max(batch_documents, carry.num_rows), stats)
            stats.events_after = self._count("events")
        return stats

    def _add_shard_folder(self, folder: str, progress: bool | None, batch_documents: int,
                          batch_events: int, stats: IngestStats) -> None:
        """The part files of a shard folder, in order, gathered into big transactions. A
        background thread reads the next parts (up to one transaction ahead) while the current
        transaction is written."""
        parts = _shard_parts(folder)
        bar = _progress(progress, len(parts), "shards")
        pending: list[tuple[pa.Table, pa.Table, np.ndarray]] = []
        pending_docs = pending_events = 0
        reader = _PartReader(parts, _read_part, max(1, batch_events))
        try:
            for i, (docs, evs, doc_of) in enumerate(reader):
                pending.append((docs, evs, doc_of))
                pending_docs += docs.num_rows
                pending_events += evs.num_rows
                last = i == len(parts) - 1
                if not (last or pending_docs >= batch_documents or pending_events >= batch_events):
                    continue
                all_docs = pa.concat_tables([p[0] for p in pending])
                all_evs = pa.concat_tables([p[1] for p in pending])
                offsets = np.cumsum([0] + [p[0].num_rows for p in pending[:-1]])
                all_doc_of = np.concatenate([np.where(p[2] >= 0, p[2] + off, -1)
                                             for p, off in zip(pending, offsets)])
                self._add_tables(all_docs, all_evs, pa.array(all_doc_of, pa.int64()),
                                 max(batch_documents, all_docs.num_rows), stats)
                if bar is not None:
                    bar.update(len(pending))
                pending.clear()
                pending_docs = pending_events = 0
        finally:
            reader.close()
            if bar is not None:
                bar.close()

    def _add_stub_tables(self, events: pa.Table, batch_documents: int, stats: IngestStats) -> None:
        ids = pc.unique(events.column("doc_id"))
        id_list = ids.to_pylist()
        docs = pa.table({
            "id": ids,
            "content_hash": pa.array([hashlib.sha1(("whowhom:events-only:" + str(i)).encode())
                                      .hexdigest() for i in id_list], pa.string()),
            "coder_version": pa.array([None] * len(id_list), pa.string()),
        })
        self._add_tables(docs, events, _doc_of(docs, events), batch_documents, stats)

    def _count(self, table: str) -> int:
        assert table in TABLES
        with self._read() as con:
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def _write_batch(self, docs: pa.Table, ments: pa.Table, stats: IngestStats) -> None:
        """One transaction: new documents + their mentions + re-clustered events/actors."""
        now = _dt.datetime.now().replace(microsecond=0)
        with self._write() as con:
            staged = writer.stage_documents(con, docs)
            new_m = writer.stage_mentions(ments, staged)
            dt = staged.table
            n_docs = dt.num_rows
            per_doc = np.bincount(new_m.column("_dpos").to_numpy(), minlength=n_docs) \
                if new_m.num_rows else np.zeros(n_docs, np.int64)
            dt = dt.append_column("ingested_at", pa.array(
                np.full(n_docs, np.datetime64(now, "s")), pa.timestamp("s")))
            dt = dt.append_column("num_mentions", pa.array(per_doc, pa.int32()))
            with registered(con, _docs_in=dt):
                con.execute("""
                    INSERT INTO documents
                    SELECT id, url, title, try_cast(pub_date AS DATE), outlet, source, content_hash,
                           coder_version, text, ingested_at, num_mentions
                    FROM _docs_in""")
            n = writer.recluster(con, new_m, self.dedup_window_days,
                                 new_docs=dt.select(["id", "outlet", "url", "ingested_at"])) \
                if new_m.num_rows else 0
            writer.bulk_checkpoint(con, n)
            stats.documents_added += dt.num_rows
            stats.documents_renamed += int(staged.renamed.sum())
            stats.documents_skipped += staged.skipped
            stats.mentions_added += n
            stats.batches += 1

    # --- re-coding and re-deduplication ---------------------------------------------------

    def stale_documents(self, coder_version: str | None = None, force: bool = False) -> list[str]:
        """Ids of documents coded by another coder version than `coder_version` (all if force)."""
        cv = coder_version or CODER_VERSION
        if force:
            rows = self._rows("SELECT id FROM documents WHERE text IS NOT NULL ORDER BY id", arrow=True)
        else:
            rows = self._rows("SELECT id FROM documents WHERE text IS NOT NULL AND "
                              "coder_version IS DISTINCT FROM ? ORDER BY id", [cv], arrow=True)
        return rows.column("id").to_pylist()

    def recode(self, coder: Any, *, force: bool = False, batch_size: int | None = None,
               progress: bool | None = None) -> IngestStats:
        """Re-code stored documents with `coder` and replace their mentions and events.

        Documents whose stored coder version differs from the coder's (`coder.version`, else
        `whowhom.records.CODER_VERSION`) are re-coded; all of them with `force=True`. Each batch
        of documents is replaced in one transaction (old mentions out, new in, affected events
        re-clustered), so the store is consistent at every moment and an interrupted recode
        resumes where it stopped.
        """
        cv = str(getattr(coder, "version", None) or getattr(coder, "coder_version", None)
                 or CODER_VERSION)
        stats = IngestStats()
        t0 = time.monotonic()
        size = max(1, batch_size or self.batch_size)
        with writer_session(self.path, self.writer_wait):
            stats.events_before = self._count("events")
            ids = self.stale_documents(cv, force)
            bar = _progress(progress, len(ids), "documents")
            try:
                for start in range(0, len(ids), size):
                    chunk = ids[start:start + size]
                    docs = self._load_documents(chunk)
                    coded = list(coder.code_many(docs)) if hasattr(coder, "code_many") \
                        else [(d, coder.code(d)) for d in docs]
                    self._replace(coded, cv, stats)
                    stats.documents_seen += len(docs)
                    if bar is not None:
                        bar.update(len(docs))
            finally:
                if bar is not None:
                    bar.close()
            stats.events_after = self._count("events")
        stats.seconds = time.monotonic() - t0
        return stats

    def _load_documents(self, ids: list[str]) -> list[Document]:
        with self._read() as con:
            with registered(con, _ids=pa.table({"id": pa.array(ids, pa.string())})):
                tbl = con.sql("SELECT id, text, title, strftime(pub_date, '%Y-%m-%d') AS date, url, "
                              "source, outlet FROM documents WHERE id IN (SELECT id FROM _ids)"
                              ).to_arrow_table()
        by_id = {r["id"]: Document(**r) for r in tbl.to_pylist()}
        return [by_id[i] for i in ids if i in by_id]

    def _replace(self, coded: list[tuple[Document, Sequence[Event | dict[str, Any]]]], cv: str,
                 stats: IngestStats) -> None:
        mt, _ = _mention_table([evs for _, evs in coded], None)
        ids = [d.id for d, _ in coded]
        staged = writer.StagedDocuments(
            table=pa.table({}), kept_ords=np.arange(len(ids)), new_ids=pa.array(ids, pa.string()),
            renamed=np.zeros(len(ids), bool), skipped=0)
        new_m = writer.stage_mentions(mt, staged)
        with self._write() as con:
            with registered(con, _rids=pa.table({"id": pa.array(ids, pa.string())})):
                old = con.sql("""
                    SELECT event_id, source_code, target_code, code, date, date_day
                    FROM mentions WHERE doc_id IN (SELECT id FROM _rids)""").to_arrow_table()
                con.execute("DELETE FROM mentions WHERE doc_id IN (SELECT id FROM _rids)")
                counts = pc.value_counts(new_m.column("doc_id")) if new_m.num_rows else None
                per_doc = dict(zip(counts.field("values").to_pylist(),
                                   counts.field("counts").to_pylist())) if counts is not None else {}
                with registered(con, _rcounts=pa.table({
                        "id": pa.array(ids, pa.string()),
                        "n": pa.array([per_doc.get(i, 0) for i in ids], pa.int32())})):
                    con.execute("UPDATE documents SET coder_version = ?, num_mentions = c.n "
                                "FROM _rcounts c WHERE documents.id = c.id", [cv])
            n = writer.recluster(con, new_m, self.dedup_window_days,
                                 extra_keys=writer._keys_for(old) if old.num_rows else None,
                                 removed_events=old.select(["event_id"]))
            stats.mentions_added += n
            stats.mentions_removed += old.num_rows
            stats.documents_recoded += len(coded)
            stats.batches += 1

    def dedupe(self, window_days: int | None = None) -> dict[str, int]:
        """Re-cluster all mentions into events (e.g. with a new `window_days`, stored in meta).

        Returns the numbers of mentions and of events before and after.
        """
        w = self.dedup_window_days if window_days is None else int(window_days)
        if w < 0:
            raise ValueError("window_days must be >= 0")
        with writer_session(self.path, self.writer_wait):
            before = self._count("events")
            with self._write() as con:
                self._set_meta(con, {"dedup_window_days": str(w), "written_by": whowhom_version()})
                keys = con.sql("SELECT DISTINCT source_code, target_code, code, "
                               "DATE '0001-01-01' AS s FROM mentions").to_arrow_table()
                writer.recluster(con, writer._empty_mentions(), w, extra_keys=keys,
                                 rebuild_all=True)
            self._meta["dedup_window_days"] = str(w)
            after = self._count("events")
            mentions = self._count("mentions")
        return {"mentions": mentions, "events_before": before, "events_after": after,
                "window_days": w}


# --- events to Arrow ------------------------------------------------------------------------

_NESTED = {"source": "Actor", "target": "Actor", "plover": "Plover", "trigger": "Trigger",
           "location": "Location"}


def _make_event_values() -> Callable[[Event], tuple] | None:
    """A function giving an `Event`'s values in FLAT_COLUMNS order, as `flatten` would, by
    attribute access (`flatten` goes through `dataclasses.asdict`, ~10x slower). None if the
    record layout is not what it expects (then `flatten` is used)."""
    import dataclasses

    from whowhom import records
    cols: list[str] = []
    exprs: list[str] = []
    for f in dataclasses.fields(Event):
        if f.name in _NESTED:
            for sub in dataclasses.fields(getattr(records, _NESTED[f.name])):
                cols.append(f"{f.name}_{sub.name}")
                exprs.append(f"(None if e.{f.name} is None else e.{f.name}.{sub.name})")
        else:
            cols.append(f.name)
            exprs.append(f"e.{f.name}")
    if cols != list(FLAT_COLUMNS):
        return None
    # one compiled expression (built from the field names only): ~10x faster than calling
    # a getter per column
    return eval(f"lambda e: ({', '.join(exprs)},)")


_EVENT_VALUES = _make_event_values()
_CV = FLAT_COLUMNS.index("coder_version")


def _flat_values(ev: Event | dict[str, Any]) -> tuple:
    if _EVENT_VALUES is not None and type(ev) is Event:
        try:
            return _EVENT_VALUES(ev)
        except AttributeError:  # a nested field holding something else: do as flatten does
            pass
    r = flatten(ev)
    if "event_id" not in r:  # a record without an id is an error, as it always was
        raise KeyError("event_id")
    return tuple(r.get(c) for c in FLAT_COLUMNS)


def _mention_table(groups: Sequence[Sequence[Event | dict[str, Any]]], coder_version: str | None
                   ) -> tuple[pa.Table, list[str | None]]:
    """The mentions of documents 0..n-1 (`groups[i]`: the events of document i) as one Arrow
    table (MENTION_INPUT_SCHEMA + `_doc`), built column by column; and per document the coder
    version: `coder_version`, else that of its first event that names one."""
    rows: list[tuple] = []
    doc: list[int] = []
    cvs: list[str | None] = []
    for i, evs in enumerate(groups):
        cv = coder_version
        start = len(rows)
        for ev in evs:
            vals = _flat_values(ev)
            rows.append(vals)
            if cv is None and vals[_CV]:
                cv = vals[_CV]
        doc.extend([i] * (len(rows) - start))
        cvs.append(cv)
    columns = list(zip(*rows)) if rows else [() for _ in FLAT_COLUMNS]
    arrays = [pa.array(col, type=f.type) for col, f in zip(columns, MENTION_INPUT_SCHEMA)]
    arrays.append(pa.array(doc, pa.int64()))
    schema = MENTION_INPUT_SCHEMA.append(pa.field("_doc", pa.int64()))
    return pa.Table.from_arrays(arrays, schema=schema), cvs


def _doc_of(docs: pa.Table, events: pa.Table) -> pa.Array:
    ids = docs.column("id")
    return pc.fill_null(pc.index_in(events.column("doc_id"), value_set=ids), -1).cast(pa.int64())


def _shard_parts(folder: str) -> list[tuple[str, str]]:
    """(documents file, events file) of every finished chunk of a shard folder, in order."""
    import re
    pat = re.compile(r"^part-(\d+)\.parquet$")
    ddir, edir = os.path.join(folder, "documents"), os.path.join(folder, "events")
    if not (os.path.isdir(ddir) and os.path.isdir(edir)):
        raise StoreError(f"{folder}: not a shard folder (no documents/ and events/ inside); give "
                         f"the folder written by `whowhom code -o FOLDER/`, or a .parquet file.",
                         folder)
    docs = {m.group(1): f for f in os.listdir(ddir) if (m := pat.match(f))}
    evs = {m.group(1): f for f in os.listdir(edir) if (m := pat.match(f))}
    return [(os.path.join(ddir, docs[k]), os.path.join(edir, evs[k]))
            for k in sorted(set(docs) & set(evs), key=int)]


def _read_part(docs_file: str, events_file: str) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """One shard part: its documents and events conformed to the input schemas, and per event
    the row of its document (-1: none)."""
    import pyarrow.parquet as pq
    # (ParquetFile.read without threads: half the time of read_table on small files)
    docs = pq.ParquetFile(docs_file).read(use_threads=False)
    evs = pq.ParquetFile(events_file).read(use_threads=False)
    counts = docs.column("num_events").to_numpy(zero_copy_only=False) \
        if "num_events" in docs.column_names else None
    if counts is not None and int(counts.sum()) == evs.num_rows:
        doc_of = np.repeat(np.arange(docs.num_rows, dtype=np.int64), counts)
    else:
        doc_of = _doc_of(docs, evs).to_numpy(zero_copy_only=False)
    return (_conform(docs, DOCUMENT_INPUT_SCHEMA),
            _conform(_mention_names(evs), MENTION_INPUT_SCHEMA), doc_of)


class _PartReader:
    """Iterates over `read(*part)` for each part, computed by a background thread that keeps
    at most about `limit` events read ahead (Parquet decoding releases the GIL, so reading
    overlaps with the store's own work). Errors are raised in the iterating thread."""

    def __init__(self, parts: Sequence[tuple[str, str]],
                 read: Callable[..., tuple[pa.Table, pa.Table, np.ndarray]], limit: int):
        import collections
        import threading
        self._parts, self._read, self._limit = list(parts), read, limit
        self._queue: collections.deque = collections.deque()
        self._cond = threading.Condition()
        self._buffered = 0
        self._done = self._stop = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="whowhom-shard-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for part in self._parts:
                with self._cond:
                    self._cond.wait_for(lambda: self._stop or self._buffered < self._limit)
                    if self._stop:
                        return
                item = self._read(*part)
                with self._cond:
                    self._queue.append(item)
                    self._buffered += item[1].num_rows
                    self._cond.notify_all()
        except BaseException as exc:  # handed to the consumer
            with self._cond:
                self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def __iter__(self) -> Iterator[tuple[pa.Table, pa.Table, np.ndarray]]:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._done)
                if self._queue:
                    item = self._queue.popleft()
                    self._buffered -= item[1].num_rows
                    self._cond.notify_all()
                elif self._error is not None:
                    raise self._error
                else:
                    return
            yield item

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()


def _mention_names(tbl: pa.Table) -> pa.Table:
    """Flat event columns with the coder's `event_id` named `mention_id` (as stored)."""
    if "mention_id" not in tbl.column_names and "event_id" in tbl.column_names:
        return tbl.rename_columns(["mention_id" if c == "event_id" else c for c in tbl.column_names])
    return tbl


def _conform(tbl: pa.Table, schema: pa.Schema) -> pa.Table:
    """Select/cast `tbl` to `schema`, adding missing columns as nulls."""
    cols = []
    for f in schema:
        if f.name in tbl.column_names:
            col = tbl.column(f.name)
            cols.append(col if col.type == f.type else pc.cast(col, f.type))
        else:
            cols.append(pa.nulls(tbl.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def _progress(enabled: bool | None, total: int | None, unit: str) -> Any:
    """A tqdm bar on stderr, or None (auto: only when stderr is a terminal)."""
    import sys
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit=" " + unit, file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
