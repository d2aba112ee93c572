"""``imos target`` end to end: a generated world ingested, resolved, targeted and exported.

A 500-person world is ingested into each test's own database (SQLite and PostgreSQL)
and lake and resolved through ``resolve_flows`` (the production engine with smaller
training samples, as tests/resolution/test_resolve_flow.py runs it); ``target`` then
evaluates every resolved person under a BATCH purpose.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from immigrationos.audit.models import AuditEvent
from immigrationos.auth.principal import Principal
from immigrationos.cli import app
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.oversight.replay import DecisionSnapshot
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.records.models import Record
from immigrationos.resolution import resolve_flows
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.models import PersonRecord
from immigrationos.resolution.splink_backend import SplinkDuckDBBackend
from immigrationos.resolution.training import TrainingOptions
from immigrationos.sources import flows as ingest_flows
from immigrationos.targeting import flows, service
from immigrationos.targeting.export import COLUMNS, export_leads
from immigrationos.targeting.models import Lead, LeadEvent
from world_cache import shared_world

OPERATOR = Principal.operator("tester")
PERSONS, SEED = 500, 7
AS_OF = dt.date(2026, 11, 1)
FAST = SplinkDuckDBBackend(training=TrainingOptions(u_max_pairs=1e5, em_max_pairs=1e5))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder, _ = shared_world(tmp_path_factory, persons=PERSONS, seed=SEED, as_of=AS_OF)
    return folder


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _purpose(engine: Engine) -> str:
    created = policy_flows.create_purpose(
        engine=engine,
        principal=OPERATOR,
        data=PurposeCreate(
            kind=PurposeKind.BATCH,
            reference="TGT-1",
            title="targeting run",
            justification="evaluate every resolved person for leads",
        ),
    )
    return created.id


def _resolved(engine: Engine, lake_dir: Path, world: Path) -> str:
    ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="test")
    resolve_flows.resolve(engine, lake_dir, principal=OPERATOR, purpose_id=None, backend=FAST)
    return _purpose(engine)


def _target(engine: Engine, lake_dir: Path, purpose: str) -> flows.TargetRunSummary:
    return flows.target(engine, lake_dir, principal=OPERATOR, purpose_id=purpose, as_of=AS_OF)


def _leads(engine: Engine) -> dict[str, Lead]:
    with session_scope(engine) as session:
        found = service.list_leads(session=session)
        session.expunge_all()
    return {lead.lead_id: lead for lead in found}


def _event_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(LeadEvent)) or 0)


def _truth_person(world: Path) -> dict[str, str]:
    return {
        f"{r['source']}:{r['record_id']}": r["person_id"]
        for r in _rows(world / "truth/records.csv")
    }


def _records_by_person(engine: Engine) -> dict[str, list[str]]:
    with session_scope(engine) as session:
        membership = resolution_service.current_membership(session=session)
    out: dict[str, list[str]] = {}
    for ref, person in membership.items():
        out.setdefault(person, []).append(ref)
    return out


def _truth_of(refs: list[str], owner: dict[str, str]) -> str:
    return Counter(owner[r] for r in refs if r in owner).most_common(1)[0][0]


def _named(engine: Engine, person_id: str) -> dict[str, str]:
    """Return the most common name, birth date and sex on a person's records."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Record.payload)
            .join(
                PersonRecord,
                (PersonRecord.source == Record.source)
                & (PersonRecord.record_id == Record.record_id),
            )
            .where(PersonRecord.person_id == person_id)
        )
        payloads = [json.loads(text) for (text,) in rows]
    out = {}
    for name in ("given_name", "middle_name", "family_name", "birth_date", "sex"):
        seen = Counter(str(p[name]) for p in payloads if p.get(name))
        out[name] = seen.most_common(1)[0][0] if seen else ""
    return out


def _citizens_of_leads(engine: Engine, world: Path, leads: dict[str, Lead]) -> dict[str, str]:
    """Return lead ID -> truth status, for leads whose person is mostly a US citizen's records."""
    owner = _truth_person(world)
    status = {p["person_id"]: p["status"] for p in _rows(world / "truth/persons.csv")}
    refs = _records_by_person(engine)
    out = {}
    for lead_id, lead in leads.items():
        truth = Counter(owner[r] for r in refs.get(lead.person_id, []) if r in owner)
        if truth and status[truth.most_common(1)[0][0]].startswith("US_CITIZEN"):
            out[lead_id] = status[truth.most_common(1)[0][0]]
    return out


def test_target_keeps_one_lead_per_person_and_never_an_open_one_on_a_citizen(
    engine: Engine, lake_dir: Path, world: Path, tmp_path: Path
) -> None:
    purpose = _resolved(engine, lake_dir, world)
    first = _target(engine, lake_dir, purpose)
    leads = _leads(engine)
    assert first.created == len(leads) > 0
    assert first.by_state.get("OPEN", 0) > 0
    assert sum(first.by_state.values()) == len(leads)
    persons = [lead.person_id for lead in leads.values()]
    assert len(persons) == len(set(persons)), "a person has at most one current lead"
    citizens = _citizens_of_leads(engine, world, leads)
    assert not [i for i in citizens if leads[i].state == "OPEN"], citizens
    for lead in leads.values():
        assert lead.policy_sha256 and lead.policy_version
        if lead.state in ("OPEN", "HELD"):
            assert lead.score is not None and 0 <= lead.score <= 100 and lead.priority
    with session_scope(engine) as session:
        audited = session.scalar(select(func.count()).where(AuditEvent.action == "targeting.run"))
    assert audited == 1

    # A second run over the same records changes nothing and records nothing.
    events = _event_count(engine)
    second = _target(engine, lake_dir, purpose)
    assert (second.created, second.changed, second.retired) == (0, 0, 0)
    assert _event_count(engine) == events
    assert {i: (ld.person_id, ld.state, ld.score) for i, ld in _leads(engine).items()} == {
        i: (ld.person_id, ld.state, ld.score) for i, ld in leads.items()
    }

    # A person's decision to close a lead holds over later runs.
    chosen = next(ld for ld in leads.values() if ld.state == "OPEN")
    flows.close_lead(
        engine, principal=OPERATOR, purpose_id=purpose, lead_id=chosen.lead_id, reason="case ended"
    )
    third = _target(engine, lake_dir, purpose)
    after = _leads(engine)
    assert after[chosen.lead_id].state == "CLOSED"
    assert after[chosen.lead_id].closed_reason == "case ended"
    assert third.by_state.get("CLOSED") == 1
    with session_scope(engine) as session:
        kinds = [e.kind for e in service.events_of(session=session, lead_id=chosen.lead_id)]
    assert kinds == ["CREATED", "CLOSED"]

    # The export: exactly the spec's header, one row per lead, evidence that exists.
    out = tmp_path / "leads.csv"
    summary = export_leads(out, engine=engine, principal=OPERATOR)
    with out.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == COLUMNS == (
        "lead_id", "person_id", "state", "score", "priority", "violations", "safeguards",
        "evidence",
    )  # fmt: skip
    rows = _rows(out)
    assert summary.rows == len(rows) == len(after)
    assert {r["lead_id"] for r in rows} == set(after)
    refs = {ref for r in rows for ref in r["evidence"].split("|") if ref}
    with session_scope(engine) as session:
        current = session.execute(
            select(Record.source, Record.record_id).where(Record.withdrawn.is_(False))
        )
        indexed = {f"{source}:{record_id}" for source, record_id in current}
    assert refs and refs <= indexed
    for r in rows:
        assert r["state"] in ("OPEN", "HELD", "SUPPRESSED", "CLOSED")
        assert 0 <= int(r["score"]) <= 100
        assert r["violations"] and set(r["violations"].split("|")) <= {
            "OVERSTAY", "PRESENT_WITHOUT_ADMISSION", "UNAUTHORIZED_EMPLOYMENT", "IDENTITY_FRAUD",
            "FINAL_ORDER_UNEXECUTED", "REENTRY_AFTER_REMOVAL",
        }  # fmt: skip
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "export.leads")) == 1


def test_a_run_in_parts_stores_what_a_run_in_one_part_would(
    engine: Engine, lake_dir: Path, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Persons read and evaluated 7 at a time: the same leads, the right records each."""
    purpose = _resolved(engine, lake_dir, world)
    monkeypatch.setattr(flows, "PART_PERSONS", 7)
    told: list[tuple[int, int]] = []
    parts = flows.target(
        engine, lake_dir, principal=OPERATOR, purpose_id=purpose, as_of=AS_OF,
        progress=lambda done, total: told.append((done, total)),
    )  # fmt: skip
    leads = _leads(engine)
    assert parts.created == len(leads) > 0 and parts.by_state.get("OPEN", 0) > 0
    assert told[-1] == (parts.persons, parts.persons)
    assert [d for d, _ in told] == sorted(d for d, _ in told)
    # One part of every person, seeing the leads the run in parts made: nothing to change.
    monkeypatch.setattr(flows, "PART_PERSONS", 50_000)
    whole = _target(engine, lake_dir, purpose)
    assert (whole.created, whole.changed, whole.retired) == (0, 0, 0)
    assert (whole.by_state, whole.by_violation) == (parts.by_state, parts.by_violation)
    # Each lead's decision snapshot holds its person's lawful records and their weakest
    # links, as one read of every person gives them.
    with session_scope(engine) as session:
        ctx = flows._context(session, OPERATOR, purpose)
        records_of = service.records_by_person(session=session)
        flows.lawful_records(ctx, records_of, AS_OF)
        weakest = service.weakest_link_of_records(session=session)
        snaps = session.scalars(select(DecisionSnapshot).where(DecisionSnapshot.kind == "LEAD"))
        snapshots = {x.subject_id: (x.person_id, x.records, x.links) for x in snaps}
    assert set(snapshots) == set(leads)
    for person_id, stored, links in snapshots.values():
        refs = [r.ref for r in records_of[person_id]]
        assert [x["ref"] for x in json.loads(stored)] == refs
        assert json.loads(links) == {ref: weakest[ref] for ref in refs if ref in weakest}


def test_target_refuses_without_a_purpose(engine: Engine, lake_dir: Path) -> None:
    with pytest.raises(flows.TargetingError, match="purpose"):
        flows.target(engine, lake_dir, principal=OPERATOR, purpose_id=None, as_of=AS_OF)


SSN_SOURCES = ("irs_w2:", "irs_itin:", "ssa_numident:")
NUMIDENT_HEADER = (
    "record_id,ssn,given_name,middle_name,family_name,birth_date,sex,birth_place,"
    "citizenship_code,issue_date,death_date\n"
)


def test_a_citizenship_record_arriving_suppresses_an_open_lead(
    engine: Engine, lake_dir: Path, world: Path, tmp_path: Path
) -> None:
    purpose = _resolved(engine, lake_dir, world)
    _target(engine, lake_dir, purpose)
    leads = _leads(engine)
    owner = _truth_person(world)
    truth = {p["person_id"]: p for p in _rows(world / "truth/persons.csv")}
    taken = {r["ssn"] for r in _rows(world / "ssa_numident.csv")}
    members = _records_by_person(engine)
    # Persons whose records carry no SSN: a number on a W-2 that the new Numident does
    # not share would, rightly, keep the two apart.
    opened = sorted(
        (
            ld
            for ld in leads.values()
            if ld.state == "OPEN"
            and not any(r.startswith(SSN_SOURCES) for r in members[ld.person_id])
        ),
        key=lambda ld: ld.lead_id,
    )
    assert opened
    batch = tmp_path / "batch"
    batch.mkdir()
    lines, chosen = [], []
    for n, lead in enumerate(opened[:3]):
        # The person as its own records name it (the truth's name may be one they never use).
        p = {**truth[_truth_of(members[lead.person_id], owner)], **_named(engine, lead.person_id)}
        ssn = next(
            f"{s:09d}" for s in range(123450001 + n * 7, 123460000) if f"{s:09d}" not in taken
        )
        taken.add(ssn)
        lines.append(
            f"NUM-9{n:08d},{ssn},{p['given_name']},{p['middle_name']},{p['family_name']},"
            f"{p['birth_date']},{p['sex']},{p['country_of_birth']},A,2026-10-15,\n"
        )
        chosen.append(lead.lead_id)
    (batch / "ssa_numident.csv").write_text(NUMIDENT_HEADER + "".join(lines), encoding="utf-8")
    ingest_flows.ingest_directory(batch, engine=engine, lake_dir=lake_dir, run_by="test")
    resolve_flows.link_new(engine, lake_dir, principal=OPERATOR, purpose_id=None, backend=FAST)
    _target(engine, lake_dir, purpose)
    after = _leads(engine)
    with session_scope(engine) as session:
        membership = resolution_service.current_membership(session=session)
        for n, lead_id in enumerate(chosen):
            ref = f"ssa_numident:NUM-9{n:08d}"
            person = membership[ref]
            lead = after.get(lead_id)
            # The lead follows its person; wherever the new record went, no OPEN lead on it.
            assert lead is not None and lead.person_id == person, (lead_id, person)
            assert lead.state == "SUPPRESSED", (lead_id, lead.state)
            assert "CITIZENSHIP_EVIDENCE" in json.loads(lead.safeguards)
            events = [e.kind for e in service.events_of(session=session, lead_id=lead_id)]
            assert events[0] == "CREATED" and "STATE" in events


@pytest.fixture()
def own_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("IMOS_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_target_show_and_export(own_var: Path, world: Path) -> None:
    engine = get_engine()
    lake_dir = get_settings().resolved_lake_dir
    purpose = _resolved(engine, lake_dir, world)
    runner = CliRunner()
    refused = runner.invoke(app, ["target"])
    assert refused.exit_code == 2 and "purpose" in refused.output
    done = runner.invoke(app, ["target", "--purpose", purpose, "--as-of", AS_OF.isoformat()])
    assert done.exit_code == 0, done.output
    assert "persons evaluated" in done.output and "OPEN" in done.output
    lead = next(ld for ld in _leads(engine).values() if ld.state == "OPEN")
    shown = runner.invoke(app, ["lead", "show", lead.lead_id, "--purpose", purpose])
    assert shown.exit_code == 0, shown.output
    for part in ("Violations found", "Safeguards", "Score", "Recommendations", "History"):
        assert part in shown.output
    missing = runner.invoke(app, ["lead", "show", "LNOSUCHLEAD", "--purpose", purpose])
    assert missing.exit_code == 2
    out = own_var / "leads.csv"
    exported = runner.invoke(app, ["export", "leads", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    with session_scope(engine) as session:
        reads = session.scalar(
            select(func.count()).where(
                AuditEvent.action == "leads.read", AuditEvent.outcome == "SUCCESS"
            )
        )
    assert reads == 1  # the refused read of a missing lead is DENIED
    # Recommendations are advice: following or overriding one is recorded with the reason.
    action = json.loads(lead.evaluation)["recommendations"][0]["action"]
    overridden = runner.invoke(
        app, ["lead", "decide", lead.lead_id, action, "--overridden", "--reason", "seen in court"]
    )
    assert overridden.exit_code == 0, overridden.output
    unknown = runner.invoke(
        app, ["lead", "decide", lead.lead_id, "Fly to the moon", "--reason", "x"]
    )
    assert unknown.exit_code == 2 and "has no recommendation" in unknown.output
    blank = runner.invoke(app, ["lead", "decide", lead.lead_id, action, "--reason", " "])
    assert blank.exit_code == 2 and "needs a reason" in blank.output
    with session_scope(engine) as session:
        events = service.events_of(session=session, lead_id=lead.lead_id)
        decided = [e for e in events if e.kind in ("FOLLOWED", "OVERRODE")]
        assert [(e.kind, e.reason) for e in decided] == [("OVERRODE", f"{action}: seen in court")]
        assert decided[0].actor  # the operator who ran the command
        logged = session.scalar(
            select(func.count()).where(AuditEvent.action == "leads.recommendation")
        )
    assert logged == 1
    shown = runner.invoke(app, ["lead", "show", lead.lead_id, "--purpose", purpose])
    assert "OVERRODE" in shown.output


def _old_lead(lead_id: str, person_id: str, day: int) -> dict[str, object]:
    return {
        "lead_id": lead_id,
        "person_id": person_id,
        "created_at": dt.datetime(2026, 11, day, tzinfo=dt.UTC),
    }


def test_leads_follow_merges_and_retire_when_their_person_is_gone() -> None:
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    leads = {
        "LA": _old_lead("LA", "PA", 1),  # PA merged into PC: follows it
        "LB": _old_lead("LB", "PB", 2),  # PB merged into PC too, later lead: retired
        "LD": _old_lead("LD", "PD", 3),  # PD is gone: retired
        "LE": _old_lead("LE", "PE", 4),  # PE is still active: stays
    }
    changes = flows._Changes()
    placed = flows._place_old_leads(
        leads, {"PC": None, "PE": None}, {"PA": "PC", "PB": "PC"}, changes, "run", "tester", now
    )
    assert {p: lead["lead_id"] for p, lead in placed.items()} == {"PC": "LA", "PE": "LE"}
    assert changes.retired == 2
    kinds = sorted((e["lead_id"], e["kind"]) for e in changes.events)
    assert kinds == [("LA", "MOVED"), ("LB", "RETIRED"), ("LD", "RETIRED")]
