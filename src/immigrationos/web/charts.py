"""Charts drawn server-side as inline SVG by the templates: no chart script in the browser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BAR_HEIGHT = 28
LABEL_WIDTH = 190
CHART_WIDTH = 560


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, value and geometry."""

    label: str
    value: int
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart drawn as inline SVG by the template (no script)."""

    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    width: int = CHART_WIDTH


def bar_chart(title: str, counts: list[tuple[str, int]]) -> BarChart:
    """Return a horizontal bar chart of ``counts``, bars scaled to the largest."""
    top = max((v for _, v in counts), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 60
    bars = [
        Bar(label=label, value=value, y=i * BAR_HEIGHT, width=max(int(room * value / top), 1))
        for i, (label, value) in enumerate(counts)
    ]
    return BarChart(title=title, bars=bars, height=max(len(bars), 1) * BAR_HEIGHT)


WATERFALL_WIDTH = 520
WATERFALL_LABEL = 170


@dataclass(frozen=True)
class Step:
    """One bar of a waterfall: where it starts and ends on the weight axis, in pixels."""

    label: str
    weight: float
    x: int
    width: int
    y: int
    positive: bool


@dataclass(frozen=True)
class Waterfall:
    """Prior weight plus each comparison's weight adds up to the link's match weight."""

    steps: list[Step]
    zero_x: int
    height: int
    match_weight: float
    match_probability: float
    label_width: int = WATERFALL_LABEL
    width: int = WATERFALL_WIDTH


def waterfall(explanation: Any) -> Waterfall | None:
    """Return the waterfall of a link's explanation (None if it has no steps to draw)."""
    if not isinstance(explanation, dict) or "prior_weight" not in explanation:
        return None
    parts = [("prior", float(explanation["prior_weight"]))]
    for step in explanation.get("steps") or []:
        level = step.get("level")
        parts.append(
            (
                f"{step.get('comparison')}: {level}" if level else str(step.get("comparison")),
                float(step.get("weight", 0.0)),
            )
        )
    running, spans = 0.0, []
    for label, weight in parts:
        spans.append((label, weight, running, running + weight))
        running += weight
    low = min(0.0, *(min(a, b) for _, _, a, b in spans))
    high = max(0.0, *(max(a, b) for _, _, a, b in spans))
    room = WATERFALL_WIDTH - WATERFALL_LABEL - 70
    scale = room / ((high - low) or 1.0)

    def x(value: float) -> int:
        return WATERFALL_LABEL + int((value - low) * scale)

    steps = [
        Step(
            label=label,
            weight=weight,
            x=min(x(a), x(b)),
            width=max(abs(x(b) - x(a)), 1),
            y=i * BAR_HEIGHT,
            positive=weight >= 0,
        )
        for i, (label, weight, a, b) in enumerate(spans)
    ]
    return Waterfall(
        steps=steps,
        zero_x=x(0.0),
        height=len(steps) * BAR_HEIGHT,
        match_weight=float(explanation.get("match_weight", running)),
        match_probability=float(explanation.get("match_probability", 0.0)),
    )
