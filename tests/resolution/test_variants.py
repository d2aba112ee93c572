"""Other spellings of a searched name, from the name tables (``resolution.variants``)."""

from __future__ import annotations

import pytest

from immigrationos.resolution.variants import (
    MAX_TELLING,
    MAX_VARIANTS,
    name_variants,
    sound_keys,
    telling_variants,
    word_variants,
)


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        ("Bill Smith", "WILLIAM SMITH"),
        ("William Smith", "BILL SMITH"),
        ("Joe Garcia", "JOSE GARCIA"),
        ("Lupe Ortiz", "GUADALUPE ORTIZ"),
        ("Guadalupe Ortiz", "LUPE ORTIZ"),
        ("Alex Romero", "ALEJANDRO ROMERO"),
    ],
)
def test_a_name_is_also_searched_as_the_tables_spell_it_otherwise(
    typed: str, recorded: str
) -> None:
    assert recorded in name_variants(typed)


def test_a_words_full_forms_come_before_its_other_relatives() -> None:
    assert word_variants("BILL")[0] == "WILLIAM"
    assert word_variants("LUPE")[0] == "GUADALUPE"


def test_variants_are_bounded_and_never_the_name_itself() -> None:
    found = name_variants("Jose Maria Garcia")
    assert 0 < len(found) <= MAX_VARIANTS and "JOSE MARIA GARCIA" not in found
    assert name_variants("Zzyzx Qwerty") == []


def test_a_variant_beyond_the_first_few_is_searched_when_some_record_sounds_like_it() -> None:
    # ELIZABETH has more relatives than MAX_VARIANTS, ISABEL late among them (the case a
    # person recorded only as ISABEL MUÑOZ was missed by a search for ELIZABETH MUÑOZ).
    assert "ISABEL MUNOZ" not in name_variants("Elizabeth Muñoz")
    isabel = sound_keys("ISABEL MUNOZ")

    def present(keys: frozenset[str]) -> frozenset[str]:
        return keys & isabel

    assert telling_variants("Elizabeth Muñoz", present) == ["ISABEL MUNOZ"]


def test_a_variant_sounding_like_the_typed_name_or_like_no_record_is_not_searched() -> None:
    asked: list[frozenset[str]] = []

    def present(keys: frozenset[str]) -> frozenset[str]:
        asked.append(keys)
        return keys

    found = telling_variants("Elizabeth Muñoz", present)
    assert "ELISABETH MUNOZ" not in found  # the same sound: the typed search finds it
    assert not asked[0] & sound_keys("ELIZABETH MUNOZ")
    assert 0 < len(found) <= MAX_TELLING
    assert telling_variants("Elizabeth Muñoz", lambda keys: frozenset()) == []
    # One word has no sound keys of a pair: its first variants, as name_variants gives them.
    assert telling_variants("Munoz", lambda keys: frozenset()) == name_variants("Munoz")
