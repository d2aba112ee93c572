"""A small world for the cases tests: two persons with an OPEN overstay lead each.

- ``teodoro``: Los Angeles, three I-94 records (an earlier stay left on time, then an
  overstay since July 2023);
- ``wilhelmina``: Chicago, two I-94 records, the same story.

Two records at least: a person known by one record alone is held for identity
confirmation. ``add_us_passport`` brings a US passport of Teodoro's that arrives later.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from api.persons_world import resolve, targeted
from immigrationos.sources import flows as ingest_flows

I94 = (
    "record_id,event,event_date,i94_number,given_name,family_name,birth_date,sex,"
    "citizenship_country,passport_number,class_of_admission,admit_until,port_of_entry,"
    "street,city,state,zip\n"
    "I94-T1,ARRIVAL,2023-01-05,22345678901,TEODORO,BALTHAZAR-KWIATEK,1985-04-09,M,GTM,"
    "G1234567,B2,2023-07-04,LAX,7 Elm St,Los Angeles,CA,90012\n"
    "I94-T1A,ARRIVAL,2019-03-01,22345678911,TEODORO,BALTHAZAR-KWIATEK,1985-04-09,M,GTM,"
    "G1234567,B2,2019-09-01,LAX,7 Elm St,Los Angeles,CA,90012\n"
    "I94-T1D,DEPARTURE,2019-08-01,22345678911,TEODORO,BALTHAZAR-KWIATEK,1985-04-09,M,GTM,"
    "G1234567,,,LAX,,,,\n"
    "I94-W1,ARRIVAL,2023-02-05,22345678902,WILHELMINA,ODUYA-FARRAND,1979-11-21,F,NGA,"
    "N7654321,B2,2023-08-04,ORD,9 Lake St,Chicago,IL,60601\n"
    "I94-W1A,ARRIVAL,2019-03-01,22345678912,WILHELMINA,ODUYA-FARRAND,1979-11-21,F,NGA,"
    "N7654321,B2,2019-09-01,ORD,9 Lake St,Chicago,IL,60601\n"
)
CLUSTERS = {
    "teodoro": ["cbp_i94:I94-T1", "cbp_i94:I94-T1A", "cbp_i94:I94-T1D"],
    "wilhelmina": ["cbp_i94:I94-W1", "cbp_i94:I94-W1A"],
}
PASSPORT = (
    "record_id,passport_number,given_name,middle_name,family_name,birth_date,sex,"
    "birth_place,issue_date,expiry_date\n"
    "PP-T1,512345678,TEODORO,,BALTHAZAR-KWIATEK,1985-04-09,M,CA,2025-01-10,2035-01-09\n"
)


def build(
    engine: Engine, folder: Path, lake_dir: Path, others: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """Ingest, resolve (with ``others``' clusters kept) and target; return label -> lead ID."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cbp_i94.csv").write_text(I94, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
    persons = resolve(engine, lake_dir, {**(others or {}), **CLUSTERS})
    targeted(engine, lake_dir)
    return {label: "L" + persons[label][1:] for label in CLUSTERS}


def add_us_passport(
    engine: Engine, folder: Path, lake_dir: Path, others: dict[str, list[str]] | None = None
) -> None:
    """Ingest a US passport of Teodoro's and resolve it into his person (no targeting run)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dos_passports.csv").write_text(PASSPORT, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
    clusters = {**(others or {}), **CLUSTERS}
    clusters["teodoro"] = [*CLUSTERS["teodoro"], "dos_passports:PP-T1"]
    resolve(engine, lake_dir, clusters)


EOIR_HEADER = (
    "record_id,a_number,given_name,family_name,birth_date,nationality,nta_date,court,"
    "status,decision_date,in_absentia,appeal_pending\n"
)


def eoir_row(
    record_id: str,
    status: str,
    decided: str,
    *,
    absentia: bool = False,
    appeal: bool = False,
    a_number: str = "A123456789",
) -> str:
    """Return one EOIR row of Teodoro's (CSV, with its newline)."""
    flags = f"{'true' if absentia else 'false'},{'true' if appeal else 'false'}"
    return (
        f"{record_id},{a_number},TEODORO,BALTHAZAR-KWIATEK,1985-04-09,GTM,2024-01-10,"
        f"LOS ANGELES,{status},{decided},{flags}\n"
    )


def add_records(
    engine: Engine,
    folder: Path,
    lake_dir: Path,
    files: dict[str, str],
    refs: list[str],
    others: dict[str, list[str]] | None = None,
) -> None:
    """Ingest ``files`` (source -> CSV text) and resolve ``refs`` into Teodoro's person.

    ``refs`` are all the records added to him so far (a resolution run replaces the last).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for source, text in files.items():
        (folder / f"{source}.csv").write_text(text, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
    clusters = {**(others or {}), **CLUSTERS}
    clusters["teodoro"] = [*CLUSTERS["teodoro"], *refs]
    resolve(engine, lake_dir, clusters)


def add_final_order(engine: Engine, folder: Path, lake_dir: Path) -> None:
    """Give Teodoro a final order of removal (decided 2024-06-03, not appealed)."""
    rows = EOIR_HEADER + eoir_row("E-T1", "REMOVAL_ORDERED", "2024-06-03")
    add_records(engine, folder, lake_dir, {"eoir_cases": rows}, ["eoir_cases:E-T1"])
