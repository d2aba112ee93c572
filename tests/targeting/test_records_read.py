"""Targeting's one read of every person's records: chunked, parsed a chunk at a time.

``service.records_by_person`` reads the record index joined to the persons' records and
parses each chunk's payloads in one call (``parse_payloads``), so that the records of a
chunk share their field names in memory. These tests check that nothing is lost, moved
or changed by it, on SQLite and PostgreSQL, across chunk boundaries, and for any text a
payload may hold.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from immigrationos.db.engine import session_scope
from immigrationos.records.models import Record
from immigrationos.resolution.models import PersonRecord
from immigrationos.targeting import service

AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
# (person, source, record id, payload, withdrawn)
ROWS: list[tuple[str, str, str, dict[str, Any], bool]] = [
    ("P-1", "cbp_i94", "I94-1", {"given_name": "JOSÉ", "family_name": "O'NEIL"}, False),
    ("P-1", "irs_w2", "W2-1", {"given_name": "JOSE", "wages": 1234.5, "zip": None}, False),
    ("P-1", "irs_w2", "W2-2", {"given_name": 'SAY "HI"\\', "wages": 0}, True),
    ("P-2", "ssa_numident", "N-1", {"given_name": "ANA", "family_name": "LI", "x": [1]}, False),
    ("P-2", "tips", "T-1", {"narrative": "line one\nline two, {not json}]"}, False),
    ("P-3", "dmv_licenses", "D-1", {"given_name": "NGUYỄN", "real_id": True}, False),
    ("P-3", "dmv_licenses", "D-2", {"given_name": "ANA", "family_name": "LI"}, False),
]


def _load(engine: Engine) -> None:
    records = [
        {
            "source": source,
            "record_id": record_id,
            "version": 1,
            "change": "WITHDRAWN" if withdrawn else "NEW",
            "withdrawn": withdrawn,
            "batch_id": "b" * 36,
            "display_name": record_id,
            "payload": json.dumps(payload, sort_keys=True, ensure_ascii=False),
            "ingested_at": AT,
        }
        for _, source, record_id, payload, withdrawn in ROWS
    ]
    members = [
        {"source": source, "record_id": record_id, "person_id": person, "run_id": "r" * 36}
        for person, source, record_id, _, _ in ROWS
    ]
    with session_scope(engine) as session:
        session.execute(insert(Record), records)
        session.execute(insert(PersonRecord), members)
        session.commit()


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
def test_every_current_record_is_read_whole_in_any_chunk_size(
    engine: Engine, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(engine)
    monkeypatch.setattr(service, "READ_CHUNK", chunk)
    with session_scope(engine) as session:
        found = service.records_by_person(session=session)
    got = {
        pid: [(r.source, r.record_id, dict(r.payload)) for r in records]
        for pid, records in found.items()
    }
    expected: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for person, source, record_id, payload, withdrawn in ROWS:
        if not withdrawn:
            expected.setdefault(person, []).append((source, record_id, payload))
    assert got == expected


def test_the_records_of_one_chunk_share_their_field_names(engine: Engine) -> None:
    _load(engine)
    with session_scope(engine) as session:
        found = service.records_by_person(session=session)
    keys = [
        k for records in found.values() for r in records for k in r.payload if k == "given_name"
    ]
    assert len(keys) == 5
    assert all(k is keys[0] for k in keys), "each record holds its own copy of the key"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.text(max_size=12),
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(),
                st.text(),
                st.floats(allow_nan=False, allow_infinity=False),
                st.lists(st.text(max_size=5), max_size=3),
            ),
            max_size=6,
        ),
        max_size=8,
    )
)
def test_parsing_a_chunk_gives_each_payload_as_parsed_alone(payloads: list[dict[str, Any]]) -> None:
    texts = [json.dumps(p, sort_keys=True, ensure_ascii=False) for p in payloads]
    assert service.parse_payloads(texts) == [json.loads(t) for t in texts]
