"""Domain constraints of the engine, on hand-made records among a synthetic world's.

The records of each case are added to the 2,000-person world of ``test_engine`` (the
model trains on the world, as it would on real data) and the whole is resolved once.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import polars as pl

from immigrationos.resolution.cluster import BORN, NATIONAL, US_BORN
from immigrationos.resolution.constraints import origins
from immigrationos.resolution.engine import resolve_frame
from immigrationos.resolution.frame import RECORD_SCHEMA
from immigrationos.resolution.result import ResolutionResult

from .test_engine import small_world

HOLDER_SSN = "512347788"
OTHER_SSN = "498765432"


def record(source: str, record_id: str, **fields: Any) -> dict[str, Any]:
    """Return one record of the record schema (absent fields empty)."""
    return {
        "unique_id": f"{source}:{record_id}",
        "source": source,
        "record_id": record_id,
        **fields,
    }


def tax_year(year: int) -> dt.date:
    """Return the record date of a W-2 for ``year`` (31 December, as the frame gives it)."""
    return dt.date(year, 12, 31)


HOME = {"street": "12 BIRCH LN", "city": "SPRINGFIELD", "state": "IL", "zip": "62701"}
ELSEWHERE = {"street": "800 RIVER RD", "city": "DALLAS", "state": "TX", "zip": "75201"}
HOLDER = {"given_name": "PERPETUA", "family_name": "OYELARAN"}
HOLDER_BORN = {"birth_date": dt.date(1961, 4, 12), "sex": "F"}

CASES = [
    # A holder (Numident, licence at home, W-2s from her employer at home) and a worker
    # using her SSN under her name, elsewhere, for another employer, in the same years.
    record("ssa_numident", "T-N1", **HOLDER, **HOLDER_BORN, ssn=HOLDER_SSN),
    record("dmv_licenses", "T-D1", **HOLDER, **HOLDER_BORN, **HOME,
           event_date=dt.date(2023, 5, 1)),
    record("irs_w2", "T-W1", **HOLDER, ssn=HOLDER_SSN, employer_ein="111111111", **HOME,
           event_date=tax_year(2023)),
    record("irs_w2", "T-W2", **HOLDER, ssn=HOLDER_SSN, employer_ein="111111111", **HOME,
           event_date=tax_year(2024)),
    record("irs_w2", "T-W3", **HOLDER, ssn=HOLDER_SSN, employer_ein="222222222",
           **ELSEWHERE, event_date=tax_year(2023)),
    record("irs_w2", "T-W4", **HOLDER, ssn=HOLDER_SSN, employer_ein="222222222",
           **ELSEWHERE, event_date=tax_year(2024)),
    # A worker using another person's SSN under his own name.
    record("ssa_numident", "T-N2", given_name="HORTENSE", family_name="BLACKWOOD",
           birth_date=dt.date(1955, 9, 9), sex="F", ssn=OTHER_SSN),
    record("irs_w2", "T-W5", given_name="NIKOLAI", family_name="DRAGOMIROV", ssn=OTHER_SSN,
           employer_ein="333333333", street="45 ELM ST", city="PORTLAND", state="OR",
           zip="97201", event_date=tax_year(2023)),
    record("irs_w2", "T-W6", given_name="NIKOLAI", family_name="DRAGOMIROV", ssn=OTHER_SSN,
           employer_ein="333333333", street="45 ELM ST", city="PORTLAND", state="OR",
           zip="97201", event_date=tax_year(2024)),
    # Two Numident records of one name and birth date, two SSNs (a typo apart): two people.
    record("ssa_numident", "T-N3", given_name="GWENDOLYN", family_name="ABERNATHY",
           birth_date=dt.date(1972, 2, 2), sex="F", ssn="523456781"),
    record("ssa_numident", "T-N4", given_name="GWENDOLYN", family_name="ABERNATHY",
           birth_date=dt.date(1972, 2, 2), sex="F", ssn="523456782"),
    record("dmv_licenses", "T-D3", given_name="GWENDOLYN", family_name="ABERNATHY",
           birth_date=dt.date(1972, 2, 2), sex="F", street="9 PINE CT", city="AUSTIN",
           state="TX", zip="73301", event_date=dt.date(2022, 3, 3)),
    # A-numbers two characters apart: two people; one transposition apart: a typo.
    record("enforcement_events", "T-E1", given_name="TESFAYE", family_name="GEBREMARIAM",
           birth_date=dt.date(1990, 6, 6), sex="M", a_number="A207771234",
           event_date=dt.date(2019, 1, 1)),
    record("eoir_cases", "T-E2", given_name="TESFAYE", family_name="GEBREMARIAM",
           birth_date=dt.date(1990, 6, 6), a_number="A207771299",
           event_date=dt.date(2019, 2, 1)),
    record("enforcement_events", "T-E3", given_name="ABEBECH", family_name="HAILEMARIAM",
           birth_date=dt.date(1988, 8, 8), sex="F", a_number="A208881234",
           event_date=dt.date(2020, 1, 1)),
    record("eoir_cases", "T-E4", given_name="ABEBECH", family_name="HAILEMARIAM",
           birth_date=dt.date(1988, 8, 8), a_number="A208881243",
           event_date=dt.date(2020, 2, 1)),
    # A ~ B ~ C: a father's Numident, a W-2 under his number and name at the son's
    # address, the son's licence there (same name, born 38 years later).
    record("ssa_numident", "T-N5", given_name="BARNABY", family_name="FITZWILLIAM",
           birth_date=dt.date(1950, 1, 1), sex="M", ssn="534567890"),
    record("irs_w2", "T-W7", given_name="BARNABY", family_name="FITZWILLIAM",
           ssn="534567890", employer_ein="444444444", street="5 OAK ST", city="BOSTON",
           state="MA", zip="02101", event_date=tax_year(2024)),
    record("dmv_licenses", "T-D5", given_name="BARNABY", family_name="FITZWILLIAM",
           birth_date=dt.date(1988, 7, 7), sex="M", street="5 OAK ST", city="BOSTON",
           state="MA", zip="02101", event_date=dt.date(2024, 2, 2)),
]  # fmt: skip


@cache
def resolved() -> ResolutionResult:
    """Return the world with the cases added, resolved once."""
    cases = pl.DataFrame(CASES, schema=RECORD_SCHEMA)
    return resolve_frame(pl.concat([small_world().frame, cases]))


def cluster(record_id: str) -> str:
    """Return the cluster of a case's record."""
    found = resolved().clusters.filter(pl.col("unique_id").str.ends_with(f":{record_id}"))
    assert found.height == 1, record_id
    return str(found.get_column("cluster_id")[0])


def flag(ssn: str) -> dict[str, Any]:
    """Return the SHARED_SSN flag of a number."""
    found = resolved().flags.filter((pl.col("kind") == "SHARED_SSN") & (pl.col("value") == ssn))
    assert found.height == 1, ssn
    return found.row(0, named=True)


def test_a_worker_under_the_holders_name_and_ssn_is_not_merged_into_the_holder() -> None:
    holder = cluster("T-N1")
    assert cluster("T-D1") == cluster("T-W1") == cluster("T-W2") == holder
    assert cluster("T-W3") != holder and cluster("T-W4") != holder
    shared = flag(HOLDER_SSN)
    assert {"irs_w2:T-W3", "irs_w2:T-W4"} <= set(shared["unique_ids"])
    assert "ssa_numident:T-N1" in shared["unique_ids"]
    assert "irs_w2:T-W1" not in shared["unique_ids"]
    assert "another employer" in shared["detail"]


def test_a_worker_under_his_own_name_is_flagged_not_linked_through_the_number() -> None:
    assert cluster("T-W5") == cluster("T-W6") != cluster("T-N2")
    shared = flag(OTHER_SSN)
    assert set(shared["unique_ids"]) == {"ssa_numident:T-N2", "irs_w2:T-W5", "irs_w2:T-W6"}
    assert "names clearly differ" in shared["detail"]


def test_two_numident_ssns_are_two_people_whatever_else_agrees() -> None:
    assert cluster("T-N3") != cluster("T-N4")
    assert cluster("T-D3") in (cluster("T-N3"), cluster("T-N4"))


def test_a_numbers_two_characters_apart_never_merge_one_typo_may() -> None:
    assert cluster("T-E1") != cluster("T-E2")
    assert cluster("T-E3") == cluster("T-E4")


def test_a_common_name_does_not_chain_father_and_son() -> None:
    assert cluster("T-N5") != cluster("T-D5")


def test_origins_read_birthplaces_and_stated_nationalities() -> None:
    rows = [
        record("ssa_numident", "O1", birth_place="TX"),
        record("ssa_numident", "O2", birth_place="PR"),  # a territory: a US birth
        record("dos_passports", "O3", birth_place="MEX"),  # naturalized, born abroad
        record("uscis_benefits", "O4", birth_place="IND", citizenship_country="IND"),
        record("cbp_i94", "O5", citizenship_country="GTM"),
        record("cbp_i94", "O6", citizenship_country="USA"),  # class USC: says nothing
        record("eoir_cases", "O7", citizenship_country=" hnd "),
        record("fincen_ctr", "O8", citizenship_country="MEX"),  # an ID's country only
        record("dmv_licenses", "O9"),
    ]
    frame = pl.DataFrame(rows, schema=RECORD_SCHEMA).with_row_index("rid")
    found = origins(frame.with_columns(pl.col("rid").cast(pl.Int64)))
    assert found == {
        0: US_BORN,
        1: US_BORN,
        2: BORN + "MEX",
        3: BORN + "IND",
        4: NATIONAL + "GTM",
        6: NATIONAL + "HND",
    }
