"""The write path: one batch of documents and mentions into the store, inside one transaction.

Steps (all on the caller's open transaction):
1. `stage_documents`: drop documents whose content hash is stored (or repeated in the batch),
   rename ids already used by other content ("<id>~<hash8>").
2. `stage_mentions`: keep the mentions of the kept documents, point them at the stored document
   id (recomputing mention ids of renamed documents), drop repeated mention ids, compute
   `date_day` (first day of the date's period). Arrow only: nothing is copied into DuckDB yet.
3. `recluster`: for every (source, target, code) key touched, re-run the deduplication over the
   part of its history that new mentions can affect (see below), insert the new mentions with
   their event ids, move existing mentions whose event changed, rewrite the affected events
   (GDELT-style counts) and refresh the affected actors.

Which history is re-clustered: with T = the first day of the month of the earliest new (or
removed) mention of a key, mentions of the key dated before T keep their events, and
re-clustering the key's mentions dated T or later — plus the anchors of events that started in
the `window` days before T — gives exactly the result of re-clustering all of them (see
`whowhom.store.dedup`: anchors are more than `window` days apart, and a month-precision mention
only looks at events anchored in its own month). Ingesting news in date order thus touches only
the last weeks of each key, however large the store.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from whowhom.records import make_event_id
from whowhom.store import dedup
from whowhom.store.connection import registered, temp_tables
from whowhom.store.schema import EVENT_COLUMNS, RECORD_COLUMNS

_EPOCH = _dt.date(1970, 1, 1)

# Every mention of an affected event is dated on/after the bound ($1), or undated: the date
# condition lets DuckDB skip old row groups of `mentions` by their min/max statistics.
EVENT_AGG_SQL = """
INSERT INTO events
WITH agg AS (
    SELECT mm.event_id,
           count(*)::INTEGER AS n,
           count(DISTINCT coalesce(d.outlet, '#doc:' || mm.doc_id))::INTEGER AS ns,
           count(DISTINCT mm.doc_id)::INTEGER AS na,
           max(mm.confidence) AS conf,
           coalesce(bool_or(mm.sentence_id < 3), false) AS lead,
           min(d.ingested_at) AS added,
           arg_min(mm.mention_id, mm.lo) FILTER (WHERE mm.lo IS NOT NULL) AS loc_mid
    FROM (
        SELECT event_id, mention_id, doc_id, confidence, sentence_id,
               CASE WHEN location_name IS NOT NULL OR location_country IS NOT NULL THEN
                    CASE WHEN mention_id = event_id THEN '' ELSE mention_id END END AS lo
        FROM mentions
        WHERE (date_day >= $1::DATE OR date_day IS NULL)
          AND event_id IN (SELECT event_id FROM _affected)
    ) mm JOIN documents d ON d.id = mm.doc_id
    GROUP BY mm.event_id
)
SELECT a.event_id,
       CASE WHEN length(a.event_id) >= 15 AND regexp_full_match(substr(a.event_id, 1, 15), '[0-9a-f]+')
            THEN ('0x' || substr(a.event_id, 1, 15))::BIGINT
            ELSE (hash(a.event_id) >> 2)::BIGINT END,
       r.date_day,
       CASE WHEN r.date_day IS NULL THEN NULL WHEN length(r.date) >= 10 THEN 'day'
            WHEN length(r.date) = 7 THEN 'month' ELSE 'year' END,
       r.source_code, r.source_name, r.source_country, r.source_sector, r.source_text,
       r.target_code, r.target_name, r.target_country, r.target_sector, r.target_text,
       r.code, substr(r.code, 1, 3), r.root_code, r.label, r.goldstein, r.quad_class,
       r.plover_event_type, r.plover_mode,
       l.location_name, l.location_country, l.location_lat, l.location_lon, l.location_feature,
       a.n, a.ns, a.na, a.conf, a.lead, r.doc_id, rd.url, a.added, r.coder_version
FROM agg a
JOIN (SELECT * FROM mentions WHERE date_day >= $1::DATE OR date_day IS NULL) r
  ON r.mention_id = a.event_id
LEFT JOIN (SELECT mention_id, location_name, location_country, location_lat, location_lon,
                  location_feature
           FROM mentions WHERE date_day >= $1::DATE OR date_day IS NULL) l
  ON l.mention_id = a.loc_mid
LEFT JOIN documents rd ON rd.id = r.doc_id
"""

# The same rows as EVENT_AGG_SQL, read from `_aff_m`: the mentions of the affected events
# (stored ones gathered before the batch's mentions are appended, plus the batch's own). Reading
# `mentions` after the append would scan every column of the whole batch (all dated on/after the
# bound) three times to find the few mentions of the affected events.
EVENT_AGG_AFFECTED_SQL = EVENT_AGG_SQL.replace("""FROM mentions
        WHERE (date_day >= $1::DATE OR date_day IS NULL)
          AND event_id IN (SELECT event_id FROM _affected)""", "FROM _aff_m").replace(
    "(SELECT * FROM mentions WHERE date_day >= $1::DATE OR date_day IS NULL)", "_aff_m").replace(
    """FROM mentions WHERE date_day >= $1::DATE OR date_day IS NULL) l""", "FROM _aff_m) l")
assert "mentions" not in EVENT_AGG_AFFECTED_SQL.replace("num_mentions", "") \
    and "$1" not in EVENT_AGG_AFFECTED_SQL

ACTORS_REFRESH_SQL = """
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

# existing mentions of the affected keys that re-clustering must see (see module doc)
_EXISTING_SQL = """
SELECT m.mention_id, m.event_id AS old_event_id, m.source_code, m.target_code, m.code,
       m.location_country, m.date, m.date_day
FROM mentions m
JOIN _keys k ON m.source_code = k.source_code AND m.target_code = k.target_code AND m.code = k.code
WHERE k.s IS NOT NULL AND m.date_day >= ?::DATE AND (
      (m.date_day >= k.s AND length(m.date) >= 7)
   OR (m.mention_id = m.event_id AND length(m.date) >= 10
       AND m.date_day >= k.s - ?::INTEGER AND m.date_day < k.s))
"""

_CLUSTER_COLS = ["mention_id", "source_code", "target_code", "code", "location_country", "date",
                 "date_day"]


@dataclass
class StagedDocuments:
    table: pa.Table        # kept documents, stored ids, ready to insert (incl. `_ord`)
    kept_ords: np.ndarray  # sorted `_ord` values of the kept documents
    new_ids: pa.Array      # stored id per kept document (aligned with kept_ords)
    renamed: np.ndarray    # bool per kept document
    skipped: int
    rows: np.ndarray | None = None  # row of `table` per kept document (aligned with kept_ords)


def stage_documents(con: duckdb.DuckDBPyConnection, docs: pa.Table) -> StagedDocuments:
    hashes = docs.column("content_hash").combine_chunks()
    ids = docs.column("id").combine_chunks()
    with registered(con, _stage_h=pa.table({"h": hashes}), _stage_i=pa.table({"i": ids})):
        stored_h = con.sql(
            "SELECT DISTINCT content_hash FROM documents "
            "WHERE content_hash IN (SELECT h FROM _stage_h)").to_arrow_table().column(0)
        used_i = con.sql(
            "SELECT DISTINCT id FROM documents WHERE id IN (SELECT i FROM _stage_i)"
        ).to_arrow_table().column(0)
    n = docs.num_rows
    # Vectorised common case: keep the first row of each hash not stored yet; if the kept ids
    # are unique and none is stored, nobody is renamed. Otherwise decide row by row (below).
    first = np.zeros(n, bool)
    if n:
        valid = hashes.is_valid().to_numpy(zero_copy_only=False)
        uniq = pc.unique(hashes)
        first_row = pc.index_in(uniq, value_set=hashes).to_numpy(zero_copy_only=False)
        first[first_row[pc.is_valid(uniq).to_numpy(zero_copy_only=False)]] = True
        first &= valid
        if len(stored_h):
            first &= ~pc.fill_null(pc.is_in(hashes, value_set=stored_h), False).to_numpy(
                zero_copy_only=False)
    keep = np.flatnonzero(first)
    kept_ids = ids.take(pa.array(keep, pa.int64()))
    simple = (valid.all() if n else True) and kept_ids.null_count == 0 \
        and pc.count_distinct(kept_ids).as_py() == len(kept_ids) \
        and (len(used_i) == 0 or not pc.any(pc.is_in(kept_ids, value_set=used_i)).as_py())
    if simple:
        keep_rows = keep
        new_arr = kept_ids
        renamed_arr = np.zeros(len(keep), bool)
    else:
        stored = set(stored_h.to_pylist())
        used = set(used_i.to_pylist())
        keep_list: list[int] = []
        new_ids: list[str] = []
        renamed: list[bool] = []
        seen: set[str] = set()
        for row, (h, i) in enumerate(zip(hashes.to_pylist(), ids.to_pylist())):
            if h in stored or h in seen:
                continue
            seen.add(h)
            new = i
            if new in used:
                new = f"{i}~{h[:8]}"
                k = 1
                while new in used:
                    new = f"{i}~{h[:8]}.{k}"
                    k += 1
            used.add(new)
            keep_list.append(row)
            new_ids.append(new)
            renamed.append(new != i)
        keep_rows = np.array(keep_list, np.int64)
        new_arr = pa.array(new_ids, pa.string())
        renamed_arr = np.array(renamed, bool)
    kept = docs.take(pa.array(keep_rows, pa.int64()))
    kept = kept.set_column(kept.schema.get_field_index("id"), "id", new_arr)
    ords = kept.column("_ord").to_numpy() if kept.num_rows else np.zeros(0, np.int64)
    if ords.size < 2 or bool((ords[1:] > ords[:-1]).all()):
        order = np.arange(ords.size)
        sorted_ids = new_arr
    else:
        order = np.argsort(ords, kind="stable")
        sorted_ids = pc.take(new_arr, pa.array(order))
    return StagedDocuments(
        table=kept, kept_ords=ords[order], new_ids=sorted_ids,
        renamed=renamed_arr[order] if renamed_arr.size else np.zeros(0, bool),
        skipped=docs.num_rows - kept.num_rows, rows=order)


_DIGIT = np.full(256, 255, np.uint8)
_DIGIT[48:58] = np.arange(10, dtype=np.uint8)
_CUM_DAYS = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], np.int64)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def date_days(dates: pa.ChunkedArray | pa.Array) -> pa.Array:
    """First day of the period of each date string ("2021-07-31", "2021-07", "2021"); null if
    the string is not a valid date of one of these forms."""
    s = dates.combine_chunks() if isinstance(dates, pa.ChunkedArray) else dates
    n = len(s)
    if n == 0:
        return pa.array([], pa.date32())
    if s.type != pa.string():
        s = pc.cast(s, pa.string())
    # Read the characters straight from the Arrow buffers: YYYY, YYYY-MM or YYYY-MM-DD only.
    offsets = np.frombuffer(s.buffers()[1], dtype=np.int32, count=n + 1, offset=s.offset * 4)
    data = s.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else \
        np.zeros(1, np.uint8)
    ln = np.diff(offsets)
    ok = (ln == 4) | (ln == 7) | (ln == 10)
    if s.null_count:
        ok &= s.is_valid().to_numpy(zero_copy_only=False)
    start = offsets[:-1]
    last = np.int32(raw.size - 1)

    def char(k: int) -> np.ndarray:
        return raw[np.minimum(start + np.int32(k), last)]

    def digit(k: int) -> np.ndarray:
        return _DIGIT[char(k)].astype(np.int32)

    y0, y1, y2, y3 = digit(0), digit(1), digit(2), digit(3)  # a non-digit reads 255
    ok &= (y0 <= 9) & (y1 <= 9) & (y2 <= 9) & (y3 <= 9)
    y = y0 * 1000 + y1 * 100 + y2 * 10 + y3
    has_m, has_d = ln >= 7, ln >= 10
    m10, m1 = digit(5), digit(6)
    ok &= ~has_m | ((char(4) == 45) & (m10 <= 9) & (m1 <= 9))
    d10, d1 = digit(8), digit(9)
    ok &= ~has_d | ((char(7) == 45) & (d10 <= 9) & (d1 <= 9))
    m = np.where(has_m, m10 * 10 + m1, 1)
    d = np.where(has_d, d10 * 10 + d1, 1)
    ok &= (m >= 1) & (m <= 12) & (d >= 1) & (y >= 1)
    y = np.where(ok, y, 1970).astype(np.int64)
    mi = np.where(ok, m, 1).astype(np.int64) - 1
    d = np.where(ok, d, 1).astype(np.int64)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    ok &= d <= _MONTH_DAYS[mi] + ((mi == 1) & leap)  # 2021-02-30 is not a date
    # days since 1970-01-01 (proleptic Gregorian, as numpy and DuckDB count them)
    yp = y - 1
    days = (365 * (y - 1970) + (yp // 4 - 1969 // 4) - (yp // 100 - 1969 // 100)
            + (yp // 400 - 1969 // 400) + _CUM_DAYS[mi] + ((mi >= 2) & leap) + d - 1)
    return pa.array(days.astype(np.int32), pa.int32(), mask=~ok).cast(pa.date32())


def stage_mentions(ments: pa.Table, staged: StagedDocuments) -> pa.Table:
    """Mentions of the kept documents, in RECORD_COLUMNS order plus `date_day`, plus `_dpos`
    (the row of `staged.table` holding the mention's document; not stored)."""
    n_kept = staged.kept_ords.size
    if ments.num_rows == 0 or n_kept == 0:
        return _empty_mentions()
    doc = ments.column("_doc").to_numpy(zero_copy_only=False)
    pos = np.searchsorted(staged.kept_ords, doc)
    pos = np.minimum(pos, n_kept - 1)
    mask = staged.kept_ords[pos] == doc
    if not mask.all():
        ments = ments.filter(pa.array(mask))
        pos = pos[mask]
    if ments.num_rows == 0:
        return _empty_mentions()
    doc_id = pc.take(staged.new_ids, pa.array(pos))
    mid = ments.column("mention_id")
    ren = staged.renamed[pos]
    if ren.any() or mid.null_count:
        mids = mid.to_pylist()
        dids = doc_id.to_pylist()
        cols = {c: ments.column(c).to_pylist() for c in
                ("sentence_id", "trigger_start", "source_code", "target_code", "code")}
        for j in np.flatnonzero(ren | np.array([m is None for m in mids])):
            mids[j] = make_event_id(dids[j], cols["sentence_id"][j] or 0,
                                    cols["trigger_start"][j] or 0, cols["source_code"][j] or "",
                                    cols["target_code"][j] or "", cols["code"][j] or "")
        mid = pa.array(mids, pa.string())
    out = {}
    for c in RECORD_COLUMNS:
        if c == "mention_id":
            out[c] = mid
        elif c == "doc_id":
            out[c] = doc_id
        elif c in ("source_code", "target_code", "code"):
            col = ments.column(c)
            out[c] = pc.fill_null(col, "") if col.null_count else col
        else:
            out[c] = ments.column(c)
    out["date_day"] = date_days(ments.column("date"))
    out["_dpos"] = pa.array(staged.rows[pos] if staged.rows is not None else pos, pa.int64())
    tbl = pa.table(out)
    mids = tbl.column("mention_id").combine_chunks()
    if _hex_prefix(mids, unique=True) is None \
            and pc.count_distinct(mids).as_py() < tbl.num_rows:
        seen: set[str] = set()
        keep = []
        for j, m in enumerate(mids.to_pylist()):
            keep.append(m not in seen)
            seen.add(m)
        tbl = tbl.filter(pa.array(keep))
    return tbl


def _empty_mentions() -> pa.Table:
    from whowhom.store.schema import MENTION_INPUT_SCHEMA
    schema = MENTION_INPUT_SCHEMA.append(pa.field("date_day", pa.date32()))
    return schema.empty_table()


def _keys_for(new_m: pa.Table) -> pa.Table:
    """(source_code, target_code, code, s): per key touched by `new_m`, the first day of the
    month of its earliest day- or month-precision mention (None if it has none)."""
    if new_m.num_rows == 0:
        return pa.table({"source_code": pa.array([], pa.string()),
                         "target_code": pa.array([], pa.string()),
                         "code": pa.array([], pa.string()), "s": pa.array([], pa.date32())})
    dated = pc.and_(pc.greater_equal(pc.utf8_length(new_m.column("date")), 7),
                    pc.is_valid(new_m.column("date_day")))
    day = pc.if_else(pc.fill_null(dated, False), new_m.column("date_day"),
                     pa.scalar(None, pa.date32()))
    t = pa.table({"source_code": new_m.column("source_code"),
                  "target_code": new_m.column("target_code"),
                  "code": new_m.column("code"), "day": day})
    g = t.group_by(["source_code", "target_code", "code"]).aggregate([("day", "min")])
    mins = g.column("day_min").combine_chunks()
    valid = pc.is_valid(mins).to_numpy(zero_copy_only=False)
    days = pc.fill_null(pc.cast(mins, pa.int32()), 0).to_numpy(zero_copy_only=False)
    first = days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
    s = pa.array(first.astype(np.int64).astype(np.int32), pa.int32(), mask=~valid).cast(pa.date32())
    return pa.table({"source_code": g.column("source_code"), "target_code": g.column("target_code"),
                     "code": g.column("code"), "s": s})


def merge_keys(*tables: pa.Table) -> pa.Table:
    t = pa.concat_tables([x.select(["source_code", "target_code", "code", "s"]) for x in tables])
    g = t.group_by(["source_code", "target_code", "code"]).aggregate([("s", "min")])
    return g.rename_columns(["source_code", "target_code", "code", "s"]).select(
        ["source_code", "target_code", "code", "s"])


def recluster(con: duckdb.DuckDBPyConnection, new_m: pa.Table, window: int,
              extra_keys: pa.Table | None = None,
              removed_events: pa.Table | None = None,
              new_docs: pa.Table | None = None, rebuild_all: bool = False) -> int:
    """Insert `new_m` (staged mentions) and re-cluster what they (and `extra_keys`, keys whose
    mentions were removed) affect. Returns the number of mentions inserted.

    `new_docs` (id, outlet, url, ingested_at of the batch's documents, in the order `_dpos`
    of `new_m` refers to) lets events made only of this batch's mentions be built from the
    batch in memory (`_batch_events`, integer arrays only); events that also have stored
    mentions are rebuilt in SQL from their mentions only (EVENT_AGG_AFFECTED_SQL over `_aff_m`).
    All give the same rows as EVENT_AGG_SQL over the tables (tested: `dedupe()` rebuilds
    everything with it). `rebuild_all` rebuilds every event and actor.
    """
    keys = _keys_for(new_m)
    if extra_keys is not None and extra_keys.num_rows:
        keys = merge_keys(keys, extra_keys)
    with registered(con, _keys=keys):
        bound = _bound(keys, new_m, window)
        existing = con.sql(_EXISTING_SQL, params=[bound, int(window)]).to_arrow_table()
    n_old, n_new = existing.num_rows, new_m.num_rows
    new_part = new_m.select(_CLUSTER_COLS)
    allm = pa.concat_tables([existing.drop_columns(["old_event_id"]).cast(new_part.schema),
                             new_part]) if n_old else new_part
    old_eid = existing.column("old_event_id").combine_chunks() if n_old else pa.array([], pa.string())

    rep = np.zeros(0, np.int64)
    mrank = np.zeros(0, np.int64)
    mid = allm.column("mention_id").combine_chunks()
    if allm.num_rows:
        rep, mrank = _cluster_table(allm, window)
        new_eid = pc.take(mid, pa.array(rep))
    else:
        new_eid = pa.array([], pa.string())

    # Statement order matters for speed: DuckDB commits a transaction that deleted or updated
    # rows of a table after appending to it several times slower (it rewrites the appended
    # row groups), so every UPDATE/DELETE of a table comes before the INSERTs into it.
    affected: list[pa.Array] = []
    if n_old:
        cur = new_eid.slice(0, n_old)
        changed = pc.fill_null(pc.not_equal(cur, old_eid), True)
        if pc.any(changed).as_py():
            ch = pa.table({"mention_id": pc.filter(existing.column("mention_id"), changed),
                           "event_id": pc.filter(cur, changed)})
            with registered(con, _changed=ch):
                con.execute("UPDATE mentions SET event_id = c.event_id FROM _changed c "
                            "WHERE mentions.mention_id = c.mention_id "
                            "AND mentions.date_day >= $1::DATE", [bound])  # (as `existing`)
            affected.append(ch.column("event_id").combine_chunks())
            affected.append(pc.drop_null(pc.filter(old_eid, changed)))
    if removed_events is not None and removed_events.num_rows:
        affected.append(removed_events.column("event_id").combine_chunks())

    ins = None
    batch_only = None
    if n_new:
        ins_eid = new_eid.slice(n_old)
        ins = new_m.add_column(0, "event_id", ins_eid)
        rep_new = rep[n_old:]
        only_new = np.zeros(n_new, bool)
        if new_docs is not None and not rebuild_all:
            # events all of whose mentions are in this batch: anchored at a new mention
            # that no stored mention (re-clustered or removed) points at
            mixed = np.zeros(rep.size, bool)
            mixed[:n_old] = True
            mixed[rep[:n_old]] = True
            if removed_events is not None and removed_events.num_rows:
                mixed |= pc.fill_null(pc.is_in(mid, value_set=removed_events.column(
                    "event_id").combine_chunks()), False).to_numpy(zero_copy_only=False)
            only_new = ~mixed[rep_new]
        if only_new.any():
            batch_only = _batch_events(ins, rep_new - n_old, only_new, mrank[n_old:], new_docs)
        if not only_new.all():
            affected.append(pc.filter(ins_eid, pa.array(~only_new)))

    def insert_mentions() -> None:
        if ins is None:
            return
        with registered(con, _ins=ins):
            con.execute(f"INSERT INTO mentions ({_MENTION_COLS}) SELECT {_MENTION_COLS} FROM _ins")

    if rebuild_all:
        con.execute("DELETE FROM events")
        con.execute("DELETE FROM actors")
        insert_mentions()
        with temp_tables(con, "_affected"):
            con.execute("CREATE TEMP TABLE _affected AS SELECT DISTINCT event_id FROM mentions")
            con.execute(EVENT_AGG_SQL, [_dt.date(1, 1, 1)])
        with temp_tables(con, "_codes"):
            con.execute("CREATE TEMP TABLE _codes AS SELECT source_code AS code FROM events "
                        "UNION SELECT target_code FROM events")
            con.execute(ACTORS_REFRESH_SQL)
        return n_new
    if n_new or affected:
        aff = pc.unique(pa.concat_arrays([a.cast(pa.string()) for a in affected])) \
            if affected else pa.array([], pa.string())
        if len(aff):
            with registered(con, _affected_in=pa.table({"event_id": aff})), \
                    temp_tables(con, "_aff_m", "_affected"):
                con.execute("CREATE TEMP TABLE _affected AS SELECT event_id FROM _affected_in")
                con.execute("DELETE FROM events WHERE event_id IN (SELECT event_id FROM _affected)")
                # the stored mentions of the affected events (as EVENT_AGG_SQL selects them:
                # every new mention is dated on/after `bound` too), then the batch's own
                con.execute(f"CREATE TEMP TABLE _aff_m AS SELECT {_MENTION_COLS} FROM mentions "
                            "WHERE (date_day >= $1::DATE OR date_day IS NULL) "
                            "AND event_id IN (SELECT event_id FROM _affected)", [bound])
                if ins is not None:
                    sub = ins.filter(pc.fill_null(pc.is_in(ins.column("event_id"), value_set=aff),
                                                  False))
                    if sub.num_rows:
                        with registered(con, _aff_new=sub):
                            con.execute(f"INSERT INTO _aff_m ({_MENTION_COLS}) SELECT {_MENTION_COLS} FROM _aff_new")
                insert_mentions()
                con.execute(EVENT_AGG_AFFECTED_SQL)
        else:
            insert_mentions()
        if batch_only is not None:
            with registered(con, _batch_events=batch_only):
                cols = ", ".join(c if c != "gid" or batch_only.column("gid").null_count == 0
                                 else f"{_GID_SQL} AS gid" for c in EVENT_COLUMNS)
                con.execute(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                            f"SELECT {cols} FROM _batch_events")
        codes = pc.unique(pa.concat_arrays([keys.column("source_code").combine_chunks(),
                                            keys.column("target_code").combine_chunks()]))
        with registered(con, _codes=pa.table({"code": codes})):
            con.execute("DELETE FROM actors WHERE code IN (SELECT code FROM _codes)")
            con.execute(ACTORS_REFRESH_SQL)
    return n_new


# The columns a batch's mention rows fill (the rest are defaults).
_MENTION_COLS = ", ".join(["event_id", *RECORD_COLUMNS, "date_day"])



# A transaction that appends at least this many mentions skips DuckDB's merge of small row
# groups at its checkpoint (`max_vacuum_tasks = 0`). A parallel bulk INSERT ends in one partial
# row group per thread; the merge rewrites the trailing ones (~0.8 s per million mentions, about
# a tenth of the transaction) to save one row group per table. Small batches keep merging:
# without it, each would leave a tiny row group behind.
BULK_MENTIONS = 5 * 122_880


def bulk_checkpoint(con: duckdb.DuckDBPyConnection, n_mentions: int) -> None:
    if n_mentions >= BULK_MENTIONS:
        con.execute("SET max_vacuum_tasks = 0")


_GID_SQL = ("CASE WHEN length(event_id) >= 15 AND regexp_full_match(substr(event_id, 1, 15), "
            "'[0-9a-f]+') THEN ('0x' || substr(event_id, 1, 15))::BIGINT "
            "ELSE (hash(event_id) >> 2)::BIGINT END")


def _batch_events(ins: pa.Table, rep: np.ndarray, sel: np.ndarray, mrank: np.ndarray,
                  docs: pa.Table) -> pa.Table:
    """Event rows (EVENT_COLUMNS) of the events made only of rows of `ins` — the same values
    EVENT_AGG_SQL computes from the tables, computed with integer arrays.

    rep[i]: row of `ins` anchoring row i's event; sel: rows whose event is built here;
    mrank: orders the rows as their mention ids; docs: id, outlet, url, ingested_at, with
    `ins._dpos` (else `ins.doc_id`) pointing at its rows. `gid` is left null (for _GID_SQL)
    unless every event id is a coder id (20 hex digits).
    """
    n = ins.num_rows
    rows = np.flatnonzero(sel)
    anchors = np.flatnonzero(sel & (rep == np.arange(n)))   # one per event, in row order
    gidx = np.full(n, -1, np.int64)
    gidx[anchors] = np.arange(anchors.size)
    g = gidx[rep[rows]]                                      # event number per selected row
    n_ev = anchors.size
    if "_dpos" in ins.column_names:
        dpos = ins.column("_dpos").to_numpy()
    else:
        dpos = pc.index_in(ins.column("doc_id"), value_set=docs.column("id")).to_numpy(
            zero_copy_only=False).astype(np.int64)
    n_docs = max(docs.num_rows, 1)
    # a source is an outlet; an article of unknown outlet counts as its own source
    outlet = docs.column("outlet").combine_chunks()
    okey_str = pc.if_else(pc.is_null(outlet),
                          pc.binary_join_element_wise("#doc:", docs.column("id"), ""), outlet)
    okey = pc.dictionary_encode(okey_str).combine_chunks().indices.to_numpy(
        zero_copy_only=False).astype(np.int64) if docs.num_rows else np.zeros(0, np.int64)
    conf_col = ins.column("confidence").combine_chunks()
    conf = (pc.fill_null(conf_col, -np.inf) if conf_col.null_count else conf_col).to_numpy(
        zero_copy_only=False)
    lead = pc.fill_null(pc.less(ins.column("sentence_id"), 3), False).to_numpy(
        zero_copy_only=False)
    located = pc.or_(pc.is_valid(ins.column("location_name")),
                     pc.is_valid(ins.column("location_country"))).to_numpy(zero_copy_only=False)

    # events of one mention take its values; only the rows of larger events are sorted
    num_mentions = np.bincount(g, minlength=n_ev).astype(np.int32)
    num_articles = np.ones(n_ev, np.int32)
    num_sources = np.ones(n_ev, np.int32)
    cmax = conf[anchors]
    is_root = lead[anchors]
    loc_row = np.where(located[anchors], anchors, -1)
    multi = num_mentions[g] > 1
    mrows, mg = rows[multi], g[multi]
    if mrows.size:
        def distinct(vals: np.ndarray, width: int) -> np.ndarray:
            pairs = np.sort(mg * width + vals)  # (np.unique hashes: much slower here)
            first = np.r_[True, pairs[1:] != pairs[:-1]]
            return np.bincount(pairs[first] // width, minlength=n_ev).astype(np.int32)

        big = num_mentions > 1
        num_articles[big] = distinct(dpos[mrows], n_docs)[big]
        num_sources[big] = distinct(okey[dpos[mrows]], n_docs)[big]
        order = np.argsort(mg)  # any order within an event will do
        gs = mg[order]
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        ev = gs[starts]
        cmax[ev] = np.maximum.reduceat(conf[mrows[order]], starts)
        is_root[ev] = np.logical_or.reduceat(lead[mrows[order]], starts)
        # location: the anchor's if it is located, else the first located mention (by id)
        lrows = mrows[located[mrows]]
        if lrows.size:
            lg = gidx[rep[lrows]]
            lo = dedup._lexsort((mrank[lrows], rep[lrows] != lrows, lg))
            lg_s = lg[lo]
            first = np.r_[True, lg_s[1:] != lg_s[:-1]]
            loc_row[lg_s[first]] = lrows[lo][first]
    confidence = pa.array(cmax, pa.float64(), mask=np.isneginf(cmax))
    loc_take = pa.array(loc_row, pa.int64(), mask=loc_row < 0)

    a_idx = pa.array(anchors, pa.int64())
    rep_t = ins.select([
        "event_id", "date", "date_day", "source_code", "source_name", "source_country",
        "source_sector", "source_text", "target_code", "target_name", "target_country",
        "target_sector", "target_text", "code", "root_code", "label", "goldstein", "quad_class",
        "plover_event_type", "plover_mode", "doc_id", "coder_version"]).take(a_idx)
    d_idx = pa.array(dpos[anchors], pa.int64())
    date_col = rep_t.column("date")
    ln = pc.utf8_length(date_col)
    prec = pc.if_else(pc.is_null(rep_t.column("date_day")), pa.scalar(None, pa.string()),
                      pc.if_else(pc.greater_equal(ln, 10), "day",
                                 pc.if_else(pc.equal(ln, 7), "month", "year")))
    hexnum = _hex_prefix(rep_t.column("event_id").combine_chunks())
    if hexnum is not None:
        gid = pa.array(hexnum, pa.int64())
    else:
        gid = pa.nulls(n_ev, pa.int64())
    cols = {
        "event_id": rep_t.column("event_id"), "gid": gid, "date": rep_t.column("date_day"),
        "date_precision": prec,
        **{c: rep_t.column(c) for c in (
            "source_code", "source_name", "source_country", "source_sector", "source_text",
            "target_code", "target_name", "target_country", "target_sector", "target_text",
            "code")},
        "base_code": pc.utf8_slice_codeunits(rep_t.column("code"), 0, 3),
        **{c: rep_t.column(c) for c in ("root_code", "label", "goldstein", "quad_class",
                                        "plover_event_type", "plover_mode")},
        **{c: pc.take(ins.column(c), loc_take) for c in (
            "location_name", "location_country", "location_lat", "location_lon",
            "location_feature")},
        "num_mentions": pa.array(num_mentions, pa.int32()),
        "num_sources": pa.array(num_sources, pa.int32()),
        "num_articles": pa.array(num_articles, pa.int32()),
        "confidence": confidence,
        "is_root": pa.array(is_root, pa.bool_()),
        "first_doc_id": rep_t.column("doc_id"),
        "source_url": pc.take(docs.column("url"), d_idx),
        "date_added": pc.take(docs.column("ingested_at"), d_idx),
        "coder_version": rep_t.column("coder_version"),
    }
    return pa.table({c: cols[c] for c in EVENT_COLUMNS})


def _bound(keys: pa.Table, new_m: pa.Table, window: int) -> _dt.date:
    """A date on or before which no mention of an affected event can be dated (undated ones
    aside): lets DuckDB skip old row groups by their min/max statistics.

    An affected event is anchored on or after T - window (T: the earliest re-clustering start
    of a key, or the earliest new mention), and its mentions are dated from the first day of
    its anchor's month on: a month-precision report ("in January 2018") joins an event anchored
    on 2018-01-31 with date_day 2018-01-01. Hence the first day of the month of T - window."""
    cands = []
    for col in (keys.column("s"), new_m.column("date_day") if new_m.num_rows else None):
        if col is not None and len(col) and col.null_count < len(col):
            cands.append(pc.min(col).as_py())
    if not cands:
        return _dt.date(1, 1, 1)
    low = min(cands)
    start = max(_dt.date(1, 1, 1) + _dt.timedelta(days=window + 1), low) \
        - _dt.timedelta(days=int(window) + 1)
    return start.replace(day=1)


def _cluster_table(allm: pa.Table, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Run `dedup.cluster` on a table with _CLUSTER_COLS; returns the anchor row per row and
    the rank of each row's mention id."""
    allm = allm.combine_chunks()

    def codes(col: str) -> tuple[np.ndarray, int]:
        enc = pc.dictionary_encode(allm.column(col)).combine_chunks()
        return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), len(enc.dictionary)

    s_i, s_n = codes("source_code")
    t_i, t_n = codes("target_code")
    c_i, c_n = codes("code")
    if allm.column("source_code").null_count or allm.column("target_code").null_count \
            or allm.column("code").null_count or s_n * t_n * c_n >= 1 << 62:
        key_str = pc.binary_join_element_wise(allm.column("source_code"),
                                              allm.column("target_code"), allm.column("code"),
                                              "\x1f")
        key = pc.dictionary_encode(key_str).combine_chunks().indices.to_numpy().astype(np.int64)
    else:
        key = (s_i * t_n + t_i) * c_n + c_i  # equal keys, equal numbers
        if s_n * t_n * c_n >= 1 << 26:  # keep the numbers small (dedup packs them in int64)
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64)
    # country: 0 unknown, else its alphabetical rank
    ctry = pc.dictionary_encode(pc.fill_null(allm.column("location_country"), "")).combine_chunks()
    drank = pc.rank(ctry.dictionary, sort_keys="ascending", tiebreaker="dense").to_numpy() \
        .astype(np.int64) if len(ctry.dictionary) else np.zeros(0, np.int64)
    drank = np.where(pc.equal(ctry.dictionary, "").to_numpy(zero_copy_only=False), 0, drank) \
        if len(ctry.dictionary) else drank
    country = drank[ctry.indices.to_numpy(zero_copy_only=False)]
    day_arr = allm.column("date_day")
    valid = pc.is_valid(day_arr).to_numpy(zero_copy_only=False)
    day = pc.fill_null(pc.cast(day_arr, pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    ln = pc.fill_null(pc.utf8_length(allm.column("date")), 0).to_numpy(
        zero_copy_only=False).astype(np.int64)
    prec = np.where(~valid, dedup.NONE, np.where(ln >= 10, dedup.DAY,
                                                 np.where(ln == 7, dedup.MONTH, dedup.YEAR)))
    months = day.astype("datetime64[D]").astype("datetime64[M]")
    period_end = (months + 1).astype("datetime64[D]").astype(np.int64)
    mrank = _mention_order(allm.column("mention_id"))
    return dedup.cluster(key, country, prec, day, period_end, mrank, window), mrank


_HEX_VALUE = np.full(256, 255, np.uint8)
_HEX_VALUE[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16, dtype=np.uint8)


def _hex_prefix(arr: pa.Array, unique: bool = False) -> np.ndarray | None:
    """The first 15 hex digits of each id as an integer, if every id is 20 characters whose
    first 15 are lower-case hex digits (ids from the coder are); else None. With `unique`,
    also None unless the values are all different (then the ids are too, and the values order
    them as strings)."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.int64)
    if arr.null_count or arr.type != pa.string():
        return None
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    if offsets[-1] - offsets[0] != 20 * n or not (np.diff(offsets) == 20).all():
        return None
    raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8, count=20 * n, offset=int(offsets[0]))
    val = _HEX_VALUE[raw.reshape(n, 20)[:, :16]]
    if (val[:, :15] > 15).any():
        return None
    val[:, 15] = 0
    packed = np.ascontiguousarray((val[:, 0::2] << 4) | val[:, 1::2])  # 8 bytes, big-endian
    num = (packed.view(">u8").ravel() >> np.uint64(4)).astype(np.int64)
    if unique and n > 1:
        srt = np.sort(num)
        if (srt[1:] == srt[:-1]).any():
            return None
    return num


def _mention_order(mid: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The rank (0..n-1) of each mention id among the ids, as strings sort (ties: row order).
    Ids from the coder are 20 lower-case hex digits: when their first 15, read as numbers,
    are all different, sorting the numbers is enough."""
    arr = mid.combine_chunks() if isinstance(mid, pa.ChunkedArray) else mid
    n = len(arr)
    num = _hex_prefix(arr)
    if num is not None and n > 1:
        order = np.argsort(num)
        if (num[order[1:]] != num[order[:-1]]).all():
            rank = np.empty(n, np.int64)
            rank[order] = np.arange(n, dtype=np.int64)
            return rank
    elif num is not None:
        return np.zeros(n, np.int64)
    return pc.rank(arr, sort_keys="ascending", tiebreaker="first").to_numpy().astype(np.int64) - 1
