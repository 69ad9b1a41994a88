"""The batch on a Ray cluster, for when one machine's client CPU is not enough.

Ray core actors, not Ray Data. A batch here is a stream of small, independent documents whose every outcome
must land in one append-only ledger exactly once, with a progress bar that moves per document; the work
itself is waiting on a model server. Ray Data is made for block-wise transformations whose output is
written by the workers as datasets, with retries that re-run whole blocks: it would need its own sink and
dedup to keep the ledger's one-line-per-document guarantee, and brings pandas and pyarrow to every node.
Actors give what is needed directly: a worker process is an async actor holding its own client (one
connection pool, one `ModelClient`) with many documents in flight; Ray restarts a worker that dies and
re-runs the documents it held (`max_restarts`, `max_task_retries`), and the driver alone writes the ledger
as outcomes come back, so a retry is a repeated model call, never a second line.

One budget for the whole cluster: with a requests or tokens per minute limit, every worker's client asks one
limiter actor before each request (`SharedLimiter`), instead of each worker spending the whole quota.

With the embedded model, each node serves it once: a `NodeModelServer` actor per node owns the llama.cpp
server (started in the actor, stopped with it) and that node's workers talk to it over loopback.

Inputs are paths, read by the worker that extracts them: on a cluster of several machines they must resolve
the same on every node (a shared filesystem, absolute paths). Workers start in the driver's directory only on
a local cluster.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Container
from pathlib import Path
from typing import Any

import ray
from ray.actor import ActorHandle
from ray.exceptions import RayActorError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from eightk.errors import ConfigError
from eightk.extract.config import ClientSpec
from eightk.extract.ledger import Ledger, Outcome, run_document
from eightk.extract.ratelimit import RateLimiter
from eightk.extract.server import EmbeddedServer
from eightk.prompts import load_prompt

Handle = ActorHandle[Any]
TASK_RETRIES = 3  # how often a document is re-run after its worker died; then it is an error line


@ray.remote(num_cpus=0)
class SharedLimiter:
    """The one rate-limit budget of a batch: every request of every worker waits here first."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None) -> None:
        self.limiter = RateLimiter(requests_per_minute, tokens_per_minute)

    async def acquire(self, estimated_tokens: int) -> None:
        await self.limiter.acquire(estimated_tokens)

    async def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        await self.limiter.settle(estimated_tokens, actual_tokens)


class RemoteLimiter:
    """A worker's handle on the shared budget, as the `Limiter` its client's transport expects."""

    def __init__(self, actor: Handle) -> None:
        self.actor = actor

    async def acquire(self, estimated_tokens: int) -> None:
        await self.actor.acquire.remote(estimated_tokens)

    async def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        await self.actor.settle.remote(estimated_tokens, actual_tokens)


@ray.remote(num_cpus=0)
class NodeModelServer:
    """The embedded model server of one node, started by this actor and stopped with it."""

    def __init__(self, gguf: Path) -> None:
        self.server = EmbeddedServer(gguf).start()

    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        self.server.stop()


@ray.remote(max_restarts=-1, max_task_retries=TASK_RETRIES)
class Worker:
    """One worker process with its own client; the driver decides how many documents it holds at once."""

    def __init__(
        self, spec: ClientSpec, prompt: str, done: Container[str], base_url: str | None, limiter: Handle | None
    ) -> None:
        self.version = load_prompt(prompt)
        self.client = spec.connect(base_url, RemoteLimiter(limiter) if limiter is not None else None)
        self.done = done

    async def extract(self, source: str) -> Outcome:
        return await run_document(Path(source), self.version, self.client, self.done)

    def pid(self) -> int:
        return os.getpid()

    async def close(self) -> None:
        await self.client.aclose()


async def run_on_ray(
    sources: list[Path],
    prompt: str,
    spec: ClientSpec,
    ledger: Ledger,
    *,
    concurrency: int,
    address: str | None,
    workers: int | None,
) -> None:
    """Extract `sources` on Ray workers, recording each outcome in `ledger` as it comes back."""
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, log_to_driver=False)
        except ConnectionError as error:
            raise ConfigError(f"cannot join the Ray cluster at {address}: {error}") from None
    actors: list[Handle] = []
    servers: list[Handle] = []
    try:
        limits = (spec.settings.get("requests_per_minute"), spec.settings.get("tokens_per_minute"))
        limiter = SharedLimiter.remote(*limits) if any(limits) else None  # type: ignore[attr-defined]
        actors.extend([limiter] if limiter is not None else [])
        placements = await _placements(spec, workers, servers)
        done = ray.put(ledger.done)  # as it stands now: a key that this run adds is not seen by the workers
        run = uuid.uuid4().hex[:8]
        cpus = float(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        share = min(1.0, cpus / len(placements))  # more workers than CPUs share them instead of waiting
        pool = [
            Worker.options(  # type: ignore[attr-defined]
                name=f"eightk-{run}-worker-{index}", scheduling_strategy=strategy, num_cpus=share
            ).remote(spec, prompt, done, base_url, limiter)
            for index, (strategy, base_url) in enumerate(placements)
        ]
        actors.extend(pool)
        await _dispatch(sources, load_prompt(prompt).name, spec.model, pool, ledger, concurrency)
        await asyncio.gather(*(worker.close.remote() for worker in pool), return_exceptions=True)  # then killed
    finally:
        await asyncio.gather(*(server.stop.remote() for server in servers), return_exceptions=True)
        for actor in [*actors, *servers]:
            ray.kill(actor)
        if started_here:
            ray.shutdown()


async def _placements(
    spec: ClientSpec, workers: int | None, servers: list[Handle]
) -> list[tuple[str | NodeAffinitySchedulingStrategy, str | None]]:
    """Where each worker runs and the model server it talks to (None: the spec's own base_url).

    A remote model: `workers` (default one per CPU) spread over the cluster. The embedded model: one server per
    node, started here and appended to `servers`, and `workers` (default one per node) pinned beside them.
    """
    if spec.gguf is None:
        count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))  # type: ignore[no-untyped-call]
        return [("SPREAD", None)] * count
    nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU")]  # type: ignore[no-untyped-call]
    pinned = [NodeAffinitySchedulingStrategy(node, soft=False) for node in nodes]
    servers.extend(NodeModelServer.options(scheduling_strategy=strategy).remote(spec.gguf)  # type: ignore[attr-defined]
                   for strategy in pinned)  # fmt: skip
    urls: list[str] = await asyncio.gather(*(server.base_url.remote() for server in servers))
    return [(pinned[index % len(nodes)], urls[index % len(nodes)]) for index in range(workers or len(nodes))]


async def _dispatch(
    sources: list[Path], prompt: str, model: str, pool: list[Handle], ledger: Ledger, concurrency: int
) -> None:
    """Keep `concurrency` documents in flight on each worker and record every outcome as it arrives."""
    slots: asyncio.Queue[Handle] = asyncio.Queue()
    for worker in pool:
        for _ in range(concurrency):
            slots.put_nowait(worker)

    async def one(path: Path, worker: Handle) -> None:
        try:
            outcome: Outcome = await worker.extract.remote(str(path))
        except RayActorError:
            reason = f"its Ray worker died {TASK_RETRIES + 1} times while extracting it"
            outcome = Outcome.failed(str(path), prompt, model, None, reason)
        finally:
            slots.put_nowait(worker)
        await ledger.record(outcome)

    async with asyncio.TaskGroup() as group:  # a stop (or a bug) cancels what is in flight, as locally
        for path in sources:
            group.create_task(one(path, await slots.get()))
