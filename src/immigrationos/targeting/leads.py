"""What a lead is made of, from one person's evaluation: ID, priority, safeguards, evidence.

Pure functions the targeting flow (``flows.target``) applies to each evaluation, and the
Numident holders of every SSN that the identity-fraud detector compares against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from immigrationos.targeting.detectors.identity_fraud import OwnerInfo
from immigrationos.targeting.evaluate import Evaluation
from immigrationos.targeting.records import PersonRecord
from immigrationos.targeting.safeguards import Effect


def canon(value: Any) -> str:
    """Return a value as canonical JSON (sorted keys, no spaces), for comparing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def priority_of(evaluation: Evaluation) -> str | None:
    """Return the lead's priority: the name of the factor adding the most points.

    The priority policy names factors, not categories; the factor that adds most to
    the score (ties: the policy's order) stands for the lead's category.
    """
    if evaluation.score is None:
        return None
    adding = [f for f in evaluation.score.factors if f.points > 0]
    if not adding:
        return None
    return max(adding, key=lambda f: f.points).name


def fired_safeguards(evaluation: Evaluation) -> list[str]:
    """Return the names of the safeguards that acted, without repeats."""
    return list(dict.fromkeys(s.name for s in evaluation.safeguards if s.effect is not Effect.NONE))


def evidence_of(evaluation: Evaluation) -> list[str]:
    """Return the records the lead's findings rest on, without repeats, in finding order."""
    return list(dict.fromkeys(ref for f in evaluation.findings for ref in f.evidence))


def evidence_sources(evidence: Sequence[str]) -> str:
    """Return the distinct sources of ``source:record_id`` refs as a sorted JSON list."""
    return canon(sorted({ref.partition(":")[0] for ref in evidence}))


def mint_lead_id(person_id: str, taken: set[str]) -> str:
    """Return a new lead ID for a person: ``L`` and the person ID's ten characters if free."""
    first = "L" + person_id[1:]
    if len(first) == 11 and first not in taken:
        return first
    n = 0
    while True:
        digest = hashlib.sha256(f"{person_id}:{n}".encode()).hexdigest().upper()
        candidate = "L" + digest[:10]
        if candidate not in taken:
            return candidate
        n += 1


def ssn_owners(
    records_of: Mapping[str, Sequence[PersonRecord]],
    owners: dict[str, OwnerInfo] | None = None,
) -> dict[str, OwnerInfo]:
    """Return the Numident holder of every SSN, across all persons (first by record ID).

    ``owners``: the holders found so far, in other persons' records; updated in place and
    returned, so that the records can be read a part at a time with the same result.
    """
    owners = {} if owners is None else owners
    numident = sorted(
        ((r, pid) for pid, rs in records_of.items() for r in rs if r.source == "ssa_numident"),
        key=lambda pair: pair[0].record_id,
    )
    for r, pid in numident:
        ssn = "".join(c for c in (r.text("ssn") or "") if c.isdigit())
        if not ssn:
            continue
        held = owners.get(ssn)
        if held is not None and (held.record or "") <= r.ref:
            continue
        name = " ".join(p for p in (r.text("given_name"), r.text("family_name")) if p)
        owners[ssn] = OwnerInfo(
            person_id=pid,
            name=name,
            birth_date=r.date("birth_date"),
            death_date=r.date("death_date"),
            record=r.ref,
            given=r.text("given_name") or "",
            family=r.text("family_name") or "",
            sex=r.text("sex") or "",
        )
    return owners


def lead_values(
    evaluation: Evaluation, person_id: str, office: str | None, run_id: str, now: dt.datetime
) -> dict[str, Any]:
    """Return the stored columns of a lead from a person's evaluation (state set)."""
    assert evaluation.state is not None
    evidence = evidence_of(evaluation)
    return {
        "person_id": person_id,
        "state": evaluation.state.value,
        "score": evaluation.score.score if evaluation.score else None,
        "priority": priority_of(evaluation),
        "violations": canon(list(evaluation.violations)),
        "safeguards": canon(fired_safeguards(evaluation)),
        "evidence": canon(evidence),
        "evidence_sources": evidence_sources(evidence),
        "evaluation": evaluation.to_json(),
        "policy_version": evaluation.policy_version,
        "policy_sha256": evaluation.policy_sha256,
        "as_of": evaluation.as_of,
        "field_office": office,
        "updated_run": run_id,
        "updated_at": now,
    }


def same_evaluation(new: str, old: str) -> bool:
    """Return whether two stored evaluations agree on everything but their date."""
    a, b = json.loads(new), json.loads(old)
    return undated(a) == undated(b)


def undated(value: Any) -> Any:
    """Return a stored evaluation without its dates (``as_of`` keys), for comparing."""
    if isinstance(value, dict):
        return {k: undated(v) for k, v in value.items() if k != "as_of"}
    if isinstance(value, list):
        return [undated(v) for v in value]
    return value


def state_reason(evaluation: Evaluation, state: str) -> str:
    """Return why a lead is in ``state``: the safeguards that acted, with reasons."""
    fired = [s for s in evaluation.safeguards if s.effect is not Effect.NONE]
    if not fired:
        return f"{state}: no safeguard applies"
    return f"{state}: " + "; ".join(f"{s.name}: {s.reason}" for s in fired)
