"""A small world for the operations tests: the cases world, plus two more persons in Los
Angeles with an OPEN overstay lead each (three targets in one office, at three ZIPs).

- ``teodoro``: ZIP 90012 (the cases world's; ``add_us_passport`` brings his US passport);
- ``aurelio``: ZIP 90033; ``benedikta``: ZIP 90013;
- ``wilhelmina``: Chicago.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from api.persons_world import resolve, targeted
from cases import world as case_world
from immigrationos.sources import flows as ingest_flows

MORE_I94 = (
    "I94-A1,ARRIVAL,2023-03-05,22345678921,AURELIO,VANTONGEREN-SILVA,1990-02-14,M,SLV,"
    "S1234567,B2,2023-09-04,LAX,12 Cesar Chavez Ave,Los Angeles,CA,90033\n"
    "I94-A1A,ARRIVAL,2019-03-01,22345678931,AURELIO,VANTONGEREN-SILVA,1990-02-14,M,SLV,"
    "S1234567,B2,2019-09-01,LAX,12 Cesar Chavez Ave,Los Angeles,CA,90033\n"
    "I94-B1,ARRIVAL,2023-04-05,22345678922,BENEDIKTA,ZORRILLA-MACKENZIE,1988-06-30,F,HND,"
    "H7654321,B2,2023-10-04,LAX,3 Spring St,Los Angeles,CA,90013\n"
    "I94-B1A,ARRIVAL,2019-03-01,22345678932,BENEDIKTA,ZORRILLA-MACKENZIE,1988-06-30,F,HND,"
    "H7654321,B2,2019-09-01,LAX,3 Spring St,Los Angeles,CA,90013\n"
)
MORE_CLUSTERS = {
    "aurelio": ["cbp_i94:I94-A1", "cbp_i94:I94-A1A"],
    "benedikta": ["cbp_i94:I94-B1", "cbp_i94:I94-B1A"],
}
# The ZIP centroids the targets are placed at (reference/data/us_zipcodes.csv).
ZIP_CENTROIDS = {"teodoro": (34.0614, -118.2385), "aurelio": (34.0487, -118.2084)}


def build(engine: Engine, folder: Path, lake_dir: Path) -> dict[str, str]:
    """Ingest, resolve and target the four persons; return label -> lead ID."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cbp_i94.csv").write_text(case_world.I94 + MORE_I94, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
    clusters = {**case_world.CLUSTERS, **MORE_CLUSTERS}
    persons = resolve(engine, lake_dir, clusters)
    targeted(engine, lake_dir)
    return {label: "L" + persons[label][1:] for label in clusters}


def add_us_passport(engine: Engine, folder: Path, lake_dir: Path) -> None:
    """Ingest a US passport of Teodoro's and resolve it into his person (no targeting run)."""
    case_world.add_us_passport(engine, folder, lake_dir, others=MORE_CLUSTERS)
