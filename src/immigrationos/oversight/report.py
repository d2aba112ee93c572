"""The bias report: measured from the database, drawn as inline SVG, written as HTML or PDF.

Each chart shows one metric by one attribute: every kept group's ratio to the reference
group as a dot with its bootstrap interval as a whisker, on a log scale, over the shaded
0.8-1.25 band and the line of parity. The same SVG is used by the report file and by
the oversight page (``web/oversight_bias.py``), drawn by ``templates/_bias_chart.html``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine

from immigrationos.db.engine import session_scope
from immigrationos.documents import render
from immigrationos.oversight import bias, bias_data
from immigrationos.targeting.policy import PriorityPolicy, load_policy

TEMPLATES = Path(__file__).parent / "templates"
SEARCH = (str(TEMPLATES),)
TITLE = "Bias monitor report"
SYNTHETIC_BANNER = "SYNTHETIC DATA - every person in this report is generated"
# The ratio axis: log scale from 1/4 to 4, parity in the middle.
AXIS_LOW, AXIS_HIGH = 0.25, 4.0
TICKS = (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0)
ROW = 22
LABEL = 170
WIDTH = 620
PLOT = WIDTH - LABEL - 90


@dataclass(frozen=True)
class ChartRow:
    """One group on a ratio chart: where its dot and whisker are drawn."""

    label: str
    n: int
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    x: float | None
    x_low: float | None
    x_high: float | None
    y: int
    alert: bool
    reference: bool


@dataclass(frozen=True)
class RatioChart:
    """A metric by an attribute: group ratios with intervals against the band."""

    chart_id: str
    title: str
    reference: str | None
    rows: tuple[ChartRow, ...]
    band_x: float
    band_width: float
    parity_x: float
    ticks: tuple[tuple[str, float], ...]
    height: int
    left_out: tuple[tuple[str, int], ...]
    width: int = WIDTH
    label_width: int = LABEL


def _x(ratio: float) -> float:
    clipped = min(max(ratio, AXIS_LOW), AXIS_HIGH)
    span = math.log(AXIS_HIGH) - math.log(AXIS_LOW)
    return round(LABEL + (math.log(clipped) - math.log(AXIS_LOW)) / span * PLOT, 1)


def ratio_chart(d: bias.Disparity, band: tuple[float, float]) -> RatioChart:
    """Return the chart of one disparity: each group's ratio, interval and the band."""
    rows = tuple(
        ChartRow(
            label=g.group,
            n=g.n,
            ratio=g.ratio,
            ci_low=g.ci_low,
            ci_high=g.ci_high,
            x=_x(g.ratio) if g.ratio else None,
            x_low=_x(g.ci_low) if g.ci_low else None,
            x_high=_x(g.ci_high) if g.ci_high else None,
            y=i * ROW + 10,
            alert=g.alert,
            reference=g.reference,
        )
        for i, g in enumerate(d.groups)
    )
    low, high = _x(band[0]), _x(band[1])
    return RatioChart(
        chart_id=f"{d.metric}-{d.attribute}".replace("_", "-"),
        title=f"{d.label} - by {d.attribute.replace('_', ' ')} (ratio to {d.reference})",
        reference=d.reference,
        rows=rows,
        band_x=low,
        band_width=round(high - low, 1),
        parity_x=_x(1.0),
        ticks=tuple((f"{t:g}", _x(t)) for t in TICKS),
        height=max(len(rows), 1) * ROW + 30,
        left_out=d.left_out,
    )


def chart_svg(chart: RatioChart) -> Markup:
    """Return a ratio chart as inline SVG markup."""
    html = render.render_html("_bias_chart.html", {"chart": chart}, search=SEARCH)
    return Markup(html)  # rendered by an autoescaping template


def measure(
    engine: Engine,
    *,
    settings: bias.BiasSettings | None = None,
    truth: Path | None = None,
    policy: PriorityPolicy | None = None,
    as_of: dt.date | None = None,
) -> bias.BiasReport:
    """Return the bias report of the platform's current persons, leads and cases."""
    chosen = policy or load_policy()
    with session_scope(engine) as session:
        rows = bias_data.subjects(session, as_of=as_of, truth=truth)
    return bias.measure(
        rows,
        settings,
        factor_kinds=bias.factor_kinds_of(chosen.factors),
        policy=f"{chosen.policy} {chosen.version}",
    )


def context(report: bias.BiasReport) -> dict[str, Any]:
    """Return what the report templates show: the figures, the charts, the alerts."""
    charts = [
        (ratio_chart(d, report.settings.band), chart_svg(ratio_chart(d, report.settings.band)))
        for d in report.disparities
        if d.groups
    ]
    return {
        "report": report,
        "charts": charts,
        "proxies": [p for p in report.proxies if not p.conduct or p.likely_proxy],
        "conduct": [p for p in report.proxies if p.conduct],
        "band": report.settings.band,
        "banner": SYNTHETIC_BANNER,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def report_html(report: bias.BiasReport) -> str:
    """Return the bias report as one self-contained HTML file."""
    css = (render.TEMPLATES / "base.css").read_text(encoding="utf-8")
    data = {**context(report), "document_title": TITLE, "inline_css": css}
    return render.render_html("bias_report.html", data, search=SEARCH)


def report_pdf(report: bias.BiasReport) -> bytes:
    """Return the bias report as a PDF."""
    return render.render_pdf("bias_report.html", context(report), title=TITLE, search=SEARCH)


# The metrics a summary (and the system card's section on groups) lists.
SUMMARY_METRICS = ("selection", "priority", "false_positive", "truth_fpr")


def summary(report: bias.BiasReport) -> dict[str, Any]:
    """Return the report as the JSON the system card reads (``docs/bias-report.json``).

    ``groups`` lists the main metrics' groups, ``alerts`` the alerts in words, and
    ``report`` holds every figure.
    """
    groups = [
        {
            "metric": d.metric,
            "attribute": d.attribute,
            "group": g.group,
            "persons": g.n,
            "rate": round(g.rate, 4),
            "ratio": None if g.ratio is None else round(g.ratio, 3),
            "ci": None if g.ci_low is None else f"{g.ci_low:.2f}-{g.ci_high:.2f}",
            "alert": g.alert,
        }
        for d in report.disparities
        if d.metric in SUMMARY_METRICS and d.attribute in bias.PROTECTED
        for g in d.groups
    ]
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "policy": report.policy,
        "persons": report.persons,
        "likely_proxies": bias.likely_proxies(report),
        "groups": groups,
        "alerts": [a.message for a in report.alerts],
        "report": report.to_dict(),
    }


def write(report: bias.BiasReport, out: Path) -> Path:
    """Write the report to ``out``: PDF for ``.pdf``, JSON for ``.json``, HTML otherwise."""
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        out.write_bytes(report_pdf(report))
    elif suffix == ".json":
        out.write_text(json.dumps(summary(report), indent=2, sort_keys=True), encoding="utf-8")
    else:
        out.write_text(report_html(report), encoding="utf-8")
    return out
