"""Tables of the event store (DuckDB) and the Arrow schemas used to write them.

Bump `SCHEMA_VERSION` when a table changes, and add a migration to `MIGRATIONS` that brings a
file from the previous version to the new one inside one transaction.
"""
from __future__ import annotations

import pyarrow as pa

from whowhom.records import FLAT_COLUMNS

SCHEMA_VERSION = 1
APP_NAME = "whowhom"

# Columns of the flat event record that are integers / floats; every other one is text.
_INT_COLUMNS = {
    "sentence_id", "source_start", "source_end", "target_start", "target_end", "quad_class",
    "trigger_start", "trigger_end", "location_start", "location_end", "sentence_start",
    "sentence_end",
}
_FLOAT_COLUMNS = {"goldstein", "confidence", "location_lat", "location_lon"}


def _sql_type(col: str) -> str:
    if col in _INT_COLUMNS:
        return "INTEGER"
    if col in _FLOAT_COLUMNS:
        return "DOUBLE"
    return "VARCHAR"


def _arrow_type(col: str) -> pa.DataType:
    if col in _INT_COLUMNS:
        return pa.int32()
    if col in _FLOAT_COLUMNS:
        return pa.float64()
    return pa.string()


# The per-mention record: the flat `Event` columns, with the coder's `event_id` stored as
# `mention_id` (it identifies one report in one sentence) and `event_id` pointing at the
# deduplicated event the mention belongs to.
RECORD_COLUMNS: list[str] = ["mention_id" if c == "event_id" else c for c in FLAT_COLUMNS]
MENTION_INPUT_SCHEMA = pa.schema([(c, _arrow_type("event_id" if c == "mention_id" else c))
                                  for c in RECORD_COLUMNS])

DOCUMENT_INPUT_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("title", pa.string()), ("pub_date", pa.string()),
    ("outlet", pa.string()), ("source", pa.string()), ("content_hash", pa.string()),
    ("coder_version", pa.string()), ("text", pa.string()),
])

# The two id columns of `mentions` are stored uncompressed: ids are random hex strings (all
# different, or nearly), which DuckDB's dictionary/FSST compression shrinks only to about half
# while costing a fifth of the CPU time of appending a batch of mentions; uncompressed they
# take ~13 bytes more per mention and id look-ups scan faster. Only how DuckDB lays the bytes
# out: the values, types and queries are the same, and stores created with compressed ids (or
# by another whowhom) read and write the same way.
_UNCOMPRESSED = " USING COMPRESSION uncompressed"
_mention_cols_sql = ",\n    ".join(
    f"{c} {_sql_type('event_id' if c == 'mention_id' else c)}"
    f"{_UNCOMPRESSED if c == 'mention_id' else ''}" for c in RECORD_COLUMNS)

DDL = [
    """CREATE TABLE meta (
    key VARCHAR NOT NULL,
    value VARCHAR
)""",
    """CREATE TABLE documents (
    id VARCHAR NOT NULL,
    url VARCHAR,
    title VARCHAR,
    pub_date DATE,
    outlet VARCHAR,
    source VARCHAR,
    content_hash VARCHAR NOT NULL,
    coder_version VARCHAR,
    text VARCHAR,
    ingested_at TIMESTAMP,
    num_mentions INTEGER
)""",
    f"""CREATE TABLE mentions (
    event_id VARCHAR{_UNCOMPRESSED},
    {_mention_cols_sql},
    date_day DATE
)""",
    """CREATE TABLE events (
    event_id VARCHAR NOT NULL,
    gid BIGINT,
    date DATE,
    date_precision VARCHAR,
    source_code VARCHAR, source_name VARCHAR, source_country VARCHAR, source_sector VARCHAR,
    source_text VARCHAR,
    target_code VARCHAR, target_name VARCHAR, target_country VARCHAR, target_sector VARCHAR,
    target_text VARCHAR,
    code VARCHAR, base_code VARCHAR, root_code VARCHAR, label VARCHAR,
    goldstein DOUBLE, quad_class INTEGER,
    plover_event_type VARCHAR, plover_mode VARCHAR,
    location_name VARCHAR, location_country VARCHAR, location_lat DOUBLE, location_lon DOUBLE,
    location_feature VARCHAR,
    num_mentions INTEGER, num_sources INTEGER, num_articles INTEGER,
    confidence DOUBLE,
    is_root BOOLEAN,
    first_doc_id VARCHAR,
    source_url VARCHAR,
    date_added TIMESTAMP,
    coder_version VARCHAR
)""",
    """CREATE TABLE actors (
    code VARCHAR NOT NULL,
    country VARCHAR,
    sector VARCHAR,
    name VARCHAR,
    names VARCHAR[],
    as_source INTEGER,
    as_target INTEGER,
    events INTEGER,
    mentions BIGINT,
    first_date DATE,
    last_date DATE
)""",
]

EVENT_COLUMNS = [
    "event_id", "gid", "date", "date_precision",
    "source_code", "source_name", "source_country", "source_sector", "source_text",
    "target_code", "target_name", "target_country", "target_sector", "target_text",
    "code", "base_code", "root_code", "label", "goldstein", "quad_class",
    "plover_event_type", "plover_mode",
    "location_name", "location_country", "location_lat", "location_lon", "location_feature",
    "num_mentions", "num_sources", "num_articles", "confidence", "is_root",
    "first_doc_id", "source_url", "date_added", "coder_version",
]

# Migrations: MIGRATIONS[n] upgrades a file at schema n to n + 1 (list of SQL statements).
MIGRATIONS: dict[int, list[str]] = {}

TABLES = ("meta", "documents", "mentions", "events", "actors")
