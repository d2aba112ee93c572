"""Domain normalisation before records are compared: names, dates, identifiers, addresses.

:func:`normalize_frame` adds comparison keys to a frame of person records, vectorised:
name keys are computed once per distinct name (``resolution.names``) and joined back,
dates and identifiers are polars expressions. The comparison levels the resolver scores
exist twice, in Python (:func:`date_level`, :func:`identifier_level`,
:func:`names.given_level`, :func:`names.family_level`) and as DuckDB SQL over Splink's
``<column>_l`` / ``<column>_r`` (the ``*_conditions`` functions, :func:`case_sql`); the
tests hold the two in agreement.

Date levels (:data:`DATE_LEVELS`), the first that holds:

- ``EXACT``;
- ``DAY_MONTH_SWAP``: same year, day and month swapped (03/04 read as 04/03);
- ``ONE_OFF_YEAR``: same day and month, year off by one or by one typed digit (1985 vs
  1986, 1995 or 1958);
- ``ONE_OFF_DAY_OR_MONTH``: same year, ``MM-DD`` one typed character apart (03-12 vs 03-13,
  03-21 or 08-12);
- ``WITHIN_1_YEAR``: at most 366 days apart (a default 01-01, a wrong day across a month);
- ``DIFFERENT``; ``MISSING`` when either date is absent.

Identifier levels (:data:`IDENTIFIER_LEVELS`): ``EXACT``, ``ONE_TYPO`` (one substitution,
insertion, deletion or transposition of adjacent characters: strong but fallible
evidence), ``DIFFERENT``, ``MISSING``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl
from rapidfuzz.distance import DamerauLevenshtein

from immigrationos.records import normalize as records_normalize
from immigrationos.reference import normalize as reference_normalize
from immigrationos.resolution import names

# Re-exported: the resolver imports every comparison from this module.
from immigrationos.resolution.names import FAMILY_LEVELS as FAMILY_LEVELS
from immigrationos.resolution.names import GIVEN_LEVELS as GIVEN_LEVELS
from immigrationos.resolution.names import LevelCondition as LevelCondition
from immigrationos.resolution.names import family_level as family_level
from immigrationos.resolution.names import family_level_conditions as family_level_conditions
from immigrationos.resolution.names import given_level as given_level
from immigrationos.resolution.names import given_level_conditions as given_level_conditions

# Identifier columns and the kind each holds.
IDENTIFIER_KINDS: dict[str, str] = {
    "ssn": "SSN", "itin": "ITIN", "a_number": "A_NUMBER", "passport": "PASSPORT", "i94": "I94",
    "fbi": "FBI",
}  # fmt: skip
NAME_INPUTS = ("given_name", "middle_name", "family_name")
ADDRESS_INPUTS = ("zip", "city", "state", "street")
INPUT_COLUMNS: tuple[str, ...] = (
    *NAME_INPUTS, "birth_date", "sex", *IDENTIFIER_KINDS, *ADDRESS_INPUTS,
)  # fmt: skip

DATE_LEVELS: tuple[str, ...] = (
    "MISSING", "EXACT", "DAY_MONTH_SWAP", "ONE_OFF_YEAR", "ONE_OFF_DAY_OR_MONTH",
    "WITHIN_1_YEAR", "DIFFERENT",
)  # fmt: skip
IDENTIFIER_LEVELS: tuple[str, ...] = ("MISSING", "EXACT", "ONE_TYPO", "DIFFERENT")

# SSNs the SSA never issues (area 000, 666, 900-999; group 00; serial 0000) and two
# numbers voided after publication (the 1938 Woolworth wallet card, a 1940s SSA leaflet).
VOIDED_SSNS = frozenset(("078051120", "219099999"))
# ITIN group digits (4th and 5th) the IRS issues: 50-65, 70-88, 90-92, 94-99.
ITIN_GROUPS = frozenset(
    f"{g:02d}" for g in (*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100))
)
MAX_DAYS_WITHIN_YEAR = 366

_NINE_DIGITS = re.compile(r"[0-9]{9}")
_I94 = re.compile(r"[0-9A-Z]{11}")
_A_DIGITS = re.compile(r"A([0-9]{9})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SEXES = ("M", "F", "X")

# USPS Publication 28 abbreviations of common street suffixes and directions, so that
# "123 North Main Street" and "123 N MAIN ST" compare equal.
STREET_ABBREVIATIONS: dict[str, str] = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "BOULEVARD": "BLVD", "ROAD": "RD",
    "DRIVE": "DR", "LANE": "LN", "COURT": "CT", "PLACE": "PL", "TERRACE": "TER",
    "CIRCLE": "CIR", "HIGHWAY": "HWY", "PARKWAY": "PKWY", "TRAIL": "TRL", "WAY": "WAY",
    "SQUARE": "SQ", "APARTMENT": "APT", "SUITE": "STE", "NUMBER": "", "NO": "",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip


# --- identifiers ---------------------------------------------------------------------


def normalize_identifier(kind: str, raw: str | None) -> str | None:
    """Return an identifier as compared, or None when it cannot be one of its kind.

    SSN and ITIN: 9 digits (dashes and spaces dropped). A-number: 9 digits without the
    ``A``, 7 and 8 digits padded with leading zeros. I-94: 11 letters or digits. Passport
    and FBI number: letters and digits, upper case. All zeros is no number at all.
    """
    records_kind = "A_NUMBER" if kind == "A_NUMBER" else "OTHER_ID"
    value = records_normalize.identifier(records_kind, raw)
    if value is None:
        return None
    if kind in ("SSN", "ITIN"):
        found = value if _NINE_DIGITS.fullmatch(value) else None
    elif kind == "A_NUMBER":
        match = _A_DIGITS.fullmatch(value)
        found = match.group(1) if match else None
    elif kind == "I94":
        found = value if _I94.fullmatch(value) else None
    elif kind in ("PASSPORT", "FBI"):
        found = value
    else:
        raise ValueError(f"unknown identifier kind {kind!r}")
    return found if found is not None and found.strip("0") else None


def identifier_expr(kind: str, expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`normalize_identifier`.

    Written out rather than built on ``records.normalize.identifier_expr``, whose
    either-kind branches cost seconds per million rows; the tests hold the two in agreement.
    """
    value = expr.cast(pl.Utf8).str.replace_all(r"[^0-9A-Za-z]+", "").str.to_uppercase()
    if kind in ("SSN", "ITIN"):
        found = value.str.extract(r"^([0-9]{9})$", 1)
    elif kind == "A_NUMBER":
        found = value.str.extract(r"^A?([0-9]{7,9})$", 1).str.zfill(9)
    elif kind == "I94":
        found = value.str.extract(r"^([0-9A-Z]{11})$", 1)
    elif kind in ("PASSPORT", "FBI"):
        found = value.str.slice(0, records_normalize.MAX_VALUE)
    else:
        raise ValueError(f"unknown identifier kind {kind!r}")
    return pl.when(found.str.contains(r"[^0]")).then(found)


def ssn_is_valid(ssn: str | None) -> bool | None:
    """Return whether a normalised SSN could have been issued (None when there is none)."""
    if ssn is None:
        return None
    area, group, serial = ssn[:3], ssn[3:5], ssn[5:]
    never = area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000"
    return not never and ssn not in VOIDED_SSNS


def ssn_valid_expr(ssn: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`ssn_is_valid`."""
    area = ssn.str.slice(0, 3)
    never = (
        area.is_in(["000", "666"])
        | area.str.starts_with("9")
        | (ssn.str.slice(3, 2) == "00")
        | (ssn.str.slice(5, 4) == "0000")
        | ssn.is_in(sorted(VOIDED_SSNS))
    )
    return pl.when(ssn.is_not_null()).then(~never)


def itin_is_valid(itin: str | None) -> bool | None:
    """Return whether a normalised ITIN has the form the IRS issues (None when absent)."""
    if itin is None:
        return None
    return itin[0] == "9" and itin[3:5] in ITIN_GROUPS


def itin_valid_expr(itin: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`itin_is_valid`."""
    ok = itin.str.starts_with("9") & itin.str.slice(3, 2).is_in(sorted(ITIN_GROUPS))
    return pl.when(itin.is_not_null()).then(ok)


def identifier_level(kind: str, a: str | None, b: str | None) -> str:
    """Return the level (``IDENTIFIER_LEVELS``) at which two raw or normalised numbers agree."""
    left, right = normalize_identifier(kind, a), normalize_identifier(kind, b)
    if left is None or right is None:
        return "MISSING"
    if left == right:
        return "EXACT"
    if DamerauLevenshtein.distance(left, right) == 1:
        return "ONE_TYPO"
    return "DIFFERENT"


def identifier_level_conditions(column: str) -> list[LevelCondition]:
    """Return the identifier levels of a normalised column as DuckDB conditions, in order."""
    left, right = f"{column}_l", f"{column}_r"
    return [
        LevelCondition("MISSING", f"{left} IS NULL OR {right} IS NULL"),
        LevelCondition("EXACT", f"{left} = {right}"),
        LevelCondition("ONE_TYPO", f"damerau_levenshtein({left}, {right}) = 1"),
        LevelCondition("DIFFERENT", "TRUE"),
    ]


def a_numbers_compatible(a: str | None, b: str | None) -> bool:
    """Return False when two A-numbers differ by more than one typo: never the same person.

    An A-number is issued once to one person; two records with A-numbers more than one
    typed character apart are two people whatever else agrees. A missing one is compatible.
    """
    left = normalize_identifier("A_NUMBER", a)
    right = normalize_identifier("A_NUMBER", b)
    if left is None or right is None:
        return True
    return DamerauLevenshtein.distance(left, right) <= 1


def a_numbers_compatible_sql(column: str = "a_number") -> str:
    """Return the DuckDB twin of :func:`a_numbers_compatible` over normalised columns."""
    left, right = f"{column}_l", f"{column}_r"
    return f"({left} IS NULL OR {right} IS NULL OR damerau_levenshtein({left}, {right}) <= 1)"


# --- dates ---------------------------------------------------------------------------


def dob_sorted(value: date | None) -> str | None:
    """Return ``YYYY-aa-bb`` with day and month in ascending order: swapped dates share it."""
    if value is None:
        return None
    low, high = sorted((value.month, value.day))
    return f"{value.year:04d}-{low:02d}-{high:02d}"


def _one_typo(a: str, b: str) -> bool:
    """Return whether two strings are exactly one edit or adjacent transposition apart."""
    return DamerauLevenshtein.distance(a, b) == 1


def date_level(a: date | None, b: date | None) -> str:
    """Return the level (``DATE_LEVELS``, see the module) at which two birth dates agree."""
    if a is None or b is None:
        return "MISSING"
    if a == b:
        return "EXACT"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "DAY_MONTH_SWAP"
    if (a.month, a.day) == (b.month, b.day) and (
        abs(a.year - b.year) == 1 or _one_typo(f"{a.year:04d}", f"{b.year:04d}")
    ):
        return "ONE_OFF_YEAR"
    if a.year == b.year and _one_typo(f"{a.month:02d}-{a.day:02d}", f"{b.month:02d}-{b.day:02d}"):
        return "ONE_OFF_DAY_OR_MONTH"
    if abs((a - b).days) <= MAX_DAYS_WITHIN_YEAR:
        return "WITHIN_1_YEAR"
    return "DIFFERENT"


def date_level_conditions(column: str = "birth_date") -> list[LevelCondition]:
    """Return the date levels of a DATE column as DuckDB conditions, in order."""
    left, right = f"{column}_l", f"{column}_r"
    year_l, year_r = (
        f"lpad(CAST(year({left}) AS VARCHAR), 4, '0')",
        (f"lpad(CAST(year({right}) AS VARCHAR), 4, '0')"),
    )
    same_day = f"month({left}) = month({right}) AND day({left}) = day({right})"
    return [
        LevelCondition("MISSING", f"{left} IS NULL OR {right} IS NULL"),
        LevelCondition("EXACT", f"{left} = {right}"),
        LevelCondition(
            "DAY_MONTH_SWAP",
            f"year({left}) = year({right}) AND month({left}) = day({right})"
            f" AND day({left}) = month({right})",
        ),
        LevelCondition(
            "ONE_OFF_YEAR",
            f"{same_day} AND (abs(year({left}) - year({right})) = 1"
            f" OR damerau_levenshtein({year_l}, {year_r}) = 1)",
        ),
        LevelCondition(
            "ONE_OFF_DAY_OR_MONTH",
            f"year({left}) = year({right}) AND damerau_levenshtein("
            f"strftime({left}, '%m-%d'), strftime({right}, '%m-%d')) = 1",
        ),
        LevelCondition(
            "WITHIN_1_YEAR", f"abs(date_diff('day', {left}, {right})) <= {MAX_DAYS_WITHIN_YEAR}"
        ),
        LevelCondition("DIFFERENT", "TRUE"),
    ]


def case_sql(conditions: Sequence[LevelCondition]) -> str:
    """Return one DuckDB ``CASE`` expression giving the label of the first level that holds."""
    whens = [f"WHEN {c.sql} THEN '{c.label}'" for c in conditions if c.sql != "TRUE"]
    default = next((c.label for c in conditions if c.sql == "TRUE"), None)
    tail = f" ELSE '{default}'" if default is not None else ""
    return f"CASE {' '.join(whens)}{tail} END"


# --- addresses -----------------------------------------------------------------------


def normalize_street(raw: str | None) -> str | None:
    """Return a street line folded with USPS abbreviations (``North Main Street`` -> ``N MAIN ST``)."""
    words = [STREET_ABBREVIATIONS.get(w, w) for w in records_normalize.tokens(raw)]
    return " ".join(w for w in words if w) or None


def normalize_sex(raw: str | None) -> str | None:
    """Return ``M``, ``F`` or ``X`` (any case, blanks trimmed), or None for anything else."""
    text = reference_normalize.clean(raw)
    return text.upper() if text is not None and text.upper() in SEXES else None


def _sex_expr(expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`normalize_sex`."""
    text = reference_normalize.clean_expr(expr).str.to_uppercase()
    return pl.when(text.is_in(list(SEXES))).then(text)


# --- frames --------------------------------------------------------------------------

DATE_COLUMNS = ("birth_year", "birth_month", "birth_day", "dob_sorted")
ADDED_COLUMNS: tuple[str, ...] = (
    *names.GIVEN_COLUMNS, *names.FAMILY_COLUMNS, *DATE_COLUMNS, "ssn_valid", "itin_valid",
    "zip5", "city_std", "state_std", "street_std",
)  # fmt: skip


def _with_inputs(frame: pl.DataFrame) -> pl.DataFrame:
    """Return the frame with every input column present (absent -> null) and typed."""
    missing = [
        pl.lit(None, dtype=pl.Date() if c == "birth_date" else pl.Utf8()).alias(c)
        for c in INPUT_COLUMNS
        if c not in frame.columns
    ]
    frame = frame.with_columns(missing) if missing else frame
    casts = [pl.col(c).cast(pl.Utf8) for c in INPUT_COLUMNS if c != "birth_date"]
    birth = frame.schema["birth_date"]
    if birth == pl.Utf8:
        text = pl.col("birth_date")
        casts.append(
            pl.when(text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
            .then(text.str.to_date("%Y-%m-%d", strict=False))
            .alias("birth_date")
        )
    elif birth != pl.Date:
        casts.append(pl.col("birth_date").cast(pl.Date))
    return frame.drop([c for c in ADDED_COLUMNS if c in frame.columns]).with_columns(casts)


def _replace(expr: pl.Expr, mapping: Mapping[str, str | None]) -> pl.Expr:
    """Return ``expr`` mapped through a dict (unknown values and nulls give null)."""
    return expr.replace_strict(
        list(mapping), list(mapping.values()), default=None, return_dtype=pl.Utf8
    )


def _fold_expr(frame: pl.DataFrame, column: str) -> pl.Expr:
    """Return a text column folded (``records.normalize.fold``), "" when nothing is left.

    Folding splits on spaces anyway, so each distinct space-separated piece is folded once
    in Python and the pieces are joined back in polars.
    """
    pieces = frame.get_column(column).str.split(" ").explode().drop_nulls().unique()
    folded = {piece: records_normalize.fold(piece) for piece in pieces.to_list()}
    return (
        pl.col(column)
        .str.split(" ")
        .list.eval(_replace(pl.element(), folded))
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.join(" ")
        .fill_null("")
    )


def _keys_per_distinct(
    frame: pl.DataFrame, key: pl.Expr, compute: Callable[[str], Iterable[str]]
) -> pl.Expr:
    """Return a list column of keys, ``compute`` run once per distinct value of ``key``.

    The keys travel as "|"-joined text and are split by polars: polars' own list sort and
    unique cost seconds per million rows. Folded names never hold a "|".
    """
    distinct = frame.select(key.alias("k")).get_column("k").drop_nulls().unique().to_list()
    text = {k: "|".join(compute(k)) or None for k in distinct}
    return _replace(key, text).str.split("|")


def _given_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Return distinct ``given_name, middle_name`` rows with their keys, as ``given_features``."""
    frame = frame.with_columns(
        _fold_expr(frame, "given_name").alias("_given"),
        _fold_expr(frame, "middle_name").alias("_middle"),
    )
    frame = frame.with_columns(
        pl.when(pl.col("_given") != "").then(pl.col("_given").str.split(" ")).alias("_gw"),
        pl.col("_middle").str.split(" ").alias("_mw"),
    )
    joined = pl.col("_given").str.replace_all(" ", "")
    multi = frame.filter(pl.col("_gw").list.len() > 1).select(joined).to_series()
    every = pl.concat([frame.get_column("_gw").explode(), frame.get_column("_mw").explode(), multi])
    word = {w: names.word_features(w) for w in every.drop_nulls().unique().to_list() if w}
    first, has_given = pl.col("_gw").list.first(), pl.col("_gw").is_not_null()

    def given_groups(given: str) -> list[str]:
        parts = given.split(" ")
        found = set(word[parts[0]].groups)
        return sorted(found | set(word["".join(parts)].groups) if len(parts) > 1 else found)

    def all_groups(given_and_middle: str) -> list[str]:
        told = [word[w] for w in given_and_middle.split() if word[w].telling]
        return sorted({g for f in told for g in f.groups})

    return frame.with_columns(
        given_std=first,
        given_all=pl.when(has_given).then(pl.col("_given")),
        given_joined=pl.when(has_given).then(joined),
        given_full=pl.when(has_given).then(joined + pl.col("_middle").str.replace_all(" ", "")),
        middle_std=pl.when(pl.col("_middle") != "").then(pl.col("_middle")),
        given_canon=_replace(first, {w: f.canon for w, f in word.items()}),
        given_groups=_keys_per_distinct(
            frame, pl.when(has_given).then(pl.col("_given")), given_groups
        ),
        given_all_groups=_keys_per_distinct(
            frame,
            pl.when(has_given).then(pl.concat_str("_given", "_middle", separator=" ")),
            all_groups,
        ),
        given_phon=_replace(first, {w: f.phon for w, f in word.items()}),
    ).drop("_given", "_middle", "_gw", "_mw")


def _family_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Return distinct ``family_name`` rows with their keys, as ``names.family_features``."""
    units_text = (
        _fold_expr(frame, "family_name")
        .str.replace_all(names.CONJUNCTION_PATTERN, " ")
        .str.replace_all(names.PARTICLE_PATTERN, "${1}_")
    )
    frame = frame.with_columns(units_text.alias("_family")).with_columns(
        pl.when(pl.col("_family") != "").then(pl.col("_family").str.split(" ")).alias("_units")
    )
    units = frame.get_column("_units").explode().drop_nulls().unique().to_list()
    unit = {u: names.unit_features(u) for u in units}
    first, second = pl.col("_units").list.first(), pl.col("_units").list.get(1, null_on_oob=True)
    present = pl.col("_units").is_not_null()
    family = pl.when(present).then(pl.col("_family"))
    std = pl.col("_family").str.replace_all("[ _]", "")
    whole = names.whole_family_keys()

    def family_words(text: str) -> list[str]:
        return sorted({g for u in text.split(" ") for g in unit[u].head_groups})

    return frame.with_columns(
        family_std=pl.when(present).then(std),
        family_first=first.str.replace_all("_", ""),
        family_last=second.str.replace_all("_", ""),
        family_canon=pl.coalesce(
            _replace(pl.when(present).then(std), whole),
            pl.col("_units")
            .list.eval(_replace(pl.element(), {u: f.canon for u, f in unit.items()}))
            .list.join(""),
        ),
        family_groups=_replace(first, {u: "|".join(f.groups) for u, f in unit.items()}).str.split(
            "|"
        ),
        family_words=_keys_per_distinct(frame, family, family_words),
        family_phon=_replace(first, {u: f.phon for u, f in unit.items()}),
    ).drop("_family", "_units")


def _join_distinct(
    frame: pl.DataFrame, keys: list[str], compute: Callable[[pl.DataFrame], pl.DataFrame]
) -> pl.DataFrame:
    """Return the frame joined to ``compute`` of its distinct ``keys`` rows."""
    distinct = compute(frame.select(keys).unique())
    return frame.join(distinct, on=keys, how="left", nulls_equal=True, maintain_order="left")


def _street_expr(frame: pl.DataFrame) -> pl.Expr:
    """Return the polars twin of :func:`normalize_street` (streets are nearly all distinct)."""
    words = _fold_expr(frame, "street").str.split(" ")
    words = words.list.eval(
        pl.element().replace(list(STREET_ABBREVIATIONS), list(STREET_ABBREVIATIONS.values()))
    )
    text = words.list.eval(pl.element().filter(pl.element() != "")).list.join(" ")
    return pl.when(text != "").then(text)


def normalize_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Return person records with their comparison keys added (see ``ADDED_COLUMNS``).

    Input columns (``INPUT_COLUMNS``) may be absent or null; absent ones are added as
    null. Identifier columns are replaced by their normalised values (see
    :func:`normalize_identifier`); name keys are computed once per distinct name.
    Normalising a normalised frame changes nothing.
    """
    frame = _with_inputs(frame)
    frame = _join_distinct(frame, ["given_name", "middle_name"], _given_columns)
    frame = _join_distinct(frame, ["family_name"], _family_columns)
    frame = _join_distinct(
        frame, ["street"], lambda d: d.with_columns(_street_expr(d).alias("street_std"))
    )
    frame = _join_distinct(
        frame,
        ["city"],
        lambda d: d.with_columns(reference_normalize.city_expr(pl.col("city")).alias("city_std")),
    )
    birth = pl.col("birth_date")
    year, month, day = birth.dt.year(), birth.dt.month(), birth.dt.day()
    low = pl.min_horizontal(month, day).cast(pl.Utf8).str.zfill(2)
    high = pl.max_horizontal(month, day).cast(pl.Utf8).str.zfill(2)
    # Lazy, so that subexpressions used twice (an identifier's cleaned text) run once.
    lazy = frame.lazy().with_columns(
        [
            identifier_expr(kind, pl.col(column)).alias(column)
            for column, kind in IDENTIFIER_KINDS.items()
        ]
        + [
            year.cast(pl.Int32).alias("birth_year"),
            month.cast(pl.Int32).alias("birth_month"),
            day.cast(pl.Int32).alias("birth_day"),
            pl.concat_str([year.cast(pl.Utf8).str.zfill(4), low, high], separator="-").alias(
                "dob_sorted"
            ),
            reference_normalize.zip5_expr(pl.col("zip")).alias("zip5"),
            reference_normalize.state_expr(pl.col("state")).alias("state_std"),
            _sex_expr(pl.col("sex")).alias("sex"),
        ]
    )
    lazy = lazy.with_columns(
        ssn_valid_expr(pl.col("ssn")).alias("ssn_valid"),
        itin_valid_expr(pl.col("itin")).alias("itin_valid"),
    )
    order = [c for c in lazy.collect_schema().names() if c not in ADDED_COLUMNS]
    return lazy.select([*order, *ADDED_COLUMNS]).collect()


def normalize_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return one record's comparison keys, as :func:`normalize_frame` gives them, in Python."""
    out: dict[str, Any] = {c: record.get(c) for c in INPUT_COLUMNS}
    out.update(names.given_features(record.get("given_name"), record.get("middle_name")))
    out.update(names.family_features(record.get("family_name")))
    birth = record.get("birth_date")
    if isinstance(birth, str):
        birth = _parse_date(birth)
    out["birth_date"] = birth
    out.update(
        birth_year=birth.year if birth else None,
        birth_month=birth.month if birth else None,
        birth_day=birth.day if birth else None,
        dob_sorted=dob_sorted(birth),
    )
    for column, kind in IDENTIFIER_KINDS.items():
        out[column] = normalize_identifier(kind, record.get(column))
    out["sex"] = normalize_sex(record.get("sex"))
    out.update(
        ssn_valid=ssn_is_valid(out["ssn"]),
        itin_valid=itin_is_valid(out["itin"]),
        zip5=reference_normalize.normalize_zip(record.get("zip"))[0],
        city_std=reference_normalize.normalize_city(record.get("city")),
        state_std=reference_normalize.normalize_state(record.get("state")),
        street_std=normalize_street(record.get("street")),
    )
    return out


def _parse_date(text: str) -> date | None:
    """Return a ``YYYY-MM-DD`` date, or None when the text is not one."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
