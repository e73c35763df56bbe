"""Errors the store raises. Each message names the file and says what to do.

All derive from `StoreError`, so callers (the CLI, the web server) can catch one class and print
`str(error)` as a one-line message.
"""
from __future__ import annotations


class StoreError(Exception):
    """Base class: something about the event store file prevents the operation."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.path = path


class StoreNotFound(StoreError):
    """The database file does not exist and the store was opened read-only."""


class StoreCorrupt(StoreError):
    """The file exists but is not a readable DuckDB database (foreign or damaged)."""


class NotAStore(StoreError):
    """A DuckDB database that whowhom did not create (it has tables but no whowhom `meta`)."""


class StoreVersionError(StoreError):
    """The file was written by a newer whowhom (schema version higher than this code knows)."""


class StoreLocked(StoreError):
    """Another process holds the DuckDB file lock and did not release it within the timeout."""


class StoreBusy(StoreError):
    """Another whowhom process is already writing (ingest, recode or dedupe) to this store."""


class StoreFull(StoreError):
    """The disk (or the file-size limit) ran out while writing; the batch was rolled back."""


class StoreReadOnly(StoreError):
    """A write was attempted on a store opened with read_only=True."""


__all__ = [
    "StoreError", "StoreNotFound", "StoreCorrupt", "NotAStore", "StoreVersionError",
    "StoreLocked", "StoreBusy", "StoreFull", "StoreReadOnly",
]
