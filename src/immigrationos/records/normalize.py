"""Search keys of the record index: folded names, name keys and normalised identifiers.

Names are folded to ASCII capitals (accents dropped, hyphens and other punctuation split
words, apostrophes dropped) and then reduced, word by word, to a *skeleton*: the first
letter and the Soundex classes of the consonants that follow, without Soundex's cut to
four characters (``GARCIA`` and ``GARSIA`` -> ``G62``, ``JONATHAN`` and ``JONATHON`` ->
``J535``).

A record has three keys for every pair of a family word with a given word, so a key is
specific to a pair ("JOSE" with "GARCIA") and candidate sets stay small even for common
names:

- ``P:<family skeleton>:<given skeleton>``: the name as it sounds;
- ``I:<family skeleton>:<given initial>:<given length>``: survives a typo in the given
  name (one edit changes a length by at most one, and a query asks for all three);
- ``J:<family initial>:<family length>:<given skeleton>``: survives a typo in the family
  name.

Every word of a two-surname family name is paired, so a query with only the first surname
finds the record; the family words run together are paired too (``DELACRUZ`` and ``DE LA
CRUZ``); a query's words are paired in both orders, so given and family names swapped
still meet. A one-word query reads the ``P`` keys of its word's skeleton (a key range)
and the records of that very family name. A search counts the keys each record shares
with the query and reads the best-counted records only (``candidates.by_name``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

NAME_KIND = "NAME"

# Kinds of identifier keys. ``irs_w2.employee_tin`` is an SSN or an ITIN by its form.
IDENTIFIER_KINDS: tuple[str, ...] = (
    "SSN", "ITIN", "A_NUMBER", "PASSPORT", "I94", "FBI", "RECEIPT", "LICENSE", "STATE_ID",
    "EIN", "CONSULAR_ID", "OTHER_ID",
)  # fmt: skip

# Words of a family name that say little on their own (DE LA CRUZ is found by CRUZ).
PARTICLES = frozenset(
    (
        "DE", "DEL", "DELA", "DELOS", "LA", "LAS", "LOS", "DA", "DAS", "DO", "DOS", "DI", "DU",
        "LE", "EL", "AL", "SAN", "SANTA", "VAN", "VON", "DER", "DEN", "TER", "BIN", "BEN",
        "IBN", "Y", "E",
    )
)  # fmt: skip

MAX_VALUE = 128  # longest key value stored
MAX_SKELETON = 12

_SOUNDEX = {
    **dict.fromkeys("BFPV", "1"),
    **dict.fromkeys("CGJKQSXZ", "2"),
    **dict.fromkeys("DT", "3"),
    "L": "4",
    **dict.fromkeys("MN", "5"),
    "R": "6",
}
# Letters that decompose to nothing useful under NFKD, written out by hand.
_SPECIAL = str.maketrans(
    {"Ø": "O", "Đ": "D", "Ð": "D", "Ł": "L", "Æ": "AE", "Œ": "OE", "Þ": "TH", "Ħ": "H", "ı": "I"}
)
_APOSTROPHES = re.compile("['\u2019\u02bc`]")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_ID_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_A_NUMBER = re.compile(r"A?([0-9]{7,9})")


@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """Return a name folded for comparison: ASCII capitals and digits, one space between words.

    Accents are dropped (``NUÑEZ`` -> ``NUNEZ``), apostrophes removed (``O'BRIEN`` ->
    ``OBRIEN``) and any other punctuation splits words (``NUÑEZ-PEREZ`` -> ``NUNEZ PEREZ``).
    Folding a folded name changes nothing.
    """
    if not text:
        return ""
    upper = unicodedata.normalize("NFKD", text.upper())
    upper = "".join(c for c in upper if not unicodedata.combining(c)).translate(_SPECIAL)
    # NFKD can leave small letters behind (ª -> a): upper-case once more.
    upper = _APOSTROPHES.sub("", upper).upper()
    return " ".join(w for w in _NON_ALNUM.split(upper) if w)


def tokens(text: str | None) -> list[str]:
    """Return the words of a folded name."""
    folded = fold(text)
    return folded.split(" ") if folded else []


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """Return the phonetic skeleton of a folded word: first letter, then consonant classes.

    Vowels separate repeated classes (as in Soundex), H and W do not; the result is not cut
    to four characters, so long names that share their start still differ.
    """
    if not word:
        return ""
    out = [word[0]]
    last = _SOUNDEX.get(word[0], "")
    for char in word[1:]:
        if char in "HW":
            continue
        code = _SOUNDEX.get(char)
        if code is None:
            last = ""
            continue
        if code != last:
            out.append(code)
        last = code
    return "".join(out)[:MAX_SKELETON]


def _split(words: list[str]) -> tuple[list[str], list[str]]:
    """Return the telling words of a name and, for several words, the words run together."""
    core = [w for w in words if w not in PARTICLES] or list(words)
    joined = ["".join(words)] if len(words) > 1 else []
    return list(dict.fromkeys(core)), joined


def _pair_keys(family: str, given: str, out: dict[str, int], *, typos: bool) -> None:
    """Add the keys of a (family word, given word) pair, as a query asks for them.

    ``out`` maps each key to its weight: the sound of both words counts double. A record
    writes the same keys with lengths ``+0`` only.
    """
    sf, sg = skeleton(family), skeleton(given)
    out[f"P:{sf}:{sg}"] = 2
    if typos:
        for d in (-1, 0, 1):
            if len(given) + d > 0:
                out.setdefault(f"I:{sf}:{given[0]}:{len(given) + d}", 1)
            if len(family) + d > 0:
                out.setdefault(f"J:{family[0]}:{len(family) + d}:{sg}", 1)


def _record_pair_keys(family: str, given: str, out: set[str], *, typos: bool) -> None:
    sf, sg = skeleton(family), skeleton(given)
    out.add(f"P:{sf}:{sg}")
    if typos:
        out.add(f"I:{sf}:{given[0]}:{len(given)}")
        out.add(f"J:{family[0]}:{len(family)}:{sg}")


@lru_cache(maxsize=200_000)
def name_keys(given: str | None, family: str | None) -> frozenset[str]:
    """Return the name keys of a record (given and family names as written or folded).

    ``P``, ``I`` and ``J`` keys (see the module) for every pair of a family word with a
    given word, ``P`` for the family words run together. A name with family words only
    has ``P:<family skeleton>:`` keys (given only: the given words stand for family
    words), so one-word queries find it.
    """
    family_words, given_words = tokens(family), tokens(given)
    if not family_words:
        family_words, given_words = given_words, []
    keys: set[str] = set()
    fc, fj = _split(family_words)
    gc, gj = _split(given_words)
    for f in fc + fj:
        for g in gc + gj:
            _record_pair_keys(f, g, keys, typos=f in fc and g in gc)
        if not given_words:
            keys.add(f"P:{skeleton(f)}:")
    return frozenset(k[:MAX_VALUE] for k in keys)


def word_prefix(word: str) -> str:
    """Return the start of every ``P`` key of a family word's skeleton (a range to scan)."""
    return f"P:{skeleton(word)}:"


@dataclass(frozen=True)
class NameQuery:
    """The name keys a query looks up, each with its weight, or for one word its word keys.

    A one-word query has no pair keys; ``family_names`` then holds the family names it
    may be written as (records of those come first) and ``prefixes`` the key ranges of
    their skeletons (same sound, any given name).
    """

    words: tuple[str, ...]
    keys: dict[str, int] = field(default_factory=dict)
    family_names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


def query_keys(name: str) -> NameQuery:
    """Return the keys a name query looks up; raise ValueError when it has no letters.

    Several words: every ordered pair of words (and of adjacent words run together), so
    the query need not know which word is the family name. One telling word: the key
    range of that word's skeleton, and the family names it may be.
    """
    words = tokens(name)
    if not words:
        raise ValueError(f"name {name!r} has no letters or digits to search for")
    core, joined = _split(words)
    if len(core) == 1:
        single = core + joined
        return NameQuery(
            words=tuple(words),
            family_names=tuple(dict.fromkeys([" ".join(words), *single])),
            prefixes=tuple(dict.fromkeys(word_prefix(w) for w in single)),
        )
    keys: dict[str, int] = {}
    adjacent = [words[i] + words[i + 1] for i in range(len(words) - 1)]
    every = list(dict.fromkeys(core + adjacent + joined))
    for a in every:
        for b in every:
            if a != b:
                _pair_keys(a, b, keys, typos=a in core and b in core)
    return NameQuery(words=tuple(words), keys={k[:MAX_VALUE]: w for k, w in keys.items()})


def identifier(kind: str, raw: str | None) -> str | None:
    """Return an identifier as the index stores it: letters and digits only, upper case.

    An A-number is written ``A`` and nine digits (``A-12-345-678`` -> ``A012345678``).
    """
    if raw is None:
        return None
    value = _ID_NON_ALNUM.sub("", raw).upper()[:MAX_VALUE]
    if not value:
        return None
    if kind == "A_NUMBER" and (match := _A_NUMBER.fullmatch(value)):
        return "A" + match.group(1).zfill(9)
    return value


def identifier_expr(kind: str | pl.Expr, expr: pl.Expr) -> pl.Expr:
    """Return the polars twin of :func:`identifier` (``kind`` a name or a per-row expression)."""
    kind_expr = pl.lit(kind) if isinstance(kind, str) else kind
    value = expr.cast(pl.Utf8).str.replace_all(r"[^0-9A-Za-z]+", "").str.to_uppercase()
    value = value.str.slice(0, MAX_VALUE)
    digits = value.str.extract(r"^A?([0-9]{7,9})$", 1)
    value = (
        pl.when((kind_expr == "A_NUMBER") & digits.is_not_null())
        .then(pl.lit("A") + digits.str.zfill(9))
        .otherwise(value)
    )
    return pl.when(value != "").then(value)


def identifier_candidates(raw: str) -> tuple[str, ...]:
    """Return the stored values a typed identifier may stand for; raise ValueError when none.

    ``012345678`` may be an SSN or an A-number written without its A, so both are asked for.
    """
    value = identifier("ANY", raw)
    if value is None:
        raise ValueError(f"identifier {raw!r} has no letters or digits to search for")
    found = [value]
    if match := _A_NUMBER.fullmatch(value):
        found.append("A" + match.group(1).zfill(9))
    return tuple(dict.fromkeys(found))
