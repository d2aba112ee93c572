"""Domain normalisation: name traditions, dates, identifiers, and Python/SQL/polars agreement."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from importlib import resources
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from immigrationos.resolution import names
from immigrationos.resolution import normalize as norm
from immigrationos.sources import duck


def rec(given: str | None = None, family: str | None = None, **fields: Any) -> dict[str, Any]:
    """Return one normalised record (Python path)."""
    return norm.normalize_record({"given_name": given, "family_name": family, **fields})


def given_lvl(a: str | None, b: str | None, fa: str = "X", fb: str = "X") -> str:
    return norm.given_level(rec(a, fa), rec(b, fb))


def family_lvl(a: str | None, b: str | None, ga: str = "Q", gb: str = "Q") -> str:
    return norm.family_level(rec(ga, a), rec(gb, b))


# --- names: folding and surnames -------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "std", "first", "last"),
    [
        ("García López", "GARCIALOPEZ", "GARCIA", "LOPEZ"),
        ("GARCIA", "GARCIA", "GARCIA", None),
        ("García-López", "GARCIALOPEZ", "GARCIA", "LOPEZ"),
        ("Garcia y Lopez", "GARCIALOPEZ", "GARCIA", "LOPEZ"),
        ("De la Cruz", "DELACRUZ", "DELACRUZ", None),
        ("DE LA CRUZ MARTINEZ", "DELACRUZMARTINEZ", "DELACRUZ", "MARTINEZ"),
        ("Martínez de la Cruz", "MARTINEZDELACRUZ", "MARTINEZ", "DELACRUZ"),
        ("del Río", "DELRIO", "DELRIO", None),
        ("O'Neil", "ONEIL", "ONEIL", None),
        ("Nguyễn", "NGUYEN", "NGUYEN", None),
        ("Peña Núñez", "PENANUNEZ", "PENA", "NUNEZ"),
        ("Le", "LE", "LE", None),
        ("  ", None, None, None),
        (None, None, None, None),
    ],
)
def test_family_surnames(
    family: str | None, std: str | None, first: str | None, last: str | None
) -> None:
    features = names.family_features(family)
    assert (features["family_std"], features["family_first"], features["family_last"]) == (
        std,
        first,
        last,
    )


@pytest.mark.parametrize(
    ("given", "std", "joined"),
    [
        ("José Luis", "JOSE", "JOSELUIS"),
        ("JOSE", "JOSE", "JOSE"),
        ("XIAO MING", "XIAO", "XIAOMING"),
        ("Xiao-Ming", "XIAO", "XIAOMING"),
        ("XIAOMING", "XIAOMING", "XIAOMING"),
        ("Ñandú", "NANDU", "NANDU"),
    ],
)
def test_given_folding(given: str, std: str, joined: str) -> None:
    features = names.given_features(given, None)
    assert (features["given_std"], features["given_joined"]) == (std, joined)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("JOSE", "JOE"),
        ("GUADALUPE", "LUPE"),
        ("ALEJANDRO", "ALEX"),
        ("ALEXANDER", "ALEX"),
        ("WILLIAM", "BILL"),
        ("ROBERT", "BOB"),
        ("FRANCISCO", "PANCHO"),
        ("FRANCISCO", "PACO"),
        ("PANCHO", "PACO"),
        ("MOHAMMED", "MUHAMMAD"),
        ("MOHAMED", "MOHAMAD"),
        ("MUHAMMAD", "MOHAMAD"),
        ("GUILLERMO", "WILLIAM"),
        ("JOSEPH", "JOSE"),
        ("YOUSEF", "YUSUF"),
    ],
)
def test_nickname_and_transliteration_groups(a: str, b: str) -> None:
    assert given_lvl(a, b) == "SAME_GROUP"
    assert given_lvl(b, a) == "SAME_GROUP"


@pytest.mark.parametrize(
    ("a", "b"),
    [("WILLIAM", "ROBERT"), ("ALBERTO", "ROBERTO"), ("JOSE", "JUAN"), ("ANTHONY", "ANN")],
)
def test_groups_do_not_chain(a: str, b: str) -> None:
    """Formal names that share a nickname (BETO: ALBERTO, ROBERTO) must not meet through it."""
    assert given_lvl(a, b) not in ("EXACT", "SAME_GROUP")


def test_given_canon_is_a_key_per_group() -> None:
    canon = {n: rec(n)["given_canon"] for n in ("JOE", "PEPE", "JOSE", "LUPE", "MOHAMED", "BOB")}
    assert canon == {
        "JOE": "JOSE",
        "PEPE": "JOSE",
        "JOSE": "JOSE",
        "LUPE": "GUADALUPE",
        "MOHAMED": "MUHAMMAD",
        "BOB": "ROBERT",
    }
    assert "ALEJANDRO" in rec("ALEX")["given_groups"]
    assert "ALEXANDER" in rec("ALEX")["given_groups"]


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("JOSÉ", "JOSE", "EXACT"),
        ("XIAO MING", "XIAOMING", "EXACT"),
        ("XIAO-MING", "XIAO MING", "EXACT"),
        ("JOSE LUIS", "JOSE", "FIRST_GIVEN"),
        ("MARIA GUADALUPE", "LUPE", "OTHER_GIVEN"),
        ("J", "JOSE", "INITIAL"),
        ("GERARDO", "JERARDO", "PHONETIC"),
        ("MARTHA", "MARTHE", "JARO_WINKLER_HIGH"),
        ("JOSE", "MIGUEL", "DIFFERENT"),
        (None, "JOSE", "MISSING"),
        ("", "JOSE", "MISSING"),
    ],
)
def test_given_levels(a: str | None, b: str, level: str) -> None:
    assert given_lvl(a, b) == level


def test_abdel_rahman_written_in_parts() -> None:
    assert given_lvl("ABDEL RAHMAN", "ABD AL-RAHMAN") == "SAME_GROUP"


def test_middle_name_written_into_given_name() -> None:
    left = rec("JOSE", "GARCIA", middle_name="LUIS")
    right = rec("JOSE LUIS", "GARCIA")
    assert norm.given_level(left, right) == "EXACT"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("GARCIA LOPEZ", "GARCIA LOPEZ", "EXACT"),
        ("DE LA CRUZ", "DELACRUZ", "EXACT"),
        ("O'NEIL", "ONEIL", "EXACT"),
        ("NGUYỄN", "NGUYEN", "EXACT"),
        ("PEÑA", "PENA", "EXACT"),
        ("GARCIA-LOPEZ", "GARCIA LOPEZ", "EXACT"),
        ("MOHAMED", "MUHAMMAD", "SAME_GROUP"),
        ("WONG", "HUANG", "SAME_GROUP"),
        ("WONG", "WANG", "SAME_GROUP"),
        ("WANG", "HUANG", "DIFFERENT"),
        ("WONG LI", "WANG", "FIRST_SURNAME"),
        ("AL-SAYED", "EL SAYED", "SAME_GROUP"),
        ("ST LOUIS", "SAINT-LOUIS", "SAME_GROUP"),
        ("KOWALSKI", "KOWALSKY", "SAME_GROUP"),
        ("GARCIA LOPEZ", "GARCIA", "FIRST_SURNAME"),
        ("DE LA CRUZ MARTINEZ", "DE LA CRUZ", "FIRST_SURNAME"),
        ("GARCIA LOPEZ", "GARCIA MARTINEZ", "FIRST_SURNAME_ONLY"),
        ("GARSIA", "GARCIA", "PHONETIC"),
        ("HERNANDEZ", "ERNANDEZ", "SAME_GROUP"),
        ("VARGAS", "BARGAS", "PHONETIC"),
        ("GARCIA LOPEZ", "LOPEZ", "OTHER_SURNAME"),
        ("SMITH", "NGUYEN", "DIFFERENT"),
        ("SMITH", None, "MISSING"),
    ],
)
def test_family_levels(a: str, b: str | None, level: str) -> None:
    assert family_lvl(a, b) == level


def test_swapped_given_and_family() -> None:
    left, right = rec("WANG", "XIAOMING"), rec("XIAOMING", "WANG")
    assert norm.family_level(left, right) == "SWAPPED"
    assert norm.given_level(left, right) == "SWAPPED"


def test_sound_key_keeps_sex_of_spanish_names() -> None:
    key = names.sound_key
    assert key("GARCIA") == key("GARSIA")
    assert key("HERNANDEZ") == key("HERNANDES")
    assert key("MARIA") != key("MARIO")
    assert key("JUAN") != key("JUANA")
    assert key("JOSE") != key("JESUS")
    assert key("") is None


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        (date(1985, 3, 12), date(1985, 3, 12), "EXACT"),
        (date(1985, 3, 12), date(1985, 12, 3), "DAY_MONTH_SWAP"),
        (date(1985, 3, 12), date(1986, 3, 12), "ONE_OFF_YEAR"),
        (date(1985, 3, 12), date(1995, 3, 12), "ONE_OFF_YEAR"),
        (date(1985, 3, 12), date(1958, 3, 12), "ONE_OFF_YEAR"),
        (date(1985, 3, 12), date(1985, 3, 13), "ONE_OFF_DAY_OR_MONTH"),
        (date(1985, 3, 12), date(1985, 3, 21), "ONE_OFF_DAY_OR_MONTH"),
        (date(1985, 3, 12), date(1985, 8, 12), "ONE_OFF_DAY_OR_MONTH"),
        (date(1985, 1, 1), date(1985, 7, 19), "WITHIN_1_YEAR"),
        (date(1985, 3, 12), date(1975, 6, 30), "DIFFERENT"),
        (date(1985, 3, 12), None, "MISSING"),
    ],
)
def test_date_levels(a: date, b: date | None, level: str) -> None:
    assert norm.date_level(a, b) == level
    assert norm.date_level(b, a) == level


def test_dob_sorted_is_shared_by_swapped_dates() -> None:
    assert norm.dob_sorted(date(1985, 3, 12)) == norm.dob_sorted(date(1985, 12, 3)) == "1985-03-12"
    assert norm.dob_sorted(None) is None


# --- identifiers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("SSN", "123-45-6789", "123456789"),
        ("SSN", " 123 45 6789 ", "123456789"),
        ("SSN", "12345678", None),
        ("SSN", "000-00-0000", None),
        ("ITIN", "912-70-1234", "912701234"),
        ("A_NUMBER", "A-12-345-678", "012345678"),
        ("A_NUMBER", "a1234567", "001234567"),
        ("A_NUMBER", "A123456789", "123456789"),
        ("A_NUMBER", "123456789", "123456789"),
        ("A_NUMBER", "A1234567890", None),
        ("A_NUMBER", "A123456", None),
        ("PASSPORT", "g-1234 567", "G1234567"),
        ("I94", "123456789a1", "123456789A1"),
        ("I94", "1234", None),
        ("FBI", "12345 ab6", "12345AB6"),
        ("FBI", "--", None),
    ],
)
def test_normalize_identifier(kind: str, raw: str, value: str | None) -> None:
    assert norm.normalize_identifier(kind, raw) == value


@pytest.mark.parametrize(
    ("ssn", "valid"),
    [
        ("123456789", True),
        ("000123456", False),
        ("666123456", False),
        ("912345678", False),
        ("123006789", False),
        ("123450000", False),
        ("078051120", False),
        (None, None),
    ],
)
def test_ssn_validity(ssn: str | None, valid: bool | None) -> None:
    assert norm.ssn_is_valid(ssn) is valid


def test_itin_validity() -> None:
    assert norm.itin_is_valid("912701234") is True
    assert norm.itin_is_valid("912401234") is False
    assert norm.itin_is_valid("123701234") is False


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("123-45-6789", "123456789", "EXACT"),
        ("123456789", "123456798", "ONE_TYPO"),
        ("123456789", "123456780", "ONE_TYPO"),
        ("123456789", "123459876", "DIFFERENT"),
        ("123456789", None, "MISSING"),
        ("123456789", "1234", "MISSING"),
    ],
)
def test_identifier_levels(a: str, b: str | None, level: str) -> None:
    assert norm.identifier_level("SSN", a, b) == level


def test_a_numbers_compatible() -> None:
    assert norm.a_numbers_compatible("A012345678", "12345678")
    assert norm.a_numbers_compatible("A012345678", "A012345687")  # one transposition
    assert not norm.a_numbers_compatible("A012345678", "A012345699")
    assert norm.a_numbers_compatible("A012345678", None)


# --- frames ------------------------------------------------------------------------------


def test_frame_on_nulls_empties_and_absent_columns() -> None:
    frame = pl.DataFrame(
        {
            "given_name": [None, "", "  ", "Joe"],
            "family_name": [None, "", "-", "García López"],
            "birth_date": ["1985-03-12", "", "not a date", None],
            "ssn": [None, "", "12-3", "123-45-6789"],
        }
    )
    out = norm.normalize_frame(frame)
    assert out.height == 4
    assert set(norm.ADDED_COLUMNS) <= set(out.columns)
    assert set(norm.INPUT_COLUMNS) <= set(out.columns)
    assert out["given_std"].to_list() == [None, None, None, "JOE"]
    assert out["family_first"].to_list() == [None, None, None, "GARCIA"]
    assert out["birth_date"].to_list() == [date(1985, 3, 12), None, None, None]
    assert out["ssn"].to_list() == [None, None, None, "123456789"]
    assert out["ssn_valid"].to_list() == [None, None, None, True]
    assert out["given_groups"].to_list()[:3] == [None, None, None]


def test_frame_on_empty_frame() -> None:
    out = norm.normalize_frame(pl.DataFrame({"given_name": []}, schema={"given_name": pl.Utf8}))
    assert out.height == 0
    assert set(norm.ADDED_COLUMNS) <= set(out.columns)


def test_frame_keeps_row_order_and_other_columns() -> None:
    frame = pl.DataFrame({"record_id": ["b", "a", "c"], "given_name": ["ZOE", "ANA", "ZOE"]})
    out = norm.normalize_frame(frame)
    assert out["record_id"].to_list() == ["b", "a", "c"]
    assert out["given_std"].to_list() == ["ZOE", "ANA", "ZOE"]


# --- tables ------------------------------------------------------------------------------


@pytest.mark.parametrize("file", [names.GIVEN_VARIANTS_FILE, names.TRANSLITERATIONS_FILE])
def test_tables_are_clean_and_sourced(file: str) -> None:
    data = resources.files("immigrationos.resolution") / "data"
    rows = list(csv.DictReader(data.joinpath(file).read_text("utf-8").splitlines()))
    assert rows
    sources = data.joinpath("SOURCES.md").read_text("utf-8")
    assert f"`{file}`" in sources
    for row in rows:
        assert row["name"] == row["name"].strip().upper() and row["name"].isalpha()
        assert row["canonical"] == row["canonical"].strip().upper() and row["canonical"].isalpha()
        assert row["source"] and row["source"] in sources


# --- properties --------------------------------------------------------------------------

NAME_POOL = [
    "JOSE", "JOE", "JOSÉ LUIS", "GUADALUPE", "LUPE", "MARIA GUADALUPE", "ALEJANDRO", "ALEX",
    "WILLIAM", "BILL", "ROBERT", "BOB", "FRANCISCO", "PANCHO", "PACO", "MOHAMMED", "MUHAMMAD",
    "MOHAMED", "XIAO MING", "XIAOMING", "XIAO-MING", "J", "JESUS", "ANA", "ANNA", "GARCIA",
    "GARCIA LOPEZ", "DE LA CRUZ", "DE LA CRUZ MARTINEZ", "LOPEZ", "NGUYỄN", "NGUYEN", "O'NEIL",
    "ONEIL", "WANG", "WONG", "HUANG", "PEÑA", "HERNANDEZ", "ERNANDEZ", "Y", "DE", "",
]  # fmt: skip
ALPHABET = "ABCDEFGHIJKLMNOPRSTUVWYZÉÑỄ-' "
names_st = st.one_of(
    st.none(), st.sampled_from(NAME_POOL), st.text(alphabet=ALPHABET, min_size=0, max_size=12)
)


STREETS = [
    "123 North Main Street", "123 N MAIN ST", "9 Peña Avenue Apt 4", "  ", "77 O'Hara Blvd.",
    "1 Calle de la Cruz No. 5", "",
]  # fmt: skip


@st.composite
def dates_st(draw: st.DrawFn, base: date) -> date | None:
    """Return a date near ``base``: equal, swapped, one off, a typo away, random or none."""
    how = draw(st.sampled_from(["same", "swap", "year", "digit", "day", "near", "random", "none"]))
    if how == "none":
        return None
    if how == "swap" and base.day <= 12:
        return date(base.year, base.day, base.month)
    if how == "year":
        return base.replace(year=base.year + draw(st.sampled_from([-1, 1])), day=min(base.day, 28))
    if how == "digit":
        return base.replace(
            year=base.year + draw(st.sampled_from([-10, 10])), day=min(base.day, 28)
        )
    if how == "day":
        return base.replace(day=draw(st.integers(1, 28)))
    if how == "near":
        return base + timedelta(days=draw(st.integers(-400, 400)))
    if how == "random":
        return draw(st.dates(date(1900, 1, 1), date(2025, 12, 31)))
    return base


@st.composite
def ids_st(draw: st.DrawFn, base: str) -> str | None:
    """Return an identifier near ``base``: equal, transposed, one changed, formatted or none."""
    how = draw(st.sampled_from(["same", "transpose", "change", "format", "random", "none"]))
    if how == "none":
        return None
    if how == "transpose":
        i = draw(st.integers(0, len(base) - 2))
        return base[:i] + base[i + 1] + base[i] + base[i + 2 :]
    if how == "change":
        i = draw(st.integers(0, len(base) - 1))
        return base[:i] + draw(st.sampled_from("0123456789")) + base[i + 1 :]
    if how == "format":
        return f"A-{base[:3]}-{base[3:5]}-{base[5:]}"
    if how == "random":
        return draw(st.text(alphabet="0123456789A- ", min_size=0, max_size=11))
    return base


@st.composite
def record_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Return a few records that often resemble each other, as an input frame's rows."""
    base_date = draw(st.dates(date(1930, 1, 1), date(2010, 12, 31)))
    base_id = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    size = draw(st.integers(2, 6))
    return [
        {
            "given_name": draw(names_st),
            "middle_name": draw(st.one_of(st.none(), st.sampled_from(["LUIS", "MARIA", "", "A"]))),
            "family_name": draw(names_st),
            "birth_date": draw(dates_st(base_date)),
            "ssn": draw(ids_st(base_id)),
            "a_number": draw(ids_st(base_id)),
            "sex": draw(st.sampled_from(["M", "f", "X", "", None, "Q"])),
            "zip": draw(st.sampled_from(["02134", "2134", "02134-1234", "ABCDE", None])),
            "street": draw(st.one_of(st.sampled_from(STREETS), st.text(max_size=20))),
            "city": draw(st.sampled_from(["St. Paul", "SAINT PAUL", "Los Ángeles", "", None])),
            "state": draw(st.sampled_from(["mn", "MN", "Minn", " ca ", None])),
        }
        for _ in range(size)
    ]


INPUT_SCHEMA = {
    "given_name": pl.Utf8, "middle_name": pl.Utf8, "family_name": pl.Utf8, "birth_date": pl.Date,
    "ssn": pl.Utf8, "a_number": pl.Utf8, "sex": pl.Utf8, "zip": pl.Utf8, "street": pl.Utf8,
    "city": pl.Utf8, "state": pl.Utf8,
}  # fmt: skip
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_sql_agrees(rows: list[dict[str, Any]]) -> dict[str, set[Any]]:
    """Assert that DuckDB and Python give every pair of rows the same levels; return them."""
    frame = norm.normalize_frame(pl.DataFrame(rows, schema=INPUT_SCHEMA))
    left = frame.rename({c: f"{c}_l" for c in frame.columns})
    right = frame.rename({c: f"{c}_r" for c in frame.columns})
    pairs = left.join(right, how="cross")
    comparisons = {
        "given": norm.case_sql(norm.given_level_conditions()),
        "family": norm.case_sql(norm.family_level_conditions()),
        "dob": norm.case_sql(norm.date_level_conditions("birth_date")),
        "ssn": norm.case_sql(norm.identifier_level_conditions("ssn")),
        "a_num": norm.case_sql(norm.identifier_level_conditions("a_number")),
        "compatible": norm.a_numbers_compatible_sql("a_number"),
    }
    select = ", ".join(f"{sql} AS {name}" for name, sql in comparisons.items())
    # A cursor on the process's DuckDB: opening a database per example costs more than it.
    with duck.cursor() as connection:
        connection.register("pairs", pairs.to_arrow())
        in_sql = connection.execute(f"SELECT {select} FROM pairs").fetchall()
    seen: dict[str, set[Any]] = {}
    for row, sql_levels in zip(pairs.iter_rows(named=True), in_sql, strict=True):
        lrec = {c[:-2]: v for c, v in row.items() if c.endswith("_l")}
        rrec = {c[:-2]: v for c, v in row.items() if c.endswith("_r")}
        in_python = (
            norm.given_level(lrec, rrec),
            norm.family_level(lrec, rrec),
            norm.date_level(lrec["birth_date"], rrec["birth_date"]),
            norm.identifier_level("SSN", lrec["ssn"], rrec["ssn"]),
            norm.identifier_level("A_NUMBER", lrec["a_number"], rrec["a_number"]),
            norm.a_numbers_compatible(lrec["a_number"], rrec["a_number"]),
        )
        assert tuple(sql_levels) == in_python, (lrec, rrec)
        for name, level in zip(comparisons, in_python, strict=True):
            seen.setdefault(name, set()).add(level)
    return seen


@PROPERTY
@given(record_lists())
def test_sql_and_python_levels_agree(rows: list[dict[str, Any]]) -> None:
    """Every level computed in DuckDB equals the Python level, pair by pair."""
    assert_sql_agrees(rows)


def test_sql_and_python_agree_on_every_level() -> None:
    """All pairs of tricky records agree, and together they reach every level of every comparison."""
    dates = [
        date(1985, 3, 12), date(1985, 12, 3), date(1986, 3, 12), date(1995, 3, 12),
        date(1985, 3, 13), date(1985, 7, 19), date(1970, 1, 1), None,
    ]  # fmt: skip
    ids = ["123456789", "123456798", "123-45-6789", "987654321", None, "A1234567"]
    pool = [n for n in NAME_POOL if n]
    rows = [
        {
            "given_name": given_name,
            "middle_name": None,
            "family_name": pool[(i * 7 + 3) % len(pool)],
            "birth_date": dates[i % len(dates)],
            "ssn": ids[i % len(ids)],
            "a_number": ids[(i + 1) % len(ids)],
            "sex": None,
            "zip": None,
            "street": None,
            "city": None,
            "state": None,
        }
        for i, given_name in enumerate([*pool, None])
    ]
    rows += [
        {**rows[0], "given_name": "WANG", "family_name": "XIAOMING"},
        {**rows[0], "given_name": "XIAOMING", "family_name": "WANG"},
        {**rows[0], "given_name": "JOSE", "middle_name": "LUIS", "family_name": "GARCIA MARTINEZ"},
        {**rows[0], "given_name": "MARTHE", "family_name": "GARSIA"},
        {**rows[0], "given_name": "MARTHA", "family_name": "LOPEZ GARCIA"},
        {**rows[0], "given_name": "GERARDO", "family_name": "GARZIA"},
        {**rows[0], "given_name": "JERARDO", "family_name": "HERNANDES"},
        {**rows[0], "given_name": "MARIA ANA", "family_name": "HERNADEZ"},
        {**rows[0], "given_name": "MARIA", "family_name": "HERMANDEZ"},
        {**rows[0], "given_name": "MARINA", "family_name": None},
        {**rows[0], "given_name": "ROSA", "family_name": "GARCIA LOPEZ"},
        {**rows[0], "given_name": "ROSE", "family_name": "GARCIA"},
        {**rows[0], "given_name": "ROSIE", "family_name": "CASTILLO"},
        {**rows[0], "given_name": "ROSITA", "family_name": "CASTRO"},
    ]
    seen = assert_sql_agrees(rows)
    assert seen["given"] == set(norm.GIVEN_LEVELS)
    assert seen["family"] == set(norm.FAMILY_LEVELS)
    assert seen["dob"] == set(norm.DATE_LEVELS)
    assert seen["ssn"] == set(norm.IDENTIFIER_LEVELS)
    assert seen["compatible"] == {True, False}


@PROPERTY
@given(record_lists())
def test_frame_agrees_with_record_and_is_idempotent(rows: list[dict[str, Any]]) -> None:
    """The vectorised frame equals the per-record Python path; normalising twice changes nothing."""
    frame = norm.normalize_frame(pl.DataFrame(rows, schema=INPUT_SCHEMA))
    for row, raw in zip(frame.iter_rows(named=True), rows, strict=True):
        expected = norm.normalize_record(raw)
        assert {c: row[c] for c in expected} == expected
    assert norm.normalize_frame(frame).equals(frame)


@given(names_st, names_st)
def test_name_keys_are_idempotent(given_name: str | None, family: str | None) -> None:
    """Keys of a folded name are the keys of the name: normalising again changes nothing."""
    first = names.given_features(given_name, None)
    assert names.given_features(first["given_all"], None) == first
    folded_family = " ".join(names.records_normalize.tokens(family))
    assert names.family_features(folded_family) == names.family_features(family)


@given(
    st.sampled_from(sorted(set(norm.IDENTIFIER_KINDS.values()))),
    st.one_of(st.none(), st.text(alphabet="0123456789AabZ- ./", max_size=14)),
)
def test_identifiers_idempotent_and_polars_agrees(kind: str, raw: str | None) -> None:
    once = norm.normalize_identifier(kind, raw)
    assert norm.normalize_identifier(kind, once) == once
    expr = norm.identifier_expr(kind, pl.col("x"))
    in_polars = pl.DataFrame({"x": [raw]}, schema={"x": pl.Utf8}).select(expr).item()
    assert in_polars == once
    if kind == "SSN":
        valid = pl.DataFrame({"x": [once]}, schema={"x": pl.Utf8}).select(
            norm.ssn_valid_expr(pl.col("x"))
        )
        assert valid.item() == norm.ssn_is_valid(once)


@given(
    st.dates(date(1900, 1, 1), date(2030, 12, 31)), st.dates(date(1900, 1, 1), date(2030, 12, 31))
)
def test_date_levels_are_symmetric(a: date, b: date) -> None:
    assert norm.date_level(a, b) == norm.date_level(b, a)
    if norm.date_level(a, b) == "DAY_MONTH_SWAP":
        assert norm.dob_sorted(a) == norm.dob_sorted(b)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=16)), min_size=1, max_size=6))
def test_frame_folding_agrees_with_python_on_any_text(raws: list[str | None]) -> None:
    """Folding by space-separated pieces in polars equals ``records.normalize.fold``."""
    frame = pl.DataFrame(
        {"given_name": raws, "family_name": raws},
        schema={"given_name": pl.Utf8, "family_name": pl.Utf8},
    )
    out = norm.normalize_frame(frame)
    for row, raw in zip(out.iter_rows(named=True), raws, strict=True):
        assert row["given_all"] == (names.records_normalize.fold(raw) or None)
        expected = names.family_features(raw)
        assert {c: row[c] for c in names.FAMILY_COLUMNS} == expected
