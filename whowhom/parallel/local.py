"""Worker processes on this machine, each holding one coder.

Each worker is a `multiprocessing` process ('spawn' context: the same on Linux, macOS and
Windows, and safe with the threads spaCy and the driver may hold) with its own pipe. The driver
gives a worker one chunk at a time, so when a worker dies it knows exactly which chunk it held;
the worker is replaced and the scheduler decides what to retry.
"""
from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection as mpc
import signal
import time
from collections.abc import Callable
from typing import Any

from whowhom.parallel.scheduler import RunStats, WorkerInitError

INIT_DEATHS = 3  # workers dying while loading the coder this many times in a row: give up


def worker_main(conn, coder_kwargs: dict[str, Any], factory: Callable[..., Any] | None) -> None:
    """A worker's life: build the coder, then code chunks until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    from whowhom.parallel.worker import CoderWorker

    worker = CoderWorker(coder_kwargs, factory)
    pid, error, use = worker.ready()
    if error is not None:  # the driver stops the run with this message
        conn.send(("init_error", error))
        return
    conn.send(("ready", pid, use))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the driver is gone
            return
        if msg is None:
            return
        key, docs = msg
        results, use = worker.code(docs)
        conn.send(("done", key, results, use))


class _Worker:
    def __init__(self, name: str, proc, conn):
        self.name = name
        self.proc = proc
        self.conn = conn
        self.state = "starting"  # -> idle <-> busy
        self.key: tuple | None = None


def _reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "connection lost"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class LocalBackend:
    def __init__(self, workers: int, coder_kwargs: dict[str, Any], factory: Callable[..., Any] | None = None,
                 stats: RunStats | None = None, start_method: str = "spawn"):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.size = workers
        self.coder_kwargs = coder_kwargs
        self.factory = factory
        self.stats = stats if stats is not None else RunStats()
        self.stats.workers = workers
        self.ctx = mp.get_context(start_method)
        self.workers: list[_Worker] = []
        self._spawned = 0
        self._init_deaths = 0
        for _ in range(workers):
            self._spawn()

    def _spawn(self) -> None:
        parent, child = self.ctx.Pipe(duplex=True)
        name = f"worker-{self._spawned}"
        self._spawned += 1
        proc = self.ctx.Process(target=worker_main, args=(child, self.coder_kwargs, self.factory),
                                name=f"whowhom-{name}", daemon=True)
        proc.start()
        child.close()
        self.workers.append(_Worker(name, proc, parent))

    def idle(self) -> list[_Worker]:
        return [w for w in self.workers if w.state == "idle"]

    def submit(self, worker: _Worker, key: tuple, docs) -> None:
        worker.state, worker.key = "busy", key
        try:
            worker.conn.send((key, docs))
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # it died: `wait` sees its sentinel and reports the chunk

    def wait(self, timeout: float) -> list[tuple]:
        handles: dict[Any, _Worker] = {}
        for w in self.workers:
            handles[w.conn] = w
            handles[w.proc.sentinel] = w
        ready = mpc.wait(list(handles), timeout)
        out: list[tuple] = []
        seen: set[int] = set()
        for h in ready:
            w = handles[h]
            if id(w) in seen:
                continue
            seen.add(id(w))
            lost = False
            try:
                while w.conn.poll():
                    out.extend(self._message(w, w.conn.recv()))
            except (EOFError, OSError):
                lost = True
            if lost or not w.proc.is_alive():
                out.extend(self._died(w))
        return out

    def _message(self, w: _Worker, msg: tuple) -> list[tuple]:
        kind = msg[0]
        if kind == "ready":
            w.state = "idle"
            self._init_deaths = 0
            self.stats.record_ready(w.name, msg[2])
            if all(x.state != "starting" for x in self.workers):
                self.stats.all_ready = self.stats.all_ready or time.monotonic()
            return []
        if kind == "init_error":
            raise WorkerInitError(msg[1])
        _, key, results, use = msg
        self.stats.record_usage(w.name, use)
        w.state, w.key = "idle", None
        return [("done", key, results)]

    def _died(self, w: _Worker) -> list[tuple]:
        w.proc.join(timeout=5)
        reason = _reason(w.proc.exitcode)
        w.conn.close()
        self.workers.remove(w)
        if w.state == "starting":
            self._init_deaths += 1
            if self._init_deaths >= INIT_DEATHS:
                raise WorkerInitError(f"worker processes die while loading the coder ({reason})")
        self._spawn()
        if w.state == "busy" and w.key is not None:
            return [("died", w.key, reason)]
        return []

    def close(self) -> None:
        for w in self.workers:
            try:
                if w.state != "idle":  # loading its coder or coding: nothing to wait for
                    w.proc.terminate()
                else:
                    w.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 5
        for w in self.workers:
            w.proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=5)
            w.conn.close()
        self.workers = []
