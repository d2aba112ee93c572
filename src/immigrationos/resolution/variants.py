"""Other spellings a person's name may be recorded under, for person search.

Resolution joins BILL and WILLIAM, MOHAMMED and MUHAMMAD through the name tables in
``data/`` (``names.given_table``, ``names.family_table``); a search for one should find a
person recorded under the other. ``name_variants`` gives, for a searched name, the names
that replace one word by another member of its group (its nicknames, its full form, its
cognates and transliterations), so person search runs the same tolerant record search
for each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

from immigrationos.records import normalize as records_normalize
from immigrationos.resolution.names import VariantTable, family_table, given_table

# Names searched per query besides the one typed (each is one record search).
MAX_VARIANTS = 8
# Variants searched at most when the key index says records sound like them.
MAX_TELLING = 16


def _members(table: VariantTable) -> Mapping[str, frozenset[str]]:
    """Return each canonical name's members (the names listed under it), itself included."""
    found: dict[str, set[str]] = {}
    for name, canonicals in table.links.items():
        for canonical in canonicals:
            found.setdefault(canonical, {canonical}).add(name)
    return {k: frozenset(v) for k, v in found.items()}


@cache
def _given_members() -> Mapping[str, frozenset[str]]:
    return _members(given_table())


@cache
def _family_members() -> Mapping[str, frozenset[str]]:
    return _members(family_table())


def word_variants(word: str) -> list[str]:
    """Return the other names of a word's groups: its own full forms first, then the rest.

    BILL gives WILLIAM before BILLY and GUILLERMO; JOE gives JOSE and JOSEPH first.
    """
    first: list[str] = []
    rest: set[str] = set()
    for table, members in ((given_table(), _given_members()), (family_table(), _family_members())):
        first.extend(c for c in table.links.get(word, ()) if c not in first)
        for key in table.groups(word):
            rest.update(members.get(key, frozenset({key})))
    ordered = [*first, *sorted(rest - set(first))]
    return [w for w in ordered if w != word]


def name_variants(name: str, limit: int | None = MAX_VARIANTS) -> list[str]:
    """Return up to ``limit`` (None: all) spellings of ``name`` with one word replaced.

    Words are taken in order, so the first word's variants (usually the given name's)
    come first; the name as typed is not among them.
    """
    words = records_normalize.tokens(name)
    found: list[str] = []
    for i, word in enumerate(words):
        for other in word_variants(word):
            candidate = " ".join([*words[:i], other, *words[i + 1 :]])
            if candidate not in found:
                found.append(candidate)
            if limit is not None and len(found) >= limit:
                return found
    return found


def sound_keys(name: str) -> frozenset[str]:
    """Return the ``P`` (sound) keys a name query looks up; empty for a one-word name."""
    return frozenset(k for k in records_normalize.query_keys(name).keys if k.startswith("P:"))


def telling_variants(
    name: str,
    present: Callable[[frozenset[str]], frozenset[str]],
    limit: int = MAX_TELLING,
) -> list[str]:
    """Return up to ``limit`` variants of ``name`` worth a search of their own.

    A variant that sounds like the name as typed (ELISABETH for ELIZABETH: the same sound
    keys) is found by the typed name's search already; one whose sound no record has
    (``present`` returns which of the keys asked for some record has) finds nothing. What
    is left keeps ``name_variants``' order, so ELIZABETH finds ISABEL however many
    nicknames come first. A one-word name has no sound keys: its first ``MAX_VARIANTS``.
    """
    typed = sound_keys(name)
    every = name_variants(name, limit=None)
    if not typed:
        return every[:MAX_VARIANTS]
    keys = {v: sound_keys(v) - typed for v in every}
    found = present(frozenset().union(*keys.values()))
    return [v for v in every if keys[v] & found][:limit]
