"""The default backend: Splink 5 on DuckDB, domain comparisons, constraints, guarded clustering.

One run, in memory (DuckDB's share capped by ``memory_limit``, spilled beyond it):

1. the records are normalised and go to DuckDB ``load_chunk`` at a time (``unique_id``
   there is the row index ``rid``); Python keeps only what later steps read of each
   record, and the shared SSNs (step 3) and the cluster keys are found right away;
2. the model is trained on them (``training``) and Splink scores the candidate pairs of
   ``comparisons.PREDICTION_RULES`` at or above the threshold, keeping every
   comparison's weight (``SplinkBackend._train`` and ``_predict``: the one part a
   backend supplies, on DuckDB here, on Spark in ``splink_spark``; both hand the scored
   pairs to DuckDB's ``engine_predict``, and everything after works on them alone; on
   DuckDB the candidate pairs are scored ``predict_part`` at a time, so that a part's
   joins with the records fit in memory instead of spilling tens of gigabytes);
3. shared SSNs are found (``shared_ssn``): SSN agreement across two identities is
   neutralised, and the pairs falling below the threshold drop out;
4. the links are clustered strongest first under the cannot-links (``cluster``);
5. the links that made each cluster get their waterfall (``explain``), their weights and
   levels streamed from DuckDB a chunk at a time.
"""

from __future__ import annotations

import abc
import logging
import math
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import polars as pl
from splink import DuckDBAPI, Linker
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from immigrationos.resolution import ambiguity, comparisons, explain, shared_ssn
from immigrationos.resolution import constraints as cluster_keys
from immigrationos.resolution.backend import Constraints, StageProgress
from immigrationos.resolution.cluster import Clustering, Edge, cluster
from immigrationos.resolution.result import (
    CLUSTER_COLUMNS,
    FLAG_COLUMNS,
    LINK_COLUMNS,
    ResolutionResult,
)
from immigrationos.resolution.training import TrainingOptions, train_model

# An identifier weighing at least this much (64 to 1) lifts the birth-date guard.
IDENTIFIER_WEIGHT = 6.0
IDENTIFIERS = ("ssn", "itin", "a_number", "passport", "i94", "fbi")
# The weight given to a link only a reviewer's SAME made (certainty, for the record).
JUDGED_WEIGHT = 30.0
INPUT_TABLE = "engine_input"
# The records of a new batch (incremental linking): blocking pairs each with all records.
NEW_TABLE = "engine_new_input"
# The candidate pairs of ``PREDICTION_RULES``, handed to Splink's predict (on DuckDB a
# part of them at a time, in ``PART_TABLE``).
BLOCKED_TABLE = "engine_blocked"
PART_TABLE = "engine_blocked_part"
# Links handed to clustering, and explained, so many at a time (bounded memory).
CHUNK = 250_000
WEIGHT_COLUMNS: tuple[str, ...] = tuple(f"mw_{name}" for name in comparisons.COMPARISONS) + tuple(
    f"mw_tf_adj_{name}" for name, (_, tf) in comparisons.COMPARISONS.items() if tf
)
# What ``engine_predict`` keeps of Splink's predictions.
PREDICT_COLUMNS = (
    f"unique_id_l AS rid_l, unique_id_r AS rid_r, match_weight, {', '.join(WEIGHT_COLUMNS)}"
)


def probability_to_weight(probability: float) -> float:
    """Return the match weight (log2 odds) of a match probability in (0, 1)."""
    if not 0.0 < probability < 1.0:
        raise ValueError(
            f"a threshold must be a probability strictly between 0 and 1, not {probability}"
        )
    return math.log2(probability / (1.0 - probability))


@dataclass
class SplinkBackend(abc.ABC):
    """Splink 5 with the engine's post-processing on an in-memory DuckDB (module docstring).

    A subclass trains and scores (``_train``, ``_predict``), on whichever engine it
    drives; the constraints, clustering and explanations that follow are shared.
    """

    name: str = "splink"
    training: TrainingOptions = field(default_factory=TrainingOptions)
    threads: int | None = None
    # DuckDB's memory cap; beyond it, it spills to a temporary folder of its own.
    memory_limit: str = "2GB"
    # Raw records normalised and loaded into DuckDB so many at a time (``normalizer``).
    load_chunk: int = 1_000_000
    # Records (of SSNs carried twice or more) analysed for shared SSNs at a time.
    shared_ssn_part: int = 1_000_000
    # Candidate pairs scored at a time on DuckDB (``SplinkDuckDBBackend._predict``).
    predict_part: int = 20_000_000
    # ``engine.resolve_frame`` hands this backend raw records and its ``normalizer``.
    normalizes_in_chunks = True

    def resolve(
        self,
        frame: pl.DataFrame,
        *,
        constraints: Constraints | None,
        threshold: float,
        model: dict[str, Any] | None = None,
        new_ids: Collection[str] | None = None,
        progress: StageProgress | None = None,
        normalizer: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> ResolutionResult:
        """Return clusters, kept links, flags and the model of a normalised record frame.

        Args:
            frame: records normalised by ``normalize.normalize_frame`` (``unique_id``,
                ``source``, raw and normalised columns); raw records when ``normalizer``
                is given.
            constraints: reviewers' must-link and cannot-link pairs of ``unique_id``.
            threshold: the match probability a link needs.
            model: a model an earlier run returned; training is skipped.
            new_ids: only pairs with at least one of these records are scored.
            progress: told ``train``, ``score``, ``cluster``, ``explain`` as each starts.
            normalizer: normalises raw records (``engine.normalized``), applied
                ``load_chunk`` records at a time: the normalised columns of all the
                records are never held in Python at once, only in DuckDB.
        """
        note = progress or _silent
        clock: dict[str, float] = {}
        started = time.perf_counter()
        threshold_weight = probability_to_weight(threshold)
        judged = constraints or Constraints()
        spill = tempfile.TemporaryDirectory(prefix="imos-resolution-")
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = false")
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            con.execute(f"SET temp_directory = '{spill.name}'")
            if self.threads is not None:
                con.execute(f"SET threads = {int(self.threads)}")
            frame = _load(con, _normalised_chunks(frame, normalizer, self.load_chunk))
            if new_ids is not None:
                _load_new(con, frame, new_ids)
            clock["load"] = time.perf_counter() - started
            # What clustering needs of the records is read before scoring; the shared-SSN
            # analysis fetches the normalised columns it reads back from DuckDB, a part of
            # the SSNs at a time. Then only what the links display stays in Python.
            mark = time.perf_counter()
            shared = _shared_ssns(con, frame, self.shared_ssn_part)
            keys = cluster_keys.record_keys(
                frame, shared.cannot, _reviewer_rids(frame, judged.cannot_link)
            )
            must = _reviewer_rids(frame, judged.must_link)
            frame = frame.select("rid", "unique_id", *explain.DISPLAY_INPUTS)
            clock["keys"] = time.perf_counter() - mark
            scored, candidates, prior_weight, model = self._score(
                con, threshold, clock, model, note, restricted=new_ids is not None
            )
            mark = time.perf_counter()
            _neutralise(con, shared.identity, threshold_weight)
            ambiguous = ambiguity.drop_ambiguous(con, "engine_scored", INPUT_TABLE)
            clock["shared_ssn"] = time.perf_counter() - mark
            mark = time.perf_counter()
            note("cluster")
            edges = con.execute(
                "SELECT rid_l, rid_r, identified, dated, clash FROM engine_scored"
                " ORDER BY adjusted_weight DESC, rid_l, rid_r"
            ).fetchnumpy()
            outcome = cluster(frame.height, _chunks(edges), keys, must)
            del keys
            clock["cluster"] = time.perf_counter() - mark
            mark = time.perf_counter()
            note("explain")
            above = len(edges["rid_l"])
            _keep(con, edges, outcome)
            del edges
            links = _links(con, frame, outcome.must_unions, prior_weight)
        finally:
            con.close()
            spill.cleanup()
        clock["explain"] = time.perf_counter() - mark
        clusters = _clusters(frame, outcome.root)
        stats: dict[str, float] = {
            "records": float(frame.height),
            "clusters": float(clusters.get_column("cluster_id").n_unique()),
            "candidate_pairs": float(candidates),
            "scored_pairs": float(scored),
            "edges_above_threshold": float(above),
            "links": float(links.height),
            "prior_weight": prior_weight,
            "threshold_weight": threshold_weight,
            "shared_ssns": float(shared.flags.height),
            "ambiguous_links_dropped": float(ambiguous),
            "new_records": float(frame.height if new_ids is None else len(set(new_ids))),
            **{f"refused_{k}": float(v) for k, v in sorted(outcome.refused.items())},
            **{f"seconds_{k}": round(v, 3) for k, v in clock.items()},
            "seconds_total": round(time.perf_counter() - started, 3),
        }
        return ResolutionResult(
            clusters=clusters,
            links=links,
            flags=shared.flags.select(FLAG_COLUMNS),
            backend=self.name,
            threshold=threshold,
            stats=stats,
            model=model,
        )

    def _score(
        self,
        con: duckdb.DuckDBPyConnection,
        threshold: float,
        clock: dict[str, float],
        model: dict[str, Any] | None,
        note: StageProgress,
        *,
        restricted: bool,
    ) -> tuple[int, int, float, dict[str, Any]]:
        """Train (unless given) the model, score the pairs into ``engine_predict``.

        Returns the counts of pairs scored at or above the threshold and of candidate
        pairs compared, the prior's weight and the model.
        """
        mark = time.perf_counter()
        if model is None:
            note("train")
            model = self._train(con)
        else:
            _check_model(model)
        clock["train"] = time.perf_counter() - mark
        note("score")
        candidates = self._predict(con, model, threshold, clock, restricted=restricted)
        count = con.execute("SELECT count(*) FROM engine_predict").fetchall()[0][0]
        prior = float(model["probability_two_random_records_match"])
        return int(count), candidates, probability_to_weight(prior), model

    @abc.abstractmethod
    def _train(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """Return the model trained on ``INPUT_TABLE`` (in DuckDB's SQL, as stored)."""

    @abc.abstractmethod
    def _predict(
        self,
        con: duckdb.DuckDBPyConnection,
        model: dict[str, Any],
        threshold: float,
        clock: dict[str, float],
        *,
        restricted: bool,
    ) -> int:
        """Create ``engine_predict`` in ``con``: the blocked pairs scored at ``threshold``.

        Columns: ``rid_l, rid_r, match_weight`` and ``WEIGHT_COLUMNS``; ``restricted``:
        only the pairs with a record of ``NEW_TABLE``. Sets ``clock`` block and predict;
        returns how many candidate pairs were compared.
        """


@dataclass
class SplinkDuckDBBackend(SplinkBackend):
    """Splink 5 on an in-memory DuckDB: see the module docstring for the steps."""

    name: str = "splink-duckdb"

    def _train(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """Return the model trained on ``INPUT_TABLE`` by Splink on DuckDB."""
        model = train_model(con, DuckDBAPI(connection=con), INPUT_TABLE, self.training)
        _drop_splink_tables(con)
        return model

    def _predict(
        self,
        con: duckdb.DuckDBPyConnection,
        model: dict[str, Any],
        threshold: float,
        clock: dict[str, float],
        *,
        restricted: bool,
    ) -> int:
        """Create ``engine_predict``: the blocked pairs scored by Splink on DuckDB."""
        mark = time.perf_counter()
        con.execute(f"CREATE TABLE {BLOCKED_TABLE} AS {blocking_sql('duckdb', restricted)}")
        candidates = con.execute(f"SELECT count(*) FROM {BLOCKED_TABLE}").fetchall()[0][0]
        clock["block"] = time.perf_counter() - mark
        mark = time.perf_counter()
        db_api = DuckDBAPI(connection=con)
        parts = max(1, math.ceil(candidates / self.predict_part))
        if parts == 1:
            predictions = predict_blocked(db_api, model, threshold)
            con.execute(
                f"CREATE TABLE engine_predict AS SELECT {PREDICT_COLUMNS}"
                f" FROM {predictions.physical_name}"
            )
        else:
            _predict_in_parts(con, db_api, model, threshold, parts)
        _drop_splink_tables(con)
        con.execute(f"DROP TABLE {BLOCKED_TABLE}")
        clock["predict"] = time.perf_counter() - mark
        return int(candidates)


def _predict_in_parts(
    con: duckdb.DuckDBPyConnection,
    db_api: DuckDBAPI,
    model: dict[str, Any],
    threshold: float,
    parts: int,
) -> None:
    """Create ``engine_predict`` from the blocked pairs scored ``parts`` parts at a time.

    A pair's part is the hash of its left record id. One linker scores every part (its
    term-frequency tables are built once); each part's predictions are kept to
    ``PREDICT_COLUMNS`` and dropped before the next part is scored.
    """
    linker = _predict_linker(db_api, model)
    for part in range(parts):
        con.execute(
            f"CREATE OR REPLACE TABLE {PART_TABLE} AS SELECT * FROM {BLOCKED_TABLE}"
            f" WHERE hash(join_key_l) % {parts} = {part}"
        )
        linker.table_management.register_blocked_pairs_for_predict(db_api.register(PART_TABLE))
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        selected = f"SELECT {PREDICT_COLUMNS} FROM {predictions.physical_name}"
        if part == 0:
            con.execute(f"CREATE TABLE engine_predict AS {selected}")
        else:
            con.execute(f"INSERT INTO engine_predict {selected}")
        predictions.drop_table_from_database_and_remove_from_cache()
    con.execute(f"DROP TABLE {PART_TABLE}")


def _predict_linker(db_api: DatabaseAPI[Any], model: dict[str, Any]) -> Linker:
    """Return a linker scoring ``INPUT_TABLE``'s pairs under ``model``, in its engine's SQL."""
    dialect = db_api.sql_dialect.sql_dialect_str
    # Splink's settings validation only logs warnings, which ERROR level never shows:
    # skipping it changes nothing but the seconds it takes to parse every comparison.
    return Linker(
        db_api.register(INPUT_TABLE),
        comparisons.model_in_dialect(model, dialect),
        log_level=logging.ERROR,
        validate_settings=False,
    )


def predict_blocked(
    db_api: DatabaseAPI[Any], model: dict[str, Any], threshold: float
) -> SplinkDataFrame:
    """Return Splink's predictions of the pairs in ``BLOCKED_TABLE`` under ``model``.

    ``INPUT_TABLE`` and ``BLOCKED_TABLE`` are tables (or views) of ``db_api``'s engine;
    ``model`` is written in that engine's SQL first (``comparisons.model_in_dialect``).
    """
    linker = _predict_linker(db_api, model)
    linker.table_management.register_blocked_pairs_for_predict(db_api.register(BLOCKED_TABLE))
    return linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")


def _silent(stage: str) -> None:
    """Hear of a stage and say nothing (no progress was asked for)."""


def _check_model(model: dict[str, Any]) -> None:
    """Refuse a given model whose comparisons are not this engine's (trained by another)."""
    found = {c.get("output_column_name") for c in model.get("comparisons", [])}
    if found != set(comparisons.COMPARISONS) or "probability_two_random_records_match" not in (
        model
    ):
        raise ValueError(
            "the stored model was trained with other comparisons than this engine's "
            f"({', '.join(sorted(str(c) for c in found))}); resolve everything once more "
            "(imos resolve, not --incremental) to train a new one"
        )


def _load_new(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, new_ids: Collection[str]
) -> None:
    """Create ``NEW_TABLE``: the model input of the records of ``new_ids`` (a new batch)."""
    wanted = pl.Series("unique_id", list(set(new_ids)), dtype=pl.Utf8)
    chosen = pl.col("unique_id").is_in(wanted.implode())
    rids = frame.select("rid", "unique_id").filter(chosen).select("rid")
    con.register("engine_new_arrow", rids.to_arrow())
    try:
        con.execute(
            f"CREATE TABLE {NEW_TABLE} AS SELECT * FROM {INPUT_TABLE}"
            " WHERE unique_id IN (SELECT rid FROM engine_new_arrow)"
        )
    finally:
        con.unregister("engine_new_arrow")


def blocking_sql(dialect: str, restricted: bool = False) -> str:
    """Return the query of the candidate pairs of ``PREDICTION_RULES`` (blocked-pairs form).

    One equi-join per rule, stacked and deduplicated: the same pairs as Splink's own
    blocking (whose every rule excludes the pairs of the rules before it), in a third of
    the time at a million records. ``restricted``: only the pairs with at least one record
    of ``NEW_TABLE``, joined from it (the rules are symmetric equi-joins), so a small
    batch costs a small join. ``dialect``: Splink's name of the engine's SQL.
    """
    left, first, second = INPUT_TABLE, "l.unique_id", "r.unique_id"
    apart = "l.unique_id < r.unique_id"
    if restricted:
        left, apart = NEW_TABLE, "l.unique_id <> r.unique_id"
        first, second = (f"{f}(l.unique_id, r.unique_id)" for f in ("least", "greatest"))
    parts = [
        f"SELECT '{key}' AS match_key, {first} AS join_key_l, {second} AS join_key_r"
        f" FROM {left} l JOIN {INPUT_TABLE} r"
        f" ON {rule.get_blocking_rule(dialect).blocking_rule_sql}"
        f" AND {apart}"
        for key, rule in enumerate(comparisons.PREDICTION_RULES)
    ]
    return (
        "SELECT min(match_key) AS match_key, join_key_l, join_key_r"
        f" FROM ({' UNION ALL '.join(parts)}) stacked GROUP BY join_key_l, join_key_r"
    )


def _drop_splink_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every table Splink made (its caches), so they do not hold memory."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '__splink__%'"
        ).fetchall()
    ]
    for name in names:
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    views = [
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE view_name LIKE '__splink__%'"
        ).fetchall()
    ]
    for name in views:
        con.execute(f'DROP VIEW IF EXISTS "{name}"')


def _model_input(frame: pl.DataFrame) -> pl.DataFrame:
    """Return the columns the model reads, ``unique_id`` being the row index."""
    return frame.select(
        pl.col("rid").alias("unique_id"),
        *[c for c in comparisons.MODEL_COLUMNS if c != "unique_id"],
    )


def _neutralise(
    con: duckdb.DuckDBPyConnection, identity: pl.DataFrame, threshold_weight: float
) -> None:
    """Create ``engine_scored``: links at or above the threshold once shared SSNs count nothing.

    SSN agreement between records of two identities of one shared SSN is set to 0
    (``ssn_neutralised``); ``adjusted_weight`` is the weight then, and ``identified``
    says an identifier of at least ``IDENTIFIER_WEIGHT`` still agrees, ``dated`` that the
    birth dates were compared (neither missing), ``clash`` that they disagree beyond a
    typo (their weight is negative).
    """
    con.register("engine_identity_arrow", identity.to_arrow())
    try:
        con.execute(
            "CREATE TABLE engine_marked AS SELECT p.*,"
            " coalesce(il.ssn_identity <> ir.ssn_identity AND l.ssn = r.ssn, false)"
            " AS ssn_neutralised"
            " FROM engine_predict p"
            " JOIN engine_input l ON l.unique_id = p.rid_l"
            " JOIN engine_input r ON r.unique_id = p.rid_r"
            " LEFT JOIN engine_identity_arrow il ON il.rid = p.rid_l"
            " LEFT JOIN engine_identity_arrow ir ON ir.rid = p.rid_r"
        )
    finally:
        con.unregister("engine_identity_arrow")
    con.execute("DROP TABLE engine_predict")
    ssn = "CASE WHEN ssn_neutralised THEN 0.0 ELSE mw_ssn END"
    identified = " OR ".join(
        f"{ssn if c == 'ssn' else 'mw_' + c} >= {IDENTIFIER_WEIGHT}" for c in IDENTIFIERS
    )
    con.execute(
        f"CREATE TABLE engine_scored AS SELECT * REPLACE ({ssn} AS mw_ssn),"
        " match_weight - CASE WHEN ssn_neutralised THEN mw_ssn ELSE 0.0 END AS adjusted_weight,"
        f" ({identified}) AS identified, mw_birth_date <> 0.0 AS dated,"
        " mw_birth_date < 0.0 AS clash FROM engine_marked"
        " WHERE match_weight - CASE WHEN ssn_neutralised THEN mw_ssn ELSE 0.0 END"
        f" >= {threshold_weight!r}"
    )
    con.execute("DROP TABLE engine_marked")


def _chunks(edges: dict[str, np.ndarray]) -> Iterator[Edge]:
    """Yield ``Edge`` tuples from numpy columns, converting a chunk at a time."""
    columns = [edges[c] for c in ("rid_l", "rid_r", "identified", "dated", "clash")]
    for start in range(0, len(columns[0]), CHUNK):
        stop = start + CHUNK
        for values in zip(*(c[start:stop].tolist() for c in columns), strict=True):
            yield Edge(*values)


# What the steps after loading read of each record, besides ``explain.DISPLAY_INPUTS``.
RECORD_COLUMNS = (
    "rid", "unique_id", "source", "event_date", "birth_place", "citizenship_country",
    "family_phon",
)  # fmt: skip


def _normalised_chunks(
    frame: pl.DataFrame,
    normalizer: Callable[[pl.DataFrame], pl.DataFrame] | None,
    size: int,
) -> Iterator[tuple[pl.DataFrame | None, pl.DataFrame]]:
    """Yield raw and normalised records (with ``rid``, the row index), ``size`` at a time.

    Normalisation works record by record (names keyed by their distinct values), so
    normalising chunks gives the records normalising them all would. Without a
    ``normalizer`` the frame is normalised already, and comes whole, with no raw side.
    """
    if normalizer is None:
        yield None, frame.with_row_index("rid").with_columns(pl.col("rid").cast(pl.Int64))
        return
    for start in range(0, max(frame.height, 1), size):
        raw = frame.slice(start, size)
        chunk = normalizer(raw)
        yield (
            raw,
            chunk.with_row_index("rid", offset=start).with_columns(pl.col("rid").cast(pl.Int64)),
        )


def _load(
    con: duckdb.DuckDBPyConnection,
    chunks: Iterable[tuple[pl.DataFrame | None, pl.DataFrame]],
) -> pl.DataFrame:
    """Create ``INPUT_TABLE`` from the chunks; return what later steps read of each record.

    A column normalisation left as it was is taken from the raw records, which the
    caller holds anyway, rather than from the normalised copy.
    """
    kept = []
    wanted = dict.fromkeys((*RECORD_COLUMNS, *explain.DISPLAY_INPUTS))
    for i, (raw, chunk) in enumerate(chunks):
        con.register("engine_arrow", _model_input(chunk).to_arrow())
        if i == 0:
            con.execute(f"CREATE TABLE {INPUT_TABLE} AS SELECT * FROM engine_arrow")
        else:
            con.execute(f"INSERT INTO {INPUT_TABLE} SELECT * FROM engine_arrow")
        con.unregister("engine_arrow")
        columns = []
        for name in (c for c in wanted if c in chunk.columns):
            column = chunk.get_column(name)
            if raw is not None and name in raw.columns:
                same = raw.get_column(name)
                if same.dtype == column.dtype and same.equals(column):
                    column = same
            columns.append(column)
        kept.append(pl.DataFrame(columns))
        del chunk
    return kept[0] if len(kept) == 1 else pl.concat(kept, rechunk=False)


def _shared_ssns(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, part_size: int
) -> shared_ssn.SharedSsns:
    """Return ``shared_ssn.find_shared_ssns`` of the records, a part of the SSNs at a time.

    The analysis looks at one SSN's records and its holder's own records at a time, so
    the SSNs are dealt into parts of some ``part_size`` records each (by a hash of the
    number) and the parts' findings stacked: the same identities and flags; cannot-link
    tokens are renumbered apart (a token is only a label, paired with its negative).
    """
    ssn = pl.col("ssn")
    # The five columns are taken before filtering: a filter copies every column it keeps.
    grouped = frame.select("rid", "ssn", "source", "birth_date", "family_phon").filter(
        ssn.is_not_null() & (pl.len().over("ssn") > 1)
    )
    parts = max(1, -(-grouped.height // max(part_size, 1)))
    part = grouped.get_column("ssn").hash(seed=0) % parts
    found = []
    for k in range(parts):
        mine = grouped.filter(part == k)
        found.append(shared_ssn.find_shared_ssns(con, _shared_ssn_input(con, frame, mine)))
        del mine
    if len(found) == 1:
        return found[0]
    cannot, offset = [], 0
    for one in found:
        tokens = one.cannot.get_column("token")
        cannot.append(
            one.cannot.with_columns(
                (tokens.abs() + offset).cast(pl.Int64) * tokens.sign().cast(pl.Int64)
            )
        )
        top = one.cannot.select(pl.col("token").abs().max()).item() if tokens.len() else 0
        offset += int(top or 0)
    return shared_ssn.SharedSsns(
        identity=pl.concat([one.identity for one in found]).sort("rid"),
        cannot=pl.concat(cannot).unique().sort("rid", "token"),
        flags=pl.concat([one.flags for one in found]).sort("value"),
    )


def _shared_ssn_input(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, grouped: pl.DataFrame
) -> pl.DataFrame:
    """Return the records the shared-SSN analysis of ``grouped``'s SSNs reads, as it reads them.

    ``grouped``: the records of some SSNs carried twice or more (all the records of
    each). With them come the records sharing a birth date and a surname sound with
    such an SSN's Numident holder (the holder's own records), their SSN left out (it
    is not one analysed here); the normalised name and address columns come back from
    ``INPUT_TABLE``. The analysis of these records is that of all of them: it looks at
    no other.
    """
    holder_keys = (
        grouped.filter(pl.col("source") == shared_ssn.NUMIDENT)
        .select("birth_date", "family_phon")
        .unique()
    )
    matched = frame.select("rid", "birth_date", "family_phon").join(
        holder_keys, on=["birth_date", "family_phon"], how="semi"
    )
    rids = pl.concat([grouped.select("rid"), matched.select("rid")]).unique()
    fetched = [c for c in shared_ssn.USED if c not in frame.columns]
    con.register("engine_shared_rids", rids.to_arrow())
    try:
        normalised: pl.DataFrame = con.sql(
            f"SELECT unique_id AS rid, {', '.join(fetched)} FROM {INPUT_TABLE}"
            " WHERE unique_id IN (SELECT rid FROM engine_shared_rids)"
        ).pl()
    finally:
        con.unregister("engine_shared_rids")
    own = [c for c in shared_ssn.USED if c in frame.columns]
    analysed = pl.col("rid").is_in(grouped.get_column("rid").implode())
    return (
        frame.select(own)
        .join(normalised, on="rid", how="inner")
        .sort("rid")
        .with_columns(pl.when(analysed).then(pl.col("ssn")).alias("ssn"))
        .select(shared_ssn.USED)
    )


def _reviewer_rids(
    frame: pl.DataFrame, pairs: tuple[tuple[str, str], ...]
) -> list[tuple[int, int]]:
    """Return reviewers' pairs of ``unique_id`` as row indices (``reviewer_pairs``).

    Only the judged records are looked up: a map of every ``unique_id`` would cost
    gigabytes at ten million records.
    """
    if not pairs:
        return []
    named = pl.Series("unique_id", sorted({u for pair in pairs for u in pair}), dtype=pl.Utf8)
    found = frame.select("unique_id", "rid").filter(pl.col("unique_id").is_in(named.implode()))
    rid_of = dict(found.iter_rows())
    return cluster_keys.reviewer_pairs(pairs, rid_of)


def _keep(
    con: duckdb.DuckDBPyConnection, edges: dict[str, np.ndarray], outcome: Clustering
) -> None:
    """Create ``engine_kept``: the scored links that made unions, with their weights."""
    positions = np.asarray(outcome.kept, dtype=np.int64)
    kept = pl.DataFrame(
        {"rid_l": edges["rid_l"][positions], "rid_r": edges["rid_r"][positions]},
        schema={"rid_l": pl.Int64, "rid_r": pl.Int64},
    )
    con.register("engine_kept_arrow", kept.to_arrow())
    try:
        con.execute(
            "CREATE TABLE engine_kept AS SELECT s.*"
            " EXCLUDE (adjusted_weight, identified, dated, clash)"
            " FROM engine_scored s SEMI JOIN engine_kept_arrow k"
            " ON k.rid_l = s.rid_l AND k.rid_r = s.rid_r"
        )
    finally:
        con.unregister("engine_kept_arrow")
    con.execute("DROP TABLE engine_scored")


def _links(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    must_unions: list[tuple[int, int]],
    prior_weight: float,
) -> pl.DataFrame:
    """Return the kept links (``LINK_COLUMNS``) with their explanations.

    The kept links' weights and levels (``explain.level_sql``) stream from DuckDB in
    record order, ``CHUNK`` at a time: only the explained links accumulate.
    """
    display = frame.select("rid", "unique_id", *explain.DISPLAY_INPUTS)
    query = (
        f"SELECT k.*, v.* EXCLUDE (rid_l, rid_r) FROM engine_kept k"
        f" JOIN ({explain.level_sql(con, 'engine_kept', INPUT_TABLE)}) v"
        " ON v.rid_l = k.rid_l AND v.rid_r = k.rid_r ORDER BY k.rid_l, k.rid_r"
    )
    found = []
    for batch in con.sql(query).to_arrow_reader(CHUNK):
        chunk = pl.from_arrow(batch)
        assert isinstance(chunk, pl.DataFrame)
        # ``rid`` is the row index: the chunk's records are gathered, not hash-joined.
        rids = pl.concat([chunk.get_column("rid_l"), chunk.get_column("rid_r")]).unique()
        shown = display.gather(rids)
        found.append(explain.explained_links(chunk, shown, prior_weight))
    if must_unions:
        uid = frame.get_column("unique_id")
        judged = pl.DataFrame(
            {
                "unique_id_l": [uid[a] for a, _ in must_unions],
                "unique_id_r": [uid[b] for _, b in must_unions],
            },
            schema={"unique_id_l": pl.Utf8, "unique_id_r": pl.Utf8},
        )
        found.append(explain.judged_links(judged, prior_weight, JUDGED_WEIGHT))
    if not found:
        return pl.DataFrame(schema=explain.LINK_SCHEMA)
    # Not rechunked: one contiguous copy of every explanation would double the peak.
    return pl.concat(found, rechunk=False).select(LINK_COLUMNS)


def _clusters(frame: pl.DataFrame, root: list[int]) -> pl.DataFrame:
    """Return ``unique_id, cluster_id``; a cluster is named by its smallest ``unique_id``."""
    rooted = frame.select("unique_id").with_columns(pl.Series("root", root, dtype=pl.Int64))
    named = rooted.with_columns(pl.col("unique_id").min().over("root").alias("cluster_id"))
    return named.select(CLUSTER_COLUMNS)
