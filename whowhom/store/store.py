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

from whowhom.records import CODER_VERSION, Document, Event, flatten
from whowhom.store import dedup
from whowhom.store.connection import (
    read_connection, translate, write_connection, writer_session,
)
from whowhom.store.queries import Page, QueryMixin, _jsonable  # noqa: F401
from whowhom.store.errors import (
    NotAStore, StoreCorrupt, StoreError, StoreNotFound, StoreReadOnly, StoreVersionError,
)
from whowhom.store.schema import (
    APP_NAME, DDL, DOCUMENT_INPUT_SCHEMA, EVENT_COLUMNS, MENTION_INPUT_SCHEMA, MIGRATIONS,
    RECORD_COLUMNS, SCHEMA_VERSION, TABLES,
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


# --- SQL pieces -----------------------------------------------------------------------------

_PREC_SQL = ("CASE WHEN date_day IS NULL THEN NULL WHEN length(date) >= 10 THEN 'day' "
             "WHEN length(date) = 7 THEN 'month' ELSE 'year' END")

_DATE_DAY_SQL = ("CASE WHEN length(date) >= 10 THEN try_cast(substr(date, 1, 10) AS DATE) "
                 "WHEN length(date) = 7 THEN try_cast(date || '-01' AS DATE) "
                 "WHEN length(date) = 4 THEN try_cast(date || '-01-01' AS DATE) END")

# Representative value of a column for an event: that of its anchor mention (o = '').
def _rep(col: str) -> str:
    return f"arg_min_null({col}, o)"


def _loc(col: str) -> str:
    return f"arg_min_null({col}, lo)"


_EVENT_AGG_SQL = f"""
INSERT INTO events
SELECT
    m.event_id,
    CASE WHEN length(m.event_id) >= 15 AND regexp_full_match(substr(m.event_id, 1, 15), '[0-9a-f]+')
         THEN ('0x' || substr(m.event_id, 1, 15))::BIGINT
         ELSE (hash(m.event_id) >> 2)::BIGINT END,
    {_rep('m.date_day')},
    {_rep('m.prec')},
    {_rep('m.source_code')}, {_rep('m.source_name')}, {_rep('m.source_country')},
    {_rep('m.source_sector')}, {_rep('m.source_text')},
    {_rep('m.target_code')}, {_rep('m.target_name')}, {_rep('m.target_country')},
    {_rep('m.target_sector')}, {_rep('m.target_text')},
    {_rep('m.code')},
    substr({_rep('m.code')}, 1, 3),
    {_rep('m.root_code')}, {_rep('m.label')}, {_rep('m.goldstein')}, {_rep('m.quad_class')},
    {_rep('m.plover_event_type')}, {_rep('m.plover_mode')},
    {_loc('m.location_name')}, {_loc('m.location_country')}, {_loc('m.location_lat')},
    {_loc('m.location_lon')}, {_loc('m.location_feature')},
    count(*)::INTEGER,
    count(DISTINCT coalesce(d.outlet, '#doc:' || m.doc_id))::INTEGER,
    count(DISTINCT m.doc_id)::INTEGER,
    max(m.confidence),
    bool_or(m.sentence_id < 3),
    {_rep('m.doc_id')},
    {_rep('d.url')},
    min(d.ingested_at),
    {_rep('m.coder_version')}
FROM (
    SELECT *, {_PREC_SQL} AS prec,
           CASE WHEN mention_id = event_id THEN '' ELSE mention_id END AS o,
           CASE WHEN location_name IS NOT NULL OR location_country IS NOT NULL
                THEN (CASE WHEN mention_id = event_id THEN '' ELSE mention_id END) END AS lo
    FROM mentions
    WHERE event_id IN (SELECT event_id FROM _affected)
) m
JOIN documents d ON d.id = m.doc_id
GROUP BY m.event_id
"""

_ACTORS_REFRESH_SQL = """
INSERT INTO actors
WITH sides AS (
    SELECT source_code AS code, source_country AS country, source_sector AS sector,
           source_name AS name, num_mentions, date, 1 AS s, 0 AS t
    FROM events WHERE source_code IN (SELECT code FROM _codes)
    UNION ALL
    SELECT target_code, target_country, target_sector, target_name, num_mentions, date, 0, 1
    FROM events WHERE target_code IN (SELECT code FROM _codes)
)
SELECT code, mode(country), mode(sector), mode(name),
       coalesce(approx_top_k(name, 5), []),
       sum(s)::INTEGER, sum(t)::INTEGER, count(*)::INTEGER, sum(num_mentions)::BIGINT,
       min(date), max(date)
FROM sides GROUP BY code
"""

_CLUSTER_INPUT_SQL = """
WITH allm AS (
    SELECT mention_id, event_id AS old_event_id, source_code, target_code, code,
           location_country, date, date_day, false AS is_new
    FROM mentions
    WHERE (source_code, target_code, code) IN (SELECT source_code, target_code, code FROM _keys)
    UNION ALL
    SELECT mention_id, NULL, source_code, target_code, code, location_country, date, date_day, true
    FROM _new_m
)
SELECT mention_id, old_event_id, is_new,
       dense_rank() OVER (ORDER BY source_code, target_code, code) AS k,
       CASE WHEN coalesce(location_country, '') = '' THEN 0
            ELSE dense_rank() OVER (PARTITION BY coalesce(location_country, '') = ''
                                    ORDER BY location_country) END AS c,
       CASE WHEN date_day IS NULL THEN 3 WHEN length(date) >= 10 THEN 0
            WHEN length(date) = 7 THEN 1 ELSE 2 END AS p,
       coalesce(date_day - DATE '1970-01-01', 0) AS d,
       coalesce((date_day + INTERVAL 1 MONTH)::DATE - DATE '1970-01-01', 0) AS pe,
       row_number() OVER (ORDER BY mention_id) AS r
FROM allm
"""


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
                con.register("_meta_in", pa.table({"key": list(meta), "value": list(meta.values())}))
                con.execute("INSERT INTO meta SELECT key, value FROM _meta_in")
                con.unregister("_meta_in")
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
            con.register("_h", pa.table({"h": pa.array(hs, pa.string())}))
            rows = con.execute("SELECT DISTINCT content_hash FROM documents "
                               "WHERE content_hash IN (SELECT h FROM _h)").fetchall()
        return {r[0] for r in rows}

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
        doc_rows = []
        ment_rows: list[dict[str, Any]] = []
        for i, (doc, evs) in enumerate(zip(docs, events)):
            cv = coder_version
            rows = []
            for ev in evs:
                r = flatten(ev)
                r["mention_id"] = r.pop("event_id")
                r["_doc"] = i
                rows.append(r)
                if cv is None and r.get("coder_version"):
                    cv = r["coder_version"]
            ment_rows.extend(rows)
            doc_rows.append({
                "id": doc.id, "url": doc.url, "title": doc.title, "pub_date": doc.date,
                "outlet": _outlet(doc), "source": doc.source, "content_hash": doc.content_hash,
                "coder_version": cv or CODER_VERSION, "text": doc.text, "_ord": i,
            })
        dschema = DOCUMENT_INPUT_SCHEMA.append(pa.field("_ord", pa.int64()))
        mschema = MENTION_INPUT_SCHEMA.append(pa.field("_doc", pa.int64()))
        dt = pa.Table.from_pylist(doc_rows, schema=dschema)
        mt = pa.Table.from_pylist(ment_rows, schema=mschema)
        self._write_batch(dt, mt, stats)

    def add_arrow(self, documents: pa.Table, mentions: pa.Table, *,
                  batch_documents: int = 200_000) -> IngestStats:
        """Bulk insert: `documents` (columns of DOCUMENT_INPUT_SCHEMA) and `mentions` (the flat
        event record, `event_id` or `mention_id` for the mention id, `doc_id` = documents.id).

        Same semantics as `add()` (skip stored content, dedupe), written in transactions of
        `batch_documents` documents. Used by `--from-parquet` and the benchmark.
        """
        stats = IngestStats()
        t0 = time.monotonic()
        documents = _conform(documents, DOCUMENT_INPUT_SCHEMA)
        if "mention_id" not in mentions.column_names and "event_id" in mentions.column_names:
            mentions = mentions.rename_columns(
                ["mention_id" if c == "event_id" else c for c in mentions.column_names])
        mentions = _conform(mentions, MENTION_INPUT_SCHEMA)
        with writer_session(self.path, self.writer_wait):
            stats.events_before = self._count("events")
            n = documents.num_rows
            # map mentions to the first document row with their doc_id
            first = {}
            for i, d in enumerate(documents.column("id").to_pylist()):
                first.setdefault(d, i)
            ord_all = pa.array([first.get(d, -1) for d in mentions.column("doc_id").to_pylist()],
                               pa.int64())
            mentions = mentions.append_column("_doc", ord_all)
            documents = documents.append_column("_ord", pa.array(np.arange(n), pa.int64()))
            for start in range(0, max(n, 1), batch_documents):
                dt = documents.slice(start, batch_documents)
                if dt.num_rows == 0:
                    break
                mask = pc.and_(pc.greater_equal(ord_all, start),
                               pc.less(ord_all, start + dt.num_rows))
                mt = mentions.filter(mask)
                stats.documents_seen += dt.num_rows
                self._write_batch(dt, mt, stats)
            stats.events_after = self._count("events")
        stats.seconds = time.monotonic() - t0
        return stats

    def _count(self, table: str) -> int:
        assert table in TABLES
        with self._read() as con:
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def _write_batch(self, docs: pa.Table, ments: pa.Table, stats: IngestStats) -> None:
        """One transaction: new documents + their mentions + re-clustered events/actors."""
        now = _dt.datetime.now().replace(microsecond=0)
        with self._write() as con:
            con.register("_in_docs", docs)
            con.register("_in_m", ments)
            try:
                # documents: drop content already stored or repeated in the batch
                con.execute("""
                    CREATE TEMP TABLE _b_docs AS
                    SELECT * FROM (
                        SELECT *, row_number() OVER (PARTITION BY content_hash ORDER BY _ord) AS _rn
                        FROM _in_docs
                    ) WHERE _rn = 1
                      AND content_hash NOT IN (SELECT content_hash FROM documents)""")
                # ids already used by other content (stored, or earlier in this batch): rename
                con.execute("""
                    CREATE TEMP TABLE _b_map AS
                    SELECT _ord, id AS orig_id,
                           CASE WHEN id IN (SELECT id FROM documents)
                                  OR row_number() OVER (PARTITION BY id ORDER BY _ord) > 1
                                THEN id || '~' || substr(content_hash, 1, 8) ELSE id END AS new_id
                    FROM _b_docs""")
                kept, renamed = con.execute(
                    "SELECT count(*), count(*) FILTER (WHERE new_id <> orig_id) FROM _b_map"
                ).fetchone()
                stats.documents_added += kept
                stats.documents_renamed += renamed
                stats.documents_skipped += docs.num_rows - kept
                _stage_mentions(con, "_b_map")
                n_new = con.execute("SELECT count(*) FROM _new_m").fetchone()[0]
                con.execute(f"""
                    INSERT INTO documents
                    SELECT b.new_id, d.url, d.title, try_cast(d.pub_date AS DATE), d.outlet, d.source,
                           d.content_hash, d.coder_version, d.text, ?::TIMESTAMP,
                           (SELECT count(*) FROM _new_m m WHERE m.doc_id = b.new_id)::INTEGER
                    FROM _b_docs d JOIN _b_map b ON d._ord = b._ord
                    ORDER BY d._ord""", [now])
                if n_new:
                    self._recluster(con, new_mentions=True)
                stats.mentions_added += n_new
                stats.batches += 1
            finally:
                for t in ("_b_docs", "_b_map", "_new_m"):
                    con.execute(f"DROP TABLE IF EXISTS {t}")
                con.unregister("_in_docs")
                con.unregister("_in_m")

    def _recluster(self, con: duckdb.DuckDBPyConnection, new_mentions: bool,
                   removed_events: pa.Table | None = None) -> None:
        """Re-cluster every mention of the keys in `_keys`/`_new_m`; rewrite affected events.

        Expects temp table `_new_m` (new mention rows, may be empty) and creates `_keys`.
        `removed_events` lists event ids that lost mentions (re-coding) and must be refreshed.
        """
        window = self.dedup_window_days
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _keys (source_code VARCHAR, "
                    "target_code VARCHAR, code VARCHAR)")
        con.execute("INSERT INTO _keys SELECT DISTINCT source_code, target_code, code FROM _new_m")
        con.execute("CREATE TEMP TABLE _k AS SELECT DISTINCT * FROM _keys")
        con.execute("DROP TABLE _keys")
        con.execute("ALTER TABLE _k RENAME TO _keys")
        tbl = con.sql(_CLUSTER_INPUT_SQL).to_arrow_table()
        rep = dedup.cluster(
            tbl.column("k").to_numpy(), tbl.column("c").to_numpy(), tbl.column("p").to_numpy(),
            tbl.column("d").to_numpy(), tbl.column("pe").to_numpy(), tbl.column("r").to_numpy(),
            window)
        mid = tbl.column("mention_id")
        new_eid = pc.take(mid, pa.array(rep))
        old_eid = tbl.column("old_event_id")
        is_new = tbl.column("is_new")
        changed = pc.and_(pc.invert(is_new), pc.fill_null(pc.not_equal(new_eid, old_eid), True))
        assign = pa.table({"mention_id": mid, "event_id": new_eid, "old_event_id": old_eid,
                           "is_new": is_new, "changed": changed})
        con.register("_assign", assign)
        try:
            cols = ", ".join(f"n.{c}" for c in RECORD_COLUMNS)
            con.execute(f"""
                INSERT INTO mentions
                SELECT a.event_id, {cols}, n.date_day
                FROM _new_m n JOIN (SELECT mention_id, event_id FROM _assign WHERE is_new) a
                  ON n.mention_id = a.mention_id""")
            if pc.any(changed).as_py():
                con.execute("""
                    UPDATE mentions SET event_id = a.event_id
                    FROM (SELECT mention_id, event_id FROM _assign WHERE changed) a
                    WHERE mentions.mention_id = a.mention_id""")
            con.execute("""
                CREATE TEMP TABLE _affected AS
                SELECT event_id FROM _assign WHERE is_new OR changed
                UNION SELECT old_event_id FROM _assign WHERE changed AND old_event_id IS NOT NULL""")
            if removed_events is not None and removed_events.num_rows:
                con.register("_removed", removed_events)
                con.execute("INSERT INTO _affected SELECT event_id FROM _removed "
                            "EXCEPT SELECT event_id FROM _affected")
                con.unregister("_removed")
            con.execute("DELETE FROM events WHERE event_id IN (SELECT event_id FROM _affected)")
            con.execute(_EVENT_AGG_SQL)
            con.execute("""
                CREATE TEMP TABLE _codes AS
                SELECT source_code AS code FROM _keys UNION SELECT target_code FROM _keys""")
            con.execute("DELETE FROM actors WHERE code IN (SELECT code FROM _codes)")
            con.execute(_ACTORS_REFRESH_SQL)
        finally:
            con.unregister("_assign")
            for t in ("_affected", "_codes", "_keys"):
                con.execute(f"DROP TABLE IF EXISTS {t}")

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
               progress: bool | None = None, coder_batch_size: int = 16) -> IngestStats:
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
                    coded = list(coder.code_many(docs, batch_size=coder_batch_size)) \
                        if hasattr(coder, "code_many") else [(d, coder.code(d)) for d in docs]
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
            con.register("_ids", pa.table({"id": pa.array(ids, pa.string())}))
            tbl = con.sql("SELECT id, text, title, strftime(pub_date, '%Y-%m-%d') AS date, url, "
                          "source, outlet FROM documents WHERE id IN (SELECT id FROM _ids)"
                          ).to_arrow_table()
        by_id = {r["id"]: Document(**r) for r in tbl.to_pylist()}
        return [by_id[i] for i in ids if i in by_id]

    def _replace(self, coded: list[tuple[Document, Sequence[Event | dict[str, Any]]]], cv: str,
                 stats: IngestStats) -> None:
        ment_rows: list[dict[str, Any]] = []
        doc_rows = []
        for i, (doc, evs) in enumerate(coded):
            doc_rows.append({"_ord": i, "orig_id": doc.id, "new_id": doc.id})
            for ev in evs:
                r = flatten(ev)
                r["mention_id"] = r.pop("event_id")
                r["doc_id"] = doc.id
                r["_doc"] = i
                ment_rows.append(r)
        mschema = MENTION_INPUT_SCHEMA.append(pa.field("_doc", pa.int64()))
        mt = pa.Table.from_pylist(ment_rows, schema=mschema)
        dm = pa.Table.from_pylist(doc_rows, schema=pa.schema(
            [("_ord", pa.int64()), ("orig_id", pa.string()), ("new_id", pa.string())]))
        with self._write() as con:
            con.register("_in_m", mt)
            con.register("_rmap", dm)
            try:
                con.execute("CREATE TEMP TABLE _b_map AS SELECT * FROM _rmap")
                removed = con.sql("SELECT DISTINCT event_id FROM mentions "
                                  "WHERE doc_id IN (SELECT orig_id FROM _b_map)").to_arrow_table()
                con.execute("CREATE TEMP TABLE _keys AS SELECT DISTINCT source_code, target_code, code "
                            "FROM mentions WHERE doc_id IN (SELECT orig_id FROM _b_map)")
                n_old = con.execute("SELECT count(*) FROM mentions "
                                    "WHERE doc_id IN (SELECT orig_id FROM _b_map)").fetchone()[0]
                con.execute("DELETE FROM mentions WHERE doc_id IN (SELECT orig_id FROM _b_map)")
                _stage_mentions(con, "_b_map")
                con.execute("""
                    UPDATE documents SET coder_version = ?,
                        num_mentions = (SELECT count(*) FROM _new_m m WHERE m.doc_id = documents.id)
                    WHERE id IN (SELECT orig_id FROM _b_map)""", [cv])
                n_new = con.execute("SELECT count(*) FROM _new_m").fetchone()[0]
                self._recluster(con, new_mentions=True, removed_events=removed)
                stats.mentions_added += n_new
                stats.mentions_removed += n_old
                stats.documents_recoded += len(coded)
                stats.batches += 1
            finally:
                for t in ("_b_map", "_new_m", "_keys"):
                    con.execute(f"DROP TABLE IF EXISTS {t}")
                con.unregister("_in_m")
                con.unregister("_rmap")

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
                self._meta["dedup_window_days"] = str(w)
                con.execute("CREATE TEMP TABLE _keys AS SELECT DISTINCT source_code, target_code, "
                            "code FROM mentions")
                con.execute("CREATE TEMP TABLE _new_m AS SELECT * EXCLUDE (event_id) FROM mentions "
                            "LIMIT 0")
                try:
                    self._recluster(con, new_mentions=False)
                finally:
                    con.execute("DROP TABLE IF EXISTS _new_m")
            after = self._count("events")
            mentions = self._count("mentions")
        return {"mentions": mentions, "events_before": before, "events_after": after,
                "window_days": w}


def _stage_mentions(con: duckdb.DuckDBPyConnection, map_table: str) -> None:
    """Create temp table `_new_m` from `_in_m` rows whose `_doc` is in `map_table` (_ord,
    orig_id, new_id): renamed doc ids get recomputed mention ids (same recipe as
    `records.make_event_id`), duplicates within a document are dropped, codes normalised and
    `date_day` (first day of the date's period) computed."""
    rec = ", ".join(f"m.{c}" for c in RECORD_COLUMNS if c not in ("mention_id", "doc_id"))
    con.execute(f"""
        CREATE TEMP TABLE _new_m AS
        SELECT * EXCLUDE (_rn) FROM (
            SELECT
                CASE WHEN b.new_id = b.orig_id THEN m.mention_id ELSE
                    substr(sha1(concat_ws(chr(31), b.new_id, m.sentence_id::VARCHAR,
                        m.trigger_start::VARCHAR, coalesce(m.source_code, ''),
                        coalesce(m.target_code, ''), m.code)), 1, 20) END AS mention_id,
                b.new_id AS doc_id,
                {rec},
                row_number() OVER (PARTITION BY m._doc, m.mention_id
                                   ORDER BY m.sentence_id, m.trigger_start) AS _rn
            FROM _in_m m JOIN {map_table} b ON m._doc = b._ord
        ) WHERE _rn = 1""")
    con.execute("UPDATE _new_m SET source_code = coalesce(source_code, ''), "
                "target_code = coalesce(target_code, '')")
    con.execute("ALTER TABLE _new_m ADD COLUMN date_day DATE")
    con.execute(f"UPDATE _new_m SET date_day = {_DATE_DAY_SQL}")


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
