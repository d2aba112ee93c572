"""Place detained persons into detention facilities, minimizing the total transport distance.

A min-cost flow (OR-Tools ``SimpleMinCostFlow``): persons at the same place with the same
sex and security level form one supply node; each usable facility is a node whose arc to
the sink carries its beds; a group-to-facility arc exists only where the facility may hold
them, at the cost of the road distance (great-circle × the circuity factor 1.2 of
``operations/travel.py``, in units of 100 m). An arc from each group straight to the sink
at a prohibitive cost (:data:`UNPLACED_COST`) keeps the flow feasible: a person sent there
is reported as not placed, with the reason. The flow first places as many persons as
possible, then minimizes the distance among those placements. Each group is offered only its
nearest eligible facilities up to as many beds as there are persons, which loses nothing
(see :func:`_nearest_enough`) and keeps the network small.

Rules for ICE's FY2015 listing (``reference/data/ice_detention_facilities_fy15.csv``):

* **Capacity.** The ``Capacity`` column is the facility's beds. 49 facilities say
  ``AS NEEDED`` (mostly county and city jails used under US Marshals agreements, with no
  contracted bed count); by default such a facility gets the highest average daily
  population it held in FY2010-FY2016, rounded up: what it has shown it takes, and none if
  it never held anyone. ``PlacementRules(as_needed_beds=...)`` sets a fixed number or
  excludes them. Beds already occupied can be subtracted (``occupied``).
* **Under-72-hour sites.** The 64 facilities marked ``Under 72`` are holding sites for at
  most 72 hours, not detention: they take no placement unless
  ``PlacementRules(include_under_72=True)`` (for a short hold right after arrest).
* **Male/female.** ``Male`` holds men, ``Female`` women, ``Female/Male`` both. The one
  facility with ``NA`` holds no one (the listing does not say whom it may hold).
* **Security levels.** A person's level (A-D) must be among the facility's levels; ``NA``
  holds no one.
* **Location and short ZIP codes.** Facilities are placed at their ZIP's coordinates from
  the bundled GeoNames table. 13 ZIPs lost their leading zero in the listing (``7601``):
  they are padded back to five digits (``07601``). A ZIP that is unknown or lies in another
  state than the facility's (``SALEMNJ`` has ``80898`` for Woodstown, NJ) falls back to the
  city's centroid; a facility that cannot be placed at all takes no placement.

Each placement explains itself: the facility, the distance, why it is eligible, and for
every nearer facility (up to ``explain_nearer`` of them listed, all counted) why it was
not chosen: ineligible (the rule that excludes it) or full (all its beds went to persons
for whom the total distance is lower).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from immigrationos.custody.sites import SECURITY_LEVELS, SEXES, PlacementRules, Site, build_sites
from immigrationos.operations.travel import CIRCUITY_FACTOR, haversine_cross_km

UNITS_PER_KM = 10  # flow costs in 100 m units: integer, and small enough not to overflow
UNPLACED_COST = 10**9  # more than any chain of reassignments can save: place first


class PlacementError(ValueError):
    """Persons or facilities that cannot be read as a placement problem."""


@dataclass(frozen=True)
class DetainedPerson:
    """A detained person to place: sex (F/M), security level (A-D) and where they are now."""

    id: str
    sex: str
    security_level: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PassedOver:
    """A facility nearer than the one chosen, and why it was not chosen."""

    code: str
    name: str
    distance_km: float
    reason: str


@dataclass(frozen=True)
class Placement:
    """Where one person is placed, how far, and why there."""

    person_id: str
    facility_code: str
    facility_name: str
    distance_km: float
    eligible_because: str
    nearer_full: int
    nearer_ineligible: int
    nearer: tuple[PassedOver, ...]


@dataclass(frozen=True)
class Unplaced:
    """A person who could not be placed, and why."""

    person_id: str
    reason: str


@dataclass(frozen=True)
class PlacementResult:
    """The placements, the persons not placed, and the load of each facility."""

    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    load: dict[str, int]
    beds: dict[str, int]
    total_distance_km: float
    seconds: float


def _validate(persons: list[DetainedPerson]) -> None:
    seen: set[str] = set()
    for p in persons:
        if p.id in seen:
            raise PlacementError(f"person {p.id}: listed twice")
        seen.add(p.id)
        if p.sex not in SEXES:
            raise PlacementError(f"person {p.id}: sex is {p.sex!r}, expected F or M")
        if p.security_level not in SECURITY_LEVELS:
            raise PlacementError(
                f"person {p.id}: security level is {p.security_level!r}, expected A, B, C or D"
            )
        if not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180):
            raise PlacementError(f"person {p.id}: coordinates ({p.lat}, {p.lon}) out of range")


def place(
    persons: list[DetainedPerson],
    sites: tuple[Site, ...] | None = None,
    *,
    rules: PlacementRules | None = None,
    explain_nearer: int = 10,
) -> PlacementResult:
    """Place persons into facilities at the least total road distance.

    Args:
        persons: the detained persons; ids unique.
        sites: the facilities as placement sites; the bundled listing under ``rules`` if None.
        rules: the listing's rules (used only when ``sites`` is None).
        explain_nearer: how many nearer facilities each placement lists (all are counted).

    Returns:
        A placement per person who can be placed, the others with the reason, and each
        facility's load. Among all placements of the most persons possible, the total
        distance (rounded to 100 m per person) is minimal.
    """
    started = time.perf_counter()
    _validate(persons)
    if sites is None:
        sites = build_sites(rules)
    usable = [s for s in sites if s.excluded is None and s.lat is not None and s.lon is not None]
    groups: dict[tuple[float, float, str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(persons):
        groups[(p.lat, p.lon, p.sex, p.security_level)].append(i)
    keys = list(groups)
    n_groups, n_sites = len(keys), len(usable)
    if n_groups == 0:
        return PlacementResult((), (), {}, {s.code: s.beds for s in usable}, 0.0, 0.0)
    road_km = CIRCUITY_FACTOR * haversine_cross_km(
        np.array([k[0] for k in keys]),
        np.array([k[1] for k in keys]),
        np.array([s.lat for s in usable], dtype=float),
        np.array([s.lon for s in usable], dtype=float),
    )
    if n_sites == 0:
        road_km = np.zeros((n_groups, 0))
    cost = np.rint(road_km * UNITS_PER_KM).astype(np.int64)
    classes = _classes(keys)
    eligible = np.array(
        [[s.ineligibility(sex, level) is None for s in usable] for sex, level in classes],
        dtype=bool,
    ).reshape(len(classes), n_sites)
    class_index = {c: i for i, c in enumerate(classes)}
    mask = eligible[[class_index[(k[2], k[3])] for k in keys]]
    counts = np.array([len(groups[k]) for k in keys], dtype=np.int64)

    flow = min_cost_flow.SimpleMinCostFlow()
    g_idx, s_idx = np.nonzero(_nearest_enough(mask, road_km, usable, int(counts.sum())))
    sink = n_groups + n_sites
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        g_idx.astype(np.int32),
        (n_groups + s_idx).astype(np.int32),
        counts[g_idx],
        cost[g_idx, s_idx],
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_groups, sink, dtype=np.int32),
        np.full(n_sites, sink, dtype=np.int32),
        np.array([s.beds for s in usable], dtype=np.int64),
        np.zeros(n_sites, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_groups, dtype=np.int32),
        np.full(n_groups, sink, dtype=np.int32),
        counts,
        np.full(n_groups, UNPLACED_COST, dtype=np.int64),
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_groups] = counts
    supplies[sink] = -counts.sum()
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise PlacementError(f"the min-cost flow ended with status {status}")
    pair_flow = flow.flows(pair_arcs)

    load = np.zeros(n_sites, dtype=np.int64)
    np.add.at(load, s_idx, pair_flow)
    per_group: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for g, s, f in zip(g_idx.tolist(), s_idx.tolist(), pair_flow.tolist(), strict=True):
        if f:
            per_group[g].append((s, f))
    placements: list[Placement] = []
    unplaced: list[Unplaced] = []
    explained = _Explainer(
        usable, sites, road_km, load, explain_nearer, [(k[0], k[1]) for k in keys], mask
    )
    for g, key in enumerate(keys):
        members = sorted(groups[key], key=lambda i: persons[i].id)
        chosen = sorted(
            per_group.get(g, []), key=lambda sf: (road_km[g, sf[0]], usable[sf[0]].code)
        )
        cursor = 0
        for s, f in chosen:
            template = explained.placement(g, s, key[2], key[3])
            for i in members[cursor : cursor + f]:
                placements.append(_with_person(template, persons[i].id))
            cursor += f
        if cursor < len(members):
            reason = _unplaced_reason(usable, mask[g], key[2], key[3])
            unplaced.extend(Unplaced(persons[i].id, reason) for i in members[cursor:])
    order = {p.id: i for i, p in enumerate(persons)}
    placements.sort(key=lambda p: order[p.person_id])
    unplaced.sort(key=lambda u: order[u.person_id])
    return PlacementResult(
        placements=tuple(placements),
        unplaced=tuple(unplaced),
        load={usable[s].code: int(n) for s, n in enumerate(load.tolist()) if n},
        beds={s.code: s.beds for s in usable},
        total_distance_km=float(sum(p.distance_km for p in placements)),
        seconds=time.perf_counter() - started,
    )


def _nearest_enough(
    mask: np.ndarray, road_km: np.ndarray, usable: list[Site], persons: int
) -> np.ndarray:
    """Return the arcs worth offering: per group, its nearest eligible sites up to N beds.

    Exact: if a person were placed beyond eligible sites that together have at least as
    many beds as there are persons (N), one of those nearer sites would have a free bed
    (they hold at most N - 1 others), and moving the person there would shorten the total;
    the same holds for a person left unplaced. So some optimal flow uses only these arcs.
    """
    if mask.size == 0:
        return mask
    beds = np.array([s.beds for s in usable], dtype=np.int64)
    order = np.argsort(np.where(mask, road_km, np.inf), axis=1, kind="stable")
    eligible_sorted = np.take_along_axis(mask, order, axis=1)
    beds_sorted = np.where(eligible_sorted, beds[order], 0)
    before = np.cumsum(beds_sorted, axis=1) - beds_sorted
    keep = eligible_sorted & (before < persons)
    pruned = np.zeros_like(mask)
    rows = np.broadcast_to(np.arange(mask.shape[0])[:, None], order.shape)
    pruned[rows[keep], order[keep]] = True
    return pruned


def _classes(keys: list[tuple[float, float, str, str]]) -> list[tuple[str, str]]:
    return sorted({(k[2], k[3]) for k in keys})


def _with_person(template: Placement, person_id: str) -> Placement:
    return Placement(
        person_id,
        template.facility_code,
        template.facility_name,
        template.distance_km,
        template.eligible_because,
        template.nearer_full,
        template.nearer_ineligible,
        template.nearer,
    )


def _unplaced_reason(usable: list[Site], row: np.ndarray, sex: str, level: str) -> str:
    eligible = [s for s, ok in zip(usable, row.tolist(), strict=True) if ok]
    who = f"{'female' if sex == 'F' else 'male'} detainees at security level {level}"
    if not eligible:
        return f"no usable facility holds {who}"
    beds = sum(s.beds for s in eligible)
    return f"all {len(eligible)} facilities that hold {who} are full ({beds} beds)"


class _Explainer:
    """Build (and reuse) the explanation of a placement of a group at a site.

    Works over all sites with coordinates: the usable ones first (as in the flow), then
    those that take no placement, which are ineligible for everyone but may be nearer.
    """

    def __init__(
        self,
        usable: list[Site],
        sites: tuple[Site, ...],
        road_km: np.ndarray,
        load: np.ndarray,
        limit: int,
        origins: list[tuple[float, float]],
        mask: np.ndarray,
    ) -> None:
        usable_codes = {s.code for s in usable}
        others = [
            s
            for s in sites
            if s.code not in usable_codes and s.lat is not None and s.lon is not None
        ]
        others_km = CIRCUITY_FACTOR * haversine_cross_km(
            np.array([o[0] for o in origins]),
            np.array([o[1] for o in origins]),
            np.array([s.lat for s in others], dtype=float),
            np.array([s.lon for s in others], dtype=float),
        ).reshape(len(origins), len(others))
        self._all = [*usable, *others]
        self._km = np.hstack([road_km, others_km])
        self._eligible = np.hstack([mask, np.zeros((len(origins), len(others)), dtype=bool)])
        beds = np.array([s.beds for s in usable], dtype=np.int64)
        self._full = np.concatenate([load >= beds, np.zeros(len(others), dtype=bool)])
        self._limit = limit
        self._cache: dict[tuple[int, int], Placement] = {}

    def placement(self, g: int, s: int, sex: str, level: str) -> Placement:
        """Return the placement (without person) of group g at usable site s, explained."""
        if (g, s) in self._cache:
            return self._cache[(g, s)]
        km = self._km[g]
        chosen_km = float(km[s])
        nearer = np.nonzero(km < chosen_km)[0]
        eligible = self._eligible[g, nearer]
        full = int(np.count_nonzero(eligible & self._full[nearer]))
        ineligible = int(np.count_nonzero(~eligible))
        listed = nearer[np.argsort(km[nearer], kind="stable")][: self._limit]
        passed = []
        for t in listed.tolist():
            other = self._all[t]
            reason = other.ineligibility(sex, level)
            if reason is not None:
                reason = f"ineligible: {reason}"
            elif self._full[t]:
                reason = f"full: all {other.beds} beds placed"
            else:
                reason = "as near as the chosen one at 100 m resolution"
            passed.append(PassedOver(other.code, other.name, round(float(km[t]), 1), reason))
        site = self._all[s]
        result = Placement(
            "",
            site.code,
            site.name,
            round(chosen_km, 1),
            site.eligibility(sex, level),
            full,
            ineligible,
            tuple(passed),
        )
        self._cache[(g, s)] = result
        return result
