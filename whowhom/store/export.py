"""Exports of the store: GDELT 2.0 event table, PLOVER JSONL, CSV and Parquet.

Every export streams Arrow record batches from a read-only connection (memory stays flat on a
large store), writes to `<out>.tmp` and renames it to `out` at the end, so a failed or
interrupted export never leaves a half-written file under the final name. `out="-"` writes
text formats to standard output. The mappings are documented in docs/store.md.
"""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import IO, Any, Iterator

import pyarrow as pa

from whowhom.store.queries import where

FORMATS = ("gdelt", "plover", "csv", "parquet")
TABLES = ("events", "mentions", "documents")

# GDELT 2.0 event table, in file order (61 columns), with the SQL expression filling each.
# '' = a field our data does not fill (left empty, as GDELT leaves fields it cannot fill).
GDELT_COLUMNS: list[tuple[str, str]] = [
    ("GLOBALEVENTID", "gid"),
    ("SQLDATE", "strftime(date, '%Y%m%d')"),
    ("MonthYear", "strftime(date, '%Y%m')"),
    ("Year", "year(date)"),
    ("FractionDate", "round(year(date) + (month(date) * 30 + day(date)) / 365.0, 4)"),
]
for _n, _side in (("1", "source"), ("2", "target")):
    GDELT_COLUMNS += [
        (f"Actor{_n}Code", f"{_side}_code"),
        (f"Actor{_n}Name", f"upper(coalesce({_side}_name, {_side}_text))"),
        (f"Actor{_n}CountryCode", f"{_side}_country"),
        (f"Actor{_n}KnownGroupCode", "''"),
        (f"Actor{_n}EthnicCode", "''"),
        (f"Actor{_n}Religion1Code", "''"),
        (f"Actor{_n}Religion2Code", "''"),
        (f"Actor{_n}Type1Code", f"{_side}_sector"),
        (f"Actor{_n}Type2Code", "''"),
        (f"Actor{_n}Type3Code", "''"),
    ]
GDELT_COLUMNS += [
    ("IsRootEvent", "CASE WHEN is_root THEN 1 ELSE 0 END"),
    ("EventCode", "code"),
    ("EventBaseCode", "base_code"),
    ("EventRootCode", "root_code"),
    ("QuadClass", "quad_class"),
    ("GoldsteinScale", "goldstein"),
    ("NumMentions", "num_mentions"),
    ("NumSources", "num_sources"),
    ("NumArticles", "num_articles"),
    ("AvgTone", "''"),
]
_GEO_TYPE = ("CASE WHEN location_name IS NULL AND location_country IS NULL THEN NULL "
             "WHEN location_feature = 'country' THEN 1 "
             "WHEN location_feature IN ('admin1', 'state', 'region') THEN "
             "CASE WHEN location_country = 'USA' THEN 2 ELSE 5 END "
             "ELSE CASE WHEN location_country = 'USA' THEN 3 ELSE 4 END END")
for _p in ("Actor1Geo", "Actor2Geo"):  # we only locate the action, not each actor
    GDELT_COLUMNS += [(f"{_p}_{f}", "''") for f in
                      ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long",
                       "FeatureID")]
GDELT_COLUMNS += [
    ("ActionGeo_Type", _GEO_TYPE),
    ("ActionGeo_FullName", "location_name"),
    ("ActionGeo_CountryCode", "location_country"),
    ("ActionGeo_ADM1Code", "''"),
    ("ActionGeo_ADM2Code", "''"),
    ("ActionGeo_Lat", "location_lat"),
    ("ActionGeo_Long", "location_lon"),
    ("ActionGeo_FeatureID", "''"),
    ("DATEADDED", "strftime(date_added, '%Y%m%d%H%M%S')"),
    ("SOURCEURL", "coalesce(source_url, first_doc_id)"),
]
assert len(GDELT_COLUMNS) == 61

# PLOVER quad categories (PLOVER manual, "PLOVER quad categories")
PLOVER_QUAD = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "CONCEDE": 1,
    "COOPERATE": 2, "AID": 2, "RETREAT": 2, "INVESTIGATE": 2,
    "DEMAND": 3, "REQUEST": 3, "ACCUSE": 3, "REJECT": 3, "SANCTION": 3, "THREATEN": 3,
    "PROTEST": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}


def _clean(expr: str) -> str:
    """A field as text with no tab, newline or carriage return (GDELT files are not quoted)."""
    return f"coalesce(regexp_replace(CAST({expr} AS VARCHAR), '[\\t\\r\\n]+', ' ', 'g'), '')"


@contextmanager
def _output(out: str | os.PathLike[str], binary: bool = False) -> Iterator[IO[Any]]:
    """Open `out` for writing via a temporary name renamed at the end ("-" = stdout)."""
    if str(out) == "-":
        if binary:
            raise ValueError("parquet cannot be written to standard output; give -o FILE")
        yield sys.stdout
        sys.stdout.flush()
        return
    path = os.fspath(out)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist")
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb" if binary else "w", encoding=None if binary else "utf-8",
                  newline=None if binary else "\n") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def export(store: Any, fmt: str, out: str | os.PathLike[str], *, table: str = "events",
           header: bool | None = None, include_non_plover: bool = False,
           batch_rows: int = 50_000, **filters: Any) -> int:
    """Write the store (events matching `filters`) to `out` in `fmt`; returns rows written.

    fmt: "gdelt" (GDELT 2.0 event table, tab-separated, no header unless header=True),
    "plover" (PLOVER JSON lines; events whose CAMEO code has no PLOVER category, i.e. roots
    01 and 02, are left out unless include_non_plover=True), "csv", "parquet". `table`
    ("events", "mentions", "documents") applies to csv and parquet.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if table not in TABLES:
        raise ValueError(f"table: expected one of {', '.join(TABLES)}, got {table!r}")
    cond, params = where(filters)
    if fmt == "gdelt":
        cols = ", ".join(f"{_clean(expr)}" for _, expr in GDELT_COLUMNS)
        sql = (f"SELECT concat_ws(chr(9), {cols}) AS line FROM events WHERE {cond} "
               f"ORDER BY date NULLS LAST, event_id")
        return _write_lines(store, sql, params, out, batch_rows,
                            "\t".join(n for n, _ in GDELT_COLUMNS) if header else None)
    if fmt == "plover":
        return _write_plover(store, cond, params, out, include_non_plover, batch_rows)
    if table == "events":
        sql = f"SELECT * FROM events WHERE {cond} ORDER BY date NULLS LAST, event_id"
    elif table == "mentions":
        sql = (f"SELECT * EXCLUDE (date_day) FROM mentions WHERE event_id IN "
               f"(SELECT event_id FROM events WHERE {cond}) ORDER BY doc_id, sentence_id, "
               f"trigger_start, mention_id")
    elif params or cond != "TRUE":
        sql = (f"SELECT * FROM documents WHERE id IN (SELECT doc_id FROM mentions WHERE "
               f"event_id IN (SELECT event_id FROM events WHERE {cond})) ORDER BY id")
    else:
        sql = "SELECT * FROM documents ORDER BY id"
    if fmt == "csv":
        return _write_csv(store, sql, params, out, batch_rows, header is not False)
    return _write_parquet(store, sql, params, out, batch_rows)


def _batches(store: Any, sql: str, params: list[Any], batch_rows: int) -> Iterator[pa.RecordBatch]:
    with store.reader() as con:
        rel = con.sql(sql, params=params) if params else con.sql(sql)
        reader = rel.to_arrow_reader(batch_rows)
        for batch in reader:
            if batch.num_rows:
                yield batch


def _write_lines(store: Any, sql: str, params: list[Any], out: Any, batch_rows: int,
                 header: str | None) -> int:
    n = 0
    with _output(out) as fh:
        if header:
            fh.write(header + "\n")
        for batch in _batches(store, sql, params, batch_rows):
            lines = batch.column(0).to_pylist()
            fh.write("\n".join(lines) + "\n")
            n += len(lines)
    return n


def _write_csv(store: Any, sql: str, params: list[Any], out: Any, batch_rows: int,
               header: bool) -> int:
    import pyarrow.csv as pacsv
    n = 0
    with _output(out, binary=str(out) != "-") as fh:
        sink = fh.buffer if fh is sys.stdout else fh
        writer = None
        for batch in _batches(store, sql, params, batch_rows):
            batch = _csv_safe(batch)
            if writer is None:
                writer = pacsv.CSVWriter(sink, batch.schema,
                                         write_options=pacsv.WriteOptions(include_header=header))
            writer.write_batch(batch)
            n += batch.num_rows
        if writer is None:  # no rows: still write the header
            with store.reader() as con:
                rel = con.sql(sql, params=params) if params else con.sql(sql)
                empty = _csv_safe(pa.RecordBatch.from_pylist(
                    [], schema=rel.limit(0).to_arrow_table().schema))
            writer = pacsv.CSVWriter(sink, empty.schema,
                                     write_options=pacsv.WriteOptions(include_header=header))
        writer.close()
    return n


def _csv_safe(batch: pa.RecordBatch) -> pa.RecordBatch:
    """CSV cannot hold lists: write list columns (actors.names) as JSON text."""
    cols, fields = [], []
    for f, col in zip(batch.schema, batch.columns):
        if pa.types.is_list(f.type) or pa.types.is_large_list(f.type):
            col = pa.array([None if v is None else json.dumps(v) for v in col.to_pylist()],
                           pa.string())
            f = pa.field(f.name, pa.string())
        cols.append(col)
        fields.append(f)
    return pa.RecordBatch.from_arrays(cols, schema=pa.schema(fields))


def _write_parquet(store: Any, sql: str, params: list[Any], out: Any, batch_rows: int) -> int:
    import pyarrow.parquet as pq
    n = 0
    with _output(out, binary=True) as fh:
        writer = None
        for batch in _batches(store, sql, params, batch_rows):
            if writer is None:
                writer = pq.ParquetWriter(fh, batch.schema, compression="zstd")
            writer.write_batch(batch)
            n += batch.num_rows
        if writer is None:
            with store.reader() as con:
                rel = con.sql(sql, params=params) if params else con.sql(sql)
                schema = rel.limit(0).to_arrow_table().schema
            writer = pq.ParquetWriter(fh, schema, compression="zstd")
        writer.close()
    return n


_PLOVER_SQL = """
SELECT e.*, r.sentence, r.sentence_id, r.sentence_start, r.sentence_end, r.doc_id AS r_doc,
       r.trigger_text, d.title AS doc_title, d.outlet AS doc_outlet,
       d.pub_date AS doc_date
FROM (SELECT * FROM events WHERE {cond}) e
LEFT JOIN mentions r ON r.mention_id = e.event_id
LEFT JOIN documents d ON d.id = e.first_doc_id
WHERE TRUE {plover}
ORDER BY e.date NULLS LAST, e.event_id
"""


def _write_plover(store: Any, cond: str, params: list[Any], out: Any,
                  include_non_plover: bool, batch_rows: int) -> int:
    from whowhom.store.store import whowhom_version
    coder = f"whowhom {whowhom_version()}"
    plover = "" if include_non_plover else \
        "AND e.plover_event_type IS NOT NULL AND e.plover_event_type <> ''"
    sql = _PLOVER_SQL.format(cond=cond, plover=plover)
    n = 0
    with _output(out) as fh:
        for batch in _batches(store, sql, params, batch_rows):
            for r in batch.to_pylist():
                fh.write(json.dumps(plover_record(r, coder), ensure_ascii=False) + "\n")
                n += 1
    return n


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


def plover_record(r: dict[str, Any], coder: str) -> dict[str, Any]:
    """One events row (joined with its anchor mention and first document) as a PLOVER record."""
    date = r.get("date")
    date_s = date.isoformat() if hasattr(date, "isoformat") else date

    def actor(side: str) -> dict[str, Any]:
        return _drop_none({
            "code": r.get(f"{side}_country") or r.get(f"{side}_code"),
            "sector": r.get(f"{side}_sector"),
            "actor_text": r.get(f"{side}_text"),
            "identifier_text": r.get(f"{side}_name"),
            "cameo_code": r.get(f"{side}_code"),
        })

    et = r.get("plover_event_type") or None
    loc = _drop_none({
        "name": r.get("location_name"), "cc3": r.get("location_country"),
        "latitude": r.get("location_lat"), "longitude": r.get("location_lon"),
        "feature_class": r.get("location_feature"),
    })
    added = r.get("date_added")
    return _drop_none({
        "id": r["event_id"],
        "date": date_s,
        "date_precision": r.get("date_precision"),
        "source": [actor("source")],
        "recipient": [actor("target")],
        "event": [et] if et else [],
        "event_type": et,
        "mode": [r["plover_mode"]] if r.get("plover_mode") else None,
        "context": None,
        "quad_code": PLOVER_QUAD.get(et or ""),
        "event_scale": r.get("goldstein"),
        "event_loc": loc or None,
        "event_text": [r["trigger_text"]] if r.get("trigger_text") else None,
        "text": r.get("sentence"),
        "text_info": _drop_none({"sequence": r.get("sentence_id"),
                                 "start": r.get("sentence_start"),
                                 "end": r.get("sentence_end"),
                                 "doc_id": r.get("r_doc")}),
        "cite_info": _drop_none({"url": r.get("source_url"), "title": r.get("doc_title"),
                                 "publication": r.get("doc_outlet"), "coder": coder,
                                 "codebook": "CAMEO 1.1b3 mapped to PLOVER 0.7b1 (whowhom)"}),
        "coder": coder,
        "coded_date": added.date().isoformat() if hasattr(added, "date") else added,
        "cameo": _drop_none({"code": r.get("code"), "root": r.get("root_code"),
                             "label": r.get("label"), "quad_class": r.get("quad_class"),
                             "goldstein": r.get("goldstein")}),
        "num_mentions": r.get("num_mentions"),
        "num_sources": r.get("num_sources"),
        "num_articles": r.get("num_articles"),
    })
