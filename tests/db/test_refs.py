"""``db.refs.by_source``: every distinct reference once, grouped by source, in chunks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from immigrationos.db.refs import by_source

REFS = st.lists(
    st.tuples(st.sampled_from(("cbp_i94", "irs_w2", "ssa_numident")), st.text(max_size=4)),
    max_size=60,
)


@given(refs=REFS, size=st.integers(min_value=1, max_value=7))
def test_each_reference_comes_once_in_a_chunk_of_its_source(
    refs: list[tuple[str, str]], size: int
) -> None:
    chunks = list(by_source(refs, size))
    got = [(source, record_id) for source, ids in chunks for record_id in ids]
    assert sorted(got) == sorted(set(refs))  # nothing lost, nothing twice
    assert all(1 <= len(ids) <= size for _, ids in chunks)
    sources = [source for source, _ in chunks]
    # One source's chunks come together: a query per chunk, never a source split apart.
    assert sources == sorted(sources)
    full = {source: sum(1 for s, _ in chunks if s == source) for source in sources}
    for source, count in full.items():
        n = len({r for s, r in refs if s == source})
        assert count == -(-n // size)  # as few chunks as the size allows


def test_a_chunk_must_hold_a_record() -> None:
    with pytest.raises(ValueError, match="at least one record id, not 0"):
        list(by_source([("cbp_i94", "A")], 0))
