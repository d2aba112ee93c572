"""The bias monitor's page: ``GET /oversight/bias`` draws its ratios as inline SVG charts.

The figures are the API's (``oversight.views_bias``: the same measurement, the same
``audit.read`` permission, the ``oversight.bias`` audit event); the charts are the
report's (``oversight.report.chart_svg``), so the page and the report file agree.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from immigrationos.apikit.deps import EngineDep, SessionDep, audit
from immigrationos.auth.principal import Principal
from immigrationos.oversight import bias
from immigrationos.oversight import report as bias_report
from immigrationos.oversight.views_bias import BIAS_PERMISSION
from immigrationos.web.deps import signed_in
from immigrationos.web.render import page

router = APIRouter(include_in_schema=False)
BiasReader = Annotated[Principal, signed_in(BIAS_PERMISSION)]
# The metrics drawn first: what the platform does to people, then what the truth says.
SHOWN_FIRST = ("priority", "selection", "false-positive", "safeguarded")


@router.get("/oversight/bias", response_class=HTMLResponse)
def bias_page(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    principal: BiasReader,
    min_group: Annotated[int, Query(ge=1, le=1_000_000)] = 30,
    priority_score: Annotated[int, Query(ge=0, le=100)] = 50,
) -> HTMLResponse:
    """Show the bias monitor: alerts, proxies and the disparity charts."""
    settings = bias.BiasSettings(min_group=min_group, priority_score=priority_score)
    measured = bias_report.measure(engine, settings=settings)
    audit(
        session,
        principal,
        "oversight.bias",
        resource_type="bias_report",
        details={"persons": measured.persons, "alerts": len(measured.alerts), "page": True},
    )
    session.commit()
    data = bias_report.context(measured)

    def rank(chart: bias_report.RatioChart) -> int:
        found = [i for i, m in enumerate(SHOWN_FIRST) if chart.chart_id.startswith(f"{m}-")]
        return found[0] if found else len(SHOWN_FIRST)

    charts = sorted(data["charts"], key=lambda c: rank(c[0]))
    return page(
        request,
        "oversight/bias.html",
        principal,
        **{**data, "charts": charts, "likely_proxies": bias.likely_proxies(measured)},
    )
