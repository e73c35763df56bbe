"""Ray actors, each holding one coder: the same scheduler, on one machine or a cluster.

Ray is optional (`pip install 'whowhom[ray]'`) and imported only here, only when asked for. The
driver connects to `RAY_ADDRESS` when it is set (`ray://head:10001` or `auto`), and otherwise
starts a private local Ray instance for the run and stops it at the end. Actors are fed one
chunk at a time (plain round-robin over idle actors; no Ray Data: its per-block overhead is
heavy for blocks this small). An actor that dies is replaced; the scheduler retries its chunk.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from typing import Any

from whowhom.parallel.scheduler import EngineUnavailable, RunStats, WorkerInitError
from whowhom.parallel.worker import CoderWorker

INIT_DEATHS = 3


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise EngineUnavailable("--engine ray needs Ray, an optional extra: pip install 'whowhom[ray]'") from exc
    return ray


def local_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class _Actor:
    def __init__(self, name: str, handle):
        self.name = name
        self.handle = handle
        self.state = "starting"
        self.key: tuple | None = None


class RayBackend:
    def __init__(self, workers: int, coder_kwargs: dict[str, Any], factory: Callable[..., Any] | None = None,
                 stats: RunStats | None = None, address: str | None = None):
        ray = import_ray()
        self.ray = ray
        self.stats = stats if stats is not None else RunStats()
        self._own = False
        self._tmp: str | None = None
        if not ray.is_initialized():
            address = address or os.environ.get("RAY_ADDRESS")
            try:
                if address:
                    ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
                else:
                    self._tmp = tempfile.mkdtemp(prefix="whowhom-ray-")
                    ray.init(num_cpus=workers or local_cpus(), include_dashboard=False, log_to_driver=False,
                             logging_level=logging.WARNING, _temp_dir=self._tmp)
            except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; the message says what
                self._cleanup_tmp()
                where = f"the Ray cluster at {address}" if address else "a local Ray instance"
                raise EngineUnavailable(f"cannot start or reach {where}: {exc}") from exc
            self._own = True
        if not workers:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.size = workers
        self.stats.workers = workers
        self.coder_kwargs = coder_kwargs
        self.factory = factory
        self._cls = ray.remote(num_cpus=1, max_restarts=0)(CoderWorker)
        self.actors: list[_Actor] = []
        self.refs: dict[Any, _Actor] = {}  # in-flight call -> its actor (a ready() call while starting)
        self._spawned = 0
        self._init_deaths = 0
        for _ in range(workers):
            self._spawn()

    def _spawn(self) -> None:
        a = _Actor(f"actor-{self._spawned}", self._cls.remote(self.coder_kwargs, self.factory))
        self._spawned += 1
        self.actors.append(a)
        self.refs[a.handle.ready.remote()] = a

    def idle(self) -> list[_Actor]:
        return [a for a in self.actors if a.state == "idle"]

    def submit(self, worker: _Actor, key: tuple, docs) -> None:
        worker.state, worker.key = "busy", key
        self.refs[worker.handle.code.remote(docs)] = worker

    def wait(self, timeout: float) -> list[tuple]:
        ray = self.ray
        if not self.refs:
            time.sleep(min(timeout, 0.05))
            return []
        ready, _ = ray.wait(list(self.refs), num_returns=1, timeout=timeout)
        out: list[tuple] = []
        for ref in ready:
            a = self.refs.pop(ref)
            try:
                value = ray.get(ref)
            except ray.exceptions.RayActorError as exc:
                out.extend(self._died(a, exc))
                continue
            except ray.exceptions.RayError as exc:  # the call itself failed: treat the actor as lost
                try:
                    ray.kill(a.handle)
                except Exception:  # noqa: BLE001
                    pass
                out.extend(self._died(a, exc))
                continue
            if a.state == "starting":
                _, error, use = value
                if error is not None:
                    raise WorkerInitError(error)
                a.state = "idle"
                self._init_deaths = 0
                self.stats.record_ready(a.name, use)
                if all(x.state != "starting" for x in self.actors):
                    self.stats.all_ready = self.stats.all_ready or time.monotonic()
                continue
            results, use = value
            self.stats.record_usage(a.name, use)
            key = a.key
            a.state, a.key = "idle", None
            out.append(("done", key, results))
        return out

    def _died(self, a: _Actor, exc: Exception) -> list[tuple]:
        self.actors.remove(a)
        text = str(exc)
        if a.state == "starting":
            self._init_deaths += 1
            if self._init_deaths >= INIT_DEATHS:
                raise WorkerInitError(f"Ray actors die while loading the coder: {_short(text)}")
        self._spawn()
        if a.state == "busy" and a.key is not None:
            return [("died", a.key, f"Ray actor died: {_short(text)}")]
        return []

    def close(self) -> None:
        for a in self.actors:
            try:
                self.ray.kill(a.handle)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.actors, self.refs = [], {}
        if self._own:
            self.ray.shutdown()
            self._cleanup_tmp()

    def _cleanup_tmp(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _short(text: str, limit: int = 200) -> str:
    """Ray's death notices run to paragraphs: keep what says how the worker ended."""
    import re

    m = re.search(r"Worker exit type: (\w+)", text)
    if m:
        return f"worker process exited, {m.group(1)}"
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return first[:limit]
