"""Normalise address parts the same way in Python (one address) and in polars (a frame).

Each rule exists twice, side by side, and the two must agree on every input: the scalar
geocoder and the vectorised one are tested against each other. Only ASCII is ever
upper-cased or matched, so the result does not depend on the Unicode tables of Python or
of polars.
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl

# The whitespace trimmed from every field: explicit, because Python and Rust disagree on
# what else counts as whitespace (e.g. U+001C).
STRIP = " \t\r\n"

ZipStatus = Literal["missing", "ok", "padded", "malformed"]

_ZIP_RE = re.compile(r"([0-9]{5})(?:-?[0-9]{4})?")
_SHORT_ZIP_RE = re.compile(r"[0-9]{3,4}")
_STATE_RE = re.compile(r"[A-Za-z]{2}")
_APOSTROPHE_RE = re.compile("['\u2019]")
_NON_ALNUM_RE = re.compile(r"[^A-Za-z0-9]+")

# Abbreviations written out before comparing place names ("St. Paul" = "Saint Paul").
CITY_ABBREVIATIONS: dict[str, str] = {
    "ST": "SAINT",
    "STE": "SAINTE",
    "FT": "FORT",
    "MT": "MOUNT",
}

# USPS codes of the states, DC, the territories, the freely associated states and the
# military "states".
_USPS_TEXT = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY "
    "AS GU MP PR VI UM FM MH PW AA AE AP"
)
USPS_CODES: frozenset[str] = frozenset(_USPS_TEXT.split())


def clean(raw: str | None) -> str | None:
    """Return the field trimmed of blanks, or None when nothing is left."""
    if raw is None:
        return None
    text = raw.strip(STRIP)
    return text or None


def clean_expr(expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`clean`."""
    text = expr.cast(pl.Utf8).str.strip_chars(STRIP)
    return pl.when(text != "").then(text)


def normalize_zip(raw: str | None) -> tuple[str | None, ZipStatus]:
    """Return the 5-digit ZIP of a raw value (ZIP+4 cut, 3-4 digits zero-padded) and how."""
    text = clean(raw)
    if text is None:
        return None, "missing"
    if match := _ZIP_RE.fullmatch(text):
        return match.group(1), "ok"
    if _SHORT_ZIP_RE.fullmatch(text):
        return text.zfill(5), "padded"
    return None, "malformed"


def zip5_expr(expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`normalize_zip` (the ZIP only; null when unusable)."""
    text = clean_expr(expr)
    return (
        pl.when(text.str.contains(r"^[0-9]{5}(?:-?[0-9]{4})?$"))
        .then(text.str.slice(0, 5))
        .when(text.str.contains(r"^[0-9]{3,4}$"))
        .then(text.str.zfill(5))
    )


def normalize_state(raw: str | None) -> str | None:
    """Return the upper-cased two-letter code of a raw state, or None when not two letters."""
    text = clean(raw)
    if text is None or not _STATE_RE.fullmatch(text):
        return None
    return text.upper()


def state_expr(expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`normalize_state`."""
    text = clean_expr(expr)
    return pl.when(text.str.contains(r"^[A-Za-z]{2}$")).then(text.str.to_uppercase())


def normalize_city(raw: str | None) -> str | None:
    """Return the comparison key of a place name: ASCII capitals, no punctuation, ST→SAINT."""
    if raw is None:
        return None
    text = _APOSTROPHE_RE.sub("", raw)
    text = _NON_ALNUM_RE.sub(" ", text).upper().strip(" ")
    if not text:
        return None
    return " ".join(CITY_ABBREVIATIONS.get(token, token) for token in text.split(" "))


def city_expr(expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`normalize_city`."""
    text = (
        expr.cast(pl.Utf8)
        .str.replace_all("['\u2019]", "")
        .str.replace_all(r"[^A-Za-z0-9]+", " ")
        .str.to_uppercase()
        .str.strip_chars(" ")
    )
    for short, full in CITY_ABBREVIATIONS.items():
        # ASCII word boundaries: the text is ASCII by now, and they are much faster.
        text = text.str.replace_all(rf"(?-u:\b){short}(?-u:\b)", full)
    return pl.when(text != "").then(text)
