"""Benchmark targeting (issue 5 item 8): accuracy, safeguards and bias against ``truth/``.

For each generated world (``--persons``, ``--seeds``; generated once into ``--cache`` and
reused), on the embedded SQLite default in a fresh temporary var dir: ingest
(``sources.flows``), resolve (``resolve_flows.resolve``, production engine) and target
(``targeting.flows.target``, as of 2026-11-01) under a BATCH purpose, timing each stage
and its peak RSS. Then, against ``truth/persons.csv`` and ``truth/records.csv``:

- each lead is mapped to one true person: the majority true owner of its evidence
  records (of the lead's resolved person's records when its evidence maps to none);
- per violation: precision over OPEN leads (a lead flagged V on a true person with V),
  recall over OPEN and HELD leads (true persons with V reached by such a lead);
- the share of true violators with no pending or granted relief whose lead is HELD;
  ``truth/`` does not mark relief, so "no relief" is approximated by a truth status
  outside the relief the contract lists (pending or granted asylum, adjustment/LPR,
  TPS, DACA: ``ASYLUM_PENDING``, ``REFUGEE_ASYLEE``, ``LPR``, ``TPS``, ``DACA``);
- OPEN leads on US citizens and on lawfully present persons (non-citizen statuses with
  no violation in truth), by status;
- fairness (Aequitas / Fairlearn style): false-positive rate (an OPEN lead on a person
  with none of the lead's violations, over the group's persons with none of the
  violations whose detectors ran) and selection rate (share with an OPEN lead) by
  country of birth and by sex, with each group's ratio to the best (lowest-rate) group,
  for groups of at least ``--min-group`` persons; the groups left out are listed.

Targeting runs under a BATCH purpose, as a targeting run does. The data-use policy
withholds IRS records from every purpose but a CRIMINAL_INVESTIGATION with a recorded
§ 6103(i) order, and then only for the taxpayers the order names; a whole-world batch
has no lawful way to read them, so the detectors that require ``irs_w2``
(``UNAUTHORIZED_EMPLOYMENT``, ``IDENTITY_FRAUD``) do not run and are reported as not
run, never scored. Measures, never asserts.

    .venv/bin/python bench/targeting.py --persons 10000 --seeds 101
    .venv/bin/python bench/targeting.py --persons 100000 --seeds 202
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Every run writes into its own var dir (database, lake, audit keys), never the user's.
_VAR = Path(tempfile.mkdtemp(prefix="imos-bench-targeting-var-"))
os.environ["IMOS_VAR_DIR"] = str(_VAR)

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402
from scipy.stats import fisher_exact  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parents[1]))  # the repo root: tests.targeting.truth_world
from tests.targeting.truth_world import read_world  # noqa: E402

from immigrationos.auth.principal import Principal  # noqa: E402
from immigrationos.db.engine import build_engine, migrate, session_scope  # noqa: E402
from immigrationos.policy import authorization_flows  # noqa: E402
from immigrationos.policy import flows as policy_flows  # noqa: E402
from immigrationos.policy import service as policy_service  # noqa: E402
from immigrationos.policy.kinds import AuthorizationKind, PurposeKind, SubjectKind  # noqa: E402
from immigrationos.policy.schemas import AuthorizationCreate, PurposeCreate, Subject  # noqa: E402
from immigrationos.resolution import resolve_flows  # noqa: E402
from immigrationos.resolution import service as resolution_service  # noqa: E402
from immigrationos.sources import flows as ingest_flows  # noqa: E402
from immigrationos.sources.contract import PERSON_SOURCES  # noqa: E402
from immigrationos.synth.world import generate_world  # noqa: E402
from immigrationos.targeting import flows as targeting_flows  # noqa: E402
from immigrationos.targeting import service as targeting_service  # noqa: E402
from immigrationos.targeting.detect import DETECTORS, detect, findings  # noqa: E402
from machine import header  # noqa: E402
from resolution import Meter, measured  # noqa: E402

AS_OF = dt.date(2026, 11, 1)
OPERATOR = Principal.operator("bench")
VIOLATIONS = tuple(d.VIOLATION for d in DETECTORS)
CITIZEN = ("US_CITIZEN_BIRTH", "US_CITIZEN_NATURALIZED")
RELIEF_STATUSES = ("ASYLUM_PENDING", "REFUGEE_ASYLEE", "LPR", "TPS", "DACA")
LAWFUL = ("LPR", "NONIMMIGRANT", "REFUGEE_ASYLEE", "TPS", "DACA", "ASYLUM_PENDING", "PAROLE")
ACTIONABLE = ("OPEN", "HELD")


# --------------------------------------------------------------------------- running


@dataclass
class Lead:
    """One current lead, mapped to its true person."""

    lead_id: str
    state: str
    violations: frozenset[str]
    safeguards: tuple[str, ...]
    truth: str | None
    person_id: str = ""
    evidence: tuple[str, ...] = ()


@dataclass
class Run:
    """What one world's pipeline produced and cost."""

    name: str
    world: Path
    stages: dict[str, Meter] = field(default_factory=dict)
    leads: list[Lead] = field(default_factory=list)
    summary: targeting_flows.TargetRunSummary | None = None
    unmapped: int = 0
    by_evidence: int = 0
    membership: dict[str, str] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    scope: set[str] = field(default_factory=set)
    inv_leads: list[Lead] = field(default_factory=list)
    inv_summary: targeting_flows.TargetRunSummary | None = None
    hold_causes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cut: targeting_flows.LawfulCut | None = None  # what the run's purpose may use


def world_dir(persons: int, seed: int, cache: Path) -> Path:
    """Return a generated world's folder, generating it into the cache once."""
    root = cache / f"world-{persons}-{seed}"
    world, done = root / "world", root / ".generated"
    if not done.exists():
        shutil.rmtree(world, ignore_errors=True)
        t0 = time.perf_counter()
        generate_world(persons=persons, seed=seed, as_of=AS_OF, out_dir=world, malformed_rate=0.01)
        done.write_text("ok\n")
        print(f"world {persons:,}/{seed}: generated in {time.perf_counter() - t0:.0f} s ({world})")
    return world


def _purpose(engine: object) -> str:
    created = policy_flows.create_purpose(
        engine=engine,
        principal=OPERATOR,
        data=PurposeCreate(
            kind=PurposeKind.BATCH,
            reference="BENCH-TGT-1",
            title="targeting benchmark run (synthetic world)",
            justification="evaluate every resolved person of a synthetic world for leads",
        ),
    )
    return str(created.id)


def _progress(done: int, total: int) -> None:
    if done == total or done % 20_000 == 0:
        print(f"    targeted {done:,}/{total:,}", flush=True)


def run_world(
    persons: int,
    seed: int,
    cache: Path,
    keep: bool = False,
    reuse: Path | None = None,
    investigation: int = 0,
) -> Run:
    """Ingest, resolve and target one world in a fresh database; return leads and costs.

    With ``reuse`` (a var dir an earlier ``--keep`` run left), the world's database and
    lake there are targeted again: ingest and resolution are not repeated (nor timed).
    """
    world = world_dir(persons, seed, cache)
    run = Run(f"{persons:,} s{seed}", world)
    var = (reuse or _VAR) / f"world-{persons}-{seed}"
    lake_dir = var / "lake"
    if reuse is None:
        var.mkdir(parents=True)
    elif not (var / "imos.sqlite3").exists():
        raise SystemExit(f"--reuse {reuse}: no kept world {var.name} there")
    engine = build_engine(f"sqlite:///{(var / 'imos.sqlite3').as_posix()}")
    migrate(engine)
    if reuse is None:
        print(f"world {run.name}: ingest", flush=True)
        with measured() as m:
            ingest_flows.ingest_directory(world, engine=engine, lake_dir=lake_dir, run_by="bench")
        run.stages["ingest"] = m
        print(f"world {run.name}: resolve ({m.seconds:.0f} s ingest)", flush=True)
        with measured() as m:
            resolve_flows.resolve(engine, lake_dir, principal=OPERATOR, purpose_id=None)
        run.stages["resolve"] = m
    purpose = _purpose(engine)
    print(f"world {run.name}: target", flush=True)
    with measured() as m:
        run.summary = targeting_flows.target(
            engine,
            lake_dir,
            principal=OPERATOR,
            purpose_id=purpose,
            as_of=AS_OF,
            progress=_progress,
        )
    run.stages["target"] = m
    with session_scope(engine) as session:
        ctx = policy_service.load_context(session=session, principal=OPERATOR, purpose_id=purpose)
    run.cut = targeting_flows.lawful_cut(ctx, sorted(PERSON_SOURCES))
    owner = _truth_owners(world)
    run.leads, membership, run.by_evidence, run.unmapped = _collect(engine, owner)
    run.hold_causes = _hold_causes(engine, [ld.lead_id for ld in run.leads if ld.state == "HELD"])
    if investigation:
        run.scope = _investigation(engine, lake_dir, world, investigation, run)
        run.inv_leads, _, _, _ = _collect(engine, owner)
    run.membership, run.owner = membership, owner
    engine.dispose()
    if not keep and reuse is None:
        shutil.rmtree(var, ignore_errors=True)
    return run


def _collect(engine: object, owner: dict[str, str]) -> tuple[list[Lead], dict[str, str], int, int]:
    """Return the current leads, each mapped to a true person, and the membership.

    Also how many were mapped by their evidence, and how many could not be mapped.
    """
    with session_scope(engine) as session:
        rows = targeting_service.lead_rows(session=session)
        membership = resolution_service.current_membership(session=session)
    members: dict[str, list[str]] = defaultdict(list)
    for ref, pid in membership.items():
        members[pid].append(ref)
    leads, by_evidence, unmapped = [], 0, 0
    for lead_id, person_id, state, _, _, violations, safeguards, evidence in rows:
        refs = json.loads(evidence)
        votes = Counter(owner[r] for r in refs if r in owner)
        if votes:
            by_evidence += 1
        else:
            votes = Counter(owner[r] for r in members.get(person_id, []) if r in owner)
        truth = votes.most_common(1)[0][0] if votes else None
        unmapped += truth is None
        leads.append(
            Lead(
                lead_id,
                state,
                frozenset(json.loads(violations)),
                tuple(json.loads(safeguards)),
                truth,
                person_id,
                tuple(refs),
            )
        )
    return leads, dict(membership), by_evidence, unmapped


# What makes LOW_IDENTITY_CONFIDENCE hold, told apart by the words of its reason.
_LOW_IDENTITY_CAUSES = (
    ("no document number", "one record, no document number"),
    ("known by one record", "one record, a near miss would clear"),
    ("linked below", "weak link"),
    ("named alike", "a near miss would clear"),
    ("SSN in that person's own name", "wages in the SSN holder's name"),
)


def _hold_causes(engine: object, lead_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """Return, per HELD lead, each holding safeguard (LOW_IDENTITY_CONFIDENCE by cause)."""
    causes: dict[str, tuple[str, ...]] = {}
    with session_scope(engine) as session:
        evaluations = {
            lead_id: lead.evaluation
            for lead_id, lead in targeting_service.get_leads(
                session=session, lead_ids=lead_ids
            ).items()
        }
    for lead_id, evaluation in evaluations.items():
        found = []
        for sg in json.loads(evaluation)["safeguards"]:
            if sg["effect"] != "HOLD":
                continue
            if sg["name"] != "LOW_IDENTITY_CONFIDENCE":
                found.append(sg["name"])
                continue
            for words, cause in _LOW_IDENTITY_CAUSES:
                if words in sg["reason"]:
                    found.append(f"LOW_IDENTITY_CONFIDENCE: {cause}")
                    if "known by one record" in sg["reason"]:
                        break
        causes[lead_id] = tuple(found)
    return causes


def _investigation(
    engine: object, lake_dir: Path, world: Path, employers: int, run: Run
) -> set[str]:
    """Target again under a worksite criminal investigation with a § 6103(i)(1) order.

    The ``employers`` employers with the most W-2s are investigated (8 U.S.C. §§ 1324,
    1324a(f); 18 U.S.C. §§ 1028, 1546; 42 U.S.C. § 408): a CRIMINAL_INVESTIGATION purpose
    is declared and a (synthetic) ex parte order under 26 U.S.C. § 6103(i)(1) recorded,
    naming every taxpayer identification number on those employers' W-2s, for irs_w2 and
    irs_itin. Targeting then reads the W-2s and ITIN records of those taxpayers only.
    Returns the scope: the true persons owning a W-2 of those employers.
    """
    w2 = _rows(world / "irs_w2.csv")
    counts = Counter(r["employer_ein"] for r in w2 if r.get("employer_ein"))
    chosen = {ein for ein, _ in counts.most_common(employers)}
    # As the order names them: nine digits (a TIN the employer wrote otherwise is not named).
    named = sorted(
        {
            digits
            for r in w2
            if r["employer_ein"] in chosen
            and len(digits := "".join(ch for ch in r["employee_tin"] if ch.isdigit())) == 9
        }
    )
    owner = _truth_owners(world)
    scope = {
        pid
        for r in w2
        if r["employer_ein"] in chosen and (pid := owner.get(f"irs_w2:{r['record_id']}"))
    }
    created = policy_flows.create_purpose(
        engine=engine,
        principal=OPERATOR,
        data=PurposeCreate(
            kind=PurposeKind.CRIMINAL_INVESTIGATION,
            reference="BENCH-WORKSITE-1",
            title="worksite investigation of the largest employers (synthetic world)",
            justification=(
                "unlawful employment and document fraud at the employers named in the order "
                "(8 U.S.C. 1324, 1324a(f); 18 U.S.C. 1028, 1546; 42 U.S.C. 408)"
            ),
        ),
    )
    authorization_flows.record_authorization(
        engine=engine,
        principal=OPERATOR,
        data=AuthorizationCreate(
            kind=AuthorizationKind.IRC_6103_I1_COURT_ORDER,
            reference="BENCH-ORDER-1",
            issued_by="U.S. District Court (synthetic)",
            issued_on=AS_OF - dt.timedelta(days=30),
            sources=["irs_w2", "irs_itin"],
            purpose_ids=[str(created.id)],
            subjects=[Subject(kind=SubjectKind.TIN, value=t) for t in named],
        ),
    )
    print(
        f"world {run.name}: target under the investigation ({len(chosen)} employers, "
        f"{len(named):,} taxpayers named, {len(scope):,} true persons in scope)",
        flush=True,
    )
    with measured() as m:
        run.inv_summary = targeting_flows.target(
            engine, lake_dir, principal=OPERATOR, purpose_id=str(created.id), as_of=AS_OF
        )
    run.stages["target (investigation)"] = m
    return scope


def report_investigation(run: Run) -> None:
    """Print precision and recall of every violation among the investigation's persons."""
    assert run.inv_summary is not None
    persons = {p["person_id"]: p for p in _rows(run.world / "truth/persons.csv")}
    truth_v = {
        pid: frozenset((p["violations"] or "").split("|")) - {""} for pid, p in persons.items()
    }
    s = run.inv_summary
    print(
        f"\n  == under the worksite investigation: {len(run.scope):,} true persons in scope "
        f"(owners of a W-2 of the investigated employers); withheld: "
        f"{sorted(s.withheld_sources) or 'none'}; leads {dict(s.by_state)}"
    )
    leads = [ld for ld in run.inv_leads if ld.truth in run.scope]
    print(
        f"  {'violation':<26} {'true':>6} {'OPEN':>6} {'OPEN TP':>8} {'precision':>9} "
        f"{'reached':>8} {'recall':>7}  (in scope; recall: OPEN or HELD)"
    )
    for v in VIOLATIONS:
        true_cases = {pid for pid in run.scope if v in truth_v[pid]}
        opened = [ld for ld in leads if ld.state == "OPEN" and v in ld.violations]
        tp = sum(v in truth_v[str(ld.truth)] for ld in opened)
        reached = {
            ld.truth for ld in leads if ld.state in ACTIONABLE and v in ld.violations
        } & true_cases
        print(
            f"  {v:<26} {len(true_cases):>6,} {len(opened):>6,} {tp:>8,} "
            f"{_rate(tp, len(opened)):>9} {len(reached):>8,} {_rate(len(reached), len(true_cases)):>7}"
        )
    lawful = [
        pid
        for pid in run.scope
        if persons[pid]["status"] in (*LAWFUL, *CITIZEN) and not truth_v[pid]
    ]
    on_lawful = {ld.truth for ld in leads if ld.state == "OPEN"} & set(lawful)
    print(
        f"  OPEN leads on citizens and lawfully present persons in scope: {len(on_lawful):,} "
        f"of {len(lawful):,}"
    )
    wrong = Counter(
        (persons[str(ld.truth)]["status"], v)
        for ld in leads
        if ld.state == "OPEN"
        for v in sorted(ld.violations - truth_v[str(ld.truth)])
    )
    print("  OPEN flags a person in scope does not have, by truth status and flag:")
    for (status, v), n in wrong.most_common(12):
        print(f"    {n:>6}  {status:<24} {v}")


def explain(run: Run, lead: Lead, persons: dict[str, dict[str, str]], label: str) -> None:
    """Print why a lead sits on a true person: its evidence's owners and the person's strays."""
    truth = str(lead.truth)
    owners = Counter(
        f"{r.split(':')[0]}->{'own' if run.owner.get(r) == truth else persons.get(run.owner.get(r, ''), {}).get('status', '?')}"
        for r in lead.evidence
    )
    own = [r for r, pid in run.owner.items() if pid == truth]
    elsewhere = Counter(r.split(":")[0] for r in own if run.membership.get(r) != lead.person_id)
    print(
        f"    {label} {lead.lead_id} ({lead.state}, {'|'.join(sorted(lead.violations))}; truth "
        f"{truth} {persons[truth]['status']} {persons[truth]['violations'] or '-'}): evidence "
        f"{dict(owners)}; the true person's records in other resolved persons: "
        f"{dict(elsewhere) or 'none'}"
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _truth_owners(world: Path) -> dict[str, str]:
    return {
        f"{r['source']}:{r['record_id']}": r["person_id"]
        for r in _rows(world / "truth/records.csv")
    }


# --------------------------------------------------------------------------- scoring


def detector_ceiling(world: Path, cut: targeting_flows.LawfulCut) -> dict[str, set[str]]:
    """Return, per violation, the true persons ``detect`` flags on their own true records.

    Only the records the run's purpose may use (``cut``: the sources it withholds and the
    records a per-record rule keeps from it, such as a state's driver licences), so that
    the ceiling is what perfect resolution could reach under the same law.
    """
    as_of, by_person, ssn_owner, truth = read_world(world)
    found: dict[str, set[str]] = defaultdict(set)
    for pid in truth:
        usable = [r for r in by_person.get(pid, []) if cut.usable(r)]
        runs = detect(
            usable, as_of, ssn_owner=ssn_owner, person_id=pid, withheld_sources=cut.withheld
        )
        for f in findings(runs):
            found[f.violation].add(pid)
    return found


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else "-"


def report(run: Run, min_group: int) -> None:
    """Print one world's figures against its truth."""
    assert run.summary is not None
    s = run.summary
    persons = {p["person_id"]: p for p in _rows(run.world / "truth/persons.csv")}
    truth_v = {
        pid: frozenset((p["violations"] or "").split("|")) - {""} for pid, p in persons.items()
    }
    withheld = set(s.withheld_sources)
    ran = [d.VIOLATION for d in DETECTORS if not (set(d.REQUIRED) & withheld)]
    not_run = [v for v in VIOLATIONS if v not in ran]
    print(f"\n== world {run.name}: {len(persons):,} persons, as of {AS_OF}")
    for stage, m in run.stages.items():
        print(f"  {stage:<8} {m.seconds:>8.1f} s   peak RSS {m.peak_rss / 2**30:.2f} GiB")
    print(
        f"  targeting: {s.persons:,} resolved persons evaluated, {s.leads:,} leads "
        f"{dict(s.by_state)}; run's own time {s.seconds:.1f} s (goal for 100k: <= 120 s)"
    )
    print(
        f"  withheld by the data-use policy under the BATCH purpose: {sorted(withheld) or 'none'}"
    )
    for note in s.notes:
        print(f"    {note}")
    if not_run:
        print(f"  NOT RUN (a required source withheld): {', '.join(not_run)} — not scored")
    print(
        f"  leads mapped to a true person by the majority true owner of their evidence "
        f"records: {run.by_evidence:,}; by their person's records (no evidence mapped): "
        f"{len(run.leads) - run.by_evidence - run.unmapped:,}; unmapped: {run.unmapped:,}"
    )
    leads = [ld for ld in run.leads if ld.truth is not None]

    by_truth: dict[str, list[Lead]] = defaultdict(list)
    for ld in leads:
        by_truth[str(ld.truth)].append(ld)
    sources_of: dict[str, set[str]] = defaultdict(set)
    for r in _rows(run.world / "truth/records.csv"):
        sources_of[r["person_id"]].add(r["source"])

    assert run.cut is not None
    ceiling = detector_ceiling(run.world, run.cut)
    print(
        "  ceiling: the detectors on each true person's own records (no resolution) that "
        "the purpose may use: recall "
        + ", ".join(
            f"{v} {_rate(len(ceiling[v] & {p for p, vs in truth_v.items() if v in vs}), sum(v in vs for vs in truth_v.values()))}"
            for v in ran
        )
    )

    # Precision and recall per violation.
    print(
        f"\n  {'violation':<26} {'true':>6} {'OPEN':>6} {'OPEN TP':>8} {'precision':>9} "
        f"{'reached':>8} {'recall':>7}  (recall: OPEN or HELD)"
    )
    for v in VIOLATIONS:
        true_cases = {pid for pid, vs in truth_v.items() if v in vs}
        if v in not_run:
            print(f"  {v:<26} {len(true_cases):>6,}   not run (irs_w2 withheld)")
            continue
        opened = [ld for ld in leads if ld.state == "OPEN" and v in ld.violations]
        tp = sum(v in truth_v[ld.truth] for ld in opened if ld.truth)
        reached = {
            ld.truth for ld in leads if ld.state in ACTIONABLE and v in ld.violations
        } & true_cases
        print(
            f"  {v:<26} {len(true_cases):>6,} {len(opened):>6,} {tp:>8,} "
            f"{_rate(tp, len(opened)):>9} {len(reached):>8,} {_rate(len(reached), len(true_cases)):>7}"
        )
        missed = true_cases - reached
        if missed:
            irs = sum(bool(sources_of.get(pid, set()) & withheld) for pid in missed)
            states = Counter(
                f"{ld.state}{'' if v in ld.violations else ' without it'}"
                for pid in missed
                for ld in by_truth.get(pid, [])
            )
            print(
                f"  {'':<26} missed {len(missed):,}: {irs:,} have records of a withheld source; "
                f"their leads: {dict(states)}; flagged by the detectors on their true records "
                f"as the purpose may use them: {len(missed & ceiling.get(v, set())):,}"
            )

    suppressed = Counter(
        "+".join(ld.safeguards) or "none"
        for ld in leads
        if ld.state == "SUPPRESSED" and truth_v[str(ld.truth)] & set(ran)
    )
    print(f"  SUPPRESSED leads on true violators, by safeguards: {dict(suppressed.most_common())}")

    # Held violators without relief (relief approximated by truth status).
    ran_set = set(ran)
    violators = [pid for pid, vs in truth_v.items() if vs & ran_set]
    no_relief = [pid for pid in violators if persons[pid]["status"] not in RELIEF_STATUSES]
    held = [pid for pid in no_relief if any(ld.state == "HELD" for ld in by_truth.get(pid, []))]
    open_ = [pid for pid in no_relief if any(ld.state == "OPEN" for ld in by_truth.get(pid, []))]
    held_only = [pid for pid in held if pid not in open_]
    why = Counter(
        sg
        for pid in held_only
        for ld in by_truth[pid]
        if ld.state == "HELD"
        for sg in ld.safeguards
    )
    print(
        f"\n  true violators (of the violations that ran) with no relief (truth status not in "
        f"{', '.join(RELIEF_STATUSES)}): {len(no_relief):,}; with a HELD lead and no OPEN one: "
        f"{len(held_only):,} = {_rate(len(held_only), len(no_relief))} (goal <= 0.10); "
        f"safeguards on those: {dict(why.most_common())}"
    )
    causes = Counter(
        " + ".join(run.hold_causes.get(ld.lead_id, ())) or "?"
        for pid in held_only
        for ld in by_truth[pid]
        if ld.state == "HELD"
    )
    print("  what holds them (HELD leads by holding safeguard, LOW_IDENTITY_CONFIDENCE by cause):")
    for cause, n in causes.most_common():
        print(f"    {n:>6,}  {cause}")

    # OPEN leads on citizens and lawfully present persons.
    open_truth = Counter(str(ld.truth) for ld in leads if ld.state == "OPEN")
    status_n = Counter(p["status"] for p in persons.values())
    on_cit: Counter[str] = Counter()
    on_lawful: Counter[str] = Counter()
    lawful_n: Counter[str] = Counter()
    on_gone: Counter[str] = Counter()
    gone_n: Counter[str] = Counter()
    for pid, p in persons.items():
        st = p["status"]
        if st in CITIZEN:
            on_cit[st] += open_truth.get(pid, 0)
        elif not truth_v[pid] and st in LAWFUL:
            lawful_n[st] += 1
            on_lawful[st] += open_truth.get(pid, 0)
        elif not truth_v[pid]:
            gone_n[st] += 1
            on_gone[st] += open_truth.get(pid, 0)
    print(
        f"  OPEN leads on US citizens: {sum(on_cit.values()):,} of "
        f"{sum(status_n[c] for c in CITIZEN):,} citizens (goal 0): "
        + ", ".join(f"{st} {on_cit[st]:,}/{status_n[st]:,}" for st in CITIZEN)
    )
    print(
        f"  OPEN leads on lawfully present persons (status {'/'.join(LAWFUL)}, no violation in truth): "
        f"{sum(on_lawful.values()):,} of {sum(lawful_n.values()):,} = "
        f"{_rate(sum(on_lawful.values()), sum(lawful_n.values()))} (goal <= 0.001): "
        + ", ".join(f"{st} {on_lawful[st]:,}/{n:,}" for st, n in sorted(lawful_n.items()))
    )
    wrong = [
        ld for ld in leads if ld.state == "OPEN" and not (ld.violations & truth_v[str(ld.truth)])
    ]
    if wrong:
        kinds = Counter(
            (persons[str(ld.truth)]["status"], "|".join(sorted(ld.violations))) for ld in wrong
        )
        print(
            "  OPEN leads on persons with none of the lead's violations, by truth status and flag:"
        )
        for (st, vs), n in kinds.most_common(12):
            print(f"    {n:>5,}  {st:<24} {vs}")
        print(f"    their safeguards: {dict(Counter(sg for ld in wrong for sg in ld.safeguards))}")
        for ld in [ld for ld in wrong if persons[str(ld.truth)]["status"] in CITIZEN][:5]:
            explain(run, ld, persons, "citizen:")
        lawful = [ld for ld in wrong if persons[str(ld.truth)]["status"] in LAWFUL]
        for ld in sorted(lawful, key=lambda ld: ld.lead_id)[:6]:
            explain(run, ld, persons, "lawful:")

    # Fairness by country of birth and by sex.
    flagged_fp: set[str] = {str(ld.truth) for ld in wrong}
    selected = {str(ld.truth) for ld in leads if ld.state == "OPEN"}
    populations = {
        "all persons": list(persons),
        "non-citizens (truth status not US_CITIZEN_*)": [
            pid for pid, p in persons.items() if p["status"] not in CITIZEN
        ],
    }
    for attribute in ("country_of_birth", "sex"):
        for label, population in populations.items():
            groups: dict[str, list[str]] = defaultdict(list)
            for pid in population:
                groups[persons[pid][attribute] or "(blank)"].append(pid)
            _fairness(attribute, label, groups, min_group, truth_v, ran_set, flagged_fp, selected)


def _fpr_tests(stats: dict[str, tuple[int, int, int, int]]) -> dict[str, float]:
    """Return, per group, the Holm-adjusted p of Fisher's exact test of its FPR vs the rest's.

    With a few false positives per group, a ratio to the best group moves by a whole point
    for one error more or less; the test says whether a group's rate is distinguishable
    from chance. ``stats``: group -> (persons, negatives, false positives, selected).
    """
    total_neg = sum(neg for _, neg, _, _ in stats.values())
    total_fp = sum(fp for _, _, fp, _ in stats.values())
    raw = {}
    for g, (_, neg, fp, _) in stats.items():
        table = [[fp, neg - fp], [total_fp - fp, (total_neg - neg) - (total_fp - fp)]]
        raw[g] = float(fisher_exact(table).pvalue)
    order = sorted(raw, key=raw.__getitem__)
    adjusted, running = {}, 0.0
    for rank, g in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * raw[g]))
        adjusted[g] = running
    return adjusted


CHANCE_DRAWS = 10_000


def _largest_ratio(fp: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Return per row the largest FPR ratio as ``_ratio`` reckons it (0: every rate zero)."""
    rates = np.divide(fp, neg, out=np.zeros(fp.shape), where=neg > 0)
    high = rates.max(axis=-1)
    nonzero = np.where(rates > 0, rates, np.inf).min(axis=-1)
    return np.where(high > 0, high / np.where(np.isfinite(nonzero), nonzero, 1.0), 0.0)


def _chance(stats: dict[str, tuple[int, int, int, int]]) -> tuple[float, float, float]:
    """Return how a fair targeting would fare on the disparity goal with these groups.

    The run's false positives are drawn again ``CHANCE_DRAWS`` times, each group taking
    them in proportion to its negatives (every negative equally likely to be flagged).
    Returns the share of draws meeting the goal (every ratio to the lowest rate within
    0.8-1.25, which with a zero rate beside a non-zero one no draw meets), the share whose
    largest ratio is at least this run's, and this run's largest ratio.
    """
    neg = np.array([n for _, n, _, _ in stats.values()], dtype=float)
    fp = np.array([f for _, _, f, _ in stats.values()], dtype=float)
    observed = float(_largest_ratio(fp, neg))
    if fp.sum() == 0 or neg.sum() == 0:
        return 1.0, 1.0, observed
    draws = (
        np.random.default_rng(0)
        .multinomial(int(fp.sum()), neg / neg.sum(), size=CHANCE_DRAWS)
        .astype(float)
    )
    rates = draws / np.where(neg > 0, neg, 1.0)
    low, high = rates.min(axis=1), rates.max(axis=1)
    meets = (high == 0) | ((low > 0) & (high <= 1.25 * low))
    return float(meets.mean()), float((_largest_ratio(draws, neg) >= observed).mean()), observed


def _ratio(rate: float, best: float, floor: float) -> str:
    if best:
        return f"{rate / best:.2f}"
    if rate == 0:
        return "1.00"
    return f"{rate / floor:.2f}*" if floor else "inf"


def _fairness(
    attribute: str,
    label: str,
    groups: dict[str, list[str]],
    min_group: int,
    truth_v: dict[str, frozenset[str]],
    ran: set[str],
    flagged_fp: set[str],
    selected: set[str],
) -> None:
    """Print FPR and selection rate per group with the disparity ratio to the best group."""
    kept = {g: ids for g, ids in groups.items() if len(ids) >= min_group}
    left = sorted((g for g in groups if g not in kept), key=lambda g: -len(groups[g]))
    stats = {}
    for g, ids in kept.items():
        negative = [pid for pid in ids if not (truth_v[pid] & ran)]
        negatives = len(negative)
        # A false positive is a negative with an OPEN lead: a true violator whose lead
        # names only violations they do not have is a wrong lead, but not in this rate.
        fp = sum(pid in flagged_fp for pid in negative)
        sel = sum(pid in selected for pid in ids)
        stats[g] = (len(ids), negatives, fp, sel)
    fprs = [fp / neg for _, neg, fp, _ in stats.values() if neg]
    sels = [sel / n for n, _, _, sel in stats.values() if n]
    best_fpr, best_sel = min(fprs, default=0.0), min(sels, default=0.0)
    floor_fpr = min((r for r in fprs if r), default=0.0)
    floor_sel = min((r for r in sels if r), default=0.0)
    print(
        f"\n  by {attribute}, {label}: groups of >= {min_group:,} persons; ratio to the "
        f"lowest-rate group (* = that group's rate is 0: ratio to the lowest non-zero rate); "
        f"FPR over the group's persons with none of the violations that ran"
    )
    adjusted = _fpr_tests(stats)
    print(f"    {'group':<10} {'persons':>8} {'negatives':>9} {'FP':>5} {'FPR':>8} {'ratio':>7} {'p Holm':>7} {'OPEN':>6} {'sel.rate':>8} {'ratio':>7}")  # fmt: skip
    for g, (n, neg, fp, sel) in sorted(stats.items(), key=lambda kv: -kv[1][0]):
        fpr = fp / neg if neg else 0.0
        sr = sel / n
        r_fpr = _ratio(fpr, best_fpr, floor_fpr)
        r_sel = _ratio(sr, best_sel, floor_sel)
        print(f"    {g:<10} {n:>8,} {neg:>9,} {fp:>5,} {fpr:>8.5f} {r_fpr:>7} {adjusted[g]:>7.3f} {sel:>6,} {sr:>8.4f} {r_sel:>7}")  # fmt: skip
    differ = sorted(g for g, p in adjusted.items() if p < 0.05)
    print(
        f"    FPR unlike the other groups' at the 5 % level (Fisher's exact test of each group "
        f"against the rest, Holm-corrected over {len(adjusted)} groups): "
        f"{', '.join(differ) or 'none'}"
    )
    within, beyond, largest = _chance(stats)
    print(
        f"    under equal FPRs (the same {sum(fp for _, _, fp, _ in stats.values())} false "
        f"positives drawn at random in proportion to the groups' negatives, {CHANCE_DRAWS:,} "
        f"draws): every ratio within 0.8-1.25 in {within:.1%} of draws; the largest ratio "
        f"at least this run's ({largest:.2f}) in {beyond:.1%}"
    )
    if left:
        print(
            f"    left out (< {min_group:,} persons): "
            + ", ".join(f"{g} ({len(groups[g]):,})" for g in left)
        )


# --------------------------------------------------------------------------- main


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[101])
    parser.add_argument("--min-group", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/imos-bench-targeting"))
    parser.add_argument(
        "--keep", action="store_true", help="keep each world's var dir (database, lake) to study"
    )
    parser.add_argument(
        "--investigation",
        type=int,
        default=0,
        metavar="EMPLOYERS",
        help="then target again under a worksite investigation of this many employers, with "
        "a § 6103(i)(1) order naming their employees' TINs, and score every violation in scope",
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        help="target again the worlds a --keep run left in this var dir (no ingest, no resolve)",
    )
    args = parser.parse_args()
    header("targeting (issue 5)")
    print(f"var dir: {_VAR} (embedded SQLite; removed after each world unless --keep)")
    print(
        "purpose: BATCH (a targeting run). IRS records (irs_w2, irs_itin) are used only under "
        "a CRIMINAL_INVESTIGATION purpose with a recorded 26 U.S.C. § 6103(i) order, for the "
        "taxpayers it names; no such order can cover a whole-world batch, so none is recorded."
    )
    times = []
    for persons in args.persons:
        for seed in args.seeds:
            run = run_world(persons, seed, args.cache, args.keep, args.reuse, args.investigation)
            report(run, args.min_group)
            if args.investigation:
                report_investigation(run)
            times.append((run.name, run.stages["target"].seconds))
            del run
    print("\ntargeting time per world (goal: <= 120 s for 100,000 persons):")
    for name, seconds in times:
        print(f"  {name:<14} {seconds:>7.1f} s")
    if args.keep:
        print(f"kept: {_VAR}")
    else:
        shutil.rmtree(_VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
