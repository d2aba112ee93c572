"""A small hand-made world for the records API tests: each row chosen for one rule."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from immigrationos.sources import flows as ingest_flows

FILES = {
    "cbp_i94": (
        "record_id,event,event_date,i94_number,given_name,family_name,birth_date,sex,"
        "citizenship_country,passport_number,class_of_admission,admit_until,port_of_entry,"
        "street,city,state,zip\n"
        "I94-LA,ARRIVAL,2024-01-05,12345678901,MARISOL,QUINTANILLA,1990-02-03,F,MEX,P1234567,"
        "B2,2024-07-04,LAX,1 Main St,Los Angeles,CA,90012\n"
        "I94-CHI,ARRIVAL,2024-02-05,12345678902,MARISOL,QUINTANILLA,1991-03-04,F,MEX,P7654321,"
        "B2,2024-08-04,ORD,2 Lake St,Chicago,IL,60601\n"
    ),
    "irs_w2": (
        "record_id,tax_year,employer_ein,employer_name,employee_tin,given_name,family_name,"
        "street,city,state,zip,wages\n"
        "W2-1,2024,123456789,ACME FARMS,555443333,MARISOL,QUINTANILLA,1 Main St,Los Angeles,CA,90012,31000\n"
    ),
    "fincen_sar": (
        "record_id,filing_date,filer_name,given_name,family_name,birth_date,id_type,id_number,"
        "id_country,street,city,state,zip,activity_types,amount,narrative\n"
        "SAR-1,2024-05-01,FIRST BANK,MARISOL,QUINTANILLA,1990-02-03,PASSPORT,P1234567,MEX,"
        "1 Main St,Los Angeles,CA,90012,STRUCTURING,9500,synthetic\n"
    ),
    "dmv_licenses": (
        "record_id,state,license_number,given_name,middle_name,family_name,birth_date,sex,"
        "street,city,zip,issue_date,expiry_date,real_id,legal_presence_document\n"
        "DMV-CA,CA,D1234567,MARISOL,,QUINTANILLA,1990-02-03,F,1 Main St,Los Angeles,90012,"
        "2020-01-01,2028-01-01,false,NONE\n"
        "DMV-AZ,AZ,D7654321,MARISOL,,QUINTANILLA,1990-02-03,F,5 Sun St,Phoenix,85004,"
        "2020-01-01,2028-01-01,true,FOREIGN_PASSPORT_VISA\n"
    ),
    "uscis_benefits": (
        "record_id,receipt_number,form_type,status,filed_date,decision_date,valid_from,"
        "valid_until,a_number,given_name,family_name,birth_date,sex,country_of_birth,street,"
        "city,state,zip\n"
        "BEN-ASY,ZLA1234567890,I-589,PENDING,2024-03-01,,,,A012345678,MARISOL,QUINTANILLA,"
        "1990-02-03,F,MEX,1 Main St,Los Angeles,CA,90012\n"
    ),
}


def ingest_world(engine: Engine, folder: Path, lake_dir: Path, **overrides: str) -> None:
    """Write the world's files (with ``overrides`` replacing whole files) and ingest them."""
    folder.mkdir(parents=True, exist_ok=True)
    for source, text in {**FILES, **overrides}.items():
        (folder / f"{source}.csv").write_text(text, encoding="utf-8")
    ingest_flows.ingest_directory(folder, engine=engine, lake_dir=lake_dir, run_by="test")
