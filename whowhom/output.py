"""Writing events: JSON lines, CSV (flattened) and Parquet."""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from whowhom.records import FLAT_COLUMNS, Event, flatten

FORMATS = ("jsonl", "csv", "parquet")


class EventWriter:
    """Streams events to a file or stdout; Parquet is written in row groups as it goes."""

    def __init__(self, fmt: str, out: str | None):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        if fmt == "parquet" and (out is None or out == "-"):
            raise ValueError("--format parquet needs -o FILE (Parquet is not written to a terminal)")
        self.fmt = fmt
        self.out = out
        self.count = 0
        self._fh: IO[str] | None = None
        self._csv: csv.DictWriter | None = None
        self._pq = None
        self._rows: list[dict] = []

    def __enter__(self) -> "EventWriter":
        if self.fmt != "parquet":
            if self.out in (None, "-"):
                self._fh = sys.stdout
            else:
                Path(self.out).parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.out, "w", encoding="utf-8", newline="")
            if self.fmt == "csv":
                self._csv = csv.DictWriter(self._fh, fieldnames=FLAT_COLUMNS, extrasaction="ignore")
                self._csv.writeheader()
        return self

    def write(self, events: Iterable[Event]) -> None:
        for e in events:
            self.count += 1
            if self.fmt == "jsonl":
                self._fh.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
            elif self.fmt == "csv":
                self._csv.writerow(flatten(e))
            else:
                self._rows.append(flatten(e))
                if len(self._rows) >= 10_000:
                    self._flush_parquet()

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        table = pa.Table.from_pylist(self._rows, schema=parquet_schema())
        if self._pq is None:
            Path(self.out).parent.mkdir(parents=True, exist_ok=True)
            self._pq = pq.ParquetWriter(self.out, table.schema)
        self._pq.write_table(table)
        self._rows = []

    def __exit__(self, *exc) -> None:
        if self.fmt == "parquet":
            self._flush_parquet()
            if self._pq is None:  # no events: still a valid, empty file
                import pyarrow as pa
                import pyarrow.parquet as pq

                Path(self.out).parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.Table.from_pylist([], schema=parquet_schema()), self.out)
            else:
                self._pq.close()
        elif self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()
        elif self._fh is sys.stdout:
            sys.stdout.flush()


def parquet_schema():
    import pyarrow as pa

    floats = {"goldstein", "confidence", "location_lat", "location_lon"}
    ints = {"sentence_id", "quad_class", "source_start", "source_end", "target_start", "target_end",
            "trigger_start", "trigger_end", "location_start", "location_end", "sentence_start", "sentence_end"}
    return pa.schema([(c, pa.float64() if c in floats else pa.int64() if c in ints else pa.string())
                      for c in FLAT_COLUMNS])


@contextmanager
def open_writer(fmt: str, out: str | None) -> Iterator[EventWriter]:
    with EventWriter(fmt, out) as w:
        yield w
