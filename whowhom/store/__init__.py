"""whowhom's event store: ingest once, deduplicate across articles, query, export.

    from whowhom.store import Store
    with Store("news.duckdb") as store:
        store.add(coder.code_many(docs))
        store.dyads(source="CHN", target="AFG", by="month")

See docs/store.md for the tables, the deduplication rule and the export mappings.
"""
from whowhom.store.errors import (
    NotAStore, StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreLocked, StoreNotFound,
    StoreReadOnly, StoreVersionError,
)
from whowhom.store.queries import Page, row_to_event
from whowhom.store.schema import SCHEMA_VERSION
from whowhom.store.store import IngestStats, Store

__all__ = [
    "Store", "IngestStats", "Page", "row_to_event", "SCHEMA_VERSION",
    "StoreError", "StoreNotFound", "StoreCorrupt", "NotAStore", "StoreVersionError",
    "StoreLocked", "StoreBusy", "StoreFull", "StoreReadOnly",
]
