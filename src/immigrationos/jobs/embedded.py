"""Jobs without a queue server: the embedded default (SQLite) runs them in a thread.

The same job code and the same job table (state, progress, cancellation) as the queue;
what the queue adds, a job that outlives the server process and retries on another
machine, needs PostgreSQL (docs/jobs.md).
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from immigrationos.jobs import execute
from immigrationos.jobs import kinds as job_kinds

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()
_threads: dict[str, threading.Thread] = {}


def _lock(name: str | None) -> threading.Lock:
    with _guard:
        return _locks.setdefault(name or "", threading.Lock())


def _run(engine: Engine, job_id: str, lock_name: str | None) -> None:
    if lock_name is None:
        execute.run(engine, job_id)
        return
    with _lock(lock_name):  # the pipeline's jobs one at a time, as on the queue
        execute.run(engine, job_id)


def start(engine: Engine, job_id: str, kind: str) -> threading.Thread:
    """Run a job in a background thread of this process; return the thread."""
    thread = threading.Thread(
        target=_run,
        args=(engine, job_id, job_kinds.kind_of(kind).lock),
        name=f"imos-job-{job_id}",
        daemon=True,
    )
    _threads[job_id] = thread
    thread.start()
    return thread


def wait(job_id: str, timeout: float | None = None) -> None:
    """Wait for a job this process runs (for the CLI and tests)."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)
