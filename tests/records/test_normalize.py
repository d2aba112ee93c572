"""Search keys: folding, identifiers (Python and polars agree), and typo tolerance as properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.records import normalize, scoring

WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=12).filter(
    lambda w: w not in normalize.PARTICLES
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("José García-López", "JOSE GARCIA LOPEZ"),
        ("NUÑEZ-PEREZ", "NUNEZ PEREZ"),
        ("O'Brien", "OBRIEN"),
        ("D\u2019Angelo", "DANGELO"),
        ("Łukasz  Øster", "LUKASZ OSTER"),
        ("Straße", "STRASSE"),
        ("Nguyễn Văn An", "NGUYEN VAN AN"),
        ("  ", ""),
        (None, ""),
    ],
)
def test_fold(raw: str | None, folded: str) -> None:
    assert normalize.fold(raw) == folded


def test_skeleton_hears_spelling_variants() -> None:
    sk = normalize.skeleton
    assert sk("GARCIA") == sk("GARSIA") == "G62"
    assert sk("JONATHAN") == sk("JONATHON")
    assert sk("MOHAMMED") == sk("MUHAMMAD") == sk("MOHAMED")
    assert sk("HERNANDEZ") == sk("HERNANDES")
    assert sk("SMITH") != sk("JONES")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("A012345678", ("A012345678",)),
        ("A-012-345-678", ("A012345678",)),
        ("012345678", ("012345678", "A012345678")),
        ("a12345678", ("A12345678", "A012345678")),  # or a passport number as typed
        ("123-45-6789", ("123456789", "A123456789")),
        (" g 123 4567 ", ("G1234567",)),
    ],
)
def test_identifier_candidates(typed: str, stored: tuple[str, ...]) -> None:
    assert normalize.identifier_candidates(typed) == stored


def test_a_number_is_stored_with_its_a_and_nine_digits() -> None:
    assert normalize.identifier("A_NUMBER", "A-12-345-678") == "A012345678"
    assert normalize.identifier("A_NUMBER", "012345678") == "A012345678"
    assert normalize.identifier("SSN", "012-34-5678") == "012345678"
    assert normalize.identifier("SSN", " - ") is None


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_ascii(raw: str) -> None:
    folded = normalize.fold(raw)
    assert normalize.fold(folded) == folded
    assert all(c == " " or ("A" <= c <= "Z") or ("0" <= c <= "9") for c in folded)
    assert "  " not in folded and folded == folded.strip()


@given(st.text(max_size=20), st.text(max_size=30))
def test_name_keys_depend_on_the_folded_name_only(given_name: str, family: str) -> None:
    assert normalize.name_keys(given_name, family) == normalize.name_keys(
        normalize.fold(given_name), normalize.fold(family)
    )


KINDS = st.sampled_from([*normalize.IDENTIFIER_KINDS, "ANY"])
ID_TEXT = st.text(alphabet="0123456789Aab -/.Z9é", max_size=16)


@settings(max_examples=200)
@given(st.lists(st.tuples(KINDS, ID_TEXT), min_size=1, max_size=20))
def test_identifier_polars_twin_agrees(pairs: list[tuple[str, str]]) -> None:
    frame = pl.DataFrame(
        {"kind": [k for k, _ in pairs], "raw": [v for _, v in pairs]},
        schema={"kind": pl.Utf8, "raw": pl.Utf8},
    )
    got = frame.select(normalize.identifier_expr(pl.col("kind"), pl.col("raw"))).to_series()
    assert got.to_list() == [normalize.identifier(k, v) for k, v in pairs]


def _edit(word: str, op: int, at: int, letter: str) -> str:
    """Return the word with one keyboard slip at ``at`` (never its first letter)."""
    i = 1 + at % (len(word) - 1)
    if op == 0:
        return word[:i] + letter + word[i + 1 :]  # substitution
    if op == 1:
        return word[:i] + word[i + 1 :]  # deletion
    if op == 2:
        return word[:i] + letter + word[i:]  # insertion
    j = min(i + 1, len(word) - 1)
    return word[:i] + word[j] + word[i] + word[j + 1 :] if j > i else word[:i] + letter  # swap


@settings(max_examples=300)
@given(
    WORD,
    WORD,
    st.booleans(),
    st.integers(0, 3),
    st.integers(0, 20),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)
def test_one_slip_still_shares_a_key_and_scores_as_a_match(
    given_name: str, family: str, in_given: bool, op: int, at: int, letter: str
) -> None:
    edited_given = _edit(given_name, op, at, letter) if in_given else given_name
    edited_family = family if in_given else _edit(family, op, at, letter)
    for typed in (f"{edited_given} {edited_family}", f"{edited_family} {edited_given}"):
        query = normalize.query_keys(typed)
        stored = normalize.name_keys(given_name, family)
        shared = set(query.keys) & stored or {
            k for k in stored for p in query.prefixes if k.startswith(p)
        }  # one word left (given and family alike): the range of its sound
        assert shared, (typed, given_name, family)
        score = scoring.NameScorer(query.words).score(given_name, family)
        assert score >= scoring.MIN_NAME_SCORE, (typed, score)
