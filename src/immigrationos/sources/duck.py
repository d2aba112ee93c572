"""One in-memory DuckDB per process, lent out as cursors for the lake's one-off queries."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_DATABASES: dict[int, duckdb.DuckDBPyConnection] = {}
_LOCK = threading.Lock()


@contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a fresh cursor on this process's in-memory DuckDB; close it after.

    Opening a DuckDB database costs tens of milliseconds (a buffer pool and a thread
    pool each time); a cursor on one kept open costs almost nothing. Cursors share no
    state a query here relies on: each is a connection of its own, safe to use from its
    own thread. A forked child opens its own database rather than use its parent's.
    """
    pid = os.getpid()
    with _LOCK:
        database = _DATABASES.get(pid)
        if database is None:
            _DATABASES.clear()
            database = _DATABASES[pid] = duckdb.connect()
    con = database.cursor()
    try:
        yield con
    finally:
        con.close()
