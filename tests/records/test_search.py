"""Record search: identifiers of every kind, tolerant names, birth dates, scope; both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from immigrationos.db.engine import session_scope
from immigrationos.records import service

from .conftest import copy_foreign, ingest, license_row, numident, write_source


def _found(engine: Engine, **kw: object) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(h.source, h.record_id) for h in service.search(session=session, **kw)]  # type: ignore[arg-type]


def _hits(engine: Engine, **kw: object) -> list[service.RecordHit]:
    with session_scope(engine) as session:
        return service.search(session=session, **kw)  # type: ignore[arg-type]


IDENTIFIERS = [
    ("123-45-6789", ("ssa_numident", "S1"), "SSN"),
    ("123 45 6789", ("irs_w2", "W1"), "SSN"),  # employee_tin not starting with 9
    ("912345678", ("irs_itin", "T1"), "ITIN"),
    ("912-34-5678", ("irs_w2", "W2"), "ITIN"),  # employee_tin starting with 9
    ("A123456789", ("eoir_cases", "E1"), "A_NUMBER"),
    ("a-123-456-789", ("uscis_benefits", "U1"), "A_NUMBER"),
    ("987654321", ("eoir_cases", "E2"), "A_NUMBER"),  # without its A
    ("G1234567", ("cbp_i94", "X1"), "PASSPORT"),
    ("567890123", ("dos_passports", "P1"), "PASSPORT"),
    ("e1234", ("fincen_sar", "F1"), "PASSPORT"),  # FinCEN id_number by its id_type
    ("G7654321", ("irs_itin", "T1"), "PASSPORT"),  # ITIN foreign_id_number
    ("A2345678901", ("cbp_i94", "X2"), "I94"),
    ("AB12345", ("criminal_history", "C1"), "FBI"),
    ("AB12345", ("enforcement_events", "N2"), "FBI"),
    ("IOE0912345678", ("uscis_benefits", "U1"), "RECEIPT"),
    ("D1234567", ("dmv_licenses", "D1"), "LICENSE"),
    ("D123", ("fincen_ctr", "R1"), "LICENSE"),  # DRIVER_LICENSE id_type
    ("TX123", ("criminal_history", "C1"), "STATE_ID"),
    ("12-3456789", ("irs_w2", "W2"), "EIN"),
]


def test_search_by_each_identifier_kind(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    ingest(copy_foreign(tmp_path), engine, lake_dir)
    for typed, expected, kind in IDENTIFIERS:
        hits = {(h.source, h.record_id): h for h in _hits(engine, identifier=typed)}
        assert expected in hits, f"{typed} should find {expected}"
        assert kind in hits[expected].matched_on, (typed, hits[expected].matched_on)
        assert hits[expected].score == 1.0


def test_identifier_search_finds_every_record_of_a_number(
    engine: Engine, lake_dir: Path, tmp_path: Path
) -> None:
    ingest(copy_foreign(tmp_path), engine, lake_dir)
    found = set(_found(engine, identifier="A-123-456-789"))
    assert found == {
        ("eoir_cases", "E1"),
        ("enforcement_events", "N1"),
        ("uscis_benefits", "U1"),
        ("cbp_home_departures", "H1"),
    }
    assert _found(engine, identifier="ZZ999") == []
    # a name given with an identifier ranks, it does not exclude
    ranked = _hits(engine, identifier="A123456789", name="ROSA MEJIA")
    assert {h.matched_on for h in ranked} == {("name", "A_NUMBER")}


def test_name_search_tolerates_spelling(engine: Engine, lake_dir: Path, names_folder: Path) -> None:
    ingest(names_folder, engine, lake_dir)
    cases = {
        "JOSE GARSIA": "N2",  # phonetic variant
        "JOSE GARCAI": "N2",  # transposition
        "JOSEE GARCIAA": "N2",  # two typos
        "JONATHON SMITH": "N4",  # JONATHAN / JONATHON
        "Maria Nunez Perez": "N5",  # accents, hyphen
        "María Núñez-Pérez": "N5",
        "MARIA PEREZ": "N5",  # second surname alone
        "ANA CRUZ": "N7",  # particles
        "ANA DELACRUZ": "N7",  # run together
        "ZHANG WEI": "N8",  # given and family swapped
        "katherine obrien": "N9",  # apostrophe, case
        "MOHAMED ALSAYED": "N10",  # transliteration, run together
        "GUADALUPE HERNANDES": "N11",
        "GUADALUPR HERNANDEZ": "N11",  # a typo that changes the sound of the given name
        "GUADALUPE HRENANDEZ": "N11",  # ... of the family name
    }
    for typed, record_id in cases.items():
        found = [rid for _, rid in _found(engine, name=typed)]
        assert record_id in found[:3], f"{typed!r} should find {record_id}, got {found}"


def test_first_surname_only_finds_two_surnames(
    engine: Engine, lake_dir: Path, names_folder: Path
) -> None:
    ingest(names_folder, engine, lake_dir)
    hits = _hits(engine, name="JOSE GARCIA")
    found = [h.record_id for h in hits]
    assert found[0] == "N2"  # the exact spelling first
    assert hits[0].score == 1.0 and hits[0].matched_on == ("name",)
    assert "N1" in found and found.index("N1") < found.index("N3")
    assert all(h.score < 1.0 for h in hits[1:])


def test_exact_spelling_ranks_first(engine: Engine, lake_dir: Path, names_folder: Path) -> None:
    ingest(names_folder, engine, lake_dir)
    assert [rid for _, rid in _found(engine, name="JONATHAN SMITH")][:1] == ["N4"]
    assert [rid for _, rid in _found(engine, name="JOHN SMITH")][:1] == ["N6"]
    assert [rid for _, rid in _found(engine, name="JOSE GARZA")][:1] == ["N3"]
    swapped = _hits(engine, name="GARCIA JOSE")
    assert swapped[0].record_id == "N2" and swapped[0].score < 1.0
    assert [rid for _, rid in _found(engine, name="GARCIA")][:1] == ["N2"]


def test_one_word_finds_the_family_name(engine: Engine, lake_dir: Path, names_folder: Path) -> None:
    ingest(names_folder, engine, lake_dir)
    assert {"N1", "N2"} <= {rid for _, rid in _found(engine, name="GARCIA")}
    assert "N4" in {rid for _, rid in _found(engine, name="SMYTH")}
    assert "N7" in {rid for _, rid in _found(engine, name="DE LA CRUZ")}


def test_birth_date_alone_and_narrowing_a_name(
    engine: Engine, lake_dir: Path, names_folder: Path
) -> None:
    ingest(names_folder, engine, lake_dir)
    assert set(_found(engine, birth_date=date(1980, 3, 15))) == {
        ("ssa_numident", "N1"),
        ("ssa_numident", "N3"),
    }
    narrowed = _hits(engine, name="JOSE GARCIA", birth_date=date(1980, 3, 15))
    assert [h.record_id for h in narrowed][:1] == ["N1"]
    assert "N2" not in {h.record_id for h in narrowed}  # same name, born 1975
    assert narrowed[0].matched_on == ("name", "birth_date")
    assert _found(engine, name="JOSE GARCIA", birth_date=date(1960, 1, 1)) == []
    # day and month swapped, as dirty records write them: found, below the exact date
    swapped = _hits(engine, birth_date=date(1990, 2, 1))
    assert {h.record_id for h in swapped} == {"N4", "N6"}
    assert all(0 < h.score < 1 for h in swapped)
    # a name too mistyped for its keys is still found through its birth date
    assert _found(engine, name="JNOATHAN SMTIH", birth_date=date(1990, 1, 2))[0][1] == "N4"


def test_birth_date_narrows_name_keys_where_many_share_it(
    engine: Engine, lake_dir: Path, names_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(names_folder, engine, lake_dir)
    monkeypatch.setattr(service, "BIRTH_WINDOW_ROWS", 1)  # as if a large population
    narrowed = _hits(engine, name="JOSE GARCIA", birth_date=date(1980, 3, 15))
    assert [h.record_id for h in narrowed][:1] == ["N1"]
    assert "N2" not in {h.record_id for h in narrowed}


def test_offices_scope_the_search(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "offices"
    write_source(
        folder,
        "dmv_licenses",
        [
            license_row("D1", "LUIS", "PEREZ", "TX", "75201"),  # Dallas
            license_row("D2", "LUIS", "PEREZ", "CA", "95112"),  # San Francisco
            license_row("D3", "LUIS", "PEREZ", "NY", "10001"),  # New York City
        ],
    )
    write_source(folder, "ssa_numident", [numident("S1", "LUIS", "PEREZ", "1988-08-08")])
    ingest(folder, engine, lake_dir)
    dallas, nyc = "Dallas Field Office", "New York City Field Office"
    assert [h.field_office for h in _hits(engine, name="LUIS PEREZ", offices=[dallas])] == [dallas]
    both = set(_found(engine, name="LUIS PEREZ", offices=[dallas, nyc]))
    assert both == {("dmv_licenses", "D1"), ("dmv_licenses", "D3")}
    assert _found(engine, name="LUIS PEREZ", offices=()) == []
    assert _found(engine, identifier="LD2", offices=[dallas]) == []
    assert _found(engine, birth_date=date(1988, 8, 8), offices=[nyc]) == [("dmv_licenses", "D3")]
    everywhere = set(_found(engine, name="LUIS PEREZ"))
    assert ("ssa_numident", "S1") in everywhere and len(everywhere) == 4  # no location: all areas
    assert set(_found(engine, name="LUIS PEREZ", sources=["ssa_numident"])) == {
        ("ssa_numident", "S1")
    }
    assert _found(engine, name="LUIS PEREZ", sources=()) == []


def test_hits_carry_the_record(engine: Engine, lake_dir: Path, tmp_path: Path) -> None:
    ingest(copy_foreign(tmp_path), engine, lake_dir)
    hit = next(h for h in _hits(engine, identifier="912345678") if h.source == "irs_itin")
    assert hit.display_name == "JOSE RAMIREZ" and hit.version == 1
    assert (hit.state, hit.field_office, hit.sex) == ("TX", "Dallas Field Office", "M")
    assert hit.birth_date == date(1988, 8, 8)
    assert hit.payload["itin"] == "912345678" and hit.payload["zip"] == "75201"
    capped = _hits(engine, name="JOSE RAMIREZ", max_candidates=1)
    assert len(capped) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "at least one of name, birth_date or identifier"),
        ({"name": " - "}, "name ' - ' has no letters"),
        ({"identifier": "--"}, "identifier '--' has no letters"),
        ({"name": "ANA", "sources": ["nope"]}, "unknown source"),
        ({"name": "ANA", "max_candidates": 0}, "max_candidates"),
        ({"birth_date": "1990-01-01"}, "birth_date must be a date"),
    ],
)
def test_bad_searches_say_what_is_wrong(
    engine: Engine, kwargs: dict[str, object], message: str
) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match=message):
        service.search(session=session, **kwargs)  # type: ignore[arg-type]


def test_unknown_record_has_no_page(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert service.get_record(session=session, source="ssa_numident", record_id="X") is None
        assert service.list_versions(session=session, source="ssa_numident", record_id="X") == []
        assert service.count_records(session=session) == 0
