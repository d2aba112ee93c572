"""ICE ERO field offices and their areas of responsibility (AOR) by state and ZIP prefix.

The AOR table has the columns ``office_name, state, zip_prefix``. An empty prefix covers the
whole state; a prefix of 3 to 5 digits covers the ZIPs that start with it, and the longest
matching prefix wins. The bundled table is replaced by a user's own with ``IMOS_AOR_FILE``.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import polars as pl

from immigrationos import config
from immigrationos.reference import normalize, zipcodes

_DATA = resources.files("immigrationos.reference") / "data"
AOR_COLUMNS = ("office_name", "state", "zip_prefix")
MIN_PREFIX, MAX_PREFIX = 3, 5


@dataclass(frozen=True)
class FieldOffice:
    """One ICE Enforcement and Removal Operations field office."""

    name: str
    listing_name: str
    address: str
    city: str
    state: str
    zip: str
    phone: str | None
    email: str | None
    area_of_responsibility: str
    lon: float
    lat: float


@dataclass(frozen=True)
class AorIssue:
    """One problem in an AOR table: where it is and what is wrong."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}, field '{self.field}': {self.message}"


class AorTableError(ValueError):
    """An AOR table that cannot be used; ``issues`` lists every problem found."""

    def __init__(self, path: str, issues: list[AorIssue]) -> None:
        self.path = path
        self.issues = issues
        shown = "\n  ".join(str(issue) for issue in issues[:20])
        more = f"\n  ... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"invalid AOR table {path} ({len(issues)} problem(s)):\n  {shown}{more}")


def _na(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "NA") else value


@lru_cache(maxsize=1)
def load_field_offices() -> tuple[FieldOffice, ...]:
    """Return the 25 field offices of the bundled ICE listing, in listing order."""
    with resources.as_file(_DATA / "ice_ero_field_offices.csv") as path:
        frame = pl.read_csv(path, infer_schema_length=0)
    return tuple(
        FieldOffice(
            name=row["office_name"].strip(),
            listing_name=row["listing_name"].strip(),
            address=row["address"].strip(),
            city=row["city"].strip(),
            state=row["state"].strip(),
            zip=row["zip"].strip()[:5],
            phone=_na(row["phone"]),
            email=_na(row["outreach_email"]),
            area_of_responsibility=row["area_of_responsibility"].strip(),
            lon=float(row["lon"]),
            lat=float(row["lat"]),
        )
        for row in frame.iter_rows(named=True)
    )


def get_field_office(name: str) -> FieldOffice:
    """Return the field office of that exact name; raise KeyError naming the known ones."""
    for office in load_field_offices():
        if office.name == name:
            return office
    known = ", ".join(office.name for office in load_field_offices())
    raise KeyError(f"unknown field office {name!r}; known offices: {known}")


def bundled_aor_path() -> Path:
    """Return the path of the bundled AOR table."""
    return Path(str(_DATA / "field_office_aor.csv"))


def aor_path() -> Path:
    """Return the AOR table in use: IMOS_AOR_FILE when set, else the bundled one."""
    configured = config.get_settings().aor_file
    return configured if configured is not None else bundled_aor_path()


def load_aor(path: Path | str | None = None) -> pl.DataFrame:
    """Return a validated AOR table: office_name, state, zip_prefix (null = whole state).

    Reads ``path``, else IMOS_AOR_FILE, else the bundled table. Raises AorTableError naming
    the file, line and field of every problem: unknown office, bad state code, bad prefix,
    or a (state, prefix) mapped twice.
    """
    resolved = Path(path) if path is not None else aor_path()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise AorTableError(str(resolved), [AorIssue(str(resolved), 0, "-", str(exc))]) from exc
    return _load_aor_cached(str(resolved), stamp)


@lru_cache(maxsize=8)
def _load_aor_cached(path: str, stamp: int) -> pl.DataFrame:
    offices = {office.name for office in load_field_offices()}
    by_casefold = {name.casefold(): name for name in offices}
    issues: list[AorIssue] = []
    rows: list[tuple[str, str, str | None]] = []
    seen: dict[tuple[str, str | None], int] = {}
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
        raise AorTableError(path, [AorIssue(path, 0, "-", str(exc))]) from exc
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in AOR_COLUMNS if column not in header]
        if missing:
            raise AorTableError(
                path,
                [AorIssue(path, 1, column, "column missing from the header") for column in missing],
            )
        try:
            for record in reader:
                line = reader.line_num
                office = (record["office_name"] or "").strip()
                state = (record["state"] or "").strip().upper()
                prefix = (record["zip_prefix"] or "").strip() or None
                problem = False
                if office not in offices:
                    if office.casefold() in by_casefold:
                        office = by_casefold[office.casefold()]
                    else:
                        close = difflib.get_close_matches(office, sorted(offices), n=1)
                        hint = f" (did you mean {close[0]!r}?)" if close else ""
                        issues.append(
                            AorIssue(path, line, "office_name", f"unknown office {office!r}{hint}")
                        )
                        problem = True
                if state not in normalize.USPS_CODES:
                    issues.append(
                        AorIssue(path, line, "state", f"{state!r} is not a USPS state code")
                    )
                    problem = True
                if prefix is not None and not (
                    prefix.isascii()
                    and prefix.isdigit()
                    and MIN_PREFIX <= len(prefix) <= MAX_PREFIX
                ):
                    issues.append(
                        AorIssue(
                            path,
                            line,
                            "zip_prefix",
                            f"{prefix!r} is not empty or {MIN_PREFIX} to {MAX_PREFIX} digits",
                        )
                    )
                    problem = True
                if problem:
                    continue
                key = (state, prefix)
                if key in seen:
                    where = f"{state} {prefix}" if prefix else f"{state} (whole state)"
                    issues.append(
                        AorIssue(
                            path,
                            line,
                            "zip_prefix",
                            f"{where} is already mapped on line {seen[key]}",
                        )
                    )
                    continue
                seen[key] = line
                rows.append((office, state, prefix))
        except csv.Error as exc:
            issues.append(AorIssue(path, reader.line_num, "-", f"unreadable CSV: {exc}"))
    if issues:
        raise AorTableError(path, issues)
    return pl.DataFrame(
        rows, schema={"office_name": pl.Utf8, "state": pl.Utf8, "zip_prefix": pl.Utf8}, orient="row"
    )


def office_for(
    state: str | None, zip: str | None, *, aor: pl.DataFrame | None = None
) -> FieldOffice | None:
    """Return the field office of a state and ZIP: longest ZIP prefix first, then whole state."""
    name = office_name_for(state, zip, aor=aor)
    return get_field_office(name) if name is not None else None


def office_name_for(
    state: str | None, zip: str | None, *, aor: pl.DataFrame | None = None
) -> str | None:
    """Return the name of the field office of a state and ZIP, or None when unmapped."""
    lookup = _lookup(aor if aor is not None else load_aor())
    code = normalize.normalize_state(state)
    if code is None:
        return None
    zip5, _ = normalize.normalize_zip(zip)
    if zip5 is not None:
        for length in lookup.lengths:
            found = lookup.by_key.get((code, zip5[:length]))
            if found is not None:
                return found
    return lookup.by_key.get((code, None))


@dataclass(frozen=True)
class _Lookup:
    by_key: dict[tuple[str, str | None], str]
    lengths: tuple[int, ...]


_LOOKUPS: dict[int, tuple[pl.DataFrame, _Lookup]] = {}


def _lookup(aor: pl.DataFrame) -> _Lookup:
    cached = _LOOKUPS.get(id(aor))
    if cached is not None and cached[0] is aor:
        return cached[1]
    by_key: dict[tuple[str, str | None], str] = {
        (state, prefix): office for office, state, prefix in aor.iter_rows()
    }
    lengths = tuple(sorted({len(p) for _, p in by_key if p is not None}, reverse=True))
    lookup = _Lookup(by_key, lengths)
    if len(_LOOKUPS) > 16:
        _LOOKUPS.clear()
    _LOOKUPS[id(aor)] = (aor, lookup)
    return lookup


def assign_offices(
    df: pl.DataFrame,
    state_col: str = "state",
    zip_col: str = "zip",
    *,
    aor: pl.DataFrame | None = None,
    out_col: str = "field_office",
) -> pl.DataFrame:
    """Return the frame with ``out_col``: the field office of each row's state and ZIP."""
    keys = df.select(
        normalize.state_expr(pl.col(state_col)).alias("state"),
        normalize.zip5_expr(pl.col(zip_col)).alias("zip"),
    )
    offices = offices_for_keys(keys.get_column("state"), keys.get_column("zip"), aor=aor)
    return df.with_columns(offices.alias(out_col))


def offices_for_keys(
    states: pl.Series, zips: pl.Series, *, aor: pl.DataFrame | None = None
) -> pl.Series:
    """Return the office of each (state, 5-digit ZIP) pair, both already normalised.

    Joins each distinct pair once against every prefix length of the table, longest first,
    then against the whole-state rows.
    """
    table = aor if aor is not None else load_aor()
    keys = pl.DataFrame({"__st": states.cast(pl.Utf8), "__zip": zips.cast(pl.Utf8)})
    unique = keys.unique()
    lengths = sorted(
        {len(p) for p in table.get_column("zip_prefix").drop_nulls().to_list()}, reverse=True
    )
    found: list[str] = []
    for length in lengths:
        part = table.filter(pl.col("zip_prefix").str.len_chars() == length).select(
            pl.col("state").alias("__st"),
            pl.col("zip_prefix").alias(f"__k{length}"),
            pl.col("office_name").alias(f"__o{length}"),
        )
        unique = unique.with_columns(
            pl.when(pl.col("__zip").str.len_chars() >= length)
            .then(pl.col("__zip").str.slice(0, length))
            .alias(f"__k{length}")
        ).join(part, on=["__st", f"__k{length}"], how="left")
        found.append(f"__o{length}")
    whole = table.filter(pl.col("zip_prefix").is_null()).select(
        pl.col("state").alias("__st"), pl.col("office_name").alias("__o0")
    )
    unique = unique.join(whole, on="__st", how="left").select(
        "__st", "__zip", pl.coalesce([*found, "__o0"]).alias("field_office")
    )
    return keys.join(
        unique, on=["__st", "__zip"], how="left", nulls_equal=True, maintain_order="left"
    ).get_column("field_office")


def unmapped_zips(aor: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return the bundled ZIPs that an AOR table leaves without an office."""
    zips = zipcodes.load_zipcodes().select("zip", "state", "city")
    offices = offices_for_keys(zips.get_column("state"), zips.get_column("zip"), aor=aor)
    return zips.with_columns(offices).filter(pl.col("field_office").is_null())
