"""The bias monitor over HTTP: ``GET /oversight/bias`` returns its figures.

Rates and disparity ratios by group, the proxies and the alerts: counts, never person
data. Read by the oversight role (``audit.read``: the one role that reads the audit
log reads the measurements of the platform's effects too); audited as
``oversight.bias``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from immigrationos.apikit.deps import EngineDep, SessionDep, audit, require
from immigrationos.apikit.problems import responses
from immigrationos.auth.permissions import Permission
from immigrationos.auth.principal import Principal
from immigrationos.oversight import bias
from immigrationos.oversight import report as bias_report

router = APIRouter(prefix="/oversight", tags=["oversight"])
BIAS_PERMISSION = Permission.AUDIT_READ


class GroupRead(BaseModel):
    """One group's rate and ratio to the reference group, with its interval."""

    group: str
    n: int
    hits: int
    rate: float
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    reference: bool
    out_of_band: bool
    alert: bool


class DisparityRead(BaseModel):
    """One metric by one attribute."""

    metric: str
    label: str
    attribute: str
    reference: str | None
    groups: list[GroupRead]
    left_out: list[tuple[str, int]] = Field(description="Groups below the minimum size.")


class ProxyRead(BaseModel):
    """One policy factor against one protected trait."""

    factor: str
    kind: str
    points: int
    attribute: str
    scored: int
    exposed: int
    association: float = Field(description="Cramér's V of being scored by it and the trait.")
    feature: str | None
    feature_association: float | None
    exposure: DisparityRead
    priority_with: float | None
    priority_without: float | None
    conduct: bool
    likely_proxy: bool
    why: str


class FeatureRead(BaseModel):
    """How strongly a feature says a protected trait."""

    feature: str
    attribute: str
    association: float
    persons: int
    values: int


class AlertRead(BaseModel):
    """A disparity outside the band, or a likely proxy."""

    kind: str
    metric: str
    attribute: str
    group: str
    ratio: float | None
    message: str


class BiasRead(BaseModel):
    """The bias monitor's figures over the current persons, leads and cases."""

    persons: int
    policy: str | None
    truth: bool
    settings: dict[str, Any]
    alerts: list[AlertRead]
    likely_proxies: list[str]
    disparities: list[DisparityRead]
    proxies: list[ProxyRead]
    features: list[FeatureRead]


@router.get(
    "/bias",
    response_model=BiasRead,
    summary="The bias monitor: rates and disparity ratios by group, proxies, alerts",
    responses=responses(401, 403, 422),
)
def read_bias(
    session: SessionDep,
    engine: EngineDep,
    principal: Annotated[Principal, require(BIAS_PERMISSION)],
    min_group: Annotated[int, Query(ge=1, le=1_000_000)] = 30,
    priority_score: Annotated[int, Query(ge=0, le=100)] = 50,
    band_low: Annotated[float, Query(gt=0, le=1)] = 0.8,
    band_high: Annotated[float, Query(ge=1, le=100)] = 1.25,
    n_boot: Annotated[int, Query(ge=50, le=5_000)] = 500,
) -> BiasRead:
    """Return the bias monitor's figures (counts and rates by group, no person data)."""
    settings = bias.BiasSettings(
        min_group=min_group,
        priority_score=priority_score,
        band=(band_low, band_high),
        n_boot=n_boot,
    )
    measured = bias_report.measure(engine, settings=settings)
    audit(
        session,
        principal,
        "oversight.bias",
        resource_type="bias_report",
        details={"persons": measured.persons, "alerts": len(measured.alerts)},
    )
    session.commit()
    data = measured.to_dict()
    return BiasRead.model_validate({**data, "likely_proxies": bias.likely_proxies(measured)})
