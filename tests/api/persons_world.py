"""The records API's small world, resolved by hand into persons for the persons API tests.

- ``marisol``: the Los Angeles records (I-94, W-2, SAR, DMV, asylum application);
- ``chicago``: the Chicago I-94 alone (another person of the same name);
- ``phoenix``: the Arizona licence alone;
- ``sar_only``: a second SAR, nothing else: a person known only through FinCEN.
"""

from __future__ import annotations

import json
from datetime import date
from itertools import pairwise
from pathlib import Path

import polars as pl
from sqlalchemy import Engine

from immigrationos.auth.principal import Principal
from immigrationos.db.engine import session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.kinds import PurposeKind
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.resolution import flows as resolution_flows
from immigrationos.resolution import service as resolution_service
from immigrationos.resolution.result import ResolutionResult
from immigrationos.targeting import flows as targeting_flows
from immigrationos.targeting import service as targeting_service

from .records_world import FILES, ingest_world

SAR_ONLY = (
    "SAR-2,2024-06-01,FIRST BANK,OTTOLINE,VARGAS-PENROSE,1971-09-09,PASSPORT,Q9988776,COL,"
    "9 Oak St,Los Angeles,CA,90012,STRUCTURING,9400,synthetic\n"
)
CLUSTERS = {
    "marisol": [
        "cbp_i94:I94-LA",
        "uscis_benefits:BEN-ASY",
        "dmv_licenses:DMV-CA",
        "irs_w2:W2-1",
        "fincen_sar:SAR-1",
    ],
    "chicago": ["cbp_i94:I94-CHI"],
    "phoenix": ["dmv_licenses:DMV-AZ"],
    "sar_only": ["fincen_sar:SAR-2"],
}
PRIOR = -10.0


def waterfall(weight: float) -> tuple[float, str]:
    """Return a link's probability and an explanation adding up to ``weight``."""
    probability = 2**weight / (1 + 2**weight)
    rest = weight - PRIOR
    steps = [
        {"comparison": "name", "level": "exact", "weight": rest / 2, "left": "MARISOL"},
        {"comparison": "birth_date", "level": "exact", "weight": rest / 2},
    ]
    return probability, json.dumps(
        {
            "prior_weight": PRIOR,
            "steps": steps,
            "match_weight": weight,
            "match_probability": probability,
        }
    )


def result(clusters: dict[str, list[str]], weight: float = 4.0) -> ResolutionResult:
    """Return a resolution result of these clusters, each held by a chain in the order given."""
    rows, links = [], []
    for label, members in clusters.items():
        rows += [(uid, label) for uid in members]
        for left, right in pairwise(members):
            probability, explanation = waterfall(weight)
            links.append((left, right, weight, probability, explanation))
    return ResolutionResult(
        clusters=pl.DataFrame(rows, schema=["unique_id", "cluster_id"], orient="row"),
        links=pl.DataFrame(
            links,
            schema=[
                "unique_id_l",
                "unique_id_r",
                "match_weight",
                "match_probability",
                "explanation",
            ],
            orient="row",
        ),
        flags=pl.DataFrame(schema=["kind", "value", "unique_ids", "detail"]),
        backend="hand-made",
        threshold=0.9,
    )


def resolve(
    engine: Engine, lake_dir: Path, clusters: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """Persist a run of ``clusters`` (the world's by default); return label -> person ID."""
    clusters = clusters or CLUSTERS
    resolution_flows.persist_result(
        result(clusters),
        engine=engine,
        principal=Principal.operator("tester"),
        purpose_id=None,
        lake_dir=lake_dir,
    )
    with session_scope(engine) as session:
        members = resolution_service.current_membership(session=session)
    return {label: members[uids[0]] for label, uids in clusters.items()}


def resolved_world(engine: Engine, folder: Path, lake_dir: Path) -> dict[str, str]:
    """Ingest the world (with the SAR-only person) and resolve it; return the person IDs."""
    ingest_world(engine, folder, lake_dir, fincen_sar=FILES["fincen_sar"] + SAR_ONLY)
    return resolve(engine, lake_dir)


def targeted(engine: Engine, lake_dir: Path) -> str:
    """Run targeting over the resolved world as the operator; return the first lead's ID."""
    operator = Principal.operator("tester")
    purpose = policy_flows.create_purpose(
        engine=engine,
        principal=operator,
        data=PurposeCreate(
            kind=PurposeKind.BATCH, reference="TGT", title="targeting", justification="test"
        ),
    )
    targeting_flows.target(
        engine, lake_dir, principal=operator, purpose_id=purpose.id, as_of=date(2026, 11, 1)
    )
    with session_scope(engine) as session:
        leads = targeting_service.list_leads(session=session)
        assert leads, "the world has a lead"
        return leads[0].lead_id
