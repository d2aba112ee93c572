"""The SSN owners read a part of the persons at a time are those read all at once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.targeting.leads import ssn_owners
from immigrationos.targeting.records import PersonRecord


def test_the_first_numident_record_by_id_owns_the_ssn() -> None:
    records_of = {
        "P2": [PersonRecord("ssa_numident", "N2", {"ssn": "123-45-6789", "given_name": "B"})],
        "P1": [PersonRecord("ssa_numident", "N1", {"ssn": "123456789", "given_name": "A"})],
        "P3": [PersonRecord("irs_w2", "W1", {"employee_tin": "123456789"})],
    }
    owners = ssn_owners(records_of)
    assert list(owners) == ["123456789"]
    assert (owners["123456789"].person_id, owners["123456789"].record) == ("P1", "ssa_numident:N1")
    # Read in two parts, the later part holding the first record: the same owner.
    parts = ssn_owners({"P2": records_of["P2"]})
    assert parts["123456789"].person_id == "P2"
    assert ssn_owners({"P1": records_of["P1"]}, parts) is parts
    assert parts == owners


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2", "P3", "P4", "P5"]),
            st.sampled_from(["111223333", "111-22-3333", "222334444", "", "12"]),
            st.integers(0, 40),
        ),
        max_size=16,
        unique_by=lambda row: row[2],
    ),
    st.integers(1, 5),
)
def test_owners_in_parts_equal_owners_at_once(rows: list, part_size: int) -> None:
    records_of: dict[str, list[PersonRecord]] = {}
    for pid, ssn, n in rows:
        record = PersonRecord("ssa_numident", f"N{n:03d}", {"ssn": ssn, "given_name": pid})
        records_of.setdefault(pid, []).append(record)
    at_once = ssn_owners(records_of)
    persons = sorted(records_of)
    owners: dict = {}
    for start in range(0, len(persons), part_size):
        ssn_owners({p: records_of[p] for p in persons[start : start + part_size]}, owners)
    assert owners == at_once
