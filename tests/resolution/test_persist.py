"""Persisting resolution runs: persons with stable IDs, events, judgements, queue, export.

Results are built by hand (clusters from the synthetic world's truth, or chosen per
test): this tests persistence, not the engine. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from immigrationos.audit.models import AuditEvent
from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.resolution import flows, identity
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.models import (
    Person,
    PersonEvent,
    PersonLink,
    PersonRecord,
    ResolutionFlag,
    ResolutionRun,
)
from immigrationos.sources import flows as ingest_flows
from world_cache import shared_world

from .builders import indexed, probability, result_of, truth_clusters

OPERATOR = Principal.operator("tester")


@pytest.fixture(scope="module")
def world_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, _ = shared_world(tmp_path_factory, persons=60, seed=5, as_of=dt.date(2026, 11, 1))
    return out


@pytest.fixture()
def world(world_files: Path, engine: Engine, lake_dir: Path) -> Path:
    ingest_flows.ingest_directory(world_files, engine=engine, lake_dir=lake_dir, run_by="test")
    return world_files


@pytest.fixture()
def purpose(engine: Engine) -> str:
    created = policy_flows.create_purpose(
        engine=engine,
        principal=OPERATOR,
        data=PurposeCreate(
            kind=PurposeKind.BATCH,
            reference="RES-1",
            title="identity resolution",
            justification="resolve records into persons",
        ),
    )
    return created.id


def persist(engine: Engine, lake_dir: Path, result: object, purpose: str) -> flows.RunSummary:
    return flows.persist_result(
        result,  # type: ignore[arg-type]
        engine=engine,
        principal=OPERATOR,
        purpose_id=purpose,
        lake_dir=lake_dir,
    )


def membership(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return resolution_service.current_membership(session=session)


def count(engine: Engine, model: type) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_run_makes_every_cluster_a_person_with_links_flags_and_audit(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = truth_clusters(world, engine)
    shared = clusters[0][:1] + clusters[1][:1]
    flag: dict[str, object] = {
        "kind": "SHARED_SSN",
        "value": "123456789",
        "unique_ids": shared,
        "detail": "one SSN, two identities",
    }
    summary = persist(engine, lake_dir, result_of(clusters, flags=[flag]), purpose)
    records = sum(len(c) for c in clusters)
    assert summary.records == records == len(indexed(engine))
    assert summary.persons == summary.created == len(clusters)
    assert summary.links == records - len(clusters) and summary.flags == 1
    assert (summary.kept, summary.merged, summary.split, summary.retired) == (0, 0, 0, 0)
    found = membership(engine)
    for cluster in clusters:  # one person per cluster, and the person is the cluster
        assert len({found[uid] for uid in cluster}) == 1
    assert len(set(found.values())) == len(clusters)
    assert all(identity.is_person_id(p) for p in found.values())
    with session_scope(engine) as session:
        run = session.get(ResolutionRun, summary.run_id)
        assert run is not None and run.status == "COMPLETED" and run.purpose_id == purpose
        assert json.loads(run.stats) == {"comparisons": 42.0} and run.persons == len(clusters)
        link = session.scalars(select(PersonLink)).first()
        assert link is not None
        waterfall = json.loads(link.explanation)
        assert waterfall["prior_weight"] + sum(s["weight"] for s in waterfall["steps"]) == (
            pytest.approx(link.match_weight)
        )
        stored_flag = session.scalars(select(ResolutionFlag)).one()
        assert json.loads(stored_flag.unique_ids) == sorted(shared)
        singles = session.scalars(select(Person).where(Person.records == 1)).all()
        assert singles and all(p.confidence == 1.0 for p in singles)
        multi = session.scalars(select(Person).where(Person.records > 1)).first()
        assert multi is not None and multi.confidence == pytest.approx(probability(10.0))
        assert multi.display_name and multi.sources.startswith('["')
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resolution.run")
        ).one()
        assert event.purpose == purpose and event.actor == OPERATOR.actor
        assert json.loads(event.details)["persons"] == len(clusters)


def test_a_rerun_keeps_every_id_and_new_records_get_their_own(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = truth_clusters(world, engine)
    persist(engine, lake_dir, result_of(clusters), purpose)
    before = membership(engine)
    again = persist(engine, lake_dir, result_of(clusters[::-1]), purpose)
    assert membership(engine) == before
    assert (again.created, again.merged, again.split, again.retired) == (0, 0, 0, 0)
    assert again.kept == len(clusters)
    assert count(engine, PersonEvent) == len(clusters)  # the first run's CREATED only
    with session_scope(engine) as session:
        first_run = session.scalars(
            select(ResolutionRun).order_by(ResolutionRun.started_at)
        ).first()
        assert first_run is not None
        person = session.get(Person, before[clusters[0][0]])
        assert person is not None
        # nothing changed: the person's row is the first run's still
        assert person.created_run == person.updated_run == first_run.id


def test_merges_and_splits_keep_ids_where_the_person_is_essentially_the_same(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = [c for c in truth_clusters(world, engine) if len(c) >= 3]
    a, b, c, *rest = sorted(clusters, key=lambda x: (-len(x), x))
    singles = [[uid] for uid in indexed(engine) if not any(uid in x for x in clusters)]
    persist(engine, lake_dir, result_of([a, b, c, *rest, *singles]), purpose)
    before = membership(engine)
    pa, pb, pc = before[a[0]], before[b[0]], before[c[0]]
    # a and b become one; c loses one record to a new person of its own
    c_big, c_small = c[:-1], c[-1:]
    summary = persist(
        engine, lake_dir, result_of([a + b, c_big, c_small, *rest, *singles]), purpose
    )
    after = membership(engine)
    assert after[a[0]] == after[b[0]] == pa  # the larger keeps its ID
    assert after[c_big[0]] == pc and after[c_small[0]] not in before.values()
    assert (summary.merged, summary.split, summary.created, summary.retired) == (1, 1, 1, 0)
    with session_scope(engine) as session:
        gone = session.get(Person, pb)
        assert gone is not None and gone.status == "MERGED" and gone.merged_into == pa
        assert resolution_service.current_person_id(session=session, person_id=pb) == pa
        events = {
            (e.kind, e.person_id): (json.loads(e.from_ids), json.loads(e.into_ids))
            for e in session.scalars(
                select(PersonEvent).where(PersonEvent.run_id == summary.run_id)
            )
        }
    assert events[("MERGED", pa)] == ([pa, pb], [pa])
    assert events[("SPLIT", pc)] == ([pc], sorted([pc, after[c_small[0]]]))
    assert events[("CREATED", after[c_small[0]])] == ([pc], [after[c_small[0]]])
    # the records of a person gone from the population retire it
    last = persist(engine, lake_dir, result_of([a + b, c_big, c_small, *rest]), purpose)
    assert last.retired == len(singles)
    with session_scope(engine) as session:
        retired = session.get(Person, before[singles[0][0]])
        assert retired is not None and retired.status == "RETIRED"


def test_best_fields_come_from_the_records(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = truth_clusters(world, engine)
    biggest = max(clusters, key=len)
    weights = {(x, y): 2.0 for x, y in zip(sorted(biggest), sorted(biggest)[1:], strict=False)}
    weights[(sorted(biggest)[0], sorted(biggest)[1])] = -1.0
    persist(engine, lake_dir, result_of(clusters, weights=weights), purpose)
    pid = membership(engine)[biggest[0]]
    with session_scope(engine) as session:
        person = session.get(Person, pid)
        assert person is not None
        assert person.confidence == pytest.approx(probability(-1.0))
        assert person.records == len(biggest)
        names = session.execute(
            select(resolution_service.RECORDS.c.display_name).where(
                (
                    resolution_service.RECORDS.c.source
                    + ":"
                    + resolution_service.RECORDS.c.record_id
                ).in_(biggest)
            )
        ).scalars()
        tally = pl.Series(list(names)).value_counts()
        most = tally.get_column("count").max()
        assert person.display_name in set(tally.filter(pl.col("count") == most).to_series())
        assert json.loads(person.sources) == sorted({u.split(":")[0] for u in biggest})


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda r: r.clusters.vstack(r.clusters.head(1)), "more than one cluster"),
        (
            lambda r: pl.DataFrame({"unique_id": ["nosuch:1"], "cluster_id": ["x"]}),
            "person source",
        ),
        (
            lambda r: r.clusters.vstack(
                pl.DataFrame({"unique_id": ["cbp_i94:NOT-INGESTED"], "cluster_id": ["new"]})
            ),
            "not in the record index",
        ),
    ],
)
def test_a_bad_result_is_refused_whole_and_recorded_as_failed(
    world: Path, engine: Engine, lake_dir: Path, purpose: str, mangle: object, words: str
) -> None:
    result = result_of(truth_clusters(world, engine))
    result.clusters = mangle(result)  # type: ignore[operator]
    with pytest.raises(flows.ResolutionError, match=words):
        persist(engine, lake_dir, result, purpose)
    assert count(engine, Person) == count(engine, PersonRecord) == 0
    with session_scope(engine) as session:
        run = session.scalars(select(ResolutionRun)).one()
        assert run.status == "FAILED" and words.split()[0] in (run.error or "")
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resolution.run")
        ).one()
        assert event.outcome == "FAILURE"


def test_links_across_clusters_and_an_unknown_purpose_are_refused(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = truth_clusters(world, engine)
    result = result_of(clusters)
    result.links = result.links.with_columns(pl.lit(clusters[-1][0]).alias("unique_id_r"))
    with pytest.raises(flows.ResolutionError, match="across two clusters"):
        persist(engine, lake_dir, result, purpose)
    stray = result_of(clusters)
    stray.links = stray.links.with_columns(pl.lit("numident:no-such-record").alias("unique_id_l"))
    with pytest.raises(flows.ResolutionError, match="no cluster: numident:no-such-record-"):
        persist(engine, lake_dir, stray, purpose)
    with pytest.raises(flows.ResolutionError, match="no purpose"):
        persist(engine, lake_dir, result_of(clusters), "P-unknown")


def test_a_link_handed_over_twice_is_stored_once(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    result = result_of(truth_clusters(world, engine))
    once = result.links.height
    result.links = pl.concat([result.links, result.links.head(3)])
    assert once >= 3
    persist(engine, lake_dir, result, purpose)
    assert count(engine, PersonLink) == once


def stored_links(engine: Engine) -> dict[tuple[str, str], tuple[int, str]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                PersonLink.unique_id_l,
                PersonLink.unique_id_r,
                PersonLink.id,
                PersonLink.explanation,
            )
        ).all()
    return {(left, right): (link_id, text) for left, right, link_id, text in rows}


def test_a_rerun_keeps_unchanged_links_and_rewrites_one_whose_explanation_alone_changed(
    world: Path, engine: Engine, lake_dir: Path, purpose: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Explanations are compared a few stored links at a time: ranges of ids, not all at once.
    monkeypatch.setattr(resolution_service, "EXPLANATION_CHUNK", 3)
    result = result_of(truth_clusters(world, engine))
    first = persist(engine, lake_dir, result, purpose)
    before = stored_links(engine)
    assert first.links == len(before) == result.links.height > 10
    changed = result.links.row(5, named=True)
    pair = (changed["unique_id_l"], changed["unique_id_r"])
    waterfall = json.loads(changed["explanation"])
    waterfall["steps"][0]["level"] = "another level, the same weight"
    result.links = result.links.with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit(json.dumps(waterfall)))
        .otherwise(pl.col("explanation"))
        .alias("explanation")
    )
    # A link handed over twice is counted once in the run's summary.
    result.links = pl.concat([result.links, result.links.tail(2)])
    second = persist(engine, lake_dir, result, purpose)
    after = stored_links(engine)
    assert second.links == len(after) == len(before)
    assert json.loads(after[pair][1]) == waterfall
    assert after[pair][0] != before[pair][0]
    assert {k: v for k, v in after.items() if k != pair} == {
        k: v for k, v in before.items() if k != pair
    }


LINK_CONTENT = st.tuples(
    st.sampled_from(["a", "b", "c"]),  # the left record (the right is fixed)
    st.sampled_from(["P1", "P2"]),
    st.sampled_from([5.0, 7.5]),
    st.sampled_from(["x", "y"]),  # the explanation
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(old=st.lists(LINK_CONTENT, max_size=12), new=st.lists(LINK_CONTENT, max_size=12))
def test_sync_links_stores_exactly_the_new_links_and_keeps_the_ids_of_unchanged_ones(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    old: list[tuple[str, str, float, str]],
    new: list[tuple[str, str, float, str]],
) -> None:
    monkeypatch.setattr(resolution_service, "EXPLANATION_CHUNK", 2)

    def frame(rows: list[tuple[str, str, float, str]], run: str) -> pl.DataFrame:
        return pl.DataFrame(
            [(run, p, left, "z", w, 0.9, e) for left, p, w, e in rows],
            schema={
                "run_id": pl.Utf8,
                "person_id": pl.Utf8,
                "unique_id_l": pl.Utf8,
                "unique_id_r": pl.Utf8,
                "match_weight": pl.Float64,
                "match_probability": pl.Float64,
                "explanation": pl.Utf8,
            },
            orient="row",
        )

    def stored() -> dict[tuple[str, str, float, str], int]:
        with session_scope(engine) as session:
            rows = session.execute(
                select(
                    PersonLink.unique_id_l,
                    PersonLink.person_id,
                    PersonLink.match_weight,
                    PersonLink.explanation,
                    PersonLink.id,
                )
            ).all()
        table = {(left, p, w, e): link_id for left, p, w, e, link_id in rows}
        assert len(table) == len(rows), "a link stored twice"
        return table

    with session_scope(engine) as session:
        resolution_service.clear_table(session=session, table="person_links")
        synced = resolution_service.sync_links(session=session, rows=frame(old, "r1"))
        session.commit()
    assert synced.held == synced.written == len(set(old))
    before = stored()
    with session_scope(engine) as session:
        synced = resolution_service.sync_links(session=session, rows=frame(new, "r2"))
        session.commit()
    after = stored()
    assert set(after) == set(new)
    assert synced.held == len(set(new))
    unchanged = set(new) & set(old)
    # Unless most stored links went (the table is then rewritten whole), a link found
    # again keeps its row, and only the others are written.
    if (len(set(old)) - len(unchanged)) * 2 <= len(set(old)):
        assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
        assert synced.written == len(set(new)) - len(unchanged)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from([1.0, 2.0]), st.sampled_from("xy")),
        max_size=30,
    )
)
def test_repeats_are_dropped_as_unique_would_drop_them(rows: list[tuple[str, float, str]]) -> None:
    frame = pl.DataFrame(rows, schema=["a", "w", "e"], orient="row")
    kept = resolution_service._first_of_each(frame, ["a", "w", "e"])
    assert kept.equals(frame.unique(["a", "w", "e"], keep="first", maintain_order=True))


def test_judgements_become_constraints_of_the_next_run(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = sorted(truth_clusters(world, engine), key=lambda c: (-len(c), c))
    a, b, c = clusters[0], clusters[1], clusters[2]
    persist(engine, lake_dir, result_of(clusters), purpose)
    ids = membership(engine)

    def judge(left: str, right: str, verdict: str, reason: str = "documents") -> object:
        return flows.judge(
            engine=engine,
            principal=OPERATOR,
            left=left,
            right=right,
            verdict=verdict,
            reason=reason,
            purpose_id=purpose,
        )

    judge(ids[a[0]], ids[b[0]], "SAME")
    judge(c[0], ids[a[0]], "DIFFERENT")
    judge(c[0], c[1], "UNSURE")
    first = judge(b[0], c[0], "SAME")
    second = judge(c[0], b[0], "DIFFERENT", "a second look")  # same pair: supersedes
    assert first.superseded_by is None  # type: ignore[attr-defined]
    for bad, words in (
        (("", ids[a[0]], "SAME", "x"), "neither a person"),
        ((a[0], a[0], "SAME", "x"), "both sides"),
        ((a[0], b[0], "SAME", "   "), "needs a reason"),
        ((a[0], b[0], "MAYBE", "x"), "verdict"),
        (("cbp_i94:NO-SUCH", b[0], "SAME", "x"), "no record"),
        (("P0000000000", b[0], "SAME", "x"), "no person"),
    ):
        with pytest.raises(flows.ResolutionError, match=words):
            judge(*bad)
    must, cannot = flows.constraints_for_next_run(engine)
    group = sorted(a + b)
    assert set(must) == set(pairwise(group))
    expected = {tuple(sorted((c[0], x))) for x in a} | {tuple(sorted((c[0], b[0])))}
    assert set(cannot) == expected
    with session_scope(engine) as session:
        current = resolution_service.list_judgements(session=session)
        everything = resolution_service.list_judgements(session=session, include_superseded=True)
        assert len(current) == 4 and len(everything) == 5
        replaced = [j for j in everything if j.superseded_by is not None]
        assert [j.superseded_by for j in replaced] == [second.id]  # type: ignore[attr-defined]
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resolution.judge")
        ).all()
        assert len(events) == 5 and all(e.purpose == purpose for e in events)


def test_the_review_queue_puts_the_most_uncertain_unjudged_links_first(
    world: Path, engine: Engine, lake_dir: Path, purpose: str
) -> None:
    clusters = [c for c in truth_clusters(world, engine) if len(c) >= 2]
    chosen = [sorted(c)[:2] for c in clusters[:4]]
    weights = {
        (chosen[0][0], chosen[0][1]): 3.0,  # p 0.889: nearest the threshold 0.9
        (chosen[1][0], chosen[1][1]): 3.4,  # p 0.913
        (chosen[2][0], chosen[2][1]): 0.0,  # p 0.5: the least confident person
        (chosen[3][0], chosen[3][1]): 20.0,
    }
    persist(engine, lake_dir, result_of(truth_clusters(world, engine), weights=weights), purpose)
    queue = flows.review_queue(engine, limit=3)
    assert [(q.unique_id_l, q.unique_id_r) for q in queue[:2]] == [
        tuple(chosen[0]),
        tuple(chosen[1]),
    ]
    assert queue[0].uncertainty > queue[1].uncertainty > queue[2].uncertainty
    by_confidence = flows.review_queue(engine, limit=1, order="confidence")
    assert (by_confidence[0].unique_id_l, by_confidence[0].unique_id_r) == tuple(chosen[2])
    flows.judge(
        engine=engine,
        principal=OPERATOR,
        left=chosen[0][0],
        right=chosen[0][1],
        verdict="SAME",
        reason="same passport",
    )
    assert [(q.unique_id_l, q.unique_id_r) for q in flows.review_queue(engine, limit=1)] == [
        tuple(chosen[1])
    ]


def test_the_clusters_export_is_exactly_the_spec(
    world: Path, engine: Engine, lake_dir: Path, purpose: str, tmp_path: Path
) -> None:
    clusters = truth_clusters(world, engine)
    lonely = clusters[-1][-1]  # not yet resolved: no run has seen it
    resolved = [[u for u in c if u != lonely] for c in clusters]
    resolved = [c for c in resolved if c]
    persist(engine, lake_dir, result_of(resolved), purpose)
    out = tmp_path / "out" / "clusters.csv"
    summary = flows.export_clusters(out, engine=engine, principal=OPERATOR)
    assert out.read_text(encoding="utf-8").splitlines()[0] == "source,record_id,person_id"
    exported = pl.read_csv(out, infer_schema_length=0)
    assert exported.columns == ["source", "record_id", "person_id"]
    assert sorted(f"{s}:{r}" for s, r in exported.select("source", "record_id").iter_rows()) == (
        indexed(engine)
    )
    assert "census_tracts" not in set(exported.get_column("source"))
    ids = {f"{s}:{r}": p for s, r, p in exported.iter_rows()}
    assert {uid: ids[uid] for uid in membership(engine)} == membership(engine)
    assert identity.is_person_id(ids[lonely]) and ids[lonely] not in membership(engine).values()
    assert summary.rows == exported.height and summary.unresolved == 1
    assert summary.persons == len(resolved) + 1
    # a later run gives the unresolved record, alone, the ID the export promised it
    persist(engine, lake_dir, result_of([*resolved, [lonely]]), purpose)
    assert membership(engine)[lonely] == ids[lonely]
    with session_scope(engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.clusters")
        ).one()
        details = json.loads(event.details)
        assert details["rows"] == exported.height and details["sha256"] == summary.sha256
        assert event.actor == OPERATOR.actor
    assert not list(out.parent.glob(".*partial"))
