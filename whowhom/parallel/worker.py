"""What runs inside a worker, whatever the engine: build one Coder, code chunks of documents.

Kept free of heavy imports at module level: a spawned worker process imports this module
first, sets its thread limits, and only then imports spaCy through the coder.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from whowhom.records import Document, Event

# One chunk's answer, per document in order: its events, or the error text if the coder failed.
DocResult = list[Event] | str


def limit_threads() -> None:
    """One worker per core: keep numeric libraries from starting threads of their own."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def build_coder(coder_kwargs: dict[str, Any], factory: Callable[..., Any] | None = None):
    """The worker's coder: `factory(**coder_kwargs)`, `whowhom.pipeline.Coder` by default.

    `factory` is how tests (or users with their own Coder subclass) change what workers run;
    it must be picklable (a module-level function or class).
    """
    if factory is None:
        from whowhom.pipeline import Coder

        factory = Coder
    return factory(**coder_kwargs)


def code_docs(coder, docs: list[Document]) -> list[DocResult]:
    """Code a chunk in one pass; if that fails, document by document, so one bad document
    costs only itself: its slot holds the error text instead of events."""
    try:
        return [events for _, events in coder.code_many(docs)]
    except Exception:  # noqa: BLE001 - isolate the document below
        pass
    out: list[DocResult] = []
    for d in docs:
        try:
            out.append(coder.code(d))
        except Exception as exc:  # noqa: BLE001 - reported with the document id by the caller
            out.append(f"{type(exc).__name__}: {exc}")
    return out


def usage() -> tuple[float | None, float]:
    """(peak resident memory in MB or None where the OS does not say, CPU seconds used so far)."""
    try:
        import resource
    except ImportError:  # Windows
        return None, time.process_time()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rss = ru.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru.ru_maxrss / 1024
    return rss, ru.ru_utime + ru.ru_stime


# Errors in what the user gave (files, options): their message is enough, without the class name.
USER_ERRORS = {"ActorFileError", "PatternFileError", "ModelNotFound"}


class CoderWorker:
    """A coder that lives in a worker; the Ray backend wraps this class as an actor.

    Building the coder never raises here: `ready()` returns the error instead, so both backends
    can stop the run with the plain message (a bad actors file should read the same as in a
    single-process run).
    """

    def __init__(self, coder_kwargs: dict[str, Any], factory: Callable[..., Any] | None = None):
        limit_threads()
        self.coder = None
        self.error: str | None = None
        try:
            self.coder = build_coder(coder_kwargs, factory)
        except Exception as exc:  # noqa: BLE001 - reported by ready()
            name = type(exc).__name__
            self.error = str(exc) if name in USER_ERRORS else f"{name}: {exc}"

    def ready(self) -> tuple[int, str | None, tuple[float | None, float]]:
        """(process id, the error that stopped the coder from loading or None, usage())."""
        return os.getpid(), self.error, usage()

    def code(self, docs: list[Document]) -> tuple[list[DocResult], tuple[float | None, float]]:
        """Each document's events (or error text), and this worker's usage() after the chunk."""
        if self.coder is None:
            raise RuntimeError(self.error or "no coder")
        return code_docs(self.coder, docs), usage()
