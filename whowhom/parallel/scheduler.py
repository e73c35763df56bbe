"""Chunks in, chunks out, in input order: the part of parallel coding every engine shares.

The driver reads documents (streaming), groups them into numbered chunks, hands each chunk to an
idle worker of a backend (local processes or Ray actors), and yields finished chunks strictly in
input order. Memory stays flat: at most `window` chunks are held at once, read or coded.

Failure handling lives here, so it is the same for every backend:
- the coder failing on a document is handled inside the worker (`worker.code_docs`); the
  document comes back as an error and becomes a `CodeError` here;
- a worker that dies (killed, segfault, out of memory) is replaced by the backend; the chunk it
  held is retried once whole, and if a worker dies on it again, its documents are sent one at a
  time so the document that kills workers is found, reported and skipped.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from whowhom.records import Document, Event, ReadError

DEFAULT_CHUNK = 64  # documents per chunk: a multiple of Coder.code_many's batch of 32
CHUNK_ATTEMPTS = 2  # a whole chunk is tried this often before going document by document


@dataclass(frozen=True)
class CodeError(ReadError):
    """A document that was read but could not be coded (the coder raised, or killed its worker)."""

    doc_id: str = ""


class WorkerInitError(RuntimeError):
    """Workers cannot build their coder (a bad actors or patterns file, no spaCy model...)."""


class EngineUnavailable(RuntimeError):
    """The requested engine is not installed or cannot start."""


@dataclass
class RunStats:
    """What happened during a run, for summaries and benchmarks."""

    workers: int = 0
    started: float = field(default_factory=time.monotonic)
    first_ready: float | None = None  # when the first worker had loaded its coder
    all_ready: float | None = None
    finished: float | None = None
    peak_rss_mb: dict[str, float] = field(default_factory=dict)  # per worker
    cpu_at_ready: dict[str, float] = field(default_factory=dict)  # per worker: CPU s spent loading
    cpu_last: dict[str, float] = field(default_factory=dict)  # per worker: CPU s at its last chunk
    worker_deaths: int = 0
    retried_chunks: int = 0
    isolated_chunks: int = 0
    chunks: int = 0
    documents: int = 0

    def record_ready(self, worker: str, usage: tuple[float | None, float]) -> None:
        now = time.monotonic()
        self.first_ready = self.first_ready or now
        self.cpu_at_ready[worker] = usage[1]
        self.record_usage(worker, usage)

    def record_usage(self, worker: str, usage: tuple[float | None, float]) -> None:
        rss, cpu = usage
        if rss is not None:
            self.peak_rss_mb[worker] = max(rss, self.peak_rss_mb.get(worker, 0.0))
        self.cpu_last[worker] = cpu

    @property
    def coding_cpu_s(self) -> float:
        """CPU seconds the workers spent coding (after loading their coder)."""
        return sum(self.cpu_last[w] - self.cpu_at_ready.get(w, 0.0) for w in self.cpu_last)


class Backend(Protocol):
    """A set of workers, each holding one coder and coding one chunk at a time."""

    size: int

    def idle(self) -> list[Any]: ...

    def submit(self, worker: Any, key: tuple, docs: list[Document]) -> None: ...

    def wait(self, timeout: float) -> list[tuple]:
        """Outcomes since the last call: ("done", key, results) or ("died", key, reason).
        Dead workers are replaced by the backend itself."""
        ...

    def close(self) -> None: ...


@dataclass
class ChunkResult:
    """One chunk, finished: its items in input order."""

    no: int
    items: list[tuple[Document, list[Event]] | ReadError]
    documents: int  # documents read in this chunk (coded or not)
    resumed: bool = False  # done by an earlier run: read again only to count, not coded; items empty


class _Chunk:
    def __init__(self, no: int, items: list[Document | ReadError]):
        self.no = no
        self.items = items
        self.docs = [x for x in items if isinstance(x, Document)]
        self.results: list[list[Event] | CodeError | None] = [None] * len(self.docs)
        self.missing = len(self.docs)
        self.attempts = 0
        self.resumed = False

    @property
    def done(self) -> bool:
        return self.resumed or self.missing == 0

    def put(self, index: int, result: list[Event] | str, reason: str | None = None) -> None:
        doc = self.docs[index]
        if isinstance(result, str):
            why = reason or f"coder failed on document {doc.id}: {result}"
            result = CodeError(doc.source or doc.id, why, doc.id)
        if self.results[index] is None:
            self.missing -= 1
        self.results[index] = result

    def result(self) -> ChunkResult:
        if self.resumed:
            return ChunkResult(self.no, [], len(self.docs), resumed=True)
        out: list[tuple[Document, list[Event]] | ReadError] = []
        results = iter(self.results)
        for item in self.items:
            if isinstance(item, Document):
                r = next(results)
                out.append(r if isinstance(r, CodeError) else (item, r))
            else:
                out.append(item)
        return ChunkResult(self.no, out, len(self.docs))


@dataclass
class _Task:
    chunk: _Chunk
    part: int | None = None  # None: the whole chunk; i: only its i-th document

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.chunk.no, self.part)

    @property
    def docs(self) -> list[Document]:
        return self.chunk.docs if self.part is None else [self.chunk.docs[self.part]]


def chunked(items: Iterable[Document | ReadError], chunk_size: int) -> Iterator[tuple[int, list]]:
    """Numbered chunks of `chunk_size` documents; read errors ride along in their place.

    The numbering depends only on the input, so a resumed run numbers chunks as the first did.
    """
    buf: list[Document | ReadError] = []
    ndocs = 0
    no = 0
    for item in items:
        buf.append(item)
        if isinstance(item, Document):
            ndocs += 1
        if ndocs >= chunk_size or len(buf) >= 8 * chunk_size:  # a long run of bad lines stays bounded
            yield no, buf
            no += 1
            buf, ndocs = [], 0
    if buf:
        yield no, buf


def run_chunks(items: Iterable[Document | ReadError], backend: Backend, chunk_size: int = DEFAULT_CHUNK,
               window: int | None = None, skip: Callable[[int], bool] | None = None,
               stats: RunStats | None = None, notify: Callable[[str], None] | None = None,
               ) -> Iterator[ChunkResult]:
    """Code `items` on `backend`; yield each chunk, finished, in input order.

    `skip(no)` true: chunk `no` was finished by an earlier run; it is read but not coded.
    """
    stats = stats if stats is not None else RunStats()
    notify = notify or (lambda msg: None)
    window = window or max(4, 3 * backend.size)
    source = chunked(items, chunk_size)
    pending: dict[int, _Chunk] = {}  # read, not yet yielded
    queue: deque[_Task] = deque()  # ready to hand to a worker; retries go first
    running: dict[tuple, _Task] = {}
    next_out = 0
    exhausted = False
    try:
        while True:
            # 1. read more input while there is room
            while not exhausted and len(queue) < backend.size and len(pending) < window:
                try:
                    no, chunk_items = next(source)
                except StopIteration:
                    exhausted = True
                    break
                c = _Chunk(no, chunk_items)
                pending[no] = c
                stats.chunks += 1
                stats.documents += len(c.docs)
                if skip is not None and skip(no):
                    c.resumed = True
                elif c.docs:
                    queue.append(_Task(c))
            # 2. give work to idle workers
            for w in backend.idle():
                if not queue:
                    break
                t = queue.popleft()
                running[t.key] = t
                backend.submit(w, t.key, t.docs)
            # 3. hand out finished chunks, in order (the consumer writes them while workers code)
            while next_out in pending and pending[next_out].done:
                yield pending.pop(next_out).result()
                next_out += 1
            if not running and not queue:
                if exhausted and not pending:
                    return
                continue  # every pending chunk was done (or resumed) and handed out: read on
            # 4. collect outcomes
            for outcome in backend.wait(timeout=1.0):
                kind, key = outcome[0], outcome[1]
                t = running.pop(key, None)
                if t is None:
                    continue
                if kind == "done":
                    results = outcome[2]
                    if t.part is None:
                        for i, r in enumerate(results):
                            t.chunk.put(i, r)
                    else:
                        t.chunk.put(t.part, results[0])
                    continue
                reason = outcome[2]
                stats.worker_deaths += 1
                if t.part is not None:
                    doc = t.docs[0]
                    notify(f"whowhom: a worker died ({reason}) on document {doc.id}; skipping it")
                    t.chunk.put(t.part, "", reason=f"worker died while coding document {doc.id} ({reason})")
                    continue
                t.chunk.attempts += 1
                if t.chunk.attempts < CHUNK_ATTEMPTS:
                    stats.retried_chunks += 1
                    notify(f"whowhom: a worker died ({reason}) on chunk {t.chunk.no}; "
                           f"replaced it and retrying the chunk")
                    queue.appendleft(t)
                else:
                    stats.isolated_chunks += 1
                    notify(f"whowhom: a worker died again ({reason}) on chunk {t.chunk.no}; "
                           f"coding its {len(t.docs)} documents one at a time to find the cause")
                    queue.extendleft(reversed([_Task(t.chunk, i) for i in range(len(t.chunk.docs))]))
    finally:
        stats.finished = time.monotonic()
