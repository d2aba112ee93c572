"""A small world for the documents tests: three persons of Los Angeles with an OPEN lead.

- ``teodoro``: an overstay (three I-94 records, as in the cases tests), and the records a
  served document must never show: a denied U visa petition (I-918) and a denied asylum
  application (I-589), each with an address and a receipt number found nowhere else
  (8 U.S.C. § 1367, 8 CFR 208.6), and a suspicious activity report whose narrative names
  a relative (31 U.S.C. § 5318(g)(2));
- ``octavia``: an order of removal entered in absentia (a final order), still here, and a
  denied T visa application (I-914) with an address and a receipt number of its own;
- ``ramiro``: removed in 2020, admitted again in 2024 (a prior removal to reinstate), and
  a suspicious activity report whose narrative names a cousin.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from api.persons_world import resolve, targeted
from cases import world as case_world
from immigrationos.sources import flows as ingest_flows

I94_MORE = (
    "I94-O1,ARRIVAL,2022-03-01,22345678931,OCTAVIA,RENWICK-DUARTE,1988-06-17,F,PER,"
    "E5512345,B2,2022-09-01,LAX,21 Vine St,Los Angeles,CA,90028\n"
    "I94-R2,ARRIVAL,2024-02-01,22345678941,RAMIRO,ESTEBANEZ-HOLT,1983-12-02,M,HND,"
    "H4455667,B2,2024-08-01,LAX,5 Figueroa St,Los Angeles,CA,90017\n"
)
BENEFITS = (
    "record_id,receipt_number,form_type,status,filed_date,decision_date,valid_from,"
    "valid_until,a_number,given_name,family_name,birth_date,sex,country_of_birth,street,"
    "city,state,zip\n"
    "BEN-U,EAC2290012345,I-918,DENIED,2023-09-01,2024-06-01,,,A087654321,TEODORO,"
    "BALTHAZAR-KWIATEK,1985-04-09,M,GTM,41 Refuge Way,Pasadena,CA,91101\n"
    "BEN-ASY,ZLA2212345678,I-589,DENIED,2023-10-01,2024-07-01,,,A087654321,TEODORO,"
    "BALTHAZAR-KWIATEK,1985-04-09,M,GTM,88 Sanctuary Ct,Glendale,CA,91203\n"
    "BEN-T,SRC2390054321,I-914,DENIED,2024-02-01,2024-09-01,,,A055512345,OCTAVIA,"
    "RENWICK-DUARTE,1988-06-17,F,PER,7 Harbor Light Rd,Long Beach,CA,90802\n"
)
SAR = (
    "record_id,filing_date,filer_name,given_name,family_name,birth_date,id_type,id_number,"
    "id_country,street,city,state,zip,activity_types,amount,narrative\n"
    "SAR-T,2024-05-01,SILVERGATE SAVINGS,TEODORO,BALTHAZAR-KWIATEK,1985-04-09,PASSPORT,"
    "G7777777,GTM,13 Ledger Ln,Burbank,CA,91502,STRUCTURING,9800,"
    "Cash deposits under the threshold wired to his brother OSWALDO PEREGRINE-VANCE\n"
    "SAR-R,2024-09-01,MERIDIAN CREDIT UNION,RAMIRO,ESTEBANEZ-HOLT,1983-12-02,PASSPORT,"
    "H9999111,HND,600 Vault Ave,Compton,CA,90220,MONEY_TRANSMISSION,12500,"
    "Transfers abroad on behalf of his cousin LUCIANA MARROQUIN-ABEYTA\n"
)
EOIR = (
    "record_id,a_number,given_name,family_name,birth_date,nationality,nta_date,court,status,"
    "decision_date,in_absentia,appeal_pending\n"
    "EOIR-O,A055512345,OCTAVIA,RENWICK-DUARTE,1988-06-17,PER,2024-01-10,LOS ANGELES,"
    "REMOVAL_ORDERED,2025-03-01,true,false\n"
)
ENFORCEMENT = (
    "record_id,event_type,event_date,a_number,fbi_number,given_name,family_name,birth_date,"
    "sex,nationality,location_state,removal_country\n"
    "ENF-R,REMOVAL,2020-05-01,A066612345,,RAMIRO,ESTEBANEZ-HOLT,1983-12-02,M,HND,TX,HND\n"
)
CLUSTERS = {
    "teodoro": [
        *case_world.CLUSTERS["teodoro"], "uscis_benefits:BEN-U", "uscis_benefits:BEN-ASY",
        "fincen_sar:SAR-T",
    ],
    "wilhelmina": case_world.CLUSTERS["wilhelmina"],
    "octavia": ["cbp_i94:I94-O1", "eoir_cases:EOIR-O", "uscis_benefits:BEN-T"],
    "ramiro": ["enforcement_events:ENF-R", "cbp_i94:I94-R2", "fincen_sar:SAR-R"],
}  # fmt: skip
# What only the confidential records say: it must never be in a served document.
CONFIDENTIAL = (
    "41 REFUGE WAY", "PASADENA", "EAC2290012345", "88 SANCTUARY CT", "GLENDALE",
    "ZLA2212345678", "A087654321", "SILVERGATE", "13 LEDGER LN", "BURBANK", "OSWALDO",
    "PEREGRINE-VANCE", "STRUCTURING", "G7777777", "9800", "THRESHOLD", "I-918", "I-589",
    "SUSPICIOUS", "7 HARBOR LIGHT RD", "LONG BEACH", "SRC2390054321", "I-914",
    "MERIDIAN", "600 VAULT AVE", "COMPTON", "LUCIANA", "MARROQUIN-ABEYTA", "H9999111",
    "12500", "MONEY_TRANSMISSION",
)  # fmt: skip


def build(engine: Engine, folder: Path, lake_dir: Path) -> dict[str, str]:
    """Ingest, resolve and target the world; return label -> lead ID."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cbp_i94": case_world.I94 + I94_MORE,
        "uscis_benefits": BENEFITS,
        "fincen_sar": SAR,
        "eoir_cases": EOIR,
        "enforcement_events": ENFORCEMENT,
    }
    for source, text in files.items():
        (folder / f"{source}.csv").write_text(text, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
    persons = resolve(engine, lake_dir, CLUSTERS)
    targeted(engine, lake_dir)
    return {label: "L" + persons[label][1:] for label in CLUSTERS}
