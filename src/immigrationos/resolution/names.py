"""Names for identity resolution: folded words, surname units, variant groups, sound keys.

A name is compared through keys computed once per distinct word or surname (never per
record; ``normalize.normalize_frame`` assembles them for a whole frame):

- **folded words** (``records.normalize.fold``): ASCII capitals, accents dropped (``JOSÉ``
  -> ``JOSE``, ``NGUYỄN`` -> ``NGUYEN``, ``PEÑA`` -> ``PENA``), apostrophes removed
  (``O'NEIL`` -> ``ONEIL``), other punctuation splitting words (``XIAO-MING`` -> ``XIAO
  MING``);
- **surname units**: a family name is split into surnames, a particle joining the word
  after it (``DE LA CRUZ MARTINEZ`` -> ``DELACRUZ`` + ``MARTINEZ``), a conjunction between
  two surnames dropped (``GARCIA Y LOPEZ`` -> ``GARCIA`` + ``LOPEZ``);
- **variant groups**: the canonical names a word may stand for, from the bundled tables
  (``data/given_name_variants.csv``: nicknames, hypocorisms, cognates, abbreviations;
  ``data/transliterations.csv``: romanisation and spelling variants). A word belongs to
  every group it is listed under (``ALEX`` is ``ALEJANDRO``, ``ALEXANDER`` and
  ``ALEXANDRA``), so two names are variants when their groups overlap, never through a
  long chain (``BILL`` and ``ROBERT`` do not meet through ``BOB``);
- **sound key**: NYSIIS (``jellyfish.nysiis``) of the word after a few Spanish spelling
  folds (see :func:`sound_key`).

Comparison levels of given and family names exist twice, in Python (:func:`given_level`,
:func:`family_level`) and as DuckDB SQL (:func:`given_level_conditions`,
:func:`family_level_conditions`); tests hold them in agreement.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, NamedTuple

import jellyfish
from rapidfuzz.distance import JaroWinkler

from immigrationos.records import normalize as records_normalize

GIVEN_VARIANTS_FILE = "given_name_variants.csv"
TRANSLITERATIONS_FILE = "transliterations.csv"
# Rows of these kinds say "another language's form of the name", not "short for": they widen
# the groups but are never followed to pick a word's canonical key (JOSE stays JOSE).
UNPREFERRED_KINDS = frozenset({"COGNATE", "VARIANT"})

# Words that join the word after them into one surname. LE and DO are left out: in these
# records they are far more often Vietnamese surnames (Lê, Đỗ) than French or Portuguese
# particles.
SURNAME_PARTICLES = frozenset(
    (
        "DE", "DEL", "DELA", "DELAS", "DELOS", "LA", "LAS", "LOS", "DA", "DAS", "DOS", "DI",
        "DU", "DES", "VAN", "VANDER", "VANDEN", "VON", "DER", "DEN", "TER", "TEN", "SAN",
        "SANTA", "SANTO", "AL", "EL", "BIN", "BINT", "IBN", "BEN", "ABU", "ABOU", "MC", "O",
        "ST", "STE", "SAINT", "SAINTE",
    )
)  # fmt: skip
# Particles written two ways for one name: the Arabic article as AL or EL (AL-SAYED,
# EL-SAYED), SAINT abbreviated (ST LOUIS). Used for the transliteration key only.
PARTICLE_KEYS = {"EL": "AL", "ST": "SAINT", "STE": "SAINTE"}
# Slavic -ский written -SKI (Polish), -SKY or -SKIY/-SKII (transliterated Russian).
_SLAVIC_SUFFIX = re.compile(r"(?<=[CS])K(?:IY|II|Y)$")

JW_HIGH = 0.92
JW_MID = 0.85

MISSING = "MISSING"
DIFFERENT = "DIFFERENT"
GIVEN_LEVELS: tuple[str, ...] = (
    MISSING, "EXACT", "FIRST_GIVEN", "SAME_GROUP", "PHONETIC", "JARO_WINKLER_HIGH",
    "JARO_WINKLER_MID", "INITIAL", "OTHER_GIVEN", "SWAPPED", DIFFERENT,
)  # fmt: skip
FAMILY_LEVELS: tuple[str, ...] = (
    MISSING, "EXACT", "SAME_GROUP", "FIRST_SURNAME", "FIRST_SURNAME_ONLY", "PHONETIC",
    "JARO_WINKLER_HIGH", "JARO_WINKLER_MID", "OTHER_SURNAME", "SWAPPED", DIFFERENT,
)  # fmt: skip

GIVEN_COLUMNS: tuple[str, ...] = (
    "given_std", "given_all", "given_joined", "given_full", "middle_std", "given_canon",
    "given_groups", "given_all_groups", "given_phon",
)  # fmt: skip
FAMILY_COLUMNS: tuple[str, ...] = (
    "family_std", "family_first", "family_last", "family_canon", "family_groups",
    "family_words", "family_phon",
)  # fmt: skip
LIST_COLUMNS = frozenset(("given_groups", "given_all_groups", "family_groups", "family_words"))


class LevelCondition(NamedTuple):
    """One comparison level: its label and the DuckDB condition over ``<col>_l``/``<col>_r``."""

    label: str
    sql: str


@dataclass(frozen=True)
class VariantTable:
    """Names and the canonical names they may stand for, in each table's order of preference.

    ``links`` holds every canonical a name is listed under; ``preferred`` the first one
    reached through a row that is not a cognate, used to give a word one canonical key.
    """

    links: Mapping[str, tuple[str, ...]]
    preferred: Mapping[str, str]

    def groups(self, word: str) -> tuple[str, ...]:
        """Return a word's group keys, sorted: itself, its canonicals and theirs (two steps)."""
        found = {word}
        for canonical in self.links.get(word, ()):
            found.add(canonical)
            found.update(self.links.get(canonical, ()))
        return tuple(sorted(found))

    def canonical(self, word: str) -> str:
        """Return the one canonical key of a word, following preferred canonicals to the end.

        A cycle (``ROSA`` -> ``ROSE`` -> ``ROSA``) ends on its smallest name, so every word
        of the cycle gets the same key.
        """
        seen = [word]
        current = word
        while (step := self.preferred.get(current)) is not None:
            if step in seen:
                return min(seen[seen.index(step) :])
            seen.append(step)
            current = step
        return current


def _folded_word(value: str | None, *, file: str, row: int, field: str) -> str:
    """Return a table cell folded to one word; raise ValueError naming the cell if empty."""
    word = records_normalize.fold(value).replace(" ", "")
    if not word:
        raise ValueError(f"{file}: row {row}: field {field!r} has no letters")
    return word


def read_variant_rows(file: str) -> list[tuple[str, str, str]]:
    """Return ``(name, canonical, kind)`` rows of a bundled table, folded; raise on bad rows."""
    text = (resources.files("immigrationos.resolution") / "data" / file).read_text("utf-8")
    reader = csv.DictReader(text.splitlines())
    missing = {"name", "canonical"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"{file}: header lacks {sorted(missing)}")
    rows = []
    for number, record in enumerate(reader, start=2):
        name = _folded_word(record.get("name"), file=file, row=number, field="name")
        canonical = _folded_word(record.get("canonical"), file=file, row=number, field="canonical")
        kind = (record.get("kind") or "TRANSLITERATION").strip().upper()
        if name != canonical:
            rows.append((name, canonical, kind))
    return rows


def build_table(rows: Iterable[tuple[str, str, str]]) -> VariantTable:
    """Return the variant table of ``(name, canonical, kind)`` rows, first rows preferred."""
    links: dict[str, list[str]] = {}
    preferred: dict[str, str] = {}
    for name, canonical, kind in rows:
        listed = links.setdefault(name, [])
        if canonical not in listed:
            listed.append(canonical)
        if kind not in UNPREFERRED_KINDS:
            preferred.setdefault(name, canonical)
    return VariantTable({k: tuple(v) for k, v in links.items()}, preferred)


@cache
def given_table() -> VariantTable:
    """Return the table for given names: nicknames and cognates, then transliterations."""
    return build_table(
        [*read_variant_rows(GIVEN_VARIANTS_FILE), *read_variant_rows(TRANSLITERATIONS_FILE)]
    )


@cache
def family_table() -> VariantTable:
    """Return the table for family names: transliterations and spelling variants only."""
    return build_table(read_variant_rows(TRANSLITERATIONS_FILE))


# Spanish spellings of one sound, folded before NYSIIS (which was built on English names):
# a silent initial H, LL = Y, V = B, Z = S, soft C = S, soft G = J, PH = F, initial Y
# before a consonant = I, W between a consonant and a vowel = U (EDWARDO/EDUARDO).
_RESPELL: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^H(?=[AEIOU])"), ""),
    (re.compile(r"LL"), "Y"),
    (re.compile(r"V"), "B"),
    (re.compile(r"Z"), "S"),
    (re.compile(r"C(?=[EI])"), "S"),
    (re.compile(r"G(?=[EI])"), "J"),
    (re.compile(r"PH"), "F"),
    (re.compile(r"^Y(?=[^AEIOU])"), "I"),
    (re.compile(r"(?<=[^AEIOU])W(?=[AEIOU])"), "U"),
)


@lru_cache(maxsize=200_000)
def sound_key(word: str) -> str | None:
    """Return the sound key of a folded word: NYSIIS after Spanish spelling folds, or None.

    NYSIIS was designed for name matching in criminal-justice records (New York State,
    1970) and keeps more of a name than Soundex; the spelling folds make
    ``VARGAS``/``BARGAS``, ``GARCIA``/``GARSIA`` and ``HERNANDEZ``/``ERNANDEZ`` sound alike,
    which plain NYSIIS and Metaphone miss. NYSIIS drops a final vowel, which in Spanish
    carries the sex of the name (``MARIA``/``MARIO``, ``JUAN``/``JUANA``), so a final vowel
    (final Y read as I) is put back.
    """
    letters = "".join(c for c in word if c.isalpha())
    for pattern, replacement in _RESPELL:
        letters = pattern.sub(replacement, letters)
    if not letters:
        return None
    last = "I" if letters[-1] == "Y" else letters[-1]
    return jellyfish.nysiis(letters) + (last if last in "AEIOU" else "")


# A conjunction between two surnames is dropped (GARCIA Y LOPEZ); a particle is tied to the
# word after it with "_" (DE LA CRUZ -> DE_LA_CRUZ). Regular expressions, so that Python
# (re) and polars (Rust regex) split surnames identically.
CONJUNCTION_PATTERN = r" (?:Y|E) "
_BY_LENGTH = sorted(SURNAME_PARTICLES, key=lambda p: (-len(p), p))
PARTICLE_PATTERN = r"\b(" + "|".join(_BY_LENGTH) + r") "
_CONJUNCTION = re.compile(CONJUNCTION_PATTERN)
_PARTICLE = re.compile(PARTICLE_PATTERN)


def surname_units(folded: str) -> list[str]:
    """Return the surnames of a folded family name, particles tied on with ``_``.

    ``DE LA CRUZ MARTINEZ`` -> ``[DE_LA_CRUZ, MARTINEZ]``; ``GARCIA Y LOPEZ`` -> ``[GARCIA,
    LOPEZ]``; a particle that ends the name is a surname of its own.
    """
    if not folded:
        return []
    return _PARTICLE.sub(r"\g<1>_", _CONJUNCTION.sub(" ", folded)).split(" ")


class UnitFeatures(NamedTuple):
    """Keys of one surname (``DE_LA_CRUZ``), shared by every family name that holds it."""

    std: str
    canon: str
    groups: tuple[str, ...]
    head_groups: tuple[str, ...]
    phon: str | None


@lru_cache(maxsize=500_000)
def unit_features(unit: str) -> UnitFeatures:
    """Return the keys of one surname unit: particles written one way, head word's groups."""
    *particles, head = unit.split("_")
    std = "".join((*particles, head))
    joined = "".join(particles)
    prefix = PARTICLE_KEYS.get(joined, joined)
    key = _SLAVIC_SUFFIX.sub("KI", head)
    table = family_table()
    head_groups = table.groups(key)
    return UnitFeatures(
        std=std,
        canon=prefix + table.canonical(key),
        groups=tuple(sorted(prefix + g for g in head_groups)),
        head_groups=head_groups,
        phon=sound_key(std),
    )


class WordFeatures(NamedTuple):
    """Keys of one folded given-name word."""

    canon: str
    groups: tuple[str, ...]
    phon: str | None
    telling: bool


@lru_cache(maxsize=500_000)
def word_features(word: str) -> WordFeatures:
    """Return the keys of one given-name word; initials and particles are not telling."""
    table = given_table()
    telling = len(word) > 1 and word not in SURNAME_PARTICLES
    return WordFeatures(table.canonical(word), table.groups(word), sound_key(word), telling)


@cache
def whole_family_keys() -> dict[str, str]:
    """Return the family names listed whole in the table (ABDALRAHMAN) with their own key."""
    table = family_table()
    keys = {name: table.canonical(name) for name in table.links}
    return {name: key for name, key in keys.items() if key != name}


def given_features(given: str | None, middle: str | None) -> dict[str, Any]:
    """Return the comparison keys of a given name and middle name (see ``GIVEN_COLUMNS``).

    All keys are None when the given name has no letters or digits; ``middle_std`` is the
    folded middle name whatever the given name.
    """
    words = records_normalize.tokens(given)
    middle_words = records_normalize.tokens(middle)
    out: dict[str, Any] = dict.fromkeys(GIVEN_COLUMNS)
    out["middle_std"] = " ".join(middle_words) or None
    if not words:
        return out
    first, joined = word_features(words[0]), "".join(words)
    # A name in several words is also looked up whole (ABDEL RAHMAN as ABDELRAHMAN).
    groups = set(first.groups) | (set(word_features(joined).groups) if len(words) > 1 else set())
    every = {
        g
        for w in (*words, *middle_words)
        if word_features(w).telling
        for g in word_features(w).groups
    }
    out.update(
        given_std=words[0],
        given_all=" ".join(words),
        given_joined=joined,
        given_full="".join((*words, *middle_words)),
        given_canon=first.canon,
        given_groups=sorted(groups),
        given_all_groups=sorted(every) or None,
        given_phon=first.phon,
    )
    return out


def family_features(family: str | None) -> dict[str, Any]:
    """Return the comparison keys of a family name (see ``FAMILY_COLUMNS``), all None if empty.

    ``family_first``/``family_last`` are the first and second surnames (particles run
    together); ``family_canon`` the whole name with every surname replaced by its
    transliteration key (or the whole name's key when listed whole); ``family_groups`` the
    group keys of the first surname; ``family_words`` those of every surname's head word.
    """
    units = [unit_features(u) for u in surname_units(records_normalize.fold(family))]
    out: dict[str, Any] = dict.fromkeys(FAMILY_COLUMNS)
    if not units:
        return out
    std = "".join(u.std for u in units)
    out.update(
        family_std=std,
        family_first=units[0].std,
        family_last=units[1].std if len(units) > 1 else None,
        family_canon=whole_family_keys().get(std) or "".join(u.canon for u in units),
        family_groups=list(units[0].groups),
        family_words=sorted({g for u in units for g in u.head_groups}),
        family_phon=units[0].phon,
    )
    return out


def _eq(a: Any, b: Any) -> bool:
    """Return whether two keys are present and equal (SQL's ``a = b`` being true)."""
    return a is not None and b is not None and a == b


def _overlap(a: Sequence[str] | None, b: Sequence[str] | None) -> bool:
    """Return whether two key lists share a key (SQL's ``list_has_any``)."""
    return a is not None and b is not None and not set(a).isdisjoint(b)


def _swapped(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """Return whether given and family names are swapped between the two records."""
    return _eq(left.get("given_std"), right.get("family_first")) and _eq(
        right.get("given_std"), left.get("family_first")
    )


def jaro_winkler(a: str, b: str) -> float:
    """Return the Jaro-Winkler similarity of two strings (DuckDB's ``jaro_winkler_similarity``)."""
    return float(JaroWinkler.similarity(a, b))


def given_level(left: Mapping[str, Any], right: Mapping[str, Any]) -> str:
    """Return the level (``GIVEN_LEVELS``) at which two records' given names agree.

    ``EXACT``: all given words equal (spaces ignored, so ``XIAO MING`` = ``XIAOMING``), or
    given and middle words together; ``FIRST_GIVEN``: the first given word equal, the rest
    not; ``SAME_GROUP``: first words are nickname, cognate or transliteration variants;
    ``PHONETIC``: first words sound alike; ``JARO_WINKLER_HIGH``/``_MID``: first words
    similar (>= 0.92 / >= 0.85); ``INITIAL``: one first word is the other's initial;
    ``OTHER_GIVEN``: some other given or middle word agrees (``MARIA GUADALUPE`` vs
    ``LUPE``); ``SWAPPED``: given and family names swapped.
    """
    a, b = left.get("given_std"), right.get("given_std")
    if a is None or b is None:
        return MISSING
    if _eq(left.get("given_joined"), right.get("given_joined")) or _eq(
        left.get("given_full"), right.get("given_full")
    ):
        return "EXACT"
    if a == b:
        return "FIRST_GIVEN"
    if _overlap(left.get("given_groups"), right.get("given_groups")):
        return "SAME_GROUP"
    if _eq(left.get("given_phon"), right.get("given_phon")):
        return "PHONETIC"
    similarity = jaro_winkler(a, b)
    if similarity >= JW_HIGH:
        return "JARO_WINKLER_HIGH"
    if similarity >= JW_MID:
        return "JARO_WINKLER_MID"
    if (len(a) == 1 or len(b) == 1) and a[0] == b[0]:
        return "INITIAL"
    if _overlap(left.get("given_all_groups"), right.get("given_all_groups")):
        return "OTHER_GIVEN"
    if _swapped(left, right):
        return "SWAPPED"
    return DIFFERENT


def family_level(left: Mapping[str, Any], right: Mapping[str, Any]) -> str:
    """Return the level (``FAMILY_LEVELS``) at which two records' family names agree.

    ``EXACT``: same surnames (spaces and particles' spacing ignored: ``DE LA CRUZ`` =
    ``DELACRUZ``); ``SAME_GROUP``: same after transliteration keys, or one-surname names
    that are variants (``MOHAMED`` = ``MUHAMMAD``, ``WONG`` = ``WANG``); ``FIRST_SURNAME``: first surnames agree and one record has no second
    (``GARCIA LOPEZ`` vs ``GARCIA``); ``FIRST_SURNAME_ONLY``: first surnames agree, second
    surnames differ; ``PHONETIC``: first surnames sound alike; ``JARO_WINKLER_HIGH``/``_MID``:
    whole names similar; ``OTHER_SURNAME``: some surname agrees in another position
    (``GARCIA LOPEZ`` vs ``LOPEZ``); ``SWAPPED``: given and family names swapped.
    """
    a, b = left.get("family_std"), right.get("family_std")
    if a is None or b is None:
        return MISSING
    if a == b:
        return "EXACT"
    last_l, last_r = left.get("family_last"), right.get("family_last")
    first_agrees = _overlap(left.get("family_groups"), right.get("family_groups"))
    if _eq(left.get("family_canon"), right.get("family_canon")) or (
        first_agrees and last_l is None and last_r is None
    ):
        return "SAME_GROUP"
    if first_agrees:
        return "FIRST_SURNAME" if last_l is None or last_r is None else "FIRST_SURNAME_ONLY"
    if _eq(left.get("family_phon"), right.get("family_phon")):
        return "PHONETIC"
    similarity = jaro_winkler(a, b)
    if similarity >= JW_HIGH:
        return "JARO_WINKLER_HIGH"
    if similarity >= JW_MID:
        return "JARO_WINKLER_MID"
    if _overlap(left.get("family_words"), right.get("family_words")):
        return "OTHER_SURNAME"
    if _swapped(left, right):
        return "SWAPPED"
    return DIFFERENT


_SWAPPED_SQL = "given_std_l = family_first_r AND given_std_r = family_first_l"


def given_level_conditions() -> list[LevelCondition]:
    """Return the given-name levels as DuckDB conditions, in order (the first true wins)."""
    return [
        LevelCondition(MISSING, "given_std_l IS NULL OR given_std_r IS NULL"),
        LevelCondition("EXACT", "given_joined_l = given_joined_r OR given_full_l = given_full_r"),
        LevelCondition("FIRST_GIVEN", "given_std_l = given_std_r"),
        LevelCondition("SAME_GROUP", "list_has_any(given_groups_l, given_groups_r)"),
        LevelCondition("PHONETIC", "given_phon_l = given_phon_r"),
        LevelCondition(
            "JARO_WINKLER_HIGH", f"jaro_winkler_similarity(given_std_l, given_std_r) >= {JW_HIGH}"
        ),
        LevelCondition(
            "JARO_WINKLER_MID", f"jaro_winkler_similarity(given_std_l, given_std_r) >= {JW_MID}"
        ),
        LevelCondition(
            "INITIAL",
            "(length(given_std_l) = 1 OR length(given_std_r) = 1)"
            " AND left(given_std_l, 1) = left(given_std_r, 1)",
        ),
        LevelCondition("OTHER_GIVEN", "list_has_any(given_all_groups_l, given_all_groups_r)"),
        LevelCondition("SWAPPED", _SWAPPED_SQL),
        LevelCondition(DIFFERENT, "TRUE"),
    ]


def family_level_conditions() -> list[LevelCondition]:
    """Return the family-name levels as DuckDB conditions, in order (the first true wins)."""
    groups = "list_has_any(family_groups_l, family_groups_r)"
    return [
        LevelCondition(MISSING, "family_std_l IS NULL OR family_std_r IS NULL"),
        LevelCondition("EXACT", "family_std_l = family_std_r"),
        LevelCondition(
            "SAME_GROUP",
            f"family_canon_l = family_canon_r OR ({groups}"
            " AND family_last_l IS NULL AND family_last_r IS NULL)",
        ),
        LevelCondition(
            "FIRST_SURNAME", f"{groups} AND (family_last_l IS NULL OR family_last_r IS NULL)"
        ),
        LevelCondition("FIRST_SURNAME_ONLY", groups),
        LevelCondition("PHONETIC", "family_phon_l = family_phon_r"),
        LevelCondition(
            "JARO_WINKLER_HIGH",
            f"jaro_winkler_similarity(family_std_l, family_std_r) >= {JW_HIGH}",
        ),
        LevelCondition(
            "JARO_WINKLER_MID", f"jaro_winkler_similarity(family_std_l, family_std_r) >= {JW_MID}"
        ),
        LevelCondition("OTHER_SURNAME", "list_has_any(family_words_l, family_words_r)"),
        LevelCondition("SWAPPED", _SWAPPED_SQL),
        LevelCondition(DIFFERENT, "TRUE"),
    ]
