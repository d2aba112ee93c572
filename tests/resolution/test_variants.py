"""Other spellings of a searched name, from the name tables (``resolution.variants``)."""

from __future__ import annotations

import pytest

from immigrationos.resolution.variants import MAX_VARIANTS, name_variants, word_variants


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
