"""Parquet shards: one pair of files per chunk, for `whowhom ingest --from-parquet DIR`.

    DIR/
      _whowhom_run.json              how the shards were made (inputs, chunk size, coder options)
      events/part-000000.parquet     the chunk's events, flat columns (whowhom.output.parquet_schema)
      documents/part-000000.parquet  the chunk's coded documents (DOCUMENT_COLUMNS), in input order

A chunk is finished when its documents shard exists: the events shard is written first, the
documents shard last, each to a temporary name and then renamed, so a run killed at any point
leaves only whole shards. `--resume` codes only the chunks without a documents shard.

Documents whose coding failed are not in the shards (they were reported during the run); a
document with no events is (with `num_events` 0), so the store can still remember it was coded.
Events of a chunk are in document order; `num_events` says how many belong to each document.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whowhom.records import CODER_VERSION, FLAT_COLUMNS, Document, Event, event_from_dict, flatten

MANIFEST = "_whowhom_run.json"
DOCUMENT_COLUMNS = ["id", "url", "title", "pub_date", "outlet", "source", "content_hash", "coder_version",
                    "text", "num_events"]
_PART = re.compile(r"^part-(\d{6,})\.parquet$")
_NESTED = ("source", "target", "plover", "trigger", "location")


def document_schema():
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c == "num_events" else pa.string()) for c in DOCUMENT_COLUMNS])


def part_name(no: int) -> str:
    return f"part-{no:06d}.parquet"


def is_folder_target(out: str | None) -> bool:
    """`-o shards/` (a trailing slash) or an existing folder: write shards, not one file."""
    if not out or out == "-":
        return False
    return out.endswith(("/", os.sep)) or Path(out).is_dir()


def finished_chunks(folder: str | Path) -> set[int]:
    """Chunk numbers with both shards in place."""
    folder = Path(folder)
    docs = {int(m.group(1)) for f in _listdir(folder / "documents") if (m := _PART.match(f))}
    events = {int(m.group(1)) for f in _listdir(folder / "events") if (m := _PART.match(f))}
    return docs & events


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def remove_partial(folder: str | Path) -> None:
    """Temporary files and events shards without their documents shard (a run stopped mid-chunk)."""
    folder = Path(folder)
    done = finished_chunks(folder)
    for sub in ("events", "documents"):
        for f in _listdir(folder / sub):
            m = _PART.match(f)
            if f.endswith(".tmp") or (m and int(m.group(1)) not in done):
                (folder / sub / f).unlink(missing_ok=True)


def write_chunk(folder: str | Path, no: int, coded: list[tuple[Document, list[Event]]]) -> None:
    """Write one chunk's two shards (atomically, documents last)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from whowhom.output import parquet_schema

    folder = Path(folder)
    rows = [flatten(e) for _, events in coded for e in events]
    docs = [{"id": d.id, "url": d.url, "title": d.title, "pub_date": d.date, "outlet": d.outlet,
             "source": d.source, "content_hash": d.content_hash, "coder_version": CODER_VERSION,
             "text": d.text, "num_events": len(events)} for d, events in coded]
    for sub, table in (("events", pa.Table.from_pylist(rows, schema=parquet_schema())),
                       ("documents", pa.Table.from_pylist(docs, schema=document_schema()))):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        final = folder / sub / part_name(no)
        tmp = final.with_name(final.name + ".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, final)


def count_events(folder: str | Path, chunks: set[int]) -> int:
    """Events in the given chunks' shards (from the Parquet footers, without reading the data)."""
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(Path(folder) / "events" / part_name(no)).num_rows for no in chunks)


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(folder: str | Path, manifest: dict[str, Any]) -> None:
    path = Path(folder) / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def unflatten(row: dict[str, Any]) -> dict[str, Any]:
    """A flat event row (CSV / Parquet column names) back into `Event.to_dict()` form."""
    nested: dict[str, dict[str, Any]] = {k: {} for k in _NESTED}
    out: dict[str, Any] = {}
    for key, value in row.items():
        head, _, sub = key.partition("_")
        if head in nested and sub and key in FLAT_COLUMNS:
            nested[head][sub] = value
        else:
            out[key] = value
    for k in _NESTED:
        out[k] = nested[k]
    if all(v is None for v in out["location"].values()):
        out["location"] = None
    return out


def iter_shards(folder: str | Path) -> Iterator[tuple[Document, list[Event]]]:
    """Every coded document in a shard folder with its events, chunk by chunk, in input order."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    for no in sorted(finished_chunks(folder)):
        docs = pq.read_table(folder / "documents" / part_name(no)).to_pylist()
        events = pq.read_table(folder / "events" / part_name(no)).to_pylist()
        pos = 0
        for d in docs:
            n = d["num_events"] or 0
            doc = Document(id=d["id"], text=d["text"], title=d["title"], date=d["pub_date"], url=d["url"],
                           source=d["source"], outlet=d["outlet"])
            yield doc, [event_from_dict(unflatten(r)) for r in events[pos:pos + n]]
            pos += n
