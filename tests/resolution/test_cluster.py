"""Constrained clustering: strongest links first, unions two persons forbid are refused."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.resolution.cluster import BORN, NATIONAL, US_BORN, Edge, RecordKeys, cluster

D1 = dt.date(1980, 3, 14)
D2 = dt.date(1962, 11, 2)


def link(
    left: int, right: int, *, identified: bool = False, dated: bool = False, clash: bool = False
) -> Edge:
    """Return a link between two records (no identifier, no dates compared, by default)."""
    return Edge(left, right, identified, dated, clash)


def groups(root: list[int]) -> set[frozenset[int]]:
    """Return the clusters of a clustering as sets of record indices."""
    found: dict[int, set[int]] = {}
    for record, r in enumerate(root):
        found.setdefault(r, set()).add(record)
    return {frozenset(g) for g in found.values()}


def test_links_join_records_and_the_kept_ones_span_each_cluster() -> None:
    edges = [link(0, 1), link(1, 2), link(0, 2), link(3, 4)]
    out = cluster(6, edges, RecordKeys())
    assert groups(out.root) == {frozenset({0, 1, 2}), frozenset({3, 4}), frozenset({5})}
    assert out.kept == [0, 1, 3]  # (0, 2) closed a cycle: not needed
    assert out.refused == {}


def test_two_numident_ssns_never_join() -> None:
    keys = RecordKeys(numident_ssn={0: "123456789", 2: "987654321"})
    out = cluster(3, [link(0, 1, identified=True), link(1, 2, identified=True)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}
    assert out.refused == {"numident_ssn": 1}


def test_a_numbers_two_characters_apart_never_join_one_typo_may() -> None:
    keys = RecordKeys(a_number={0: "200544308", 1: "200544380", 2: "200544318"})
    out = cluster(3, [link(0, 1, dated=True), link(0, 2, dated=True)], keys)
    # 0 and 1: one transposition (a typo); 2 is one typo from 0 but two from 1.
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}
    assert out.refused == {"a_number": 1}


def test_cannot_link_tokens_keep_sides_apart_and_must_links_come_first() -> None:
    keys = RecordKeys(tokens={0: [7], 3: [-7]})
    edges = [link(0, 1, identified=True), link(1, 2, identified=True), link(2, 3, identified=True)]
    out = cluster(4, edges, keys, must_link=[(2, 3)])
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2, 3})}
    assert out.must_unions == [(2, 3)]
    assert out.refused == {"cannot_link": 1}


def test_common_names_do_not_chain_two_people_together() -> None:
    # A (dated D1) ~ B (a W-2: no date) ~ C (dated D2): A and C are two people.
    keys = RecordKeys(birth_date={0: D1, 2: D2})
    out = cluster(3, [link(0, 1), link(1, 2)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}
    assert out.refused == {"birth_date": 1}
    # An identifier on the link lifts the guard (a birth date mistyped beyond recognition),
    # and so does a link that compared the dates itself and found them close.
    for lifted in (link(1, 2, identified=True), link(0, 2, dated=True)):
        out = cluster(3, [link(0, 1), lifted], keys)
        assert groups(out.root) == {frozenset({0, 1, 2})}


def test_a_typo_in_one_record_is_forgiven_two_consistent_dates_are_not() -> None:
    typo = dt.date(1980, 3, 15)
    # 1 and 2 are W-2s (undated) carrying the dates of the records they joined.
    one = RecordKeys(birth_date={0: D1, 3: typo})
    out = cluster(4, [link(0, 1), link(2, 3), link(1, 2)], one)
    assert groups(out.root) == {frozenset({0, 1, 2, 3})}
    two = RecordKeys(birth_date={0: D1, 1: D1, 3: typo, 4: typo})
    edges = [link(0, 1, dated=True), link(3, 4, dated=True), link(2, 3), link(1, 2)]
    out = cluster(5, edges, two)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2, 3, 4})}


def test_clashing_dates_on_a_link_split_a_father_and_son_once_either_is_confirmed() -> None:
    # Father: 0 and 1 (D1); son: 2 (D2). The link 1-2 (one name, one address) has dates
    # that clash: refused, for the father's date is confirmed by two records.
    keys = RecordKeys(birth_date={0: D1, 1: D1, 2: D2})
    out = cluster(3, [link(0, 1, dated=True), link(1, 2, dated=True, clash=True)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}
    assert out.refused == {"birth_date_clash": 1}
    # Two single records: one may simply carry a mistyped date; the weight decides.
    out = cluster(2, [link(0, 1, dated=True, clash=True)], RecordKeys(birth_date={0: D1, 1: D2}))
    assert groups(out.root) == {frozenset({0, 1})}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            link,
            st.integers(0, 11),
            st.integers(0, 11),
            identified=st.booleans(),
            dated=st.booleans(),
            clash=st.booleans(),
        ),
        max_size=40,
    ),
    st.dictionaries(st.integers(0, 11), st.sampled_from(["1", "2", "3"]), max_size=5),
)
def test_no_cluster_ever_holds_two_numident_ssns(edges: list[Edge], ssns: dict[int, str]) -> None:
    kept = [edge for edge in edges if edge.left != edge.right]
    out = cluster(12, kept, RecordKeys(numident_ssn=ssns))
    for group in groups(out.root):
        assert len({ssns[r] for r in group if r in ssns}) <= 1
    # The kept links span: each cluster of n records is held by n - 1 of them.
    assert len(out.kept) == 12 - len(groups(out.root))


def test_a_record_under_another_holders_issued_ssn_never_joins_a_person_with_a_number() -> None:
    # 0: a Numident (own number); 1: a W-2 under 0's name carrying a number issued to
    # someone else; 2: a W-2 under 0's own number.
    keys = RecordKeys(numident_ssn={0: "123456789"}, issued_ssn={1: "555443333", 2: "123456789"})
    out = cluster(3, [link(0, 1), link(0, 2, identified=True)], keys)
    assert groups(out.root) == {frozenset({0, 2}), frozenset({1})}
    assert out.refused == {"issued_ssn": 1}


def test_the_issued_ssn_check_holds_whichever_side_the_numident_is_on() -> None:
    # The W-2 under another's number first joins a licence; the Numident comes later.
    keys = RecordKeys(numident_ssn={2: "123456789"}, issued_ssn={0: "555443333"})
    out = cluster(3, [link(0, 1), link(1, 2, dated=True)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}
    assert out.refused == {"issued_ssn": 1}


def test_a_made_up_ssn_far_from_a_persons_own_never_joins_them_a_typo_of_it_does() -> None:
    # 0: a Numident; 1: a W-2 whose number is 0's with two digits swapped (an employer's
    # slip); 2: a W-2 under a number Numident never issued and far from 0's.
    keys = RecordKeys(numident_ssn={0: "123456789"}, unissued_ssn={1: "123456798", 2: "555443333"})
    out = cluster(3, [link(0, 1), link(0, 2)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}
    assert out.refused == {"unissued_ssn": 1}
    # Whichever side the Numident is on: the made-up number first joins a licence.
    keys = RecordKeys(numident_ssn={2: "123456789"}, unissued_ssn={0: "555443333"})
    out = cluster(3, [link(0, 1), link(1, 2, dated=True)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}


def test_a_us_birth_and_a_foreign_nationality_part_two_records_unless_an_identifier_ties_them() -> (
    None
):
    keys = RecordKeys(origin={0: US_BORN, 1: NATIONAL + "MEX"})
    out = cluster(2, [link(0, 1, dated=True)], keys)
    assert groups(out.root) == {frozenset({0}), frozenset({1})}
    assert out.refused == {"origin": 1}
    out = cluster(2, [link(0, 1, dated=True, identified=True)], keys)
    assert groups(out.root) == {frozenset({0, 1})}


def test_two_birth_countries_part_two_records_two_nationalities_do_not() -> None:
    apart = RecordKeys(origin={0: BORN + "IND", 1: BORN + "PAK"})
    assert groups(cluster(2, [link(0, 1, dated=True)], apart).root) == {
        frozenset({0}),
        frozenset({1}),
    }
    for together in (
        {0: NATIONAL + "IND", 1: NATIONAL + "PAK"},  # people hold two
        {0: BORN + "MEX", 1: NATIONAL + "MEX"},
        {0: BORN + "MEX", 1: NATIONAL + "USA"},  # born abroad, naturalized
        {0: US_BORN, 1: BORN + "USA"},
    ):
        out = cluster(2, [link(0, 1, dated=True)], RecordKeys(origin=together))
        assert groups(out.root) == {frozenset({0, 1})}, together


def test_a_wage_record_does_not_chain_a_us_born_citizen_to_a_foreign_national() -> None:
    # 0: a US-born citizen's Numident; 1: a W-2 (no origin); 2: an I-94 of a Mexican
    # national of the same name.
    keys = RecordKeys(origin={0: US_BORN, 2: NATIONAL + "MEX"})
    out = cluster(3, [link(0, 1), link(1, 2)], keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2})}


ORIGINS = [US_BORN, BORN + "MEX", BORN + "IND", NATIONAL + "MEX", NATIONAL + "GTM"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40),
    st.dictionaries(st.integers(0, 11), st.sampled_from(ORIGINS), max_size=8),
)
def test_links_on_names_and_dates_never_give_a_us_born_person_a_foreign_record(
    pairs: list[tuple[int, int]], origins: dict[int, str]
) -> None:
    edges = [link(a, b, dated=True) for a, b in pairs if a != b]
    out = cluster(12, edges, RecordKeys(origin=origins))
    for group in groups(out.root):
        found = {origins[r] for r in group if r in origins}
        births = {o for o in found if o.startswith(BORN)}
        assert len(births) <= 1
        if US_BORN in found:
            assert not any(o.startswith(NATIONAL) for o in found)


def test_two_people_born_a_digit_apart_each_confirmed_twice_stay_apart() -> None:
    born_1971, born_1991 = dt.date(1971, 6, 7), dt.date(1991, 6, 7)
    # 0, 1: a citizen's Numident and licence (1971); 2, 3: another's licence and renewal
    # (1991). The link 1-2 compared the dates and found them a typo apart.
    keys = RecordKeys(birth_date={0: born_1971, 1: born_1971, 2: born_1991, 3: born_1991})
    edges = [link(0, 1, dated=True), link(2, 3, dated=True), link(1, 2, dated=True)]
    out = cluster(4, edges, keys)
    assert groups(out.root) == {frozenset({0, 1}), frozenset({2, 3})}
    assert out.refused == {"birth_date_confirmed": 1}
    # One record alone on a side may carry the mistype: joined.
    keys = RecordKeys(birth_date={0: born_1971, 1: born_1971, 2: born_1991})
    out = cluster(3, [link(0, 1, dated=True), link(1, 2, dated=True)], keys)
    assert groups(out.root) == {frozenset({0, 1, 2})}
