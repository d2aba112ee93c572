"""Record the SELECTs a call sends to SQLite and read their query plans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def selects_of(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Collect ``(statement, parameters)`` of every SELECT sent while the block runs."""
    asked: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            asked.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield asked
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plans(engine: Engine, asked: list[tuple[str, Any]]) -> list[str]:
    """Return SQLite's query plan of each statement, as one line of its details."""
    with engine.connect() as connection:
        return [
            " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            )
            for statement, params in asked
        ]


def assert_no_scan(engine: Engine, table: str, call: Callable[[], Any]) -> int:
    """Run ``call``; every SELECT it sends must reach ``table`` through an index.

    Returns the number of SELECTs sent.
    """
    with selects_of(engine) as asked:
        call()
    for details in plans(engine, asked):
        assert f"SCAN {table}" not in details and "USING" in details and "INDEX" in details, details
    return len(asked)
