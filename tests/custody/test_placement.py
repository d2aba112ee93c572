"""Detention placement: capacity, eligibility, optimality against brute force, the rules."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immigrationos.custody import placement, sites
from immigrationos.custody.placement import DetainedPerson, PlacementError
from immigrationos.custody.sites import PlacementRules, Site
from immigrationos.operations.travel import CIRCUITY_FACTOR, haversine_km


def site(code: str, lat: float, lon: float, beds: int, sexes: str = "FM", levels: str = "ABCD",
         excluded: str | None = None) -> Site:  # fmt: skip
    return Site(
        code=code, name=code, city="", state="", lat=lat, lon=lon, location_note="test",
        beds=beds, beds_rule="test", sexes=tuple(sexes), security_levels=tuple(levels),
        excluded=excluded,
    )  # fmt: skip


def person(pid: str, lat: float, lon: float, sex: str = "M", level: str = "A") -> DetainedPerson:
    return DetainedPerson(pid, sex, level, lat, lon)


def road(p: DetainedPerson, s: Site) -> float:
    assert s.lat is not None and s.lon is not None
    return CIRCUITY_FACTOR * haversine_km(p.lat, p.lon, s.lat, s.lon)


def check(persons: list[DetainedPerson], site_list: tuple[Site, ...],
          result: placement.PlacementResult) -> None:  # fmt: skip
    by_code = {s.code: s for s in site_list}
    by_id = {p.id: p for p in persons}
    placed = [pl.person_id for pl in result.placements]
    assert sorted(placed + [u.person_id for u in result.unplaced]) == sorted(by_id)
    counts: dict[str, int] = {}
    for pl in result.placements:
        s, p = by_code[pl.facility_code], by_id[pl.person_id]
        assert s.ineligibility(p.sex, p.security_level) is None
        assert pl.distance_km == pytest.approx(road(p, s), abs=0.06)
        counts[s.code] = counts.get(s.code, 0) + 1
    for code, n in counts.items():
        assert n <= by_code[code].beds
        assert result.load[code] == n


def brute_force(persons: list[DetainedPerson], site_list: tuple[Site, ...]) -> tuple[int, float]:
    """Return (most persons placed, least distance among those) by trying every assignment."""
    options = [
        [None] + [s for s in site_list if s.ineligibility(p.sex, p.security_level) is None]
        for p in persons
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        used: dict[str, int] = {}
        for s in choice:
            if s is not None:
                used[s.code] = used.get(s.code, 0) + 1
        if any(n > next(x.beds for x in site_list if x.code == c) for c, n in used.items()):
            continue
        n = sum(1 for s in choice if s is not None)
        dist = sum(road(p, s) for p, s in zip(persons, choice, strict=True) if s is not None)
        if n > best[0] or (n == best[0] and dist < best[1]):
            best = (n, dist)
    return best


def test_nearest_eligible_site_with_explanations() -> None:
    site_list = (
        site("NEAR-F", 34.0, -118.0, 5, sexes="F"),
        site("NEAR-FULL", 34.1, -118.0, 1),
        site("HOLD", 34.05, -118.0, 9, excluded="an under-72-hour holding site"),
        site("FAR", 36.0, -118.0, 5),
    )
    persons = [person("p1", 34.0, -118.0), person("p2", 34.0, -118.01)]
    result = placement.place(persons, site_list)
    check(persons, site_list, result)
    by_person = {pl.person_id: pl for pl in result.placements}
    assert by_person["p1"].facility_code == "NEAR-FULL"  # p1 is nearer to it than p2
    far = by_person["p2"]
    assert far.facility_code == "FAR"
    assert "holds male detainees and security level A" in far.eligible_because
    reasons = {n.code: n.reason for n in far.nearer}
    assert reasons["NEAR-F"] == "ineligible: holds female detainees only"
    assert reasons["NEAR-FULL"] == "full: all 1 beds placed"
    assert reasons["HOLD"] == "ineligible: an under-72-hour holding site"
    assert (far.nearer_full, far.nearer_ineligible) == (1, 2)


def test_unplaced_persons_have_reasons() -> None:
    site_list = (site("A", 34.0, -118.0, 1, levels="AB"),)
    persons = [person("p1", 34, -118), person("p2", 34, -118), person("p3", 34, -118, level="D")]
    result = placement.place(persons, site_list)
    check(persons, site_list, result)
    reasons = {u.person_id: u.reason for u in result.unplaced}
    assert (
        reasons["p2"]
        == "all 1 facilities that hold male detainees at security level A are full (1 beds)"
    )
    assert reasons["p3"] == "no usable facility holds male detainees at security level D"


def test_bad_person_is_refused() -> None:
    with pytest.raises(PlacementError, match="person x: sex is 'X'"):
        placement.place([person("x", 0, 0, sex="X")], (site("A", 0, 0, 1),))
    with pytest.raises(PlacementError, match="security level is 'E'"):
        placement.place([person("x", 0, 0, level="E")], (site("A", 0, 0, 1),))
    with pytest.raises(PlacementError, match="listed twice"):
        placement.place([person("x", 0, 0), person("x", 1, 1)], (site("A", 0, 0, 1),))


@st.composite
def small_cases(draw: st.DrawFn) -> tuple[list[DetainedPerson], tuple[Site, ...]]:
    coord = st.tuples(st.floats(30, 40), st.floats(-120, -100))
    site_list = tuple(
        site(
            f"S{i}",
            *draw(coord),
            beds=draw(st.integers(0, 3)),
            sexes=draw(st.sampled_from(["F", "M", "FM"])),
            levels=draw(st.sampled_from(["A", "AB", "BCD", "ABCD"])),
        )
        for i in range(draw(st.integers(1, 3)))
    )
    persons = [
        person(
            f"P{i}",
            *draw(coord),
            sex=draw(st.sampled_from("FM")),
            level=draw(st.sampled_from("ABCD")),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    return persons, site_list


@settings(max_examples=60, deadline=None)
@given(small_cases())
def test_optimal_against_brute_force(case: tuple[list[DetainedPerson], tuple[Site, ...]]) -> None:
    persons, site_list = case
    result = placement.place(persons, site_list)
    check(persons, site_list, result)
    most, least = brute_force(persons, site_list)
    assert len(result.placements) == most
    # costs are rounded to 100 m per person in the flow
    assert result.total_distance_km == pytest.approx(least, abs=0.05 * len(persons) + 1e-6)


def test_listing_rules() -> None:
    by_code = {s.code: s for s in sites.build_sites()}
    assert len(by_code) == 209
    # AS NEEDED: peak FY10-FY16 average daily population, rounded up
    chase = by_code["CHASEKS"]
    assert chase.beds_rule.startswith("AS NEEDED, peak") and chase.beds >= 25
    # under-72-hour sites take no placement by default
    assert (
        by_code["ALHAMCA"].excluded == "an under-72-hour holding site, not for detention placement"
    )
    assert sum(1 for s in by_code.values() if s.excluded) == 64
    # a short ZIP (7601) is padded (07601) and lands in New Jersey
    bergen = by_code["BERGENJ"]
    assert bergen.lat is not None and 40.5 < bergen.lat < 41.2 and bergen.lon is not None
    assert -74.5 < bergen.lon < -73.8
    # a wrong ZIP (80898 for Woodstown, NJ) falls back to the city, still in New Jersey
    salem = by_code["SALEMNJ"]
    assert salem.lat is not None and 39.4 < salem.lat < 39.9
    # sexes and levels as listed
    assert by_code["ADLNTCA"].sexes == ("M",) and by_code["ALLEGNY"].sexes == ("F",)
    assert by_code["ALBCONY"].sexes == ("F", "M")


def test_listing_rule_options() -> None:
    excluded = {s.code: s for s in sites.build_sites(PlacementRules(as_needed_beds="exclude"))}
    assert excluded["CHASEKS"].beds == 0 and excluded["CHASEKS"].excluded is not None
    fixed = {s.code: s for s in sites.build_sites(PlacementRules(as_needed_beds=7))}
    assert fixed["CHASEKS"].beds == 7
    short = {s.code: s for s in sites.build_sites(PlacementRules(include_under_72=True))}
    assert short["ALHAMCA"].excluded is None or "beds" in short["ALHAMCA"].excluded
    occupied = {s.code: s for s in sites.build_sites(occupied={"ADLNTCA": 1900})}
    assert occupied["ADLNTCA"].beds == 40


def test_places_on_the_reference_listing() -> None:
    persons = [
        person("la", 34.05, -118.25, "M", "B"),
        person("ny", 40.71, -74.0, "F", "C"),
    ]
    result = placement.place(persons)
    assert not result.unplaced
    by_person = {pl.person_id: pl for pl in result.placements}
    assert by_person["la"].distance_km < 150
    assert by_person["ny"].distance_km < 300


def test_pruned_network_loses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    site_list = tuple(
        site(
            f"S{i}",
            rng.uniform(30, 45),
            rng.uniform(-120, -75),
            rng.randint(0, 8),
            sexes=rng.choice(["F", "M", "FM"]),
            levels=rng.choice(["AB", "ABCD", "CD"]),
        )
        for i in range(40)
    )
    persons = [
        person(
            f"P{i}",
            rng.uniform(30, 45),
            rng.uniform(-120, -75),
            rng.choice("FMMM"),
            rng.choice("ABCD"),
        )
        for i in range(150)
    ]
    pruned = placement.place(persons, site_list)
    monkeypatch.setattr(placement, "_nearest_enough", lambda mask, *_: mask)
    full = placement.place(persons, site_list)
    check(persons, site_list, pruned)
    assert len(pruned.placements) == len(full.placements)
    assert pruned.total_distance_km == pytest.approx(full.total_distance_km, abs=0.05 * 150)
