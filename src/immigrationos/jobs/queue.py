"""The queue: Procrastinate on the platform's PostgreSQL database.

A queued job is one row of Procrastinate's ``procrastinate_jobs`` carrying our job's id;
everything else (arguments, progress, result) lives in ``imos_jobs``. Its schema is
applied by our migration 0024. Procrastinate retries an attempt that raised
``JobRetry``; a worker killed mid-job stops sending heartbeats, and a live worker
(``imos jobs worker``) hands its stalled job back to the queue (``retry_stalled``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from immigrationos.db.engine import build_engine, get_engine
from immigrationos.jobs import execute
from immigrationos.jobs import kinds as job_kinds

TASK = "imos_run_job"
QUEUE = "imos"
MAX_ATTEMPTS = 3
logger = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}


class QueueUnavailable(RuntimeError):
    """The queue needs PostgreSQL; the message says what the database is instead."""


def conninfo(engine: Engine) -> str:
    """Return the libpq connection string of a PostgreSQL engine (for Procrastinate)."""
    if engine.dialect.name != "postgresql":
        raise QueueUnavailable(
            f"the job queue needs PostgreSQL (IMOS_DATABASE_URL=postgresql+psycopg://...); "
            f"the database is {engine.dialect.name}"
        )
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_app(engine: Engine) -> procrastinate.App:
    """Return a Procrastinate app on ``engine``'s database, with the job task."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(engine)))
    app.task(
        name=TASK,
        queue=QUEUE,
        pass_context=True,
        retry=procrastinate.RetryStrategy(
            max_attempts=MAX_ATTEMPTS - 1, wait=1, retry_exceptions={execute.JobRetry}
        ),
    )(run_job)
    return app


def _engine_of(context: procrastinate.JobContext) -> Engine:
    """Return the engine of the database the task came from (one per worker process)."""
    url = str(context.additional_context.get("database_url", ""))
    if not url:
        return get_engine()
    if url not in _engines:
        _engines[url] = build_engine(url)
    return _engines[url]


def run_job(context: procrastinate.JobContext, job_id: str) -> str:
    """Run one attempt of an ImmigrationOS job (the worker's side of ``defer``)."""
    attempts = context.job.attempts if context.job is not None else 0
    return execute.run(_engine_of(context), job_id, final=attempts + 1 >= MAX_ATTEMPTS)


def defer(engine: Engine, job_id: str, kind: str) -> int:
    """Put a job on the queue; return Procrastinate's id of it."""
    app = build_app(engine)
    lock = job_kinds.kind_of(kind).lock
    with app.open():
        task = app.tasks[TASK]
        return int(task.configure(lock=lock).defer(job_id=job_id))


def cancel(engine: Engine, queue_id: int) -> bool:
    """Withdraw a queued job from the queue; return whether it had not started."""
    app = build_app(engine)
    with app.open():
        return bool(app.job_manager.cancel_job_by_id(queue_id, abort=True))


async def retry_stalled(app: procrastinate.App, *, after: float) -> list[int]:
    """Give back to the queue the jobs of workers silent for ``after`` seconds."""
    stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=after)
    retried = []
    for job in stalled:
        await app.job_manager.retry_job(job)
        retried.append(int(job.id or 0))
        logger.warning("job %s of a silent worker handed back to the queue", job.id)
    return retried


async def work(
    engine: Engine, *, concurrency: int = 1, heartbeat: float = 10.0, stalled_after: float = 30.0
) -> None:
    """Run a worker until stopped: jobs of the queue, and stalled jobs handed back."""
    app = build_app(engine)
    url = engine.url.render_as_string(hide_password=False)
    options: dict[str, Any] = {
        "queues": [QUEUE],
        "concurrency": concurrency,
        "update_heartbeat_interval": heartbeat,
        "stalled_worker_timeout": stalled_after,
        "additional_context": {"database_url": url},
    }
    async with app.open_async():
        watcher = asyncio.create_task(_watch_stalled(app, stalled_after))
        try:
            await app.run_worker_async(**options)
        finally:
            watcher.cancel()


async def _watch_stalled(app: procrastinate.App, after: float) -> None:
    while True:
        try:
            await retry_stalled(app, after=after)
        except Exception:  # the worker goes on; the next round tries again
            logger.exception("could not look for stalled jobs")
        await asyncio.sleep(max(after / 3, 0.5))
