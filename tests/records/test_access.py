"""Record search under the data-use policy: record-level rules still withhold, and count.

The search reads payloads only for the sources whose record decisions look at them;
each test compares it with deciding every hit on its whole payload.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from immigrationos.apikit.deps import PageParams
from immigrationos.audit.models import AuditEvent
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import authorization_flows, purpose_flows
from immigrationos.policy import service as policy_service
from immigrationos.policy.engine import Decision, Use, get_policy
from immigrationos.policy.kinds import AuthorizationKind, PurposeKind
from immigrationos.policy.schemas import AuthorizationCreate, PurposeCreate, Subject
from immigrationos.records import access
from immigrationos.records import service as records_service

from .conftest import ingest, license_row, numident, write_source

ANALYST = Principal(actor="u-analyst", username="analyst", role="ANALYST", client="test")
# New York and California need a judicial warrant; Texas and Arizona do not.
LICENSES = [
    license_row(f"DMV-{state}{i}", "MARISOL", "QUINTANILLA", state, zip5)
    for i in range(3)
    for state, zip5 in (("NY", "10001"), ("TX", "77001"), ("CA", "90012"), ("AZ", "85004"))
]
NUMIDENT = [numident(f"N{i}", "MARISOL", "QUINTANILLA", "1988-08-08") for i in range(4)]


@pytest.fixture()
def world(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "world"
    write_source(folder, "dmv_licenses", LICENSES)
    write_source(folder, "ssa_numident", NUMIDENT)
    ingest(folder, engine, lake_dir)


def _purpose(engine: Engine) -> str:
    data = PurposeCreate(
        kind=PurposeKind.CRIMINAL_INVESTIGATION,
        reference="CI-1",
        title="test",
        justification="test reads",
    )
    return purpose_flows.create_purpose(principal=ANALYST, data=data, engine=engine).id


def _warrant(engine: Engine, purpose_id: str, states: list[str], subjects: list[str]) -> None:
    data = AuthorizationCreate(
        kind=AuthorizationKind.JUDICIAL_WARRANT,
        reference="JW-1 (synthetic)",
        issued_by="U.S. District Court (synthetic)",
        issued_on=date(2026, 1, 1),
        sources=["dmv_licenses"],
        purpose_ids=[purpose_id],
        subjects=[Subject(kind="RECORD", value=f"dmv_licenses:{s}") for s in subjects],
        states=states,
    )
    authorization_flows.record_authorization(principal=ANALYST, data=data, engine=engine)


def _search(engine: Engine, purpose_id: str, page: PageParams, **query: Any) -> Any:
    terms = access.SearchQuery(
        name=query.get("name"),
        birth_date=query.get("birth_date"),
        identifier=query.get("identifier"),
        sources=tuple(query.get("sources", ())),
        include_withdrawn=False,
    )
    with session_scope(engine) as session:
        return access.search(session, ANALYST, purpose_id, terms, page)


def _decided_on_whole_payloads(
    engine: Engine, purpose_id: str, **query: Any
) -> tuple[list[records_service.RecordHit], list[Decision]]:
    """Return (kept hits, withheld decisions): every hit decided on its whole payload."""
    policy = get_policy()
    with session_scope(engine) as session:
        ctx = policy_service.load_context(
            session=session, principal=ANALYST, purpose_id=purpose_id, today=date.today()
        )
        allowed = [
            s
            for s in access.PERSON_SOURCES
            if policy.decide_source(ctx, s, Use.READ).allowed
            and s in query.get("sources", access.PERSON_SOURCES)
        ]
        hits = records_service.search(
            session=session,
            name=query.get("name"),
            identifier=query.get("identifier"),
            sources=allowed,
            max_candidates=access.MAX_CANDIDATES,
        )
        kept: list[records_service.RecordHit] = []
        withheld: list[Decision] = []
        for hit in hits:
            decision = policy.decide_record(ctx, hit.source, hit.payload, Use.READ)
            if decision.allowed:
                kept.append(hit)
            else:
                withheld.append(decision)
    return kept, withheld


def _assert_same(engine: Engine, purpose_id: str, **query: Any) -> Any:
    kept, withheld = _decided_on_whole_payloads(engine, purpose_id, **query)
    for offset, limit in ((0, 50), (0, 3), (2, 5), (7, 4), (30, 10)):
        result = _search(engine, purpose_id, PageParams(limit=limit, offset=offset), **query)
        assert result.total == len(kept)
        assert [
            (h.source, h.record_id, h.version, h.display_name, h.state) for h in result.items
        ] == [
            (h.source, h.record_id, h.version, h.display_name, h.state)
            for h in kept[offset : offset + limit]
        ]
        assert [h.score for h in result.items] == [
            round(h.score, 4) for h in kept[offset : offset + limit]
        ]
        told = access.withheld_of(withheld)
        assert [w for w in result.withheld if w.count] == told
    return kept, withheld, result


def test_a_record_rule_still_withholds_and_counts(engine: Engine, world: None) -> None:
    purpose_id = _purpose(engine)
    kept, withheld, result = _assert_same(engine, purpose_id, name="MARISOL QUINTANILLA")
    assert len(withheld) == 6
    assert all(" is from NY," in d.reason or " is from CA," in d.reason for d in withheld)
    assert {h.record_id for h in kept} >= {"DMV-TX0", "DMV-AZ2", "N3"}
    (told,) = [w for w in result.withheld if w.source == "dmv_licenses"]
    assert (told.count, told.rule) == (6, "STATE_WARRANT_REQUIRED")
    assert told.reason in {d.reason for d in withheld}
    with session_scope(engine) as session:
        details = session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == "records.search")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert details is not None
    assert json.loads(details)["matches"] == len(kept)
    assert json.loads(details)["withheld"] == 6


def test_a_warrant_opens_only_the_records_it_names(engine: Engine, world: None) -> None:
    purpose_id = _purpose(engine)
    _warrant(engine, purpose_id, ["NY"], ["DMV-NY1", "DMV-CA1"])
    kept, withheld, _ = _assert_same(engine, purpose_id, name="MARISOL QUINTANILLA")
    assert "DMV-NY1" in {h.record_id for h in kept}
    assert "DMV-CA1" not in {h.record_id for h in kept}  # the warrant does not name CA
    assert len(withheld) == 5
    _assert_same(engine, purpose_id, name="QUINTANILLA", sources=["dmv_licenses"])
    _assert_same(engine, purpose_id, identifier="LDMV-NY1")


def test_only_sources_with_record_rules_read_payloads(engine: Engine, world: None) -> None:
    purpose_id = _purpose(engine)
    policy = get_policy()
    with session_scope(engine) as session:
        ctx = policy_service.load_context(
            session=session, principal=ANALYST, purpose_id=purpose_id, today=date.today()
        )
    fields = {s: policy.record_fields(ctx, s, Use.READ) for s in access.PERSON_SOURCES}
    assert {s for s, f in fields.items() if f} == {"dmv_licenses"}
    assert fields["dmv_licenses"] == {"state", "record_id"}
    _warrant(engine, purpose_id, ["NY"], ["DMV-NY1"])
    with session_scope(engine) as session:
        ctx = policy_service.load_context(
            session=session, principal=ANALYST, purpose_id=purpose_id, today=date.today()
        )
    assert policy.record_fields(ctx, "dmv_licenses", Use.READ) is None  # subjects matched
