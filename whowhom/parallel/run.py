"""Coding on all cores, or on a Ray cluster: `whowhom code --workers N`, `--engine ray`.

From Python (this is what `whowhom ingest --workers N` uses):

    from whowhom.parallel.run import iter_coded
    for item in iter_coded(["archive/"], default_date=None, coder_kwargs={}, workers=0):
        if isinstance(item, ReadError):   # unreadable, or the coder failed on it (CodeError)
            ...
        else:
            doc, events = item

Items come in input order, with the same events and event ids as a single-process run. Memory
stays flat however large the input: documents are read as a stream and at most a few chunks per
worker are held at once.

Resuming
- `whowhom code ... -o events.jsonl` (or .csv) keeps `events.jsonl.whowhom-resume.json` up to date
  while it runs: how many chunks are finished and how many bytes of output they fill. After a
  crash or Ctrl-C, `--resume` truncates the output to that point and codes only the rest.
- `whowhom code ... -o shards/` writes one pair of Parquet shards per chunk; `--resume` codes only
  the chunks that have no shards yet (see `whowhom.parallel.shards`).
- `whowhom ingest` needs neither: the store skips documents whose content hash it already holds,
  so running the same ingest again after a crash codes and stores only what is missing. Pass
  `keep=lambda doc: doc.content_hash not in stored` to `iter_coded` to skip them before coding.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from whowhom.parallel.scheduler import (DEFAULT_CHUNK, ChunkResult, CodeError, EngineUnavailable, RunStats,
                                        WorkerInitError, run_chunks)
from whowhom.output import EventWriter
from whowhom.records import CODER_VERSION, FLAT_COLUMNS, Document, Event, ReadError

ENGINES = ("local", "ray")
CHECKPOINT_SUFFIX = ".whowhom-resume.json"


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def make_backend(engine: str, workers: int, coder_kwargs: dict[str, Any],
                 coder_factory: Callable[..., Any] | None = None, stats: RunStats | None = None):
    """`workers` 0 means every core (local) or every CPU of the cluster (Ray)."""
    if engine == "local":
        from whowhom.parallel.local import LocalBackend

        return LocalBackend(workers or cpu_count(), coder_kwargs, coder_factory, stats=stats)
    if engine == "ray":
        from whowhom.parallel.ray_backend import RayBackend

        return RayBackend(workers, coder_kwargs, coder_factory, stats=stats)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def iter_chunks(paths: Iterable[str], default_date: str | None = None, coder_kwargs: dict[str, Any] | None = None,
                workers: int = 0, engine: str = "local", chunk_size: int = DEFAULT_CHUNK, *,
                keep: Callable[[Document], bool] | None = None, skip: Callable[[int], bool] | None = None,
                coder_factory: Callable[..., Any] | None = None, stats: RunStats | None = None,
                notify: Callable[[str], None] | None = None) -> Iterator[ChunkResult]:
    """Finished chunks in input order (see `iter_coded`); `skip(no)` marks chunks done earlier."""
    from whowhom.ingest import read_documents

    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    items: Iterable[Document | ReadError] = read_documents(paths, default_date=default_date)
    if keep is not None:
        items = (x for x in items if not isinstance(x, Document) or keep(x))
    backend = make_backend(engine, workers, dict(coder_kwargs or {}), coder_factory, stats)
    try:
        yield from run_chunks(items, backend, chunk_size=chunk_size, skip=skip, stats=stats, notify=notify)
    finally:
        backend.close()


def iter_coded(paths: Iterable[str], default_date: str | None = None, coder_kwargs: dict[str, Any] | None = None,
               workers: int = 0, engine: str = "local", chunk_size: int = DEFAULT_CHUNK, *,
               keep: Callable[[Document], bool] | None = None, coder_factory: Callable[..., Any] | None = None,
               stats: RunStats | None = None, notify: Callable[[str], None] | None = None,
               ) -> Iterator[tuple[Document, list[Event]] | ReadError]:
    """(document, events) for every document of `paths`, coded by `workers` workers, in input order.

    `coder_kwargs` are `Coder` arguments (actors_file, patterns_files, prefilter, min_confidence).
    A document that could not be read is a `ReadError`; one the coder failed on (or that killed
    its worker twice) is a `CodeError`, a `ReadError` with `doc_id`. `keep(doc)` false: the document
    is neither coded nor yielded. Raises `WorkerInitError` if workers cannot build their coder
    and `EngineUnavailable` if the engine cannot start. Closing the generator stops the workers.

    Local workers are started with the 'spawn' method: a script that calls this must do so under
    `if __name__ == "__main__":`.
    """
    with closing(iter_chunks(paths, default_date, coder_kwargs, workers, engine, chunk_size, keep=keep,
                             coder_factory=coder_factory, stats=stats, notify=notify)) as chunks:
        for chunk in chunks:
            yield from chunk.items


# ----------------------------------------------------------------------- whowhom code ----

def run_code(args) -> int:
    """`whowhom code` with `--workers N` (0 = all cores) or `--engine ray`; exit code as `cmd_code`."""
    from whowhom.cli import UserError, _check_date
    from whowhom.parallel import shards
    from whowhom.progress import Progress

    date = _check_date(args.date)
    workers = args.workers
    if workers is None or workers < 0:
        raise UserError("--workers must be 0 (all cores) or more")
    chunk_size = getattr(args, "chunk_size", None) or DEFAULT_CHUNK
    if chunk_size < 1:
        raise UserError("--chunk-size must be at least 1")
    resume = bool(getattr(args, "resume", False))
    # absolute paths: Ray actors on other machines read them at the same path (shared storage)
    coder_kwargs = {"actors_file": _abspath(args.actors),
                    "patterns_files": [_abspath(p) for p in args.patterns] if args.patterns else args.patterns,
                    "prefilter": not args.no_prefilter, "min_confidence": args.min_confidence}
    run_key = {"inputs": [p if p == "-" else os.path.abspath(p) for p in args.paths], "date": date,
               "chunk_size": chunk_size, "coder": coder_kwargs, "coder_version": CODER_VERSION}
    if resume and "-" in args.paths:
        raise UserError("--resume cannot re-read standard input; give files or folders")

    if shards.is_folder_target(args.output):
        if args.format == "csv":
            raise UserError("-o FOLDER/ writes Parquet shards; for CSV give -o FILE.csv")
        sink: _Sink = _ShardSink(args.output, run_key, resume)
    else:
        sink = _FileSink(args.format, args.output, run_key, resume)

    progress = Progress(quiet=args.quiet, total=_count_documents(args.paths) if _progress_shown(args) else None)
    stats = RunStats()
    done = sink.finished()
    docs_ok = resumed_docs = 0

    try:
        with sink, closing(iter_chunks(args.paths, date, coder_kwargs, workers, args.engine, chunk_size,
                                       skip=done.__contains__, stats=stats, notify=_print_note)) as chunks:
            for chunk in chunks:
                if chunk.resumed:
                    resumed_docs += chunk.documents
                    progress.advance(chunk.documents)
                    continue
                coded: list[tuple[Document, list[Event]]] = []
                for item in chunk.items:
                    if isinstance(item, ReadError):
                        progress.skip(item.source, item.message)
                        continue
                    coded.append(item)
                    docs_ok += 1
                    progress.advance(events=len(item[1]))
                sink.write_chunk(chunk.no, coded)
    except (WorkerInitError, EngineUnavailable) as exc:
        raise UserError(str(exc)) from exc
    progress.close(documents=docs_ok, events=sink.events_written, output=args.output)
    if not args.quiet:
        if resumed_docs:
            _print_note(f"  resumed: {resumed_docs} documents were coded by the earlier run "
                        f"({sink.events_before} events kept)")
        if stats.worker_deaths:
            _print_note(f"  {stats.worker_deaths} worker(s) died and were replaced")
    if docs_ok + resumed_docs == 0:
        print("whowhom: no document could be read", file=sys.stderr)
        return 1
    return 0


def _abspath(path: str | None) -> str | None:
    return os.path.abspath(path) if path else path


def _print_note(message: str) -> None:
    try:
        from tqdm import tqdm

        tqdm.write(message, file=sys.stderr)
    except ImportError:
        print(message, file=sys.stderr)


def _progress_shown(args) -> bool:
    return not args.quiet and sys.stderr.isatty()


def _count_documents(paths: list[str]) -> int | None:
    """About how many documents the inputs hold (files, and lines of JSONL files), for the ETA."""
    from whowhom.ingest import JSONL_SUFFIXES, SUPPORTED

    total = 0
    for p in paths:
        if p == "-":
            return None
        path = Path(p)
        files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED) \
            if path.is_dir() else [path] if path.exists() else []
        for f in files:
            if f.suffix.lower() in JSONL_SUFFIXES:
                with open(f, "rb") as fh:
                    total += sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
            else:
                total += 1
    return total


class _Sink:
    events_written = 0
    events_before = 0

    def finished(self) -> set[int]:
        return set()

    def write_chunk(self, no: int, coded: list[tuple[Document, list[Event]]]) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class _ShardSink(_Sink):
    """Parquet shards in a folder, one pair per chunk; the shards are the checkpoint."""

    def __init__(self, folder: str, run_key: dict[str, Any], resume: bool):
        from whowhom.cli import UserError
        from whowhom.parallel import shards

        self.folder = folder
        self.run_key = run_key
        if Path(folder).exists() and not Path(folder).is_dir():
            raise UserError(f"{folder} is a file, not a folder")
        old = shards.read_manifest(folder)
        done = shards.finished_chunks(folder)
        if resume:
            if old is not None and old.get("run") != run_key:
                raise UserError(f"{folder} holds shards of a different run (other inputs, chunk size or "
                                f"coder options); resume with the same arguments, or use an empty folder")
            shards.remove_partial(folder)
            self._done = done
        else:
            if done or old is not None:
                raise UserError(f"{folder} already holds shards; add --resume to finish that run, "
                                f"or write to an empty folder")
            self._done = set()
        self.events_before = shards.count_events(folder, self._done)
        shards.write_manifest(folder, {"run": run_key, "complete": False})

    def finished(self) -> set[int]:
        return set(self._done)

    def write_chunk(self, no: int, coded: list[tuple[Document, list[Event]]]) -> None:
        from whowhom.parallel import shards

        shards.write_chunk(self.folder, no, coded)
        self.events_written += sum(len(ev) for _, ev in coded)

    def __exit__(self, exc_type, *exc) -> None:
        from whowhom.parallel import shards

        if exc_type is None:
            shards.write_manifest(self.folder, {"run": self.run_key, "complete": True,
                                                "chunks": len(shards.finished_chunks(self.folder))})


class _FileSink(_Sink):
    """One output file written in input order; for JSONL and CSV files a checkpoint next to it."""

    def __init__(self, fmt: str, out: str | None, run_key: dict[str, Any], resume: bool):
        from whowhom.cli import UserError

        self.fmt, self.out, self.run_key = fmt, out, run_key
        to_file = out not in (None, "-")
        self.checkpoint = Path(out + CHECKPOINT_SUFFIX) if to_file and fmt in ("jsonl", "csv") else None
        self.chunks_done = 0
        offset = 0
        if resume:
            if self.checkpoint is None:
                raise UserError("--resume needs -o FILE.jsonl or FILE.csv, or -o FOLDER/ for Parquet shards")
            state = _read_json(self.checkpoint)
            if state is None:
                _print_note(f"whowhom: no checkpoint {self.checkpoint}; starting from the beginning")
            elif state.get("run") != run_key or state.get("format") != fmt:
                raise UserError(f"{self.checkpoint} was written by a run with other inputs, format, chunk size "
                                f"or coder options; resume with the same arguments, or delete it")
            elif not Path(out).exists() or Path(out).stat().st_size < state["bytes"]:
                raise UserError(f"{out} is shorter than {self.checkpoint} says; delete the checkpoint to start over")
            else:
                self.chunks_done, offset = state["chunks_done"], state["bytes"]
                self.events_before = state.get("events", 0)
        try:
            self.writer = _AppendingWriter(fmt, out, offset) if offset else EventWriter(fmt, out)
        except ValueError as exc:
            raise UserError(str(exc)) from exc

    def finished(self) -> set[int]:
        return set(range(self.chunks_done))

    def __enter__(self):
        self.writer.__enter__()
        return self

    def write_chunk(self, no: int, coded: list[tuple[Document, list[Event]]]) -> None:
        for _, events in coded:
            self.writer.write(events)
        self.events_written = self.writer.count
        if self.checkpoint is None:
            return
        fh = self.writer._fh
        fh.flush()
        os.fsync(fh.fileno())
        self.chunks_done = no + 1
        _write_json(self.checkpoint, {"run": self.run_key, "format": self.fmt, "chunks_done": self.chunks_done,
                                      "bytes": os.path.getsize(self.out),
                                      "events": self.events_before + self.writer.count})

    def __exit__(self, exc_type, *exc) -> None:
        self.writer.__exit__(exc_type, *exc)
        if exc_type is None and self.checkpoint is not None:
            self.checkpoint.unlink(missing_ok=True)  # finished: nothing to resume


class _AppendingWriter(EventWriter):
    """An EventWriter that continues a JSONL or CSV file from `offset`, cutting what follows."""

    def __init__(self, fmt: str, out: str, offset: int):
        super().__init__(fmt, out)
        self._offset = offset

    def __enter__(self) -> "_AppendingWriter":
        with open(self.out, "r+b") as fh:
            fh.truncate(self._offset)
        self._fh = open(self.out, "a", encoding="utf-8", newline="")
        if self.fmt == "csv":  # the header is already there
            self._csv = csv.DictWriter(self._fh, fieldnames=FLAT_COLUMNS, extrasaction="ignore")
        return self


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError:
        return None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["iter_coded", "iter_chunks", "run_code", "make_backend", "CodeError", "RunStats", "WorkerInitError",
           "EngineUnavailable", "ChunkResult", "DEFAULT_CHUNK"]
