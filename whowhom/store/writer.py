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
           bool_or(mm.sentence_id < 3) AS lead,
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


def stage_documents(con: duckdb.DuckDBPyConnection, docs: pa.Table) -> StagedDocuments:
    hashes = docs.column("content_hash")
    ids = docs.column("id")
    con.register("_stage_h", pa.table({"h": hashes}))
    con.register("_stage_i", pa.table({"i": ids}))
    try:
        stored = {r[0] for r in con.execute(
            "SELECT DISTINCT content_hash FROM documents "
            "WHERE content_hash IN (SELECT h FROM _stage_h)").fetchall()}
        used = {r[0] for r in con.execute(
            "SELECT DISTINCT id FROM documents WHERE id IN (SELECT i FROM _stage_i)").fetchall()}
    finally:
        con.unregister("_stage_h")
        con.unregister("_stage_i")
    keep_rows: list[int] = []
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
        keep_rows.append(row)
        new_ids.append(new)
        renamed.append(new != i)
    kept = docs.take(pa.array(keep_rows, pa.int64()))
    new_arr = pa.array(new_ids, pa.string())
    kept = kept.set_column(kept.schema.get_field_index("id"), "id", new_arr)
    ords = kept.column("_ord").to_numpy() if kept.num_rows else np.zeros(0, np.int64)
    order = np.argsort(ords, kind="stable")
    return StagedDocuments(
        table=kept, kept_ords=ords[order], new_ids=pc.take(new_arr, pa.array(order)),
        renamed=np.array(renamed, bool)[order] if renamed else np.zeros(0, bool),
        skipped=docs.num_rows - kept.num_rows)


_DATE_RE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


def date_days(dates: pa.ChunkedArray | pa.Array) -> pa.Array:
    """First day of the period of each date string ("2021-07-31", "2021-07", "2021"); null if
    the string is not a valid date of one of these forms."""
    s = dates.combine_chunks() if isinstance(dates, pa.ChunkedArray) else dates
    n = len(s)
    ok = pc.fill_null(pc.match_substring_regex(s, _DATE_RE), False).to_numpy(zero_copy_only=False)
    ln = pc.fill_null(pc.utf8_length(s), 0).to_numpy(zero_copy_only=False)
    safe = pc.if_else(pa.array(ok), s, "1970-01-01")
    padded = pc.utf8_rpad(safe, 10, " ")

    def part(a: int, b: int, default: int) -> np.ndarray:
        txt = pc.utf8_slice_codeunits(padded, a, b)
        txt = pc.if_else(pc.equal(pc.utf8_trim_whitespace(txt), ""), str(default), txt)
        return pc.cast(txt, pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)

    y = part(0, 4, 1970)
    m = np.where(ln >= 7, part(5, 7, 1), 1)
    d = np.where(ln >= 10, part(8, 10, 1), 1)
    ok &= (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1) & (y <= 9999)
    month = ((y - 1970) * 12 + (np.clip(m, 1, 12) - 1)).astype("datetime64[M]")
    day = month.astype("datetime64[D]") + (np.clip(d, 1, 31) - 1)
    ok &= day.astype("datetime64[M]") == month  # 2021-02-30 is not a date
    days = day.astype(np.int64).astype(np.int32)
    return pa.array(days, pa.int32(), mask=~ok).cast(pa.date32()) if n else pa.array([], pa.date32())


def stage_mentions(ments: pa.Table, staged: StagedDocuments) -> pa.Table:
    """Mentions of the kept documents, in RECORD_COLUMNS order plus `date_day`."""
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
            out[c] = pc.fill_null(ments.column(c), "")
        else:
            out[c] = ments.column(c)
    out["date_day"] = date_days(ments.column("date"))
    tbl = pa.table(out)
    if pc.count_distinct(tbl.column("mention_id")).as_py() < tbl.num_rows:
        seen: set[str] = set()
        keep = []
        for j, m in enumerate(tbl.column("mention_id").to_pylist()):
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

    `new_docs` (id, outlet, url, ingested_at of the batch's documents) lets events made only
    of this batch's mentions be built from the batch in memory (`_events_from_batch`); events
    that also have stored mentions are rebuilt from the tables (EVENT_AGG_SQL). Both give the
    same rows (tested: `dedupe()` rebuilds everything with the SQL). `rebuild_all` rebuilds
    every event and actor."""
    keys = _keys_for(new_m)
    if extra_keys is not None and extra_keys.num_rows:
        keys = merge_keys(keys, extra_keys)
    con.register("_keys", keys)
    try:
        bound = _bound(keys, new_m, window)
        existing = con.sql(_EXISTING_SQL, params=[bound, int(window)]).to_arrow_table()
    finally:
        con.unregister("_keys")
    n_old, n_new = existing.num_rows, new_m.num_rows
    new_part = new_m.select(_CLUSTER_COLS)
    allm = pa.concat_tables([existing.drop_columns(["old_event_id"]).cast(new_part.schema),
                             new_part]) if n_old else new_part
    old_eid = existing.column("old_event_id").combine_chunks() if n_old else pa.array([], pa.string())

    if allm.num_rows:
        rep = _cluster_table(allm, window)
        mid = allm.column("mention_id").combine_chunks()
        new_eid = pc.take(mid, pa.array(rep))
    else:
        new_eid = pa.array([], pa.string())

    affected: list[pa.Array] = []
    if n_new:
        ins_eid = new_eid.slice(n_old)
        ins = new_m.add_column(0, "event_id", ins_eid)
        con.register("_ins", ins)
        try:
            cols = ", ".join(["event_id", *RECORD_COLUMNS, "date_day"])
            con.execute(f"INSERT INTO mentions ({cols}) SELECT {cols} FROM _ins")
        finally:
            con.unregister("_ins")
        affected.append(ins_eid)
    if n_old:
        cur = new_eid.slice(0, n_old)
        changed = pc.fill_null(pc.not_equal(cur, old_eid), True)
        if pc.any(changed).as_py():
            ch = pa.table({"mention_id": pc.filter(existing.column("mention_id"), changed),
                           "event_id": pc.filter(cur, changed)})
            con.register("_changed", ch)
            try:
                con.execute("UPDATE mentions SET event_id = c.event_id FROM _changed c "
                            "WHERE mentions.mention_id = c.mention_id")
            finally:
                con.unregister("_changed")
            affected.append(ch.column("event_id").combine_chunks())
            affected.append(pc.drop_null(pc.filter(old_eid, changed)))
    if removed_events is not None and removed_events.num_rows:
        affected.append(removed_events.column("event_id").combine_chunks())
    if rebuild_all:
        con.execute("CREATE TEMP TABLE _affected AS SELECT DISTINCT event_id FROM mentions")
        try:
            con.execute("DELETE FROM events")
            con.execute(EVENT_AGG_SQL, [_dt.date(1, 1, 1)])
        finally:
            con.execute("DROP TABLE IF EXISTS _affected")
        con.execute("DELETE FROM actors")
        con.execute("CREATE TEMP TABLE _codes AS SELECT source_code AS code FROM events "
                    "UNION SELECT target_code FROM events")
        try:
            con.execute(ACTORS_REFRESH_SQL)
        finally:
            con.execute("DROP TABLE IF EXISTS _codes")
        return n_new
    if affected:
        aff = pc.unique(pa.concat_arrays([a.cast(pa.string()) for a in affected]))
        batch_only = None
        if n_new and new_docs is not None:
            # events all of whose mentions are in this batch: no stored mention points at them
            stored_ids = [a for a in affected[1:]]
            if n_old:
                stored_ids.append(new_eid.slice(0, n_old))
            mixed = pc.unique(pa.concat_arrays([a.cast(pa.string()) for a in stored_ids])) \
                if stored_ids else pa.array([], pa.string())
            only_new = pc.invert(pc.is_in(ins_eid, value_set=mixed))
            if pc.any(only_new).as_py():
                batch_only = _events_from_batch(ins.filter(only_new), new_docs)
                aff = pc.filter(aff, pc.invert(pc.is_in(aff, value_set=batch_only.column("event_id"))))
        con.register("_affected_in", pa.table({"event_id": aff}))
        try:
            con.execute("CREATE TEMP TABLE _affected AS SELECT event_id FROM _affected_in")
            if len(aff):
                con.execute("DELETE FROM events WHERE event_id IN (SELECT event_id FROM _affected)")
                con.execute(EVENT_AGG_SQL, [bound])
            if batch_only is not None:
                con.register("_batch_events", batch_only)
                try:
                    cols = ", ".join(c if c != "gid" else f"{_GID_SQL} AS gid"
                                     for c in EVENT_COLUMNS)
                    con.execute(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
                                f"SELECT {cols} FROM _batch_events")
                finally:
                    con.unregister("_batch_events")
        finally:
            con.execute("DROP TABLE IF EXISTS _affected")
            con.unregister("_affected_in")
        codes = pc.unique(pa.concat_arrays([keys.column("source_code").combine_chunks(),
                                            keys.column("target_code").combine_chunks()]))
        con.register("_codes", pa.table({"code": codes}))
        try:
            con.execute("DELETE FROM actors WHERE code IN (SELECT code FROM _codes)")
            con.execute(ACTORS_REFRESH_SQL)
        finally:
            con.unregister("_codes")
    return n_new


_GID_SQL = ("CASE WHEN length(event_id) >= 15 AND regexp_full_match(substr(event_id, 1, 15), "
            "'[0-9a-f]+') THEN ('0x' || substr(event_id, 1, 15))::BIGINT "
            "ELSE (hash(event_id) >> 2)::BIGINT END")


def _first_per_event(t: pa.Table) -> pa.Table:
    """First row of each event_id after sorting by (event_id, not the anchor, mention_id)."""
    if t.num_rows == 0:
        return t
    t = t.append_column("_nota", pc.not_equal(t.column("mention_id"), t.column("event_id")))
    t = t.take(pc.sort_indices(t, sort_keys=[("event_id", "ascending"), ("_nota", "ascending"),
                                             ("mention_id", "ascending")]))
    e = t.column("event_id").combine_chunks()
    first = np.ones(len(e), bool)
    if len(e) > 1:
        first[1:] = pc.not_equal(e.slice(1), e.slice(0, len(e) - 1)).to_numpy(zero_copy_only=False)
    return t.filter(pa.array(first)).drop_columns(["_nota"])


def _events_from_batch(rows: pa.Table, docs: pa.Table) -> pa.Table:
    """Event rows (EVENT_COLUMNS but gid) of events made only of `rows` — the same values
    EVENT_AGG_SQL computes from the tables."""
    pos = pc.index_in(rows.column("doc_id"), value_set=docs.column("id"))
    outlet = pc.take(docs.column("outlet"), pos)
    okey = pc.if_else(pc.is_null(outlet),
                      pc.binary_join_element_wise("#doc:", rows.column("doc_id"), ""), outlet)
    lead = pc.fill_null(pc.less(rows.column("sentence_id"), 3), False)
    agg = pa.table({"event_id": rows.column("event_id"), "mention_id": rows.column("mention_id"),
                    "doc_id": rows.column("doc_id"), "okey": okey,
                    "confidence": rows.column("confidence"), "lead": lead}) \
        .group_by("event_id").aggregate([
            ("mention_id", "count"), ("doc_id", "count_distinct"), ("okey", "count_distinct"),
            ("confidence", "max"), ("lead", "any")])
    rep = rows.filter(pc.equal(rows.column("mention_id"), rows.column("event_id")))
    located = rows.filter(pc.or_(pc.is_valid(rows.column("location_name")),
                                 pc.is_valid(rows.column("location_country"))))
    loc_cols = ["location_name", "location_country", "location_lat", "location_lon",
                "location_feature"]
    loc = _first_per_event(located.select(["event_id", "mention_id", *loc_cols])) \
        .drop_columns(["mention_id"])
    rep_pos = pc.index_in(rep.column("doc_id"), value_set=docs.column("id"))
    ln = pc.utf8_length(rep.column("date"))
    prec = pc.if_else(pc.is_null(rep.column("date_day")), pa.scalar(None, pa.string()),
                      pc.if_else(pc.greater_equal(ln, 10), "day",
                                 pc.if_else(pc.equal(ln, 7), "month", "year")))
    base = pa.table({
        "event_id": rep.column("event_id"), "date": rep.column("date_day"),
        "date_precision": prec,
        **{c: rep.column(c) for c in (
            "source_code", "source_name", "source_country", "source_sector", "source_text",
            "target_code", "target_name", "target_country", "target_sector", "target_text",
            "code")},
        "base_code": pc.utf8_slice_codeunits(rep.column("code"), 0, 3),
        **{c: rep.column(c) for c in ("root_code", "label", "goldstein", "quad_class",
                                      "plover_event_type", "plover_mode")},
        "first_doc_id": rep.column("doc_id"),
        "source_url": pc.take(docs.column("url"), rep_pos),
        "date_added": pc.take(docs.column("ingested_at"), rep_pos),
        "coder_version": rep.column("coder_version"),
    })
    out = base.join(agg, "event_id", join_type="left outer") \
        .join(loc, "event_id", join_type="left outer")
    cols = {c: out.column(c) for c in out.column_names}
    cols["num_mentions"] = pc.cast(cols.pop("mention_id_count"), pa.int32())
    cols["num_articles"] = pc.cast(cols.pop("doc_id_count_distinct"), pa.int32())
    cols["num_sources"] = pc.cast(cols.pop("okey_count_distinct"), pa.int32())
    cols["confidence"] = cols.pop("confidence_max")
    cols["is_root"] = cols.pop("lead_any")
    cols["gid"] = pa.nulls(out.num_rows, pa.int64())
    return pa.table({c: cols[c] for c in EVENT_COLUMNS})


def _bound(keys: pa.Table, new_m: pa.Table, window: int) -> _dt.date:
    """A date on or before which no mention of an affected event can be dated (undated ones
    aside): lets DuckDB skip old row groups by their min/max statistics."""
    cands = []
    for col in (keys.column("s"), new_m.column("date_day") if new_m.num_rows else None):
        if col is not None and len(col) and col.null_count < len(col):
            cands.append(pc.min(col).as_py())
    if not cands:
        return _dt.date(1, 1, 1)
    low = min(cands)
    return max(_dt.date(1, 1, 1) + _dt.timedelta(days=window + 1),
               low) - _dt.timedelta(days=int(window) + 1)


def _cluster_table(allm: pa.Table, window: int) -> np.ndarray:
    """Run `dedup.cluster` on a table with _CLUSTER_COLS; returns the anchor row per row."""
    key_str = pc.binary_join_element_wise(allm.column("source_code"), allm.column("target_code"),
                                          allm.column("code"), "\x1f")
    key = pc.dictionary_encode(key_str).combine_chunks().indices.to_numpy().astype(np.int64)
    allm = allm.combine_chunks()
    ctry = pc.fill_null(allm.column("location_country"), "")
    crank = pc.rank(ctry, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.int64)
    country = np.where(pc.equal(ctry, "").to_numpy(zero_copy_only=False), 0, crank)
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
    return dedup.cluster(key, country, prec, day, period_end, mrank, window)


def _mention_order(mid: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Integers ordering mention ids as strings. Ids from the coder are 20 lower-case hex
    digits: their first 15 read as a number order them (ties fall back to a string sort)."""
    arr = mid.combine_chunks() if isinstance(mid, pa.ChunkedArray) else mid
    n = len(arr)
    if n and arr.null_count == 0 and arr.type == pa.string():
        lens = pc.utf8_length(arr)
        if pc.min(lens).as_py() == 20 and pc.max(lens).as_py() == 20:
            offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1,
                                    offset=arr.offset * 4)
            raw = np.frombuffer(arr.buffers()[2], dtype=np.uint8, count=20 * n,
                                offset=int(offsets[0]))
            digits = raw.reshape(n, 20)[:, :15].astype(np.int64)
            val = np.where(digits >= 97, digits - 87, digits - 48)
            if ((val >= 0) & (val < 16)).all():
                num = np.zeros(n, np.int64)
                for k in range(15):
                    num = (num << 4) | val[:, k]
                if np.unique(num).size == n:
                    return num
    return pc.rank(arr, sort_keys="ascending", tiebreaker="first").to_numpy().astype(np.int64)
