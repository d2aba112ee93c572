"""Detention facilities as placement sites: beds, location and eligibility, by documented rules.

The rules are those of :mod:`custody.placement` (its docstring lists them); this module
applies them to ICE's FY2015 listing (``reference/facilities.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from immigrationos.reference import facilities as reference_facilities
from immigrationos.reference import geocode as geocoding
from immigrationos.reference.facilities import DetentionFacility

SECURITY_LEVELS = ("A", "B", "C", "D")
SEXES = ("F", "M")
_SEX_NAMES = {"F": "female", "M": "male"}


@dataclass(frozen=True)
class PlacementRules:
    """How the listing's gaps are read.

    Attributes:
        as_needed_beds: beds of an ``AS NEEDED`` facility: ``"peak_adp"`` (the highest
            average daily population of FY2010-FY2016, rounded up), ``"exclude"`` (none),
            or a fixed number.
        include_under_72: whether under-72-hour holding sites take placements.
    """

    as_needed_beds: str | int = "peak_adp"
    include_under_72: bool = False


@dataclass(frozen=True)
class Site:
    """A facility as the placement sees it: where it is, its beds, whom it may hold."""

    code: str
    name: str
    city: str
    state: str
    lat: float | None
    lon: float | None
    location_note: str
    beds: int
    beds_rule: str
    sexes: tuple[str, ...]
    security_levels: tuple[str, ...]
    excluded: str | None  # why the site takes no placement at all, if it takes none

    def ineligibility(self, sex: str, level: str) -> str | None:
        """Return why this site cannot hold a person of this sex and level (None if it can)."""
        if self.excluded is not None:
            return self.excluded
        if sex not in self.sexes:
            held = " and ".join(_SEX_NAMES[s] for s in self.sexes) or "no one"
            return f"holds {held} detainees only"
        if level not in self.security_levels:
            return f"security level {level} not among its levels {', '.join(self.security_levels)}"
        return None

    def eligibility(self, sex: str, level: str) -> str:
        """Return why this site can hold a person of this sex and level."""
        return (
            f"holds {_SEX_NAMES[sex]} detainees and security level {level} "
            f"(levels {', '.join(self.security_levels)}); {self.beds} beds ({self.beds_rule})"
        )


def _beds(facility: DetentionFacility, rules: PlacementRules) -> tuple[int, str]:
    if facility.capacity is not None:
        return facility.capacity, "listed capacity"
    if rules.as_needed_beds == "exclude":
        return 0, "AS NEEDED, excluded by rule"
    if isinstance(rules.as_needed_beds, int):
        return rules.as_needed_beds, f"AS NEEDED, {rules.as_needed_beds} beds by rule"
    peak = max(facility.adp_by_fiscal_year.values(), default=0.0)
    return math.ceil(peak - 1e-9), f"AS NEEDED, peak FY10-FY16 average population {peak:.1f}"


def _sexes(gender: str | None) -> tuple[str, ...]:
    if gender is None:
        return ()
    parts = {p.strip().lower() for p in gender.split("/")}
    return tuple(s for s in SEXES if _SEX_NAMES[s] in parts)


def _locate(facility: DetentionFacility) -> tuple[float | None, float | None, str]:
    gaz = geocoding.get_gazetteer()
    hit = gaz.zip_index.get(facility.zip)
    if hit is not None and hit[0] != facility.state:
        # A ZIP of another state is a typo in the listing: the city is the better clue.
        code = geocoding.geocode(None, facility.city, facility.state, None, gazetteer=gaz)
        return code.lat, code.lon, f"ZIP {facility.zip} is in {hit[0]}: {code.note}"
    code = geocoding.geocode(None, facility.city, facility.state, facility.zip, gazetteer=gaz)
    return code.lat, code.lon, code.note


def build_sites(
    rules: PlacementRules | None = None,
    *,
    occupied: Mapping[str, int] | None = None,
    listing: tuple[DetentionFacility, ...] | None = None,
) -> tuple[Site, ...]:
    """Return the listing's facilities as placement sites under the rules.

    Args:
        rules: how ``AS NEEDED`` capacities and under-72-hour sites are read.
        occupied: beds already taken per facility code, subtracted from its beds.
        listing: the facilities; the bundled FY2015 listing by default.
    """
    rules = rules or PlacementRules()
    sites = []
    for facility in listing if listing is not None else reference_facilities.load_facilities():
        beds, beds_rule = _beds(facility, rules)
        taken = (occupied or {}).get(facility.code, 0)
        if taken:
            beds, beds_rule = max(0, beds - taken), f"{beds_rule}, less {taken} occupied"
        lat, lon, note = _locate(facility)
        excluded = None
        if facility.over_under_72 == "Under 72" and not rules.include_under_72:
            excluded = "an under-72-hour holding site, not for detention placement"
        elif lat is None or lon is None:
            excluded = f"cannot be located ({note})"
        elif beds <= 0:
            excluded = f"no beds ({beds_rule})"
        elif not _sexes(facility.gender):
            excluded = "the listing gives no male/female for it"
        elif not facility.security_levels:
            excluded = "the listing gives no security levels for it"
        sites.append(
            Site(
                code=facility.code,
                name=facility.name,
                city=facility.city,
                state=facility.state,
                lat=lat,
                lon=lon,
                location_note=note,
                beds=beds,
                beds_rule=beds_rule,
                sexes=_sexes(facility.gender),
                security_levels=tuple(s for s in facility.security_levels if s in SECURITY_LEVELS),
                excluded=excluded,
            )
        )
    return tuple(sites)
